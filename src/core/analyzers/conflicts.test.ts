import { describe, expect, it } from 'vitest';
import { analyze, traceRequest } from '../index.ts';
import { doc, istio, namespace, pod, service } from '../testkit.ts';
import { findings } from './testkit.ts';

const mesh = doc(
  namespace('a', { 'istio-injection': 'enabled' }),
  namespace('b', { 'istio-injection': 'enabled' }),
  namespace('istio-system'),
  service('reviews', 'a', { ports: [{ port: 9080, name: 'http' }], selector: { app: 'reviews' } }),
  pod('reviews-v1', 'a', { labels: { app: 'reviews', version: 'v1' }, ip: '10.244.1.1' }),
  pod('reviews-v2', 'a', { labels: { app: 'reviews', version: 'v2' }, ip: '10.244.1.2' }),
  service('ratings', 'a', { ports: [{ port: 9080, name: 'http' }], selector: { app: 'ratings' } }),
  pod('ratings-v1', 'a', { labels: { app: 'ratings' }, ip: '10.244.1.3' }),
  pod('sleep', 'b', { labels: { app: 'sleep' }, ip: '10.244.2.1' }),
  pod('gw', 'istio-system', {
    labels: { istio: 'ingressgateway', 'sidecar.istio.io/inject': 'true' },
    annotations: { 'inject.istio.io/templates': 'gateway' },
  }),
  istio(
    'DestinationRule',
    'reviews',
    'a',
    'host: reviews\nsubsets:\n- {name: v1, labels: {version: v1}}\n- {name: v2, labels: {version: v2}}',
  ),
);
const toReviews =
  (exportTo = '') =>
  (name: string, ns: string, subset: string) =>
    istio(
      'VirtualService',
      name,
      ns,
      `hosts: [reviews.a.svc.cluster.local]\n${exportTo}http:\n- route:\n` +
        `  - destination: {host: reviews.a.svc.cluster.local, subset: ${subset}}`,
    );

describe('several VirtualServices for one host (virtualservice/conflictingmeshgatewayhosts.go)', () => {
  it('reports nothing for one VirtualService per host, or the same host on gateways only', () => {
    const gw = istio(
      'Gateway',
      'gw',
      'a',
      'selector: {istio: ingressgateway}\nservers:\n- port: {number: 80, name: http, protocol: HTTP}\n  hosts: ["*"]',
    );
    const onGateway = (name: string) =>
      istio(
        'VirtualService',
        name,
        'a',
        'hosts: [shop.example.com]\ngateways: [gw]\nhttp:\n- route:\n  - destination: {host: reviews}',
      );
    expect(findings(doc(mesh, toReviews()('r', 'a', 'v1'), gw, onGateway('g1'), onGateway('g2')), ['IST0109'])).toEqual(
      [],
    );
  });

  it('names the older one as the winner, and the trace agrees', () => {
    const text = doc(mesh, toReviews()('first', 'a', 'v1'), toReviews()('second', 'b', 'v2'));
    const found = findings(text, ['IST0109']);
    expect(found.map((f) => [f.severity, f.at])).toEqual([
      ['warning', 'reviews.a.svc.cluster.local]'],
      ['warning', 'reviews.a.svc.cluster.local]'],
    ]);
    expect(found[0]?.message).toContain('This one is used in every namespace (it is the oldest');
    expect(found[1]?.message).toContain('a/first wins in every namespace because it is older');
    expect(found[1]?.message).toContain('this VirtualService is ignored for reviews.a.svc.cluster.local');
    const result = traceRequest(analyze([{ name: 's.yaml', text }]), { from: 'b/sleep', to: 'http://reviews.a:9080/' });
    if (!result.ok) throw new Error(result.reason);
    expect(result.trace.steps.find((s) => s.kind === 'cluster')?.title).toContain('|v1|');
  });

  it('a VirtualService private to a namespace wins there over an older public one', () => {
    const found = findings(
      doc(mesh, toReviews()('public', 'a', 'v1'), toReviews('exportTo: ["."]\n')('private', 'b', 'v2')),
      ['IST0109'],
    );
    expect(found.map((f) => f.message)).toEqual([
      expect.stringContaining(
        'b/private wins for proxies in b because it is private to namespace b, which comes before public ones',
      ),
      expect.stringContaining('This one is used for proxies in b (private to namespace b)'),
    ]);
  });
});

// pilot/pkg/model/destination_rule.go, push_context.go: destinationRule
describe('several DestinationRules for one host', () => {
  it('reports nothing for one rule per host', () => {
    expect(findings(mesh, ['DESTINATION_RULES_MERGED', 'DESTINATION_RULE_SHADOWED'])).toEqual([]);
  });

  it('rules in one namespace merge: new subsets (info), repeated subset or 2nd trafficPolicy ignored (warning)', () => {
    // No creation times: the rules are of one second, so their names order them (reviews, tls-off, v3-subset).
    const found = findings(
      doc(
        mesh,
        istio('DestinationRule', 'v3-subset', 'a', 'host: reviews\nsubsets:\n- {name: v3, labels: {version: v3}}'),
        istio(
          'DestinationRule',
          'tls-off',
          'a',
          'host: reviews.a.svc.cluster.local\ntrafficPolicy: {tls: {mode: DISABLE}}\nsubsets:\n' +
            '- {name: v1, labels: {version: v9}}',
        ),
      ),
      ['DESTINATION_RULES_MERGED'],
    );
    expect(found.map((f) => [f.severity, f.at])).toEqual([
      ['info', 'reviews'],
      ['warning', 'v1, labels: {version: v9}}'],
    ]);
    expect(found[0]?.message).toContain('istiod merges the two into the older one, adding the subset v3');
    expect(found[1]?.message).toContain('its subset v1 is ignored');
  });

  it('a rule in a client namespace replaces the owner rule there, subsets included', () => {
    const found = findings(
      doc(
        mesh,
        istio(
          'DestinationRule',
          'mine',
          'b',
          'host: reviews.a.svc.cluster.local\ntrafficPolicy: {tls: {mode: ISTIO_MUTUAL}}',
        ),
      ),
      ['DESTINATION_RULE_SHADOWED'],
    );
    expect(found.map((f) => [f.severity, f.at])).toEqual([['warning', 'reviews.a.svc.cluster.local']]);
    expect(found[0]?.message).toContain('For proxies in namespace b, this rule replaces a/reviews');
    expect(found[0]?.message).toContain('subsets v1, v2 are undefined here');
  });

  it('a wildcard rule in a client namespace does the same', () => {
    const found = findings(
      doc(mesh, istio('DestinationRule', 'all', 'b', 'host: "*.local"\ntrafficPolicy: {tls: {mode: ISTIO_MUTUAL}}')),
      ['DESTINATION_RULE_SHADOWED'],
    );
    expect(found.map((f) => f.at)).toEqual(['"*.local"']);
  });

  it('a public root-namespace rule does not replace the owner rule: root proxies look in its namespace first', () => {
    const root = (exportTo: string) =>
      istio(
        'DestinationRule',
        'mtls',
        'istio-system',
        `host: "*.local"\n${exportTo}trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}`,
      );
    expect(findings(doc(mesh, root('')), ['DESTINATION_RULE_SHADOWED'])).toEqual([]);
    expect(findings(doc(mesh, root('exportTo: ["."]\n')), ['DESTINATION_RULE_SHADOWED']).map((f) => f.message)).toEqual(
      [expect.stringContaining('For proxies in namespace istio-system, this rule replaces a/reviews')],
    );
  });
});

describe('Gateways, ServiceEntries and Sidecars that claim the same thing', () => {
  const gateway = (name: string, host: string, tls = false) =>
    istio(
      'Gateway',
      name,
      'a',
      'selector: {istio: ingressgateway}\nservers:\n- port: {number: 443, name: https, protocol: HTTPS}\n' +
        `  hosts: ["${host}"]${tls ? `\n  tls: {mode: SIMPLE, credentialName: ${name}}` : ''}`,
    );

  it('IST0145: the same host and port on the same gateway workloads; a TLS duplicate is skipped', () => {
    expect(
      findings(doc(mesh, gateway('one', 'a.example.com', true), gateway('two', 'b.example.com', true)), ['IST0145']),
    ).toEqual([]);
    const found = findings(doc(mesh, gateway('one', 'a.example.com', true), gateway('two', 'a.example.com', true)), [
      'IST0145',
    ]);
    expect(found.map((f) => [f.severity, f.at])).toEqual([['error', '["a.example.com"]']]);
    expect(found[0]?.message).toContain('istiod skips this whole server');
  });

  it('a ServiceEntry for a Kubernetes Service host, a repeated ServiceEntry host, clashing protocols (IST0177)', () => {
    const se = (name: string, ns: string, host: string, protocol: string) =>
      istio(
        'ServiceEntry',
        name,
        ns,
        `hosts: [${host}]\nports: [{number: 9080, name: p, protocol: ${protocol}}]\nresolution: DNS`,
      );
    expect(
      findings(doc(mesh, se('x', 'a', 'api.example.com', 'HTTP')), ['SERVICE_ENTRY_HOST_CONFLICT', 'IST0177']),
    ).toEqual([]);
    const found = findings(
      doc(
        mesh,
        se('shadow', 'a', 'reviews.a.svc.cluster.local', 'HTTP'),
        se('x', 'a', 'api.example.com', 'HTTP'),
        se('y', 'a', 'api.example.com', 'TCP'),
      ),
      ['SERVICE_ENTRY_HOST_CONFLICT', 'IST0177'],
    );
    expect(found.map((f) => [f.code, f.severity])).toEqual([
      ['SERVICE_ENTRY_HOST_CONFLICT', 'warning'],
      ['SERVICE_ENTRY_HOST_CONFLICT', 'warning'],
      ['IST0177', 'warning'],
    ]);
    expect(found[0]?.message).toContain('a Kubernetes Service always wins');
    expect(found[1]?.message).toContain('a/x (older) also has the host api.example.com');
  });

  it('IST0111 and IST0110: two namespace-wide Sidecars, two Sidecars selecting one pod', () => {
    const sidecar = (name: string, selector = '') =>
      istio('Sidecar', name, 'a', `${selector}egress:\n- hosts: ["./*"]`);
    expect(
      findings(doc(mesh, sidecar('one'), sidecar('two', 'workloadSelector: {labels: {app: reviews}}\n')), [
        'IST0110',
        'IST0111',
      ]),
    ).toEqual([]);
    const found = findings(
      doc(
        mesh,
        sidecar('one'),
        sidecar('two'),
        sidecar('r1', 'workloadSelector: {labels: {app: reviews}}\n'),
        sidecar('r2', 'workloadSelector: {labels: {version: v1}}\n'),
      ),
      ['IST0110', 'IST0111'],
    );
    expect(found.map((f) => [f.code, f.message.split(':')[0]])).toEqual([
      ['IST0111', 'Sidecars a/one, a/two in namespace a have no workload selector'],
      ['IST0110', 'Pod a/reviews-v1 is selected by Sidecars a/r1, a/r2'],
    ]);
  });
});
