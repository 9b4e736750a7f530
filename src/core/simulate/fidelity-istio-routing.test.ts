// Fidelity against Istio's traffic integration tests: which response a call gets for VirtualService redirects,
// header and pseudo-header matches, withoutHeaders, and a catch-all that shadows later rules
// (tests/integration/pilot/common/routing.go: virtualServiceCases).
import { describe, expect, it } from 'vitest';
import type { TraceRequest } from '../index.ts';
import { analyze, simulateRequest } from '../index.ts';
import { doc, istio, namespace, pod, service, traceSummary } from '../testkit.ts';

const apps = doc(
  namespace('echo', { 'istio-injection': 'enabled' }),
  pod('a', 'echo', { labels: { app: 'a' }, ip: '10.1.0.5' }),
  pod('b', 'echo', { labels: { app: 'b' }, ip: '10.1.0.9' }),
  service('b', 'echo', {
    clusterIP: '10.96.2.2',
    selector: { app: 'b' },
    ports: [
      { port: 80, name: 'http' },
      { port: 85, name: 'http2' },
    ],
  }),
);
const vs = (http: string) => istio('VirtualService', 'default', 'echo', `hosts: [b]\nhttp:\n${http.trim()}`);
const call = (http: string, request: Omit<TraceRequest, 'from' | 'to'> & { to?: string }) =>
  traceSummary(doc(apps, vs(http)), { from: 'echo/a', to: 'b', port: 80, protocol: 'http', ...request });
/** The Location of a redirect, read off the end of the trace. */
function location(http: string, request: Omit<TraceRequest, 'from' | 'to'>): string | undefined {
  const result = simulateRequest(analyze([{ name: 'scenario.yaml', text: doc(apps, vs(http)) }]), {
    from: 'echo/a',
    to: 'b',
    protocol: 'http',
    ...request,
  });
  if (!result.ok) throw new Error(result.reason);
  const last = result.simulation.steps.at(-1)?.fact;
  return last?.kind === 'outcome' && last.end.reason === 'REDIRECT' ? last.end.location : undefined;
}

// routing.go: redirect, redirect port and scheme, redirect request port, redirect prefix_rewrite
describe('redirects', () => {
  it('redirect keeps the query', () => {
    const http = '- match: [{uri: {exact: /foo}}]\n  redirect: {uri: /new/path}';
    expect(location(http, { port: 80, path: '/foo?key=value' })).toBe('http://b/new/path?key=value');
  });
  it('derivePort FROM_REQUEST_PORT with scheme https keeps the port it came on', () => {
    const http = '- match: [{uri: {exact: /foo}}]\n  redirect: {derivePort: FROM_REQUEST_PORT, scheme: https}';
    expect(location(http, { port: 80, path: '/foo' })).toBe('https://b:80/foo');
  });
  const fromRequestPort = '- match: [{uri: {exact: /foo}}]\n  redirect: {derivePort: FROM_REQUEST_PORT}';
  const cases: Array<[string, number, string, string]> = [
    ['to default', 80, 'b', 'http://b/foo'],
    ['to default with host port', 80, 'b:80', 'http://b:80/foo'],
    ['non-default', 85, 'b', 'http://b:85/foo'],
    ['non-default with host port', 85, 'b:85', 'http://b:85/foo'],
  ];
  for (const [name, port, host, want] of cases)
    it(`derivePort FROM_REQUEST_PORT, ${name}`, () => {
      expect(location(fromRequestPort, { port, path: '/foo', headers: { Host: host } })).toBe(want);
    });
  it('prefixRewrite redirect', () => {
    const http = '- match: [{uri: {prefix: /foo/}}]\n  redirect: {prefixRewrite: /new/}';
    expect(location(http, { port: 80, path: '/foo/bar' })).toBe('http://b/new/bar');
  });
});

describe('header matches (routing.go: weird header matches, pseudo header matches)', () => {
  const weird = "a!#$%&'*+-.^_`|~z";
  it('a header name with every character a header may have', () => {
    const http = `- match: [{headers: {"${weird}": {exact: why}}}]\n  route: [{destination: {host: b}}]`;
    expect(call(http, { headers: { [weird]: 'why' } }).status).toBe(200);
    expect(call(http, {}).status).toBe(404);
  });
  it(':method as a header', () => {
    const http = '- match: [{headers: {":method": {exact: GET}}}]\n  route: [{destination: {host: b}}]';
    expect(call(http, { method: 'GET' }).status).toBe(200);
    expect(call(http, { method: 'POST' }).status).toBe(404);
  });
});

describe('a catch-all first rule shadows the rest (routing.go: catch all route short circuit the other routes)', () => {
  it('regex .* with a fault abort answers 418', () => {
    const http =
      '- match: [{uri: {regex: ".*"}}]\n  route: [{destination: {host: b}}]\n' +
      '  fault: {abort: {percentage: {value: 100}, httpStatus: 418}}\n- route: [{destination: {host: b}}]';
    expect(call(http, {}).status).toBe(418);
  });
});

describe('withoutHeaders (routing.go: without headers)', () => {
  const rule = (matcher: string) =>
    `- match: [{withoutHeaders: {end-user: {${matcher}}}}]\n  route: [{destination: {host: b}}]\n` +
    '  fault: {abort: {percentage: {value: 100}, httpStatus: 403}}\n- route: [{destination: {host: b}}]';
  const cases: Array<[string, string, Record<string, string>, number]> = [
    ['exact, end-user is jason', 'exact: jason', { 'end-user': 'jason' }, 200],
    ['exact, end-user is not jason', 'exact: jason', { 'end-user': 'not-jason' }, 403],
    ['exact, no end-user header', 'exact: jason', {}, 403],
    ['regex * is presence, with a value', 'regex: "*"', { 'end-user': 'jason' }, 200],
    ['regex * is presence, empty value', 'regex: "*"', { 'end-user': '' }, 200],
    ['regex * is presence, no header', 'regex: "*"', {}, 403],
    ['regex .*, with a value', 'regex: ".*"', { 'end-user': 'jason' }, 200],
    ['regex .*, empty value', 'regex: ".*"', { 'end-user': '' }, 200],
    ['regex .*, no header: missing counts as empty', 'regex: ".*"', {}, 200],
  ];
  for (const [name, matcher, headers, status] of cases)
    it(name, () => {
      expect(call(rule(matcher), { headers }).status).toBe(status);
    });
});

describe('Host header forms to a headless Service (routing.go: hostCases)', () => {
  const mesh = doc(
    apps,
    service('headless', 'echo', {
      clusterIP: 'None',
      selector: { app: 'headless' },
      ports: [
        { port: 18080, name: 'http' },
        { port: 18081, name: 'auto-http' },
      ],
    }),
    pod('headless-0', 'echo', { labels: { app: 'headless' }, ip: '10.1.0.20' }),
  );
  const fqdn = 'headless.echo.svc.cluster.local';
  const hostsFor = (port: number) => [
    fqdn,
    `${fqdn}:${port}`,
    `${fqdn}:12345`,
    'headless.echo.svc',
    `headless.echo.svc:${port}`,
    'headless.echo.svc:12345',
    'headless',
    `headless:${port}`,
    'headless:12345',
    `some-instances.${fqdn}:${port}`,
    `some-instances.${fqdn}:12345`,
    'some-instances.headless.echo.svc',
    'some-instances.headless.echo.svc:12345',
    'some-instances.headless',
    `some-instances.headless:${port}`,
    'some-instances.headless:12345',
    '10.1.0.20',
    `10.1.0.20:${port}`,
  ];
  for (const [portName, port] of [
    ['auto-http', 18081],
    ['http', 18080],
  ] as const)
    for (const host of hostsFor(port))
      it(`${host}/${portName}`, () => {
        const t = traceSummary(mesh, {
          from: 'echo/a',
          to: '10.1.0.20',
          port,
          protocol: 'http',
          headers: { Host: host },
        });
        expect(t.status).toBe(200);
        // An IP as Host on the HTTP port matches no virtual host: passthrough, without mTLS.
        if (portName === 'http' && host.startsWith('10.1.0.20')) expect(t.out?.cluster).toBe('PassthroughCluster');
        else expect(t.out?.cluster).toBe(`outbound|${port}||${fqdn}`);
      });
});

describe('Services that overlap on ports (routing.go: serviceCases)', () => {
  const mesh = doc(
    apps,
    service('b-alt-1', 'echo', { selector: { app: 'b' }, ports: [{ port: 80, name: 'http', targetPort: 80 }] }),
    service('b-alt-2', 'echo', { selector: { app: 'b' }, ports: [{ port: 80, name: 'tcp', targetPort: 19090 }] }),
    service('b-alt-3', 'echo', { selector: { app: 'b' }, ports: [{ port: 12345, name: 'http', targetPort: 80 }] }),
    service('b-alt-4', 'echo', { selector: { app: 'b' }, ports: [{ port: 12346, name: 'http', targetPort: 19091 }] }),
  );
  const cases: Array<[string, string, number, 'http' | 'tcp', string]> = [
    ['case 1 both match', 'b-alt-1', 80, 'http', 'inbound|80||'],
    ['case 2 service port match', 'b-alt-2', 80, 'tcp', 'inbound|19090||'],
    ['case 3 target port match', 'b-alt-3', 12345, 'http', 'inbound|80||'],
    ['case 4 no match', 'b-alt-4', 12346, 'http', 'inbound|19091||'],
  ];
  for (const [name, to, port, protocol, inbound] of cases)
    it(name, () => {
      const t = traceSummary(mesh, { from: 'echo/a', to, port, protocol });
      expect(t.outcome).toBe('routed');
      expect(t.out?.cluster).toBe(`outbound|${port}||${to}.echo.svc.cluster.local`);
      expect(t.in?.cluster).toBe(inbound);
    });
});

describe('ExternalName Services (routing.go: externalNameCases)', () => {
  const echoPorts = [
    { port: 80, name: 'http', targetPort: 18080 },
    { port: 81, name: 'auto-http', targetPort: 18081 },
    { port: 9090, name: 'tcp', targetPort: 19090 },
    { port: 443, name: 'https', targetPort: 18443 },
  ];
  const mesh = doc(
    namespace('echo', { 'istio-injection': 'enabled' }),
    pod('a', 'echo', { labels: { app: 'a' }, ip: '10.1.0.5' }),
    pod('b', 'echo', { labels: { app: 'b' }, ip: '10.1.0.9' }),
    pod('c', 'echo', { labels: { app: 'c' }, ip: '10.1.0.10' }),
    service('b', 'echo', { clusterIP: '10.96.2.2', selector: { app: 'b' }, ports: echoPorts }),
    service('c', 'echo', { clusterIP: '10.96.2.3', selector: { app: 'c' }, ports: echoPorts }),
    service('b-ext-no-port', 'echo', { type: 'ExternalName', externalName: 'b.echo.svc.cluster.local', ports: [] }),
    service('b-ext-port', 'echo', {
      type: 'ExternalName',
      externalName: 'b.echo.svc.cluster.local',
      ports: [{ port: 80, name: 'http', targetPort: 18080, protocol: 'TCP' }],
    }),
    service('b-ext-route', 'echo', {
      type: 'ExternalName',
      externalName: 'b.echo.svc.cluster.local',
      ports: [{ port: 80, name: 'http', targetPort: 80, protocol: 'TCP' }],
    }),
    istio(
      'VirtualService',
      'ext-route',
      'echo',
      'gateways: [mesh]\nhosts: [c]\nhttp:\n- route: [{destination: {host: b-ext-route.echo.svc.cluster.local, ' +
        'port: {number: 80}}}]',
    ),
  );
  const calls: Array<[number, 'http' | 'tcp' | 'https']> = [
    [80, 'http'],
    [81, 'http'],
    [9090, 'tcp'],
    [443, 'https'],
  ];
  for (const name of ['b-ext-no-port', 'b-ext-port'])
    for (const [port, protocol] of calls)
      it(`${name} on ${port} reaches b, with mTLS`, () => {
        const t = traceSummary(mesh, { from: 'echo/a', to: name, port, protocol });
        expect(t.outcome).toBe('routed');
        expect(t.out?.cluster).toBe(`outbound|${port}||b.echo.svc.cluster.local`);
        expect(t.in?.cluster).toBe(`inbound|${echoPorts.find((p) => p.port === port)?.targetPort}||`);
      });
  it('routed: a VirtualService destination that is an ExternalName goes to its target', () => {
    const t = traceSummary(mesh, { from: 'echo/a', to: 'c', port: 80, protocol: 'http' });
    expect(t.outcome).toBe('routed');
    expect(t.out?.cluster).toBe('outbound|80||b.echo.svc.cluster.local');
  });
});

describe('a pod calling itself (routing.go: selfCallsCases)', () => {
  const mesh = doc(
    apps,
    service('a', 'echo', {
      clusterIP: '10.96.2.1',
      selector: { app: 'a' },
      ports: [{ port: 80, name: 'http', targetPort: 8080 }],
    }),
  );
  it('to its Service: through its own sidecar, out and back in', () => {
    const t = traceSummary(mesh, { from: 'echo/a', to: 'a', port: 80, protocol: 'http' });
    expect(t).toMatchObject({ outcome: 'routed', status: 200 });
    expect(t.out?.cluster).toBe('outbound|80||a.echo.svc.cluster.local');
    expect(t.in).toMatchObject({ proxy: 'echo/a', cluster: 'inbound|8080||' });
  });
  it('to its own pod IP: no Envoy either', () => {
    const t = traceSummary(mesh, { from: 'echo/a', to: '10.1.0.5', port: 8080, protocol: 'http' });
    expect(t.status).toBe(200);
    expect(t.out).toBeUndefined();
    expect(t.in).toBeUndefined();
  });
});
