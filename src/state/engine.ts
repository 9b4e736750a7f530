import {
  analyze,
  APP_PROTOCOLS,
  traceRequest,
  type Analysis,
  type ManifestFile,
  type TraceOptions,
  type TraceRequest,
  type TraceResult,
} from '../core/index.ts';
import {
  leanAnalysis,
  proxyConfigView,
  samePlaces,
  traceView,
  type ObjectPlaces,
  type LeanAnalysis,
  type ProxyConfigView,
  type TraceView,
} from './leanView.ts';
import type { MeshOptions, RequestInput } from './scenarioCodec.ts';
import { EMPTY_PATH_TESTS, runWorkspaceTests, splitWorkspace, type PathTestsView } from './pathTests.ts';

/** The inputs the app computes from: the scenario, and the pod whose proxy config the Proxy config panel shows. */
export interface EngineInput {
  files: ManifestFile[];
  request: RequestInput;
  options: MeshOptions;
  /** Set while the Proxy config panel is open. */
  proxyConfigFor?: string | undefined;
}

/** A message to the analysis worker: the files travel only when they changed since the last job. */
export interface EngineJob {
  id: number;
  input: Omit<EngineInput, 'files'> & { files?: ManifestFile[] };
}

/**
 * What one run sends back: the parts of the lean analysis that changed since the session's last output (none when
 * only the request changed), the trace, and the proxy config when it was computed again.
 */
export interface EngineOutput {
  analysis?: Partial<LeanAnalysis>;
  /** The trace and the pod its source finds, when they differ from the last output's. */
  trace?: TraceView;
  proxyConfig?: { pod: string; view: ProxyConfigView };
  /** The results of the tests files in the workspace, when they changed. */
  pathTests?: PathTestsView;
}

/** The request form as the core's TraceRequest, or why it cannot be one yet. */
export function toTraceRequest(input: RequestInput): TraceRequest | string {
  if (input.from.trim() === '') return 'Pick a source pod.';
  if (input.to.trim() === '') return 'Type a destination: a hostname, an IP or a URL.';
  const request: TraceRequest = { from: input.from.trim(), to: input.to.trim() };
  if (input.port.trim() !== '') {
    const port = Number(input.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      return `Port must be a number from 1 to 65535, not ${input.port}.`;
    request.port = port;
  }
  if (input.protocol !== '') {
    const protocol = APP_PROTOCOLS.find((p) => p === input.protocol);
    if (!protocol) return `Unknown protocol ${input.protocol}.`;
    request.protocol = protocol;
  }
  if (input.method.trim() !== '') request.method = input.method.trim();
  if (input.path.trim() !== '')
    request.path = input.path.trim().startsWith('/') ? input.path.trim() : `/${input.path.trim()}`;
  if (input.sni.trim() !== '') request.sni = input.sni.trim();
  const address = input.address?.trim() ?? '';
  if (address !== '') request.address = address;
  const headers: Record<string, string> = {};
  for (const line of input.headers.split('\n')) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return `A header must be "Name: value", not "${line.trim()}".`;
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  if (Object.keys(headers).length > 0) request.headers = headers;
  return request;
}

export function toTraceOptions(options: MeshOptions): TraceOptions {
  return {
    ...(options.outboundTrafficPolicy !== 'manifests' ? { outboundTrafficPolicy: options.outboundTrafficPolicy } : {}),
    ...(options.dnsCapture !== 'manifests' ? { dnsCapture: options.dnsCapture === 'on' } : {}),
  };
}

function sameFiles(a: readonly ManifestFile[], b: readonly ManifestFile[]): boolean {
  return a.length === b.length && a.every((file, i) => file.name === b[i]?.name && file.text === b[i]?.text);
}

const JSON_PARTS = ['objectCount', 'diagnostics', 'assumptions', 'pods', 'mesh', 'graph', 'ends'] as const;

/**
 * Owns the analysis between runs (in the Web Worker, or on the main thread when there is no worker): a manifest edit
 * analyses again; a change of request or what-if option only traces again on the kept analysis; the proxy config is
 * computed for the pod asked for, once per analysis. It returns only what the screen shows, and of that only what
 * changed since its last output, so the message to the main thread stays small.
 */
export class EngineSession {
  private files: readonly ManifestFile[] | undefined;
  private analysis: Analysis | undefined;
  /** The JSON of each lean part last sent, to leave out the parts an edit did not change. */
  private sent = new Map<string, string>();
  private sentPlaces: ObjectPlaces | undefined;
  private sentTrace: string | undefined;
  private traced: { analysis: Analysis; key: string; view: TraceView } | undefined;
  private proxied: { analysis: Analysis; pod: string } | undefined;
  private tested: { analysis: Analysis; files: ManifestFile[]; json: string } | undefined;

  run(whole: EngineInput): EngineOutput {
    // Tests files are run against the manifests, not read as manifests.
    const { manifests, tests } = splitWorkspace(whole.files);
    const input = { ...whole, files: manifests };
    let analysis = this.analysis;
    let lean: LeanAnalysis | undefined;
    if (!analysis || !this.files || !sameFiles(this.files, input.files)) {
      analysis = analyze(input.files);
      lean = leanAnalysis(analysis);
    }
    const pathTests =
      this.tested && this.tested.analysis === analysis && sameFiles(this.tested.files, tests)
        ? undefined
        : testsOf(analysis, input.files, tests);
    const key = JSON.stringify([input.request, input.options]);
    const traced =
      this.traced && this.traced.analysis === analysis && this.traced.key === key
        ? this.traced
        : { analysis, key, view: traceOf(analysis, input) };
    const pod = input.proxyConfigFor;
    const proxyConfig =
      pod !== undefined && (this.proxied?.analysis !== analysis || this.proxied.pod !== pod)
        ? { pod, view: proxyConfigView(analysis, pod) }
        : undefined;

    // Everything computed: now remember it, and say only what changed.
    const output: EngineOutput = {};
    // An edit that moves no line the path cites leaves the trace as it was: the path view keeps its drawing.
    const traceJson = traced === this.traced ? this.sentTrace : JSON.stringify(traced.view);
    if (traceJson !== this.sentTrace) output.trace = traced.view;
    if (lean) {
      const changed: Partial<Record<keyof LeanAnalysis, unknown>> = {};
      for (const part of JSON_PARTS) {
        const json = JSON.stringify(lean[part]);
        if (this.sent.get(part) === json) continue;
        this.sent.set(part, json);
        changed[part] = lean[part];
      }
      if (!this.sentPlaces || !samePlaces(this.sentPlaces, lean.places)) {
        this.sentPlaces = lean.places;
        changed.places = lean.places;
      }
      if (Object.keys(changed).length > 0) output.analysis = changed as Partial<LeanAnalysis>;
    }
    if (pathTests) {
      const json = JSON.stringify(pathTests);
      if (json !== (this.tested?.json ?? JSON.stringify(EMPTY_PATH_TESTS))) output.pathTests = pathTests;
      this.tested = { analysis, files: tests, json };
    }
    if (proxyConfig) {
      output.proxyConfig = proxyConfig;
      this.proxied = { analysis, pod: proxyConfig.pod };
    }
    this.files = input.files;
    this.analysis = analysis;
    this.traced = traced;
    this.sentTrace = traceJson;
    return output;
  }
}

function testsOf(analysis: Analysis, manifests: ManifestFile[], tests: ManifestFile[]): PathTestsView {
  if (tests.length === 0) return EMPTY_PATH_TESTS;
  return runWorkspaceTests(analysis, (clusterDomain) => analyze(manifests, { clusterDomain }), tests);
}

function traceOf(analysis: Analysis, input: EngineInput): TraceView {
  const request = toTraceRequest(input.request);
  const result: TraceResult | undefined =
    typeof request !== 'string'
      ? traceRequest(analysis, request, toTraceOptions(input.options))
      : input.request.from === '' && input.request.to === ''
        ? undefined
        : { ok: false, reason: request };
  return traceView(analysis, input.files, input.request.from, result);
}
