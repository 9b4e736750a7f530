import { describe, expect, it } from 'vitest';
import { analyze, traceRequest } from '../../core/index.ts';
import { leanAnalysis } from '../../state/leanView.ts';
import { breakable, pathElements } from './pathElements.ts';
import { meshViewElements } from './meshElements.ts';

/**
 * A pod and a Service whose names hold a bidi control (U+202E, which turns what follows around) and a zero-width
 * space (U+200B): the graphs draw them written out (`\u202E`), as every message does, so a name reads as what it is.
 */
const POD = 'sle\u202Eep';
const SERVICE = 'rev\u200Biews';
const pod = (name: string, app: string, ip: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: "${name}"\n  namespace: default\n` +
  `  annotations: {sidecar.istio.io/status: "{}"}\n  labels: {app: ${app}}\n` +
  `spec:\n  containers: [{name: c, image: x}]\nstatus: {podIP: ${ip}, phase: Running}\n`;
const MANIFESTS = [
  pod(POD, 'sleep', '10.0.0.1'),
  pod('reviews-1', 'reviews', '10.0.0.2'),
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: "${SERVICE}"\n  namespace: default\n` +
    'spec:\n  selector: {app: reviews}\n  ports: [{name: http, port: 9080}]\n',
].join('---\n');
const RAW = /[\u202E\u200B]/;

function traced() {
  const analysis = analyze([{ name: 'm.yaml', text: MANIFESTS }]);
  const result = traceRequest(analysis, { from: `default/${POD}`, to: `http://${SERVICE}:9080/` });
  if (!result.ok) throw new Error(result.reason);
  return { analysis, trace: result.trace };
}

describe('invisible characters in names drawn in the graphs', () => {
  it('the path graph writes them out in every label; breakable adds its zero-width spaces only after that', () => {
    const { nodes, edges } = pathElements(traced().trace);
    const labels = [...nodes.map((n) => n.label), ...edges.flatMap((e) => (e.label ? [e.label] : []))];
    expect(labels.filter((l) => RAW.test(l))).toEqual([]);
    const client = nodes.find((n) => n.id === 'client')?.label ?? '';
    expect(client).toContain('default/sle\\u202Eep');
    expect(client).toContain('rev\\u200Biews:9080');
    expect(labels.some((l) => l.includes('rev\\u200Biews.default.svc.cluster.local'))).toBe(true);
    // Drawn on the canvas: the only zero-width spaces are the wrapping points breakable adds.
    for (const label of labels) {
      const drawn = breakable(label);
      expect(drawn.replaceAll('\u200b', '')).toBe(label);
      expect(drawn).not.toMatch(/\u202E/);
    }
    // breakable escapes a raw name itself before it adds its wrapping points.
    expect(breakable(`pod ${POD}.default`).replaceAll('\u200b', '')).toBe('pod sle\\u202Eep.default');
  });

  it('the Mesh view writes them out in object labels, namespace boxes and reference labels', () => {
    const { analysis } = traced();
    const graph = leanAnalysis(analysis).graph;
    const view = meshViewElements(graph, { expanded: new Set(), search: '', onPath: new Set(), onPathOnly: false });
    const labels = [...view.nodes.map((n) => n.label), ...view.edges.map((e) => e.label)];
    expect(labels.filter((l) => RAW.test(l))).toEqual([]);
    expect(labels.some((l) => l.includes('sle\\u202Eep'))).toBe(true);
    expect(labels.some((l) => l.includes('rev\\u200Biews'))).toBe(true);
  });
});
