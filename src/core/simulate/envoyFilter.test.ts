// EnvoyFilters are not applied, but a trace names every one that selects a proxy on the path, on that hop and in
// the assumptions (pilot/pkg/model/push_context.go: EnvoyFilters; pilot/pkg/model/policyattachment.go).
import { describe, expect, it } from 'vitest';
import { analyze, traceRequest } from '../index.ts';
import { envoyFiltersFor } from '../scope/envoyFilters.ts';
import { doc, istio, namespace, pod, service } from '../testkit.ts';

const mesh = doc(
  namespace('app', { 'istio-injection': 'enabled' }),
  namespace('other', { 'istio-injection': 'enabled' }),
  namespace('istio-system'),
  pod('client', 'app', { labels: { app: 'client' }, ip: '10.244.0.10' }),
  service('reviews', 'app', {
    ports: [{ port: 9080, name: 'http' }],
    selector: { app: 'reviews' },
    clusterIP: '10.96.0.30',
  }),
  pod('reviews-v1', 'app', { labels: { app: 'reviews' }, ip: '10.244.1.1', ports: [{ containerPort: 9080 }] }),
  pod('edge', 'other', { labels: { 'gateway.networking.k8s.io/gateway-name': 'edge' }, ip: '10.244.3.1' }),
);

const meshWide = istio(
  'EnvoyFilter',
  'stats',
  'istio-system',
  'configPatches:\n- applyTo: HTTP_FILTER\n  match: {context: ANY}\n  patch: {operation: INSERT_BEFORE, value: {}}',
);
const inboundOnly = istio(
  'EnvoyFilter',
  'lua',
  'app',
  'workloadSelector: {labels: {app: reviews}}\nconfigPatches:\n' +
    '- applyTo: HTTP_FILTER\n  match: {context: SIDECAR_INBOUND}\n  patch: {operation: INSERT_BEFORE, value: {}}\n' +
    '- applyTo: CLUSTER\n  match: {context: SIDECAR_OUTBOUND}\n  patch: {operation: MERGE, value: {}}',
);
const elsewhere = istio(
  'EnvoyFilter',
  'foreign',
  'other',
  'configPatches:\n- applyTo: LISTENER\n  patch: {operation: MERGE, value: {}}',
);
const notMatching = istio(
  'EnvoyFilter',
  'ratings-only',
  'app',
  'workloadSelector: {labels: {app: ratings}}\nconfigPatches:\n' +
    '- applyTo: CLUSTER\n  patch: {operation: MERGE, value: {}}',
);
const targeted = istio(
  'EnvoyFilter',
  'edge-filter',
  'other',
  'targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: edge}]\nconfigPatches:\n' +
    '- applyTo: NETWORK_FILTER\n  match: {context: GATEWAY}\n  patch: {operation: MERGE, value: {}}',
);

function run(text: string) {
  const result = traceRequest(analyze([{ name: 'scenario.yaml', text }]), {
    from: 'app/client',
    to: 'http://reviews:9080/',
  });
  if (!result.ok) throw new Error(result.reason);
  return result.trace;
}

describe('EnvoyFilters on the path', () => {
  it('names each EnvoyFilter on the hop of the proxy it selects, with what it patches; the path stays', () => {
    const t = run(doc(mesh, meshWide, inboundOnly, elsewhere, notMatching));
    expect(t.outcome).toBe('routed');
    const notes = t.steps.filter((s) => s.kind === 'envoyFilter');
    expect(notes.map((s) => [s.hop, s.proxy, s.title])).toEqual([
      [0, 'app/client', 'EnvoyFilter istio-system/stats not applied'],
      [1, 'app/reviews-v1', 'EnvoyFilter istio-system/stats not applied'],
      [1, 'app/reviews-v1', 'EnvoyFilter app/lua not applied'],
    ]);
    expect(notes[0]?.detail).toContain('root namespace istio-system');
    expect(notes[0]?.detail).toContain('HTTP_FILTER in ANY (INSERT_BEFORE)');
    expect(notes[2]?.detail).toContain('HTTP_FILTER in SIDECAR_INBOUND (INSERT_BEFORE)');
    expect(notes[2]?.detail).toContain('CLUSTER in SIDECAR_OUTBOUND (MERGE), not the inbound side used here');
    expect(notes[2]?.sources.map((s) => `${s.kind}/${s.namespace ?? ''}/${s.name}`)).toEqual(['EnvoyFilter/app/lua']);
    expect(t.assumptions.filter((a) => a.startsWith('EnvoyFilter '))).toEqual([
      'EnvoyFilter istio-system/stats selects app/client on this path, but its patch is not applied: ' +
        'the path is what istiod would send before it.',
      'EnvoyFilter istio-system/stats selects app/reviews-v1 on this path, but its patch is not applied: ' +
        'the path is what istiod would send before it.',
      'EnvoyFilter app/lua selects app/reviews-v1 on this path, but its 2 patches are not applied: ' +
        'the path is what istiod would send before it.',
    ]);
    // Without EnvoyFilters nothing is said.
    expect(run(mesh).steps.some((s) => s.kind === 'envoyFilter')).toBe(false);
  });

  it('attaches targetRefs only to the Gateway API gateway they name, never to a sidecar', () => {
    const model = analyze([{ name: 'scenario.yaml', text: doc(mesh, targeted, elsewhere) }]).model;
    const edge = model.pods.find((p) => p.name === 'edge');
    const reviews = model.pods.find((p) => p.name === 'reviews-v1');
    if (!edge || !reviews) throw new Error('pods missing');
    expect(envoyFiltersFor(model, edge).map((f) => [f.name, f.by])).toEqual([
      ['edge-filter', 'targetRef'],
      ['foreign', 'namespace'],
    ]);
    expect(envoyFiltersFor(model, reviews)).toEqual([]);
    const withTargetRefInApp = doc(mesh, targeted.replace('other', 'app'));
    const again = analyze([{ name: 'scenario.yaml', text: withTargetRefInApp }]).model;
    const client = again.pods.find((p) => p.name === 'client');
    if (!client) throw new Error('client missing');
    expect(envoyFiltersFor(again, client)).toEqual([]);
  });
});
