// Fidelity against Istio's AuthorizationPolicy translation (pilot/pkg/security/authz/model/generator.go,
// matcher/header.go: HostMatcher, PathMatcher; model.go) and the istio.io reference for AuthorizationPolicy and its
// conditions: each case is one policy on httpbin (Service port 8000 → container port 80) and one request, with the
// status the caller sees (200 or 403).
import { describe, expect, it } from 'vitest';
import { doc, istio, namespace, pod, service, simulateScenario } from '../testkit.ts';
import type { TraceRequest } from '../index.ts';

const base = doc(
  namespace('foo', { 'istio-injection': 'enabled' }),
  namespace('legacy'),
  namespace('istio-system'),
  pod('curl', 'foo', { labels: { app: 'curl' }, ip: '10.244.4.9', serviceAccount: 'curl' }),
  pod('curl', 'legacy', { labels: { app: 'curl' }, ip: '10.244.5.9' }),
  pod('httpbin', 'foo', { labels: { app: 'httpbin' }, ip: '10.244.4.1', serviceAccount: 'httpbin' }),
  service('httpbin', 'foo', { ports: [{ port: 8000, name: 'http', targetPort: 80 }], selector: { app: 'httpbin' } }),
);
const policy = (spec: string, name = 'p', ns = 'foo', selector = true) =>
  istio('AuthorizationPolicy', name, ns, `${selector ? 'selector: {matchLabels: {app: httpbin}}\n' : ''}${spec}`);
const allowTo = (operation: string) => policy(`action: ALLOW\nrules:\n- to: [{operation: ${operation}}]`);
const allowFrom = (source: string) => policy(`action: ALLOW\nrules:\n- from: [{source: ${source}}]`);
const allowWhen = (condition: string) => policy(`action: ALLOW\nrules:\n- when: [${condition}]`);

interface Case {
  name: string;
  policies: string[];
  request?: Partial<TraceRequest>;
  status: 200 | 403;
}
const cases: Case[] = [
  // to.operation
  {
    name: 'hosts is an exact match on :authority, which carries the port',
    policies: [allowTo('{hosts: ["httpbin.foo"]}')],
    status: 403,
  },
  { name: 'hosts with the port', policies: [allowTo('{hosts: ["httpbin.foo:8000"]}')], status: 200 },
  { name: 'hosts with a trailing * is a prefix match', policies: [allowTo('{hosts: ["httpbin.foo*"]}')], status: 200 },
  { name: 'hosts match without regard to case', policies: [allowTo('{hosts: ["HTTPBIN.FOO:8000"]}')], status: 200 },
  {
    name: 'ports are the workload port, not the Service port (8000)',
    policies: [allowTo('{ports: ["8000"]}')],
    status: 403,
  },
  { name: 'ports: the container port 80', policies: [allowTo('{ports: ["80"]}')], status: 200 },
  {
    name: 'paths match the path without the query string',
    policies: [allowTo('{paths: ["/get"]}')],
    request: { to: 'http://httpbin.foo:8000/get?x=1' },
    status: 200,
  },
  { name: 'paths with a trailing * are a prefix', policies: [allowTo('{paths: ["/g*"]}')], status: 200 },
  { name: 'paths with a leading * are a suffix', policies: [allowTo('{paths: ["*et"]}')], status: 200 },
  { name: 'paths are exact otherwise: /get/ is not /get', policies: [allowTo('{paths: ["/get/"]}')], status: 403 },
  { name: 'methods are case-sensitive', policies: [allowTo('{methods: ["get"]}')], status: 403 },
  { name: 'notPaths in an ALLOW rule excludes the path', policies: [allowTo('{notPaths: ["/get"]}')], status: 403 },
  // from.source
  {
    name: 'principals ["*"] needs an mTLS identity: a plaintext client has none',
    policies: [allowFrom('{principals: ["*"]}')],
    request: { from: 'legacy/curl' },
    status: 403,
  },
  {
    name: 'DENY notPrincipals ["*"] rejects a plaintext client',
    policies: [policy('action: DENY\nrules:\n- from: [{source: {notPrincipals: ["*"]}}]')],
    request: { from: 'legacy/curl' },
    status: 403,
  },
  { name: 'namespaces: the mTLS client namespace', policies: [allowFrom('{namespaces: ["foo"]}')], status: 200 },
  {
    name: 'namespaces of a plaintext client cannot be known',
    policies: [allowFrom('{namespaces: ["legacy"]}')],
    request: { from: 'legacy/curl' },
    status: 403,
  },
  {
    name: 'principals: the full SPIFFE name',
    policies: [allowFrom('{principals: ["cluster.local/ns/foo/sa/curl"]}')],
    status: 200,
  },
  { name: 'serviceAccounts: namespace/name', policies: [allowFrom('{serviceAccounts: ["foo/curl"]}')], status: 200 },
  { name: 'ipBlocks containing the client', policies: [allowFrom('{ipBlocks: ["10.244.4.0/24"]}')], status: 200 },
  { name: 'ipBlocks not containing the client', policies: [allowFrom('{ipBlocks: ["10.244.5.0/24"]}')], status: 403 },
  // when
  {
    name: 'when destination.port is the workload port',
    policies: [allowWhen('{key: destination.port, values: ["80"]}')],
    status: 200,
  },
  {
    name: 'when request.headers[...] names the header without regard to case',
    policies: [allowWhen('{key: "request.headers[X-User]", values: ["a"]}')],
    request: { headers: { 'x-user': 'a' } },
    status: 200,
  },
  { name: 'when source.namespace', policies: [allowWhen('{key: source.namespace, values: ["foo"]}')], status: 200 },
  {
    name: 'DENY when request.auth.principal notValues: a request without a token matches',
    policies: [policy('action: DENY\nrules:\n- when: [{key: request.auth.principal, notValues: ["x"]}]')],
    status: 403,
  },
  // actions and empty policies
  { name: 'an ALLOW policy without rules allows nothing', policies: [policy('action: ALLOW')], status: 403 },
  { name: 'an empty spec allows nothing in its namespace', policies: [policy('{}', 'p', 'foo', false)], status: 403 },
  { name: 'rules: [{}] allows everything', policies: [policy('action: ALLOW\nrules: [{}]')], status: 200 },
  { name: 'a DENY with rules: [{}] denies everything', policies: [policy('action: DENY\nrules: [{}]')], status: 403 },
  { name: 'a DENY without rules denies nothing', policies: [policy('action: DENY')], status: 200 },
  { name: 'AUDIT decides nothing', policies: [policy('action: AUDIT\nrules: [{}]')], status: 200 },
  {
    name: 'an ALLOW policy in the root namespace applies to every workload',
    policies: [policy('action: ALLOW\nrules:\n- to: [{operation: {paths: ["/ip"]}}]', 'root', 'istio-system', false)],
    status: 403,
  },
  {
    name: 'a policy selecting another workload does not apply',
    policies: [
      istio('AuthorizationPolicy', 'x', 'foo', 'selector: {matchLabels: {app: other}}\naction: DENY\nrules: [{}]'),
    ],
    status: 200,
  },
  {
    name: 'DENY is checked before ALLOW',
    policies: [
      policy('action: DENY\nrules:\n- to: [{operation: {methods: ["GET"]}}]', 'd'),
      policy('action: ALLOW\nrules: [{}]', 'a'),
    ],
    status: 403,
  },
];

describe('AuthorizationPolicy fields and conditions at a sidecar', () => {
  for (const c of cases)
    it(c.name, () => {
      const t = simulateScenario(doc(base, ...c.policies), {
        from: 'foo/curl',
        to: 'http://httpbin.foo:8000/get',
        ...c.request,
      });
      expect({ outcome: t.outcome, status: t.status }).toEqual(
        c.status === 200 ? { outcome: 'routed', status: 200 } : { outcome: 'denied', status: 403 },
      );
    });
});

// istio.io ops/common-problems/security-issues: "Make sure there are no typos in the policy YAML file" — two rules OR,
// one rule with from and to ANDs them.
describe('rules OR, fields within a rule AND (security-issues)', () => {
  const other = doc(
    namespace('bar', { 'istio-injection': 'enabled' }),
    pod('curl', 'bar', { labels: { app: 'curl' }, ip: '10.244.6.9', serviceAccount: 'curl' }),
  );
  const twoRules = policy(
    'action: ALLOW\nrules:\n- to: [{operation: {paths: ["/foo"]}}]\n- from: [{source: {namespaces: ["foo"]}}]',
  );
  const oneRule = policy(
    'action: ALLOW\nrules:\n- to: [{operation: {paths: ["/foo"]}}]\n  from: [{source: {namespaces: ["foo"]}}]',
  );
  const status = (text: string, from: string, path: string) =>
    simulateScenario(doc(base, other, text), { from, to: `http://httpbin.foo:8000${path}` }).status;
  it('two rules: /foo from anywhere, or anything from foo', () => {
    expect(status(twoRules, 'foo/curl', '/bar')).toBe(200);
    expect(status(twoRules, 'bar/curl', '/foo')).toBe(200);
    expect(status(twoRules, 'bar/curl', '/bar')).toBe(403);
  });
  it('one rule: only /foo from foo', () => {
    expect(status(oneRule, 'foo/curl', '/foo')).toBe(200);
    expect(status(oneRule, 'foo/curl', '/bar')).toBe(403);
    expect(status(oneRule, 'bar/curl', '/foo')).toBe(403);
  });
});
