import { describe, expect, it } from 'vitest';
import { exportAsDocuments, exportAsList, realisticObjects } from '../cli/realisticExport.ts';
import {
  analyze,
  computeProxyConfig,
  forgetEarlierReads,
  traceRequest,
  type Analysis,
  type ManifestFile,
} from './index.ts';

/**
 * An edit reuses what the documents it did not change were read into (parsed values, their model reads, their labels
 * in the object graph). Whatever is reused, the result must be the one a first read of the same text gives.
 */

/** Maps and Sets as entries, and the parsed objects by where they are (their values are compared through the model). */
function canonical(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) => {
    if (v instanceof Map) return { map: [...v.entries()] };
    if (v instanceof Set) return { set: [...v.values()] };
    if (key === 'origin') return undefined;
    return v;
  });
}

function summary(analysis: Analysis, files: readonly ManifestFile[]): Record<string, string> {
  const sidecars = analysis.model.pods.filter((pod) => pod.proxy.kind === 'sidecar');
  const from = sidecars.find((pod) => pod.namespace === 'team-1') ?? sidecars[0];
  const ref = from ? `${from.namespace}/${from.name}` : 'none/none';
  const requests = [
    'http://app-3.team-1/',
    'http://app-5.team-1/api',
    'http://app-2.team-0/',
    'https://api-4.example.com/',
  ];
  return {
    files: files.map((f) => f.name).join(','),
    objects: canonical(analysis.objects.map((o) => [o.kind, o.namespace, o.name, o.file, o.range, o.itemIndex])),
    diagnostics: canonical(analysis.diagnostics),
    findings: canonical(analysis.findings),
    assumptions: canonical(analysis.assumptions),
    model: canonical(analysis.model),
    graph: canonical(analysis.objectGraph),
    traces: canonical(requests.map((to) => traceRequest(analysis, { from: ref, to }))),
    proxyConfig: canonical(computeProxyConfig(analysis, ref)),
  };
}

function fromScratch(files: readonly ManifestFile[]): Analysis {
  forgetEarlierReads();
  return analyze(files);
}

/** Replaces the `nth` match of `find` (counted from the end when negative). */
function replaceAt(text: string, find: string, by: string, nth = 0): string {
  const starts: number[] = [];
  for (let at = text.indexOf(find); at >= 0; at = text.indexOf(find, at + 1)) starts.push(at);
  const at = starts[nth < 0 ? starts.length + nth : nth];
  if (at === undefined) throw new Error(`no match ${nth} of ${find}`);
  return text.slice(0, at) + by + text.slice(at + find.length);
}

/** Replaces the first match of `find` after the first match of `anchor`. */
function replaceAfter(text: string, anchor: string, find: string, by: string): string {
  const from = text.indexOf(anchor);
  const at = from < 0 ? -1 : text.indexOf(find, from);
  if (at < 0) throw new Error(`no ${find} after ${anchor}`);
  return text.slice(0, at) + by + text.slice(at + find.length);
}

describe('an edit read again from cached documents', () => {
  it('gives what a first read gives, over a series of edits', () => {
    const objects = realisticObjects(400);
    let documents = exportAsDocuments(objects);
    let list = exportAsList(realisticObjects(120).map((o) => o.replaceAll('team-', 'other-')));
    const steps: Array<[string, () => void]> = [
      ['first read', () => {}],
      [
        'one character of a VirtualService',
        () => (documents = replaceAt(documents, 'exact: jason', 'exact: jasoN', -1)),
      ],
      [
        'a Service selector',
        () => (documents = replaceAt(documents, 'selector:\n    app: app-3', 'selector:\n    app: app-4', 1)),
      ],
      ['a pod label', () => (documents = replaceAt(documents, 'version: v1', 'version: v2', 40))],
      [
        'an added Service, VirtualService and a Service with a wrong port',
        () =>
          (documents +=
            '---\napiVersion: v1\nkind: Service\nmetadata:\n  name: extra\n  namespace: team-1\nspec:\n' +
            '  selector:\n    app: app-1\n  ports:\n  - name: http\n    port: 80\n    targetPort: 8080\n' +
            '---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: extra\n' +
            '  namespace: team-1\nspec:\n  hosts:\n  - app-3\n  http:\n  - route:\n    - destination:\n' +
            '        host: extra\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: broken-port\n' +
            '  namespace: team-0\nspec:\n  ports:\n  - port: eighty\n'),
      ],
      ['lines inserted at the top (every position moves)', () => (documents = `# exported\n\n${documents}`)],
      ['a removed Pod', () => (documents = replaceAt(documents, '\n---\napiVersion: v1\nkind: Pod\n', '\n---\n', 5))],
      [
        'broken YAML in the middle',
        () => (documents = replaceAt(documents, 'kind: DestinationRule\n', 'kind: DestinationRule\n  bad: [\n', 3)),
      ],
      [
        'the broken YAML mended',
        () => (documents = replaceAt(documents, 'kind: DestinationRule\n  bad: [\n', 'kind: DestinationRule\n')),
      ],
      ['one List entry changed', () => (list = replaceAt(list, 'exact: jason', 'exact: json', 2))],
      [
        'a List entry removed',
        () => (list = replaceAt(list, '\n- apiVersion: v1\n  kind: ServiceAccount', '\n- a: b', 3)),
      ],
      // What the object graph makes again for the changed objects alone, and what makes it build all again.
      [
        'a DestinationRule for another host',
        () => (documents = replaceAt(documents, '  host: app-3\n  subsets:', '  host: app-5\n  subsets:', 1)),
      ],
      [
        'a VirtualService bound to a gateway',
        () =>
          (documents = replaceAt(
            documents,
            'spec:\n  hosts:\n    - app-2\n',
            'spec:\n  gateways:\n    - mesh\n    - ingress\n  hosts:\n    - app-2\n',
            0,
          )),
      ],
      [
        'a Deployment that selects other pods',
        () =>
          (documents = replaceAt(
            documents,
            'selector:\n    matchLabels:\n      app: app-2\n      version: v1',
            'selector:\n    matchLabels:\n      app: app-2\n      version: v2',
            1,
          )),
      ],
      [
        'a Service renamed',
        () =>
          (documents = replaceAt(
            documents,
            'name: app-4\n  namespace: team-1\n',
            'name: app-44\n  namespace: team-1\n',
          )),
      ],
      // What decides which VirtualService is the oldest.
      [
        'a VirtualService created earlier',
        () =>
          (documents = replaceAfter(
            documents,
            'name: routes-3\n  namespace: team-1\n',
            "creationTimestamp: '2026-10-02T09:14:27Z'",
            "creationTimestamp: '2020-01-01T00:00:00Z'",
          )),
      ],
      [
        'a VirtualService renamed',
        () =>
          (documents = replaceAt(
            documents,
            'name: routes-4\n  namespace: team-1\n',
            'name: a-routes\n  namespace: team-1\n',
          )),
      ],
      [
        'a VirtualService renamed as another one (the later one replaces it)',
        () =>
          (documents = replaceAt(
            documents,
            'name: routes-5\n  namespace: team-1\n',
            'name: routes-6\n  namespace: team-1\n',
          )),
      ],
      ['a duplicate of an object later in the file', () => (documents += `---\n${objects[30] ?? ''}\n`)],
      [
        'a whole namespace removed',
        () => (documents = documents.replaceAll('namespace: team-2\n', 'namespace: gone\n')),
      ],
    ];
    for (const [step, edit] of steps) {
      edit();
      const files = [
        { name: 'cluster.yaml', text: documents },
        { name: 'list.yaml', text: list },
      ];
      const incremental = summary(analyze(files), files);
      const scratch = summary(fromScratch(files), files);
      for (const part of Object.keys(scratch)) expect(incremental[part], `${step}: ${part}`).toBe(scratch[part]);
      // Analysed again on the warm caches right after: still the same.
      expect(summary(analyze(files), files).diagnostics, step).toBe(scratch.diagnostics);
    }
  }, 60_000);
});
