// Fidelity against Istio's own authorization tests: how AuthorizationPolicy rules become RBAC matchers
// (pilot/pkg/security/authz/builder/builder_test.go, model/model_test.go, matcher/string_test.go): string matching with
// `*`, the empty-rules forms, dry-run and AUDIT, and HTTP-only conditions on a TCP port.
import { describe, expect, it } from 'vitest';
import type { TraceRequest } from '../index.ts';
import { doc, istio, namespace, pod, service, traceSummary } from '../testkit.ts';

const mesh = doc(
  namespace('foo', { 'istio-injection': 'enabled' }),
  namespace('outside'),
  namespace('istio-system'),
  pod('httpbin', 'foo', { labels: { app: 'httpbin' }, ip: '10.1.0.9' }),
  service('httpbin', 'foo', {
    clusterIP: '10.96.1.9',
    selector: { app: 'httpbin' },
    ports: [
      { port: 8000, name: 'http' },
      { port: 9000, name: 'tcp' },
    ],
  }),
  pod('sleep', 'foo', { labels: { app: 'sleep' }, ip: '10.1.0.5', serviceAccount: 'sleep' }),
  pod('plain', 'outside', { labels: { app: 'plain' }, ip: '10.1.0.6' }),
);
const policy = (name: string, spec: string, extraMetadata = '') =>
  istio('AuthorizationPolicy', name, 'foo', `selector: {matchLabels: {app: httpbin}}\n${spec}`, extraMetadata);

function outcome(policies: string[], request: Partial<TraceRequest> = {}) {
  const t = traceSummary(doc(mesh, ...policies), {
    from: 'foo/sleep',
    to: 'httpbin',
    port: 8000,
    protocol: 'http',
    ...request,
  });
  return t.end === 'DENIED' ? 'denied' : t.in?.cluster ? 'allowed' : `other: ${t.end}`;
}

describe('string matching of paths, hosts and headers (authz/matcher/string_test.go)', () => {
  const allowPaths = (paths: string) =>
    policy('paths', `action: ALLOW\nrules: [{to: [{operation: {paths: ${paths}}}]}]`);
  const cases: Array<[string, string, string, 'allowed' | 'denied']> = [
    ['exact', '["/public"]', '/public', 'allowed'],
    ['exact, other path', '["/public"]', '/public/x', 'denied'],
    ['prefix', '["/public*"]', '/public/x', 'allowed'],
    ['prefix, other path', '["/public*"]', '/private', 'denied'],
    ['suffix', '["*/admin"]', '/x/admin', 'allowed'],
    ['suffix, other path', '["*/admin"]', '/admin/x', 'denied'],
    ['presence', '["*"]', '/anything', 'allowed'],
  ];
  for (const [name, paths, path, want] of cases)
    it(`${name}: paths ${paths}, request ${path} → ${want}`, () => {
      expect(outcome([allowPaths(paths)], { path })).toBe(want);
    });

  it('notPaths excludes', () => {
    const p = policy('not', 'action: ALLOW\nrules: [{to: [{operation: {notPaths: ["/admin*"]}}]}]');
    expect(outcome([p], { path: '/admin/x' })).toBe('denied');
    expect(outcome([p], { path: '/other' })).toBe('allowed');
  });
  it('a when condition on a request header', () => {
    const p = policy('when', 'action: ALLOW\nrules: [{when: [{key: "request.headers[x-token]", values: ["admin"]}]}]');
    expect(outcome([p], { headers: { 'x-token': 'admin' } })).toBe('allowed');
    expect(outcome([p], { headers: { 'x-token': 'guest' } })).toBe('denied');
    expect(outcome([p])).toBe('denied');
  });
  it('methods', () => {
    const p = policy('methods', 'action: ALLOW\nrules: [{to: [{operation: {methods: ["GET"]}}]}]');
    expect(outcome([p], { method: 'GET' })).toBe('allowed');
    expect(outcome([p], { method: 'POST' })).toBe('denied');
  });
});

describe('the empty forms, dry-run and AUDIT (authz/builder/builder_test.go)', () => {
  it('ALLOW without rules allows nothing', () => {
    expect(outcome([policy('allow-nothing', 'action: ALLOW')])).toBe('denied');
  });
  it('ALLOW with one empty rule allows everything', () => {
    expect(outcome([policy('allow-all', 'action: ALLOW\nrules: [{}]')])).toBe('allowed');
  });
  it('DENY without rules denies nothing', () => {
    expect(outcome([policy('deny-nothing', 'action: DENY')])).toBe('allowed');
  });
  it('DENY with one empty rule denies everything, before any ALLOW', () => {
    expect(outcome([policy('deny-all', 'action: DENY\nrules: [{}]'), policy('allow-all', 'rules: [{}]')])).toBe(
      'denied',
    );
  });
  it('a dry-run policy is not enforced', () => {
    const dryRun = policy('dry', 'action: DENY\nrules: [{}]', ', annotations: {"istio.io/dry-run": "true"}');
    expect(outcome([dryRun])).toBe('allowed');
  });
  it('AUDIT decides nothing', () => {
    expect(outcome([policy('audit', 'action: AUDIT\nrules: [{}]')])).toBe('allowed');
  });
});

describe('sources: identities need mTLS (authz/model/model_test.go)', () => {
  const fromNamespace = policy('ns', 'action: ALLOW\nrules: [{from: [{source: {namespaces: ["foo"]}}]}]');
  it('a meshed caller of the namespace is allowed', () => {
    expect(outcome([fromNamespace])).toBe('allowed');
  });
  it('a caller without a sidecar has no namespace identity', () => {
    expect(outcome([fromNamespace], { from: 'outside/plain', to: 'httpbin.foo' })).toBe('denied');
  });
  it('principals', () => {
    const p = policy('p', 'rules: [{from: [{source: {principals: ["cluster.local/ns/foo/sa/sleep"]}}]}]');
    expect(outcome([p])).toBe('allowed');
    const other = policy('p', 'rules: [{from: [{source: {principals: ["cluster.local/ns/foo/sa/other"]}}]}]');
    expect(outcome([other])).toBe('denied');
  });
  it('ipBlocks match the caller address', () => {
    const p = policy('ip', 'rules: [{from: [{source: {ipBlocks: ["10.1.0.0/24"]}}]}]');
    expect(outcome([p])).toBe('allowed');
    const other = policy('ip', 'rules: [{from: [{source: {ipBlocks: ["192.168.0.0/16"]}}]}]');
    expect(outcome([other])).toBe('denied');
  });
});

describe('HTTP-only conditions on a TCP port (authz/model/model.go: Generate)', () => {
  const tcp = { port: 9000, protocol: 'tcp' as const };
  it('ALLOW: a rule with an HTTP-only field is dropped, so nothing is allowed', () => {
    const p = policy('allow-get', 'action: ALLOW\nrules: [{to: [{operation: {methods: ["GET"]}}]}]');
    expect(outcome([p], tcp)).toBe('denied');
  });
  it('ALLOW: a rule of TCP fields only still applies', () => {
    const p = policy('allow-port', 'action: ALLOW\nrules: [{to: [{operation: {ports: ["9000"]}}]}]');
    expect(outcome([p], tcp)).toBe('allowed');
  });
  it('DENY: the HTTP-only field is ignored, so the rule denies more', () => {
    const p = policy('deny-get', 'action: DENY\nrules: [{to: [{operation: {methods: ["GET"], ports: ["9000"]}}]}]');
    expect(outcome([p], tcp)).toBe('denied');
  });
  it('DENY: a rule whose other fields do not match denies nothing', () => {
    const p = policy('deny-get', 'action: DENY\nrules: [{to: [{operation: {methods: ["GET"], ports: ["8000"]}}]}]');
    expect(outcome([p], tcp)).toBe('allowed');
  });
});
