// Fidelity against Istio's push context tests (pilot/pkg/model/push_context_test.go): which DestinationRule a client
// uses for a host when several namespaces, exportTo lists and the root namespace offer one, and which Services,
// VirtualServices and DestinationRules exportTo lets a client see. Istio reads its indexes; here each case routes a
// request to a subset with a VirtualService and reads the trace: the subset's cluster exists only when the rule the
// client uses defines it (otherwise 503 NC).
import { describe, expect, it } from 'vitest';
import { doc, istio, meshConfig, namespace, pod, traceSummary } from '../testkit.ts';

const meshConfigRoot = (root: string, policy = 'ALLOW_ANY') =>
  meshConfig(`rootNamespace: ${root}\noutboundTrafficPolicy: {mode: ${policy}}`);

const HOST = 'httpbin.org';
const NAMESPACES = ['test1', 'test2', 'test3', 'test4', 'test5', 'test6', 'test7', 'ns1', 'newNS', 'random'];

const rule = (name: string, ns: string, host: string, subsets: string[], exportTo?: string[]) =>
  istio(
    'DestinationRule',
    name,
    ns,
    `host: "${host}"\n${exportTo ? `exportTo: [${exportTo.map((e) => `"${e}"`).join(', ')}]\n` : ''}subsets:\n${subsets
      .map((s) => `- name: ${s}`)
      .join('\n')}`,
  );
// The rules of TestSetDestinationRuleWithExportTo, written anew.
const rules = doc(
  rule('rule1', 'test1', HOST, ['subset1', 'subset2'], ['.', 'ns1']),
  rule('rule2', 'test2', HOST, ['subset3', 'subset4'], ['test2', 'ns1', 'test1', 'newNS']),
  rule('rule3', 'test3', HOST, ['subset5', 'subset6'], ['test1', 'test2', '*']),
  rule('rule4-local', 'test4', HOST, ['subset15', 'subset16'], ['test4']),
  rule('rule4', 'istio-system', HOST, ['subset7', 'subset8']),
  rule('rule1', 'istio-system', HOST, ['subset9', 'subset10'], ['.']),
  rule('rule2', 'istio-system', '*.org', ['subset11', 'subset12'], ['.']),
  rule('rule3', 'istio-system', '*.app.org', ['subset13', 'subset14'], ['.']),
  rule('rule5', 'test5', 'api.test.com', ['subset5-0', 'subset5-1'], ['istio-system']),
  rule('rule6', 'test6', 'api.test.com', ['subset6-0', 'subset6-1'], ['istio-system']),
);

const serviceEntry = (host: string, ns: string) =>
  istio(
    'ServiceEntry',
    `se-${host.replace(/[^a-z0-9]/g, '-')}`,
    ns,
    `hosts: ["${host}"]\nlocation: MESH_EXTERNAL\nresolution: STATIC\n` +
      `ports: [{number: 80, name: http, protocol: HTTP}]\n` +
      `endpoints: [{address: 203.0.113.7}]`,
  );
const toSubset = (host: string, ns: string, subset: string) =>
  istio(
    'VirtualService',
    `to-${subset}`,
    ns,
    `hosts: ["${host}"]\nhttp:\n- route:\n  - destination: {host: "${host}", subset: ${subset}}`,
  );

const world = (proxyNs: string, serviceNs: string, host: string, subset: string) =>
  doc(
    ...NAMESPACES.map((n) => namespace(n, { 'istio-injection': 'enabled' })),
    // The client in the root namespace has a sidecar too.
    namespace('istio-system', { 'istio-injection': 'enabled' }),
    pod('client', proxyNs, { labels: { app: 'client' }, ip: '10.1.0.5' }),
    serviceEntry(host, serviceNs),
    rules,
    toSubset(host, proxyNs, subset),
  );

interface Case {
  proxyNs: string;
  serviceNs: string;
  host: string;
  /** The subsets of the rule istiod picks, or none when no rule applies. */
  want: string[];
}
const cases: Case[] = [
  { proxyNs: 'test1', serviceNs: 'test1', host: HOST, want: ['subset1', 'subset2'] },
  { proxyNs: 'test1', serviceNs: 'test2', host: HOST, want: ['subset1', 'subset2'] },
  { proxyNs: 'test2', serviceNs: 'test1', host: HOST, want: ['subset3', 'subset4'] },
  { proxyNs: 'newNS', serviceNs: 'test2', host: HOST, want: ['subset3', 'subset4'] },
  { proxyNs: 'test3', serviceNs: 'test1', host: HOST, want: ['subset5', 'subset6'] },
  { proxyNs: 'test5', serviceNs: 'test4', host: HOST, want: ['subset7', 'subset8'] },
  { proxyNs: 'ns1', serviceNs: 'test1', host: HOST, want: ['subset1', 'subset2'] },
  { proxyNs: 'ns1', serviceNs: 'random', host: HOST, want: ['subset7', 'subset8'] },
  { proxyNs: 'random', serviceNs: 'random', host: HOST, want: ['subset7', 'subset8'] },
  { proxyNs: 'test3', serviceNs: 'random', host: HOST, want: ['subset5', 'subset6'] },
  { proxyNs: 'istio-system', serviceNs: 'random', host: HOST, want: ['subset9', 'subset10'] },
  { proxyNs: 'istio-system', serviceNs: 'istio-system', host: HOST, want: ['subset9', 'subset10'] },
  { proxyNs: 'istio-system', serviceNs: 'istio-system', host: 'foo.app.org', want: ['subset13', 'subset14'] },
  { proxyNs: 'istio-system', serviceNs: 'test5', host: 'api.test.com', want: ['subset5-0', 'subset5-1'] },
  { proxyNs: 'istio-system', serviceNs: 'test6', host: 'api.test.com', want: ['subset6-0', 'subset6-1'] },
  { proxyNs: 'istio-system', serviceNs: 'test7', host: 'api.test.com', want: [] },
];
// Subsets of other rules the chosen rule must not offer.
const ALL = ['subset1', 'subset3', 'subset5', 'subset7', 'subset9', 'subset11', 'subset13', 'subset15', 'subset5-0'];

describe('DestinationRule chosen across namespaces and exportTo (TestSetDestinationRuleWithExportTo)', () => {
  for (const c of cases) {
    it(`proxy in ${c.proxyNs}, service in ${c.serviceNs}, ${c.host}: ${c.want.join(', ') || 'no rule'}`, () => {
      for (const subset of new Set([...c.want, ...ALL])) {
        const t = traceSummary(world(c.proxyNs, c.serviceNs, c.host, subset), {
          from: `${c.proxyNs}/client`,
          to: `http://${c.host}/`,
        });
        const expected = c.want.includes(subset)
          ? { outcome: 'routed', cluster: `outbound|80|${subset}|${c.host}` }
          : { outcome: 'cluster-not-found', cluster: `outbound|80|${subset}|${c.host}` };
        expect({ subset, outcome: t.outcome, cluster: t.out?.cluster }).toEqual({ subset, ...expected });
      }
    });
  }
});

// TestSetDestinationRuleWithWorkloadSelector: rules with a workloadSelector apply to the workloads they select and are
// never exported; a rule without one merges into each of them (its subsets added) and applies alone elsewhere.
describe('DestinationRules with a workloadSelector (TestSetDestinationRuleWithWorkloadSelector)', () => {
  const selected = (name: string, app: string, subset: string, time: string) =>
    istio(
      'DestinationRule',
      name,
      'test',
      `host: ${HOST}\nexportTo: ["test2", "."]\n` +
        `workloadSelector:\n  matchLabels: {app: ${app}}\nsubsets:\n- name: ${subset}`,
      `, creationTimestamp: "${time}"`,
    );
  const drs = doc(
    selected('nsRule1', 'app1', 'a1', '2020-01-01T00:00:01Z'),
    selected('nsRule2', 'app2', 'a2', '2020-01-01T00:00:02Z'),
    selected('nsRule3', 'app2', 'a3', '2020-01-01T00:00:02Z'),
    istio(
      'DestinationRule',
      'nsRule4',
      'test',
      `host: ${HOST}\nexportTo: [".", "test2"]\nsubsets:\n- name: n`,
      ', creationTimestamp: "2020-01-01T00:00:00Z"',
    ),
  );
  const scenario = (clientNs: string, app: string, subset: string) =>
    doc(
      namespace('test', { 'istio-injection': 'enabled' }),
      namespace('test2', { 'istio-injection': 'enabled' }),
      namespace('istio-system'),
      pod('client', clientNs, { labels: { app }, ip: '10.1.0.5' }),
      serviceEntry(HOST, 'test'),
      drs,
      toSubset(HOST, clientNs, subset),
    );
  const cases: Array<[string, string, string[]]> = [
    ['test', 'app1', ['a1', 'n']],
    ['test', 'app2', ['a2', 'a3', 'n']],
    ['test', 'other', ['n']],
    ['test2', 'app1', ['n']],
  ];
  for (const [ns, app, want] of cases)
    it(`a client ${app} in ${ns} has subsets ${want.join(', ')}`, () => {
      for (const subset of ['a1', 'a2', 'a3', 'n']) {
        const t = traceSummary(scenario(ns, app, subset), { from: `${ns}/client`, to: `http://${HOST}/` });
        expect({ subset, outcome: t.outcome }).toEqual({
          subset,
          outcome: want.includes(subset) ? 'routed' : 'cluster-not-found',
        });
      }
    });
});

// TestSetDestinationRuleMerging: rules for one host in one namespace merge (subsets unioned) when their exportTo is the
// same; one exported elsewhere only stays apart and is not seen by the namespace's own clients.
describe('DestinationRules merged in one namespace (TestSetDestinationRuleMerging)', () => {
  const drs = doc(
    rule('rule1', 'test', HOST, ['subset1', 'subset2']),
    rule('rule2', 'test', HOST, ['subset3', 'subset4']),
    rule('rule3', 'test', HOST, ['subset5', 'subset6'], ['istio-system']),
  );
  const scenario = (clientNs: string, subset: string) =>
    doc(
      namespace('test', { 'istio-injection': 'enabled' }),
      namespace('other', { 'istio-injection': 'enabled' }),
      namespace('istio-system', { 'istio-injection': 'enabled' }),
      pod('client', clientNs, { labels: { app: 'client' }, ip: '10.1.0.5' }),
      serviceEntry(HOST, 'test'),
      drs,
      toSubset(HOST, clientNs, subset),
    );
  const cases: Array<[string, string[]]> = [
    ['test', ['subset1', 'subset2', 'subset3', 'subset4']],
    ['other', ['subset1', 'subset2', 'subset3', 'subset4']],
    // Both entries are exported to the root namespace: its proxy takes the last one without a selector (sidecar.go:
    // SidecarScope.DestinationRule), so it sees rule3's subsets only.
    ['istio-system', ['subset5', 'subset6']],
  ];
  for (const [ns, want] of cases)
    it(`a client in ${ns} has ${want.join(', ')}`, () => {
      for (const subset of ['subset1', 'subset3', 'subset4', 'subset5']) {
        const t = traceSummary(scenario(ns, subset), { from: `${ns}/client`, to: `http://${HOST}/` });
        expect({ subset, outcome: t.outcome }).toEqual({
          subset,
          outcome: want.includes(subset) ? 'routed' : 'cluster-not-found',
        });
      }
    });
});

// TestVirtualServiceWithExportTo: which VirtualServices a sidecar in each namespace imports (root namespace `zzz`).
// Each one sends its host to a ServiceEntry backend; a host whose VirtualService is not imported gets no virtual host,
// so the request does not reach that backend.
describe('VirtualServices by exportTo (TestVirtualServiceWithExportTo)', () => {
  const vsOf = (name: string, ns: string, host: string, exportTo?: string[], gateways?: string[]) =>
    istio(
      'VirtualService',
      name,
      ns,
      `hosts: ["${host}"]\n${exportTo ? `exportTo: [${exportTo.map((e) => `"${e}"`).join(', ')}]\n` : ''}` +
        `${gateways ? `gateways: [${gateways.map((g) => `"${g}"`).join(', ')}]\n` : ''}` +
        `http:\n- route:\n  - destination: {host: backend.example}`,
    );
  const world = (proxyNs: string) =>
    doc(
      meshConfigRoot('zzz'),
      ...['test1', 'test2', 'test3', 'ns1', 'random', 'zzz', 'default'].map((n) =>
        namespace(n, { 'istio-injection': 'enabled' }),
      ),
      pod('client', proxyNs, { labels: { app: 'client' }, ip: '10.1.0.5' }),
      istio(
        'ServiceEntry',
        'backend',
        'default',
        'hosts: [backend.example]\nresolution: STATIC\nports: [{number: 80, name: http, protocol: HTTP}]\n' +
          'endpoints: [{address: 203.0.113.9}]',
      ),
      vsOf('rule1', 'test1', 'rule1.com', ['.', 'ns1']),
      vsOf('rule2', 'test2', 'rule2.com', ['test2', 'ns1', 'test1']),
      vsOf('rule2gw', 'test2', 'rule2gw.com', ['test2', 'ns1', 'test1'], ['default/gateway', 'mesh']),
      vsOf('rule3', 'test3', 'rule3.com', ['test1', 'test2', '*'], ['mesh']),
      vsOf('rule3gw', 'test3', 'rule3gw.com', ['test1', 'test2', '*'], ['default/gateway']),
      vsOf('zzz', 'zzz', 'rootNS.com'),
    );
  const hosts = ['rule1.com', 'rule2.com', 'rule2gw.com', 'rule3.com', 'rule3gw.com', 'rootNS.com'];
  const cases: Array<[string, string[]]> = [
    ['test1', ['rule1.com', 'rule2.com', 'rule2gw.com', 'rule3.com', 'rootNS.com']],
    ['test2', ['rule2.com', 'rule2gw.com', 'rule3.com', 'rootNS.com']],
    ['ns1', ['rule1.com', 'rule2.com', 'rule2gw.com', 'rule3.com', 'rootNS.com']],
    ['random', ['rule3.com', 'rootNS.com']],
  ];
  for (const [ns, want] of cases)
    it(`a sidecar in ${ns} routes ${want.join(', ')}`, () => {
      const text = world(ns);
      const routed = hosts.filter(
        (h) =>
          traceSummary(text, { from: `${ns}/client`, to: h, address: '1.3.3.7', port: 80, protocol: 'http' }).out
            ?.cluster === 'outbound|80||backend.example',
      );
      expect(routed).toEqual(want);
    });
});

// TestServiceWithExportTo: which ServiceEntries a sidecar sees. Under REGISTRY_ONLY a host it does not see has no
// route and goes to the BlackHoleCluster (502).
describe('ServiceEntries by exportTo (TestServiceWithExportTo)', () => {
  const se = (name: string, ns: string, exportTo: string[] | undefined, ip: string) =>
    istio(
      'ServiceEntry',
      name,
      ns,
      `hosts: [${name}.example]\n${exportTo ? `exportTo: [${exportTo.map((e) => `"${e}"`).join(', ')}]\n` : ''}` +
        `resolution: STATIC\nports: [{number: 80, name: http, protocol: HTTP}]\nendpoints: [{address: ${ip}}]`,
    );
  const world = (proxyNs: string) =>
    doc(
      meshConfigRoot('zzz', 'REGISTRY_ONLY'),
      ...['test1', 'test2', 'test3', 'test4', 'ns1', 'random', 'zzz'].map((n) =>
        namespace(n, { 'istio-injection': 'enabled' }),
      ),
      pod('client', proxyNs, { labels: { app: 'client' }, ip: '10.1.0.5' }),
      se('svc1', 'test1', ['.', 'ns1'], '203.0.113.1'),
      se('svc2', 'test2', ['test1', 'ns1', 'test2'], '203.0.113.2'),
      se('svc3', 'test3', ['test1', '*', 'test2'], '203.0.113.3'),
      se('svc4', 'test4', undefined, '203.0.113.4'),
    );
  const cases: Array<[string, string[]]> = [
    ['test1', ['svc1', 'svc2', 'svc3', 'svc4']],
    ['test2', ['svc2', 'svc3', 'svc4']],
    ['ns1', ['svc1', 'svc2', 'svc3', 'svc4']],
    ['random', ['svc3', 'svc4']],
  ];
  for (const [ns, want] of cases)
    it(`a sidecar in ${ns} sees ${want.join(', ')}`, () => {
      const text = world(ns);
      const seen = ['svc1', 'svc2', 'svc3', 'svc4'].filter((s) => {
        const t = traceSummary(text, {
          from: `${ns}/client`,
          to: `${s}.example`,
          address: '1.3.3.7',
          port: 80,
          protocol: 'http',
        });
        return t.outcome === 'routed' && t.out?.cluster === `outbound|80||${s}.example`;
      });
      expect(seen).toEqual(want);
    });
});

// push_context.go: VirtualServicesForGateway — a sidecar takes private VirtualServices of its namespace first, then
// those exported to its namespace, then public ones oldest first; for one host the first wins.
describe('which VirtualService wins for one host across namespaces', () => {
  const OLD_VS = '2020-01-01T00:00:00Z';
  const NEW_VS = '2021-01-01T00:00:00Z';
  const world3 = doc(
    ...['a', 'b', 'c', 'istio-system'].map((n) => namespace(n, { 'istio-injection': 'enabled' })),
    pod('client', 'a', { labels: { app: 'client' }, ip: '10.1.0.1' }),
    pod('client', 'c', { labels: { app: 'client' }, ip: '10.1.0.3' }),
    ...['reviews', 'x', 'y'].map((name, i) =>
      doc(
        pod(name, 'b', { labels: { app: name }, ip: `10.1.1.${i + 1}` }),
        istio(
          'ServiceEntry',
          name,
          'b',
          `hosts: [${name}.b.svc.cluster.local]\nresolution: STATIC\nlocation: MESH_INTERNAL\n` +
            `ports: [{number: 9080, name: http, protocol: HTTP}]\nendpoints: [{address: 10.1.1.${i + 1}}]`,
        ),
      ),
    ),
  );
  const vsIn = (ns: string, dest: string, time: string, extra = '') =>
    istio(
      'VirtualService',
      `to-${dest}`,
      ns,
      `hosts: [reviews.b.svc.cluster.local]\n${extra}http:\n` +
        `- route: [{destination: {host: ${dest}.b.svc.cluster.local}}]`,
      `, creationTimestamp: "${time}"`,
    );
  const dest = (text: string, from: string) =>
    traceSummary(text, { from, to: 'http://reviews.b.svc.cluster.local:9080/', address: '10.99.0.1' }).out?.cluster;
  it('two public VirtualServices: the oldest wins everywhere, even against one in the client namespace', () => {
    const text = doc(world3, vsIn('a', 'x', NEW_VS), vsIn('b', 'y', OLD_VS));
    expect(dest(text, 'a/client')).toBe('outbound|9080||y.b.svc.cluster.local');
    expect(dest(text, 'c/client')).toBe('outbound|9080||y.b.svc.cluster.local');
  });
  it('an older public one in the root namespace wins too', () => {
    expect(dest(doc(world3, vsIn('istio-system', 'x', OLD_VS), vsIn('b', 'y', NEW_VS)), 'a/client')).toBe(
      'outbound|9080||x.b.svc.cluster.local',
    );
  });
  it('a private VirtualService in the client namespace comes first there, and only there', () => {
    const text = doc(world3, vsIn('a', 'x', NEW_VS, 'exportTo: ["."]\n'), vsIn('b', 'y', OLD_VS));
    expect(dest(text, 'a/client')).toBe('outbound|9080||x.b.svc.cluster.local');
    expect(dest(text, 'c/client')).toBe('outbound|9080||y.b.svc.cluster.local');
  });
  it('one exported to the client namespace by name comes before the public ones', () => {
    const text = doc(world3, vsIn('c', 'x', NEW_VS, 'exportTo: ["a"]\n'), vsIn('b', 'y', OLD_VS));
    expect(dest(text, 'a/client')).toBe('outbound|9080||x.b.svc.cluster.local');
  });
});

// push_context.go: destinationRule uses MostSpecificHostMatch — an exact host beats a wildcard in the same namespace.
describe('DestinationRule host: exact beats wildcard', () => {
  const world4 = doc(
    namespace('a', { 'istio-injection': 'enabled' }),
    namespace('b', { 'istio-injection': 'enabled' }),
    namespace('istio-system'),
    pod('client', 'a', { labels: { app: 'client' }, ip: '10.1.0.1' }),
    istio(
      'ServiceEntry',
      'se',
      'b',
      'hosts: [a.example.com]\nresolution: STATIC\nports: [{number: 80, name: http, protocol: HTTP}]\n' +
        'endpoints: [{address: 2.2.2.2}]',
    ),
  );
  const wildcard = rule('w', 'b', '*.example.com', ['w']);
  const exact = rule('e', 'b', 'a.example.com', ['e']);
  const outcome = (subset: string, ...rules: string[]) =>
    traceSummary(doc(world4, ...rules, toSubset('a.example.com', 'a', subset)), {
      from: 'a/client',
      to: 'http://a.example.com/',
      address: '1.1.1.1',
    }).outcome;
  it('a wildcard rule alone applies', () => expect(outcome('w', wildcard)).toBe('routed'));
  it('with an exact rule too, the exact one is used and the wildcard subsets are gone', () => {
    expect(outcome('e', wildcard, exact)).toBe('routed');
    expect(outcome('w', wildcard, exact)).toBe('cluster-not-found');
  });
});
