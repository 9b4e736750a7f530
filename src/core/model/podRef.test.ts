import { describe, expect, it } from 'vitest';
import { analyze, computeProxyConfig, lookupPod, traceRequest } from '../index.ts';
import { doc, pod, service } from '../testkit.ts';

const deployment = (name: string, ns: string, labels: Record<string, string>) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: ${labels['app'] ?? name}}}
  template:
    metadata: {labels: {${Object.entries(labels)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')}}}
    spec: {containers: [{name: app, image: app}]}`;

/** The egress scenario users paste: a sleep pod from a Deployment, without the Deployment. */
const pasted = doc(
  pod('sleep-7d9c8d7b6-abcde', 'default', { labels: { app: 'sleep' }, ip: '10.244.0.5' }),
  pod('toolbox', 'tools', { labels: { 'app.kubernetes.io/name': 'curl' }, ip: '10.244.0.6' }),
  service('web', 'shop', { ports: [{ port: 80, name: 'http' }], selector: { run: 'web' } }),
  pod('frontend-x', 'shop', { labels: { run: 'web' }, ip: '10.244.0.7' }),
);

const lookup = (text: string, ref: string) => {
  const found = lookupPod(analyze([{ name: 'm.yaml', text }]), ref);
  return { pod: found.pod && `${found.pod.namespace}/${found.pod.name}`, rule: found.rule, note: found.note };
};

describe('a source pod as users type it', () => {
  it('finds an exact namespace/name without a note', () => {
    expect(lookup(pasted, 'default/sleep-7d9c8d7b6-abcde')).toEqual({
      pod: 'default/sleep-7d9c8d7b6-abcde',
      rule: 'name',
      note: undefined,
    });
  });

  it('finds a bare pod name in any namespace', () => {
    expect(lookup(pasted, 'toolbox')).toMatchObject({ pod: 'tools/toolbox', rule: 'name' });
  });

  it('finds a pod by the name before its generated -<hash>-<suffix>, and says what it took', () => {
    const found = lookup(pasted, 'sleep');
    expect(found).toMatchObject({ pod: 'default/sleep-7d9c8d7b6-abcde', rule: 'generatedName' });
    expect(found.note).toContain('default/sleep-7d9c8d7b6-abcde');
  });

  it('takes deploy/NAME as kubectl exec does', () => {
    expect(lookup(pasted, 'deploy/sleep')).toMatchObject({ pod: 'default/sleep-7d9c8d7b6-abcde' });
  });

  it('finds a pod by its app.kubernetes.io/name label', () => {
    const found = lookup(pasted, 'curl');
    expect(found).toMatchObject({ pod: 'tools/toolbox', rule: 'label' });
    expect(found.note).toContain('app.kubernetes.io/name: curl');
  });

  it('finds a pod by the Service that selects it', () => {
    expect(lookup(pasted, 'shop/web')).toMatchObject({ pod: 'shop/frontend-x', rule: 'service' });
  });

  it('reads a source from earlier manifests in a namespace that is gone as the bare name, and says so', () => {
    const found = lookup(pasted, 'application/sleep');
    expect(found.pod).toBe('default/sleep-7d9c8d7b6-abcde');
    expect(found.note).toMatch(/^No pods in namespace application; /);
  });

  it('does not take a longer workload name for a prefix (sleep is not sleep-v2)', () => {
    const text = doc(pod('sleep-v2-abcde', 'default', { labels: { app: 'other' } }));
    expect(lookup(text, 'sleep').pod).toBeUndefined();
  });

  it('finds a workload by name, and a cluster pod name for a pod made from its template', () => {
    const text = deployment('ratings', 'shop', { app: 'ratings' });
    expect(lookup(text, 'ratings')).toMatchObject({ rule: 'workload' });
    expect(lookup(text, 'shop/ratings-5b4d9c7f8-q2w3e').pod).toMatch(/^shop\/ratings/);
  });

  it('lists pods of several workloads as choices instead of guessing', () => {
    const text = doc(
      deployment('reviews-v1', 'default', { app: 'reviews', version: 'v1' }),
      deployment('reviews-v2', 'default', { app: 'reviews', version: 'v2' }),
    );
    const analysis = analyze([{ name: 'm.yaml', text }]);
    const found = lookupPod(analysis, 'reviews');
    expect(found.pod).toBeUndefined();
    expect(found.rule).toBe('label');
    expect(found.choices.map((p) => p.owner?.name).sort()).toEqual(['reviews-v1', 'reviews-v2']);
    const trace = traceRequest(analysis, { from: 'reviews', to: 'reviews' });
    expect(trace.ok ? '' : trace.reason).toMatch(/^reviews fits several pods \(app label\): default\/reviews-v1/);
  });

  it('pods of one workload are one choice', () => {
    const text = doc(
      pod('sleep-7d9c8d7b6-abcde', 'default', { labels: { app: 'sleep' } }),
      pod('sleep-7d9c8d7b6-fghij', 'default', { labels: { app: 'sleep' }, ip: '10.244.0.9' }),
    );
    expect(lookup(text, 'sleep').pod).toBe('default/sleep-7d9c8d7b6-abcde');
  });

  it('never crashes on odd references', () => {
    for (const ref of ['', '/', 'a//b', 'a/b/c/d', ' ', '-', 'default/']) {
      expect(lookup(pasted, ref).pod).toBeUndefined();
    }
  });

  it('the trace and proxy-config read references the same way', () => {
    const analysis = analyze([{ name: 'm.yaml', text: pasted }]);
    const trace = traceRequest(analysis, { from: 'sleep', to: 'web.shop' });
    expect(trace.ok && trace.trace.request.from).toBe('default/sleep-7d9c8d7b6-abcde');
    const config = computeProxyConfig(analysis, 'application/sleep');
    expect(config.ok ? '' : config.reason).toMatch(/^Pod default\/sleep-7d9c8d7b6-abcde has no Istio proxy: /);
  });
});
