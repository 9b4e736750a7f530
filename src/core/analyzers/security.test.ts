import { describe, expect, it } from 'vitest';
import { analyze, traceRequest } from '../index.ts';
import { doc, istio, namespace, pod, service } from '../testkit.ts';
import { findings } from './testkit.ts';

// httpbin (HTTP) and db (TCP) in the injected namespace `app`, a client there too.
const mesh = doc(
  namespace('app', { 'istio-injection': 'enabled' }),
  service('httpbin', 'app', {
    ports: [{ port: 8000, name: 'http', targetPort: 8080 }],
    selector: { app: 'httpbin' },
    clusterIP: '10.96.0.20',
  }),
  pod('httpbin-1', 'app', { labels: { app: 'httpbin' }, ip: '10.244.1.1' }),
  service('db', 'app', { ports: [{ port: 5432, name: 'tcp-pg' }], selector: { app: 'db' }, clusterIP: '10.96.0.21' }),
  pod('db-0', 'app', { labels: { app: 'db' }, ip: '10.244.1.2' }),
  pod('client', 'app', { labels: { app: 'client' }, ip: '10.244.1.9' }),
);
const strict = istio('PeerAuthentication', 'default', 'app', 'mtls: {mode: STRICT}');
const tls = (mode: string, extra = '') =>
  istio('DestinationRule', 'httpbin', 'app', `host: httpbin\ntrafficPolicy:\n  tls: {mode: ${mode}}${extra}`);

describe('client TLS toward STRICT workloads (istio#30117)', () => {
  it('reports nothing for ISTIO_MUTUAL, or DISABLE toward a PERMISSIVE workload', () => {
    expect(findings(doc(mesh, strict, tls('ISTIO_MUTUAL')), ['TLS_TO_STRICT'])).toEqual([]);
    expect(findings(doc(mesh, tls('DISABLE')), ['TLS_TO_STRICT'])).toEqual([]);
  });

  it('DISABLE toward STRICT: the finding names the pod and policy, and the trace fails the same way', () => {
    const text = doc(mesh, strict, tls('DISABLE'));
    const found = findings(text, ['TLS_TO_STRICT']);
    expect(found.map((f) => [f.severity, f.at])).toEqual([['error', 'DISABLE}']]);
    expect(found[0]?.message).toContain(
      'app/httpbin-1 requires mutual TLS on port 8080 (STRICT, from PeerAuthentication app/default)',
    );
    const result = traceRequest(analyze([{ name: 's.yaml', text }]), {
      from: 'app/client',
      to: 'http://httpbin:8000/',
    });
    if (!result.ok) throw new Error(result.reason);
    expect(result.trace.status).toBe(503);
  });

  it('a port-level setting replaces the top-level one for its port; subsets are checked too', () => {
    const portLevel = '\n  portLevelSettings:\n  - port: {number: 8000}\n    tls: {mode: ISTIO_MUTUAL}';
    expect(findings(doc(mesh, strict, tls('DISABLE', portLevel)), ['TLS_TO_STRICT'])).toEqual([]);
    const subset = istio(
      'DestinationRule',
      'httpbin',
      'app',
      'host: httpbin\nsubsets:\n- name: all\n  labels: {app: httpbin}\n  trafficPolicy: {tls: {mode: SIMPLE}}',
    );
    expect(findings(doc(mesh, strict, subset), ['TLS_TO_STRICT']).map((f) => f.at)).toEqual(['SIMPLE}}']);
  });
});

describe('AuthorizationPolicy on TCP ports, and ALLOW policies (pilot/pkg/security/authz/builder/builder.go)', () => {
  const policy = (name: string, app: string, body: string) =>
    istio('AuthorizationPolicy', name, 'app', `selector: {matchLabels: {app: ${app}}}\n${body}`);

  it('HTTP-only fields on an HTTP workload are fine; on a TCP one an ALLOW rule allows nothing', () => {
    const rule = 'action: ALLOW\nrules:\n- to: [{operation: {methods: [GET], paths: ["/x"]}}]';
    expect(findings(doc(mesh, policy('web', 'httpbin', rule)), ['AUTHZ_HTTP_ONLY_ON_TCP'])).toEqual([]);
    const found = findings(doc(mesh, policy('pg', 'db', rule)), ['AUTHZ_HTTP_ONLY_ON_TCP']);
    expect(found.map((f) => [f.severity, f.at])).toEqual([['warning', '[GET], paths: ["/x"]}}]']]);
    expect(found[0]?.message).toBe(
      'rules[0] uses to.operation.methods, to.operation.paths, which only HTTP requests ' +
        'carry: on TCP port 5432 of app/db-0, istiod leaves this rule out, so it allows nothing ' +
        'there.',
    );
  });

  it('a DENY rule with an HTTP-only condition refuses every TCP connection, and the trace agrees', () => {
    const text = doc(
      mesh,
      policy('pg', 'db', 'action: DENY\nrules:\n- when: [{key: "request.headers[x-user]", values: [bad]}]'),
    );
    expect(findings(text, ['AUTHZ_HTTP_ONLY_ON_TCP']).map((f) => f.message)).toEqual([
      expect.stringContaining('this DENY rule refuses every connection its other conditions match'),
    ]);
    const result = traceRequest(analyze([{ name: 's.yaml', text }]), { from: 'app/client', to: 'db:5432' });
    if (!result.ok) throw new Error(result.reason);
    expect(result.trace.outcome).toBe('denied');
  });

  it('ALLOW policies: an info on who now denies the rest, and the allow-nothing policy', () => {
    expect(
      findings(doc(mesh, policy('d', 'httpbin', 'action: DENY\nrules: [{}]')), [
        'AUTHZ_ALLOW_DENIES_OTHERS',
        'AUTHZ_DENY_ALL',
      ]),
    ).toEqual([]);
    const found = findings(
      doc(
        mesh,
        policy('some', 'httpbin', 'rules:\n- from: [{source: {namespaces: [app]}}]'),
        istio('AuthorizationPolicy', 'nothing', 'app', '{}'),
      ),
      ['AUTHZ_ALLOW_DENIES_OTHERS', 'AUTHZ_DENY_ALL'],
    );
    expect(found.map((f) => [f.code, f.severity])).toEqual([
      ['AUTHZ_ALLOW_DENIES_OTHERS', 'info'],
      ['AUTHZ_DENY_ALL', 'info'],
    ]);
    for (const name of ['app/client', 'app/db-0', 'app/httpbin-1']) expect(found[1]?.message).toContain(name);
  });
});
