// `npm run bench`: how long Meshpath takes on realistic `kubectl get -A -o yaml` exports (managedFields, status,
// ownerReferences, injected istio-proxy sidecars) of 50, 2,000 and 20,000 objects, one document per object and as one
// `kind: List`. Prints medians measured in one process; asserts nothing. Run with --expose-gc for the heap figures.
import { CORE_SCHEMA, loadAll } from 'js-yaml';
import {
  analyze,
  computeProxyConfig,
  forgetEarlierReads,
  traceRequest,
  type Analysis,
  type ManifestFile,
} from '../core/index.ts';
import { buildObjectGraph } from '../core/mesh/objectGraph.ts';
import { parseManifests } from '../core/manifest/parse.ts';
import { validateObjects } from '../core/manifest/validate.ts';
import { buildMeshModel } from '../core/model/convert.ts';
import { exportAsDocuments, exportAsList, realisticObjects } from './realisticExport.ts';

const gc = (globalThis as { gc?: () => void }).gc;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function time(run: () => void): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

/** CPU milliseconds of this process (all its threads) while `run` runs: steadier than wall time on a busy machine. */
function cpuTime(run: () => void): number {
  const started = process.cpuUsage();
  run();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000;
}

/**
 * The heap in use once the current job has ended (WeakRef targets read in it are let go, as between two edits in the
 * app) and the garbage collector has run three times, a few milliseconds apart so that its sweeping has finished: read
 * straight after one collection, the figure wandered by a third.
 */
async function settledHeap(collect: () => void): Promise<number> {
  for (let round = 0; round < 3; round++) {
    collect();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return process.memoryUsage().heapUsed;
}

/** Bytes of heap still used after `make` returns, with what it returned kept alive (needs --expose-gc). */
async function heapKept(make: () => unknown): Promise<number> {
  if (!gc) return Number.NaN;
  const before = await settledHeap(gc);
  const kept = make();
  const after = await settledHeap(gc);
  if (kept === undefined) throw new Error('nothing kept');
  return after - before;
}

interface Row {
  objects: number;
  variant: string;
  megabytes: number;
  loadAll: number;
  analyze: number;
  /** analyze() ÷ loadAll in CPU time. */
  cpuRatio: number;
  reanalyze: number;
  proxyConfig: number;
  trace: number;
  retrace: number;
  edit: number;
  /** The median of the pairs, and their lowest and highest. */
  heapRatio: number;
  heapRange: [number, number];
  perObject: { parse: number; validate: number; model: number; graph: number };
}

/** The sidecar pod the trace starts from: the first pod of the second namespace, which calls a service of its own. */
function client(analysis: Analysis): { from: string; podRef: string; namespace: string } {
  const pods = analysis.model.pods.filter((pod) => pod.proxy.kind === 'sidecar');
  const pod = pods.find((p) => p.namespace === 'team-1') ?? pods[0];
  if (!pod) throw new Error('no sidecar pod in the generated export');
  return {
    from: `${pod.namespace}/${pod.name}`,
    podRef: `${pod.namespace}/${pod.name}`,
    namespace: pod.namespace,
  };
}

/**
 * Lets the current job end: what was kept only for the job (the targets of WeakRefs made or read in it, which the
 * incremental builds use to find the previous build) can then be collected, as between two edits in the app.
 */
const endJob = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function measure(objects: number, variant: 'documents' | 'List', runs: number, warmUp: boolean): Promise<Row> {
  const items = realisticObjects(objects);
  const text = variant === 'List' ? exportAsList(items) : exportAsDocuments(items);
  const files: ManifestFile[] = [{ name: 'cluster.yaml', text }];
  const loadTimes: number[] = [];
  const analyzeTimes: number[] = [];
  const cpuRatios: number[] = [];
  const reanalyzeTimes: number[] = [];
  const proxyTimes: number[] = [];
  const traceTimes: number[] = [];
  const retraceTimes: number[] = [];
  const editTimes: number[] = [];
  const stages = { parse: [] as number[], validate: [] as number[], model: [] as number[], graph: [] as number[] };
  // The edit: one character of the last VirtualService's match value (a different one each run), which re-reads one
  // document, or one entry of the List.
  const at = text.lastIndexOf('exact: jason') + 'exact: jaso'.length;
  const edited = (run: number): ManifestFile[] => [
    { name: 'cluster.yaml', text: `${text.slice(0, at)}${String.fromCharCode(65 + run + 1)}${text.slice(at + 1)}` },
  ];
  for (let run = warmUp ? -1 : 0; run < runs; run++) {
    await endJob();
    let load = 0;
    const loadCpu = cpuTime(() => {
      load = time(() => loadAll(text, { schema: CORE_SCHEMA }));
    });
    forgetEarlierReads();
    let analysis: Analysis | undefined;
    let first = 0;
    const firstCpu = cpuTime(() => {
      first = time(() => {
        analysis = analyze(files);
      });
    });
    if (!analysis) throw new Error('no analysis');
    const again = time(() => analyze(files));
    const { from, podRef, namespace } = client(analysis);
    const proxy = time(() => {
      const result = computeProxyConfig(analysis as Analysis, podRef);
      if (!result.ok) throw new Error(result.reason);
    });
    const trace = time(() => {
      const result = traceRequest(analysis as Analysis, { from, to: `http://app-3.${namespace}/` });
      if (!result.ok) throw new Error(result.reason);
    });
    const retrace = time(() => traceRequest(analysis as Analysis, { from, to: `http://app-5.${namespace}/api` }));
    const changed = edited(run);
    const edit = time(() => traceRequest(analyze(changed), { from, to: `http://app-5.${namespace}/api` }));
    // Each stage alone, from a cold parse.
    forgetEarlierReads();
    let parsed: ReturnType<typeof parseManifests> | undefined;
    const parse = time(() => {
      parsed = parseManifests(files);
    });
    if (!parsed) throw new Error('no parse');
    const { objects: read, lineIndexes, diagnostics } = parsed;
    const validate = time(() => validateObjects(read, lineIndexes, diagnostics));
    const model = time(() => buildMeshModel(read, lineIndexes, diagnostics));
    const graph = time(() => buildObjectGraph(read));
    if (run < 0) continue; // warm-up
    loadTimes.push(load);
    analyzeTimes.push(first);
    cpuRatios.push(firstCpu / loadCpu);
    reanalyzeTimes.push(again);
    proxyTimes.push(proxy);
    traceTimes.push(trace);
    retraceTimes.push(retrace);
    editTimes.push(edit);
    stages.parse.push(parse);
    stages.validate.push(validate);
    stages.model.push(model);
    stages.graph.push(graph);
  }
  // Heap figures of a small input are below what the garbage collector leaves behind: measured from 2,000 objects.
  // Five pairs, each a bare parse then a first read, after the timed runs (edits and traces) have filled every cache.
  const heapRatios: number[] = [];
  for (let pair = 0; objects >= 2_000 && pair < 5; pair++) {
    await endJob();
    const bare = await heapKept(() => loadAll(text, { schema: CORE_SCHEMA }));
    forgetEarlierReads();
    heapRatios.push((await heapKept(() => analyze(files))) / bare);
  }
  const perObject = (values: number[]) => (median(values) * 1000) / objects;
  return {
    objects,
    variant,
    megabytes: text.length / 1e6,
    loadAll: median(loadTimes),
    analyze: median(analyzeTimes),
    cpuRatio: median(cpuRatios),
    reanalyze: median(reanalyzeTimes),
    proxyConfig: median(proxyTimes),
    trace: median(traceTimes),
    retrace: median(retraceTimes),
    edit: median(editTimes),
    heapRatio: heapRatios.length > 0 ? median(heapRatios) : Number.NaN,
    heapRange: [Math.min(...heapRatios), Math.max(...heapRatios)],
    perObject: {
      parse: perObject(stages.parse),
      validate: perObject(stages.validate),
      model: perObject(stages.model),
      graph: perObject(stages.graph),
    },
  };
}

const columns: Array<[string, (row: Row) => string]> = [
  ['objects', (row) => row.objects.toLocaleString('en-US')],
  ['variant', (row) => row.variant],
  ['MB', (row) => row.megabytes.toFixed(1)],
  ['loadAll ms', (row) => row.loadAll.toFixed(0)],
  ['analyze ms', (row) => row.analyze.toFixed(0)],
  ['÷ loadAll', (row) => `${(row.analyze / row.loadAll).toFixed(2)}×`],
  ['÷ loadAll (CPU)', (row) => `${row.cpuRatio.toFixed(2)}×`],
  ['same text ms', (row) => row.reanalyze.toFixed(0)],
  ['proxy config ms', (row) => row.proxyConfig.toFixed(1)],
  ['trace ms', (row) => row.trace.toFixed(1)],
  ['re-trace ms', (row) => row.retrace.toFixed(1)],
  ['edit→trace ms', (row) => row.edit.toFixed(0)],
  [
    'heap ÷ loadAll (median, range)',
    (row) =>
      Number.isNaN(row.heapRatio)
        ? 'n/a'
        : `${row.heapRatio.toFixed(2)}× (${row.heapRange[0].toFixed(2)}–${row.heapRange[1].toFixed(2)})`,
  ],
  ['µs/object parse', (row) => row.perObject.parse.toFixed(1)],
  ['validate', (row) => row.perObject.validate.toFixed(1)],
  ['model', (row) => row.perObject.model.toFixed(1)],
  ['object graph', (row) => row.perObject.graph.toFixed(1)],
];

// Objects, runs, and whether a run is made first to warm the JIT up (at 20,000 the smaller sizes have warmed it).
const sizes: Array<[number, number, boolean]> = [
  [50, 7, true],
  [2_000, 5, true],
  [20_000, 2, false],
];
const only = process.argv.slice(2).map(Number).filter(Number.isFinite);
console.log(
  [
    'analyze(): parse, validation, mesh model and object graph (cold: nothing read before); same text: analyze()',
    'again; proxy config: one sidecar pod; trace: one HTTP request to a service of its namespace; re-trace: another',
    'destination on the same analysis; edit→trace: one character changed in one VirtualService, then analyze() and',
    'trace; heap: what analyze() keeps ÷ what a bare js-yaml loadAll keeps, measured in five pairs once the job has',
    'ended (the median, and the lowest and highest); µs/object: each stage alone, per object.',
    'Medians in one process; (CPU): the ratio of CPU times, steadier than wall time on a busy machine.',
  ].join('\n'),
);
if (!gc) console.log('(run node with --expose-gc for the heap column)');
console.log(`| ${columns.map(([name]) => name).join(' | ')} |`);
console.log(`|${columns.map(() => '---:').join('|')}|`);
const started = performance.now();
for (const [objects, runs, warmUp] of sizes) {
  if (only.length > 0 && !only.includes(objects)) continue;
  for (const variant of ['documents', 'List'] as const) {
    const row = await measure(objects, variant, runs, warmUp);
    console.log(`| ${columns.map(([, cell]) => cell(row)).join(' | ')} |`);
  }
}
console.log(`Bench run: ${((performance.now() - started) / 1000).toFixed(0)} s.`);
