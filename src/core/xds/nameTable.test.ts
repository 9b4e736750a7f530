import { describe, expect, it } from 'vitest';
import { analyze, traceRequest, type Trace, type TraceOptions, type TraceRequest } from '../index.ts';
import { doc, istio, namespace, pod, proxyConfigFor, service } from '../testkit.ts';

function trace(text: string, request: TraceRequest, options: TraceOptions = {}): Trace {
  const result = traceRequest(analyze([{ name: 'scenario.yaml', text }]), request, options);
  if (!result.ok) throw new Error(result.reason);
  return result.trace;
}
const lookup = (text: string, to: string, dnsCapture: boolean) =>
  trace(text, { from: 'app/client', to, port: 80, protocol: 'http' }, { dnsCapture }).dns;

const base = doc(
  namespace('app', { 'istio-injection': 'enabled' }),
  pod('client', 'app', { labels: { app: 'client' }, ip: '10.244.0.10' }),
);

describe('wildcard hosts in the agent name table (pkg/dns/client/dns.go: lookupHost)', () => {
  const entry = (name: string, host: string, address: string) =>
    istio(
      'ServiceEntry',
      name,
      'app',
      `hosts: ["${host}"]\naddresses: [${address}]\nresolution: NONE\n` +
        `ports: [{number: 80, name: http, protocol: HTTP}]`,
    );
  // The wide wildcard comes first, so a first-match lookup would answer with it.
  const text = doc(
    base,
    entry('wide', '*.example.internal', '240.1.0.1'),
    entry('narrow', '*.b.example.internal', '240.1.0.2'),
    entry('wider-first', '*.c.example.internal', '240.1.0.3'),
    entry('exact', 'x.c.example.internal', '240.1.0.4'),
  );

  it('answers with the most specific wildcard: *.b.example before *.example, for the name as asked', () => {
    expect(lookup(text, 'a.b.example.internal', true)).toMatchObject({
      resolver: 'istio-agent',
      name: 'a.b.example.internal',
      answers: ['240.1.0.2'],
    });
    expect(lookup(text, 'deep.a.b.example.internal', true).answers).toEqual(['240.1.0.2']);
    expect(lookup(text, 'a.d.example.internal', true).answers).toEqual(['240.1.0.1']);
  });

  it('answers an exact host before any wildcard, wherever it sits in the table', () => {
    expect(lookup(text, 'x.c.example.internal', true)).toMatchObject({
      name: 'x.c.example.internal',
      answers: ['240.1.0.4'],
    });
    expect(lookup(text, 'y.c.example.internal', true).answers).toEqual(['240.1.0.3']);
  });

  it('routes the answer it gave: the narrow entry’s address reaches the narrow entry', () => {
    const t = trace(text, { from: 'app/client', to: 'http://a.b.example.internal/' }, { dnsCapture: true });
    expect(t.hops[0]).toMatchObject({ listener: '0.0.0.0_80' });
    expect(t.dns.answers).toEqual(['240.1.0.2']);
  });
});

describe('names the agent expands with the first search domain (dns.go: buildDNSAnswers)', () => {
  it('a full name followed by the search domain is not in the table: forwarded, then the full name answers', () => {
    const text = doc(base, service('reviews', 'app', { ports: [{ port: 80, name: 'http' }], clusterIP: '10.96.0.30' }));
    const t = trace(text, { from: 'app/client', to: 'http://reviews.app.svc.cluster.local/' }, { dnsCapture: true });
    expect(t.dns).toMatchObject({ resolver: 'istio-agent', answers: ['10.96.0.30'] });
    const tried = t.steps.find((s) => s.kind === 'dns')?.detail ?? '';
    expect(tried).toContain('reviews.app.svc.cluster.local.app.svc.cluster.local (kube-dns (forwarded): NXDOMAIN)');
    expect(tried).toContain('reviews.app.svc.cluster.local (istio-agent name table)');
    // A short name followed by the search domain is answered at once.
    const short = trace(text, { from: 'app/client', to: 'http://reviews.app/' }, { dnsCapture: true });
    expect(short.steps.find((s) => s.kind === 'dns')?.detail).toContain(
      'Tried: reviews.app.app.svc.cluster.local (istio-agent name table).',
    );
  });
});

/** A pod with spec.hostname and spec.subdomain, as a StatefulSet makes them. */
const namedPod = (name: string, ip: string, hostname: string | undefined, subdomain: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: app, labels: {app: web}}
spec:
${hostname ? `  hostname: ${hostname}\n` : ''}  subdomain: ${subdomain}
  containers: [{name: app, image: web, ports: [{containerPort: 80}]}]
status:
  phase: Running
  podIP: ${ip}
  conditions: [{type: Ready, status: "True"}]`;

describe('a pod’s own DNS name under a headless Service (<hostname>.<subdomain>.<ns>.svc.<domain>)', () => {
  const text = doc(
    base,
    service('web', 'app', { clusterIP: 'None', selector: { app: 'web' }, ports: [{ port: 80, name: 'http' }] }),
    namedPod('web-0', '10.244.2.10', 'web-0', 'web'),
    namedPod('web-1', '10.244.2.11', 'web-1', 'web'),
    namedPod('web-x', '10.244.2.12', undefined, 'web'),
  );

  it('kube-dns answers it with that pod’s IP, for the short and the full name', () => {
    expect(lookup(text, 'web-1.web', false)).toMatchObject({
      resolver: 'kube-dns',
      name: 'web-1.web.app.svc.cluster.local',
      answers: ['10.244.2.11'],
      rcode: 'NOERROR',
    });
    expect(lookup(text, 'web-0.web.app.svc.cluster.local', false).answers).toEqual(['10.244.2.10']);
    // Without spec.hostname Kubernetes publishes no name for the pod.
    expect(lookup(text, 'web-x.web', false).rcode).toBe('NXDOMAIN');
    // The Service name itself still answers every pod.
    expect(lookup(text, 'web', false).answers).toEqual(['10.244.2.10', '10.244.2.11', '10.244.2.12']);
  });

  it('the agent name table carries it too (pkg/dns/server/name_table.go), the hostname defaulting to pod name', () => {
    const capturing = pod('capturing', 'app', {
      ip: '10.244.0.11',
      annotations: { 'proxy.istio.io/config': "{proxyMetadata: {ISTIO_META_DNS_CAPTURE: 'true'}}" },
    });
    const table = proxyConfigFor(doc(text, capturing), 'app/capturing').nameTable;
    expect(table.find((e) => e.name === 'web-1.web.app.svc.cluster.local')).toMatchObject({
      addresses: ['10.244.2.11'],
      altNames: ['web-1.web.app', 'web-1.web.app.svc', 'web-1.web'],
    });
    expect(table.find((e) => e.name === 'web-x.web.app.svc.cluster.local')?.addresses).toEqual(['10.244.2.12']);
    expect(lookup(text, 'web-1.web', true)).toMatchObject({
      resolver: 'istio-agent',
      name: 'web-1.web.app.svc.cluster.local',
      answers: ['10.244.2.11'],
    });
  });

  it('a request to the pod’s name goes to that pod', () => {
    const t = trace(text, { from: 'app/client', to: 'http://web-1.web/' });
    expect(t.hops.at(-1)).toMatchObject({ proxy: 'app/web-1', direction: 'inbound' });
  });

  it('a StatefulSet without pods in the manifests gives its pods <name>-<i>.<serviceName>', () => {
    const statefulSet = doc(
      base,
      service('db', 'app', { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432, name: 'tcp-pg' }] }),
      `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: app}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: pg, image: postgres, ports: [{containerPort: 5432}]}]}`,
    );
    const t = trace(statefulSet, { from: 'app/client', to: 'db-1.db', port: 5432, protocol: 'tcp' });
    expect(t.dns.name).toBe('db-1.db.app.svc.cluster.local');
    expect(t.hops.at(-1)).toMatchObject({ proxy: 'app/db-1', direction: 'inbound' });
  });
});
