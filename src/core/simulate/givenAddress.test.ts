// `--address`: the IP the application connects to, whatever DNS would say (curl --resolve / --connect-to), as
// Istio's simulator takes a call's destination address as given (pilot/pkg/simulation/traffic.go: Call.Address).
import { describe, expect, it } from 'vitest';
import { analyze, traceRequest, type TraceOptions, type TraceRequest } from '../index.ts';
import { doc, istio, namespace, pod, service } from '../testkit.ts';
import type { Simulation, StepFact } from './facts.ts';
import { simulateRequest } from './trace.ts';

function trace(text: string, request: TraceRequest, options: TraceOptions = {}): Simulation {
  const result = simulateRequest(analyze([{ name: 'scenario.yaml', text }]), request, options);
  if (!result.ok) throw new Error(result.reason);
  return result.simulation;
}
const dnsFact = (t: Simulation): StepFact | undefined => t.steps.find((s) => s.fact.kind === 'dns')?.fact;
const captureFact = (t: Simulation): StepFact | undefined => t.steps.find((s) => s.fact.kind === 'capture')?.fact;

const mesh = doc(
  namespace('app', { 'istio-injection': 'enabled' }),
  pod('client', 'app', { labels: { app: 'client' }, ip: '10.244.0.10' }),
  service('reviews', 'app', {
    ports: [{ port: 9080, name: 'http' }],
    selector: { app: 'reviews' },
    clusterIP: '10.96.0.30',
  }),
  pod('reviews-v1', 'app', { labels: { app: 'reviews' }, ip: '10.244.1.1', ports: [{ containerPort: 9080 }] }),
  service('ratings', 'app', {
    ports: [{ port: 9080, name: 'http' }],
    selector: { app: 'ratings' },
    clusterIP: '10.96.0.40',
  }),
  pod('ratings-v1', 'app', { labels: { app: 'ratings' }, ip: '10.244.1.7', ports: [{ containerPort: 9080 }] }),
  service('db', 'app', { ports: [{ port: 5432, name: 'tcp-pg' }], selector: { app: 'db' }, clusterIP: '10.96.0.31' }),
  pod('db-0', 'app', { labels: { app: 'db' }, ip: '10.244.1.5' }),
  // A ServiceEntry with an address: without DNS capture nothing resolves its host (serviceentry_simulation_test.go
  // calls it by address and Host header).
  istio(
    'ServiceEntry',
    'foo',
    'app',
    'hosts: [foo.example]\naddresses: [240.1.1.1]\nresolution: STATIC\nlocation: MESH_EXTERNAL\n' +
      'ports: [{number: 80, name: http, protocol: HTTP}]\nendpoints: [{address: 192.0.2.50}]',
  ),
);

describe('--address: where the connection goes, whatever DNS says', () => {
  it('continues past a name DNS cannot resolve: capture, the address listener, the Host-chosen route', () => {
    const t = trace(mesh, { from: 'app/client', to: 'http://foo.example/', address: '240.1.1.1' });
    expect(t.outcome).toBe('routed');
    expect(t.status).toBe(200);
    expect(dnsFact(t)).toMatchObject({
      kind: 'dns',
      by: 'given',
      host: 'foo.example',
      address: '240.1.1.1',
      lookup: { rcode: 'NXDOMAIN', answers: [] },
    });
    expect(t.dns).toEqual({ resolver: 'none', name: 'foo.example', answers: ['240.1.1.1'], rcode: 'NOERROR' });
    expect(captureFact(t)).toMatchObject({ captured: true, address: '240.1.1.1', port: 80 });
    expect(t.hops[0]).toMatchObject({ virtualHost: 'foo.example:80', cluster: 'outbound|80||foo.example' });
    expect(t.request).toMatchObject({ host: 'foo.example', address: '240.1.1.1', headers: { host: 'foo.example' } });
    // Without the address the same request never leaves the pod.
    expect(trace(mesh, { from: 'app/client', to: 'http://foo.example/' }).outcome).toBe('dns-failure');
  });

  it('connects to the given address even when DNS would answer another one; Envoy routes by the Host header', () => {
    const t = trace(mesh, { from: 'app/client', to: 'http://reviews:9080/', address: '10.96.0.40' });
    expect(dnsFact(t)).toMatchObject({ by: 'given', address: '10.96.0.40', lookup: { answers: ['10.96.0.30'] } });
    expect(captureFact(t)).toMatchObject({ address: '10.96.0.40', port: 9080 });
    // HTTP on the shared 0.0.0.0_9080 listener: the Host header (reviews) picks the virtual host, not the address.
    expect(t.hops[0]).toMatchObject({
      listener: '0.0.0.0_9080',
      cluster: 'outbound|9080||reviews.app.svc.cluster.local',
    });
    // TCP has no Host: the address picks the listener, so a name of one service with the address of another goes
    // to the other.
    const tcp = trace(mesh, { from: 'app/client', to: 'reviews', port: 5432, protocol: 'tcp', address: '10.96.0.31' });
    expect(tcp.outcome).toBe('routed');
    expect(tcp.hops[0]).toMatchObject({
      listener: '10.96.0.31_5432',
      cluster: 'outbound|5432||db.app.svc.cluster.local',
    });
  });

  it('overrides an IP in the URL too: the connection goes to the address, the Host stays the URL', () => {
    const t = trace(mesh, { from: 'app/client', to: 'http://10.96.0.30:9080/', address: '10.96.0.31' });
    expect(dnsFact(t)).toEqual({
      kind: 'dns',
      by: 'given',
      host: '10.96.0.30',
      address: '10.96.0.31',
      lookup: undefined,
    });
    expect(captureFact(t)).toMatchObject({ address: '10.96.0.31' });
    expect(t.request.headers['host']).toBe('10.96.0.30:9080');
  });

  it('passes an unknown external name with a given address through to that address', () => {
    const t = trace(mesh, { from: 'app/client', to: 'http://nosuch.invalid/', address: '198.51.100.7' });
    expect(t.outcome).toBe('passthrough');
    expect(t.hops[0]).toMatchObject({ cluster: 'PassthroughCluster', endpoint: '198.51.100.7:80' });
  });

  it('refuses an address that is not an IP', () => {
    const result = simulateRequest(analyze([{ name: 'scenario.yaml', text: mesh }]), {
      from: 'app/client',
      to: 'http://reviews:9080/',
      address: 'reviews',
    });
    expect(result).toEqual({ ok: false, reason: 'The address to connect to must be an IP address, not reviews.' });
  });

  it('says in words that the address was given and what DNS would have said', () => {
    const result = traceRequest(analyze([{ name: 'scenario.yaml', text: mesh }]), {
      from: 'app/client',
      to: 'http://foo.example/',
      address: '240.1.1.1',
    });
    if (!result.ok) throw new Error(result.reason);
    const step = result.trace.steps[0];
    expect(step?.title).toBe('foo.example → 240.1.1.1 (address given)');
    expect(step?.detail).toContain('DNS would not resolve it');
    const differs = traceRequest(analyze([{ name: 'scenario.yaml', text: mesh }]), {
      from: 'app/client',
      to: 'http://reviews:9080/',
      address: '10.96.0.40',
    });
    if (!differs.ok) throw new Error(differs.reason);
    expect(differs.trace.steps[0]?.detail).toContain('DNS would answer differently (10.96.0.30)');
  });
});
