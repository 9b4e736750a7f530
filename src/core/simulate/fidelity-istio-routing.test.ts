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
