import { describe, expect, it } from 'vitest';
import { analyze, traceRequest, type Trace, type TraceRequest } from '../index.ts';
import { doc, namespace } from '../testkit.ts';

// Small scenarios, each capturing one behaviour of Istio's Gateway API conversion as its own tests show it
// (pilot/pkg/config/kube/gateway/testdata: input manifests and the Gateways and VirtualServices istiod derives).

const backend = (name: string, ns: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: app, image: app, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {app: ${name}}
  ports: [{name: http, port: 80, targetPort: 8080}]`;

const gateway = (listeners: string, spec = '') => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: istio
${spec}  listeners:
${listeners}`;

const httpsListener = (name: string, hostname: string, options = '') => `  - name: ${name}
    hostname: ${hostname}
    port: 443
    protocol: HTTPS
    allowedRoutes: {namespaces: {from: All}}
    tls:
      mode: Terminate
      certificateRefs: [{name: cert}]
${options ? `      options: {gateway.istio.io/tls-terminate-mode: ${options}}\n` : ''}`;

const route = (name: string, hostnames: string[]) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: web}
spec:
  parentRefs: [{name: gw, namespace: infra}]
  hostnames: ${JSON.stringify(hostnames)}
  rules: [{backendRefs: [{name: app, port: 80}]}]`;

const base = doc(namespace('infra'), namespace('web', { 'istio-injection': 'enabled' }), backend('app', 'web'));

function servers(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const g of analyze([{ name: 's.yaml', text }]).model.istio.get('Gateway') ?? []) {
    const server = (g.spec as { servers: Array<{ tls?: unknown }> }).servers[0];
    out[g.name.split('~').pop() ?? ''] = server?.tls;
  }
  return out;
}

function run(text: string, request: Partial<TraceRequest> & { to: string }): Trace {
  const result = traceRequest(analyze([{ name: 's.yaml', text }]), { from: 'infra/gw-istio', ...request });
  if (!result.ok) throw new Error(result.reason);
  return result.trace;
}

describe('frontend TLS of Terminate listeners (testdata/tls.yaml; conversion.go: buildTLS)', () => {
  it('takes the mode from the tls-terminate-mode option, and MUTUAL from a frontend CA on the Gateway', () => {
    const text = doc(
      base,
      gateway(
        httpsListener('plain', 'a.example') +
          httpsListener('mtls', 'b.example', 'MUTUAL') +
          httpsListener('optional', 'c.example', 'OPTIONAL_MUTUAL') +
          httpsListener('mesh', 'd.example', 'ISTIO_MUTUAL') +
          httpsListener('builtin', 'e.example', 'ISTIO_SIMPLE'),
      ),
    );
    expect(servers(text)).toEqual({
      plain: { mode: 'SIMPLE', credentialName: 'cert' },
      mtls: { mode: 'MUTUAL', credentialName: 'cert' },
      optional: { mode: 'OPTIONAL_MUTUAL', credentialName: 'cert' },
      mesh: { mode: 'ISTIO_MUTUAL' },
      builtin: { mode: 'SIMPLE', credentialName: 'builtin://' },
    });
    const frontend = (validation: string) =>
      `  tls:\n    frontend:\n      default:\n        validation: ${validation}\n`;
    const ca = '{caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}]';
    expect(servers(doc(base, gateway(httpsListener('plain', 'a.example'), frontend(`${ca}}`))))).toEqual({
      plain: { mode: 'MUTUAL', credentialName: 'cert', caCertCredentialName: 'ca' },
    });
    const insecure = frontend(`${ca}, mode: AllowInsecureFallback}`);
    expect(servers(doc(base, gateway(httpsListener('plain', 'a.example'), insecure)))).toEqual({
      plain: { mode: 'OPTIONAL_MUTUAL', credentialName: 'cert', caCertCredentialName: 'ca' },
    });
    // A per-port entry replaces the default for its port.
    const perPort =
      `  tls:\n    frontend:\n      default: {validation: ${ca}}}\n` + '      perPort: [{port: 443, tls: {}}]\n';
    expect(servers(doc(base, gateway(httpsListener('plain', 'a.example'), perPort)))).toEqual({
      plain: { mode: 'SIMPLE', credentialName: 'cert' },
    });
  });

  it('says in the trace that a MUTUAL listener needs a client certificate', () => {
    const text = doc(base, gateway(httpsListener('mtls', 'b.example', 'MUTUAL')), route('r', ['b.example']));
    const t = run(text, { to: 'https://b.example/', port: 443 });
    expect(t.outcome).toBe('routed');
    expect(t.assumptions.join('\n')).toMatch(/terminates TLS \(MUTUAL\).*client presents a certificate/);
  });
});

describe('certificate references of a Terminate listener (testdata/frontend-tls-refgrant.yaml, invalid.yaml)', () => {
  const listener = (certificateRefs: string) => `  - name: https
    hostname: a.example
    port: 443
    protocol: HTTPS
    allowedRoutes: {namespaces: {from: All}}
    tls: {mode: Terminate, certificateRefs: ${certificateRefs}}
`;
  const grant = (kind: string) => `apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: allow, namespace: certs}
spec:
  from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: infra}]
  to: [{group: "", kind: ${kind}}]`;
  const crossNamespace = '[{name: cert, namespace: certs}]';

  it('makes no server for a Secret elsewhere without a ReferenceGrant, or a reference that is no Secret', () => {
    const withoutGrant = doc(base, namespace('certs'), gateway(listener(crossNamespace)), route('r', ['a.example']));
    expect(servers(withoutGrant)).toEqual({});
    expect(analyze([{ name: 's.yaml', text: withoutGrant }]).diagnostics.map((d) => d.message)).toContainEqual(
      expect.stringMatching(/ResolvedRefs=False, reason RefNotPermitted: certificateRef cert\/certs not accessible/),
    );
    expect(run(withoutGrant, { to: 'https://a.example/', port: 443 }).outcome).not.toBe('routed');
    const wrongKind = doc(base, gateway(listener('[{name: cert, group: core, kind: unknown}]')));
    expect(servers(wrongKind)).toEqual({});
  });

  it('serves the listener once a ReferenceGrant allows the Secret (a grant for ConfigMaps does not)', () => {
    const text = (kind: string) =>
      doc(base, namespace('certs'), grant(kind), gateway(listener(crossNamespace)), route('r', ['a.example']));
    expect(servers(text('Secret'))).toEqual({ https: { mode: 'SIMPLE', credentialName: 'cert' } });
    expect(run(text('Secret'), { to: 'https://a.example/', port: 443 }).outcome).toBe('routed');
    expect(servers(text('ConfigMap'))).toEqual({});
  });

  it('needs a ReferenceGrant for a frontend CA in another namespace too', () => {
    const frontend = (kind: string) =>
      `  tls:\n    frontend:\n      default:\n        validation:\n` +
      `          caCertificateRefs: [{group: "", kind: ${kind}, name: ca, namespace: certs}]\n`;
    const text = (kind: string, grantKind: string) =>
      doc(base, namespace('certs'), grant(grantKind), gateway(listener('[{name: cert}]'), frontend(kind)));
    expect(servers(text('ConfigMap', 'ConfigMap'))).toEqual({
      https: { mode: 'MUTUAL', credentialName: 'cert', caCertCredentialName: 'ca' },
    });
    expect(servers(text('ConfigMap', 'Secret'))).toEqual({});
    expect(servers(text('Service', 'Service'))).toEqual({});
  });
});

describe('filters (testdata/http.yaml)', () => {
  it('reads a CORS filter from its cors field and routes the request (conversion.go: createCorsFilter)', () => {
    const cors = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: web}
spec:
  parentRefs: [{name: gw, namespace: infra}]
  hostnames: [a.example]
  rules:
  - backendRefs: [{name: app, port: 80}]
    filters: [{type: CORS, cors: {allowOrigins: ["https://example.com"]}}]`;
    const listener = '  - {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}\n';
    const text = doc(base, gateway(listener), cors);
    expect(analyze([{ name: 's.yaml', text }]).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(run(text, { to: 'a.example', port: 80 }).outcome).toBe('routed');
    const vs = (analyze([{ name: 's.yaml', text }]).model.istio.get('VirtualService') ?? [])[0];
    expect((vs?.spec as { http?: unknown[] } | undefined)?.http?.[0]).toMatchObject({
      corsPolicy: { allowOrigins: [{ exact: 'https://example.com' }], unmatchedPreflights: 'IGNORE' },
    });
  });
});
