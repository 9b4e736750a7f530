// Fidelity against Istio's delegate VirtualService merging (pilot/pkg/model/virtualservice_test.go:
// TestMergeHttpRoutes, TestMergeHTTPMatchRequests, TestHasConflict). Each case writes a root VirtualService for
// `productpage` that delegates to a VirtualService without hosts, sends a sidecar's request, and reads which route (if
// any) takes it: a delegate route whose match conflicts with the root's is dropped.
import { describe, expect, it } from 'vitest';
import { doc, istio, namespace, pod, service, traceSummary } from '../testkit.ts';

const base = (clientLabels: Record<string, string> = { app: 'client' }, clientNs = 'default') =>
  doc(
    namespace('default', { 'istio-injection': 'enabled' }),
    namespace('other', { 'istio-injection': 'enabled' }),
    namespace('istio-system'),
    service('productpage', 'default', { ports: [{ port: 9080, name: 'http' }], selector: { app: 'productpage' } }),
    service('v1', 'default', { ports: [{ port: 9080, name: 'http' }], selector: { app: 'v1' } }),
    service('v2', 'default', { ports: [{ port: 9080, name: 'http' }], selector: { app: 'v2' } }),
    service('fallback', 'default', { ports: [{ port: 9080, name: 'http' }], selector: { app: 'fallback' } }),
    pod('productpage', 'default', { labels: { app: 'productpage' }, ip: '10.1.1.1' }),
    pod('v1', 'default', { labels: { app: 'v1' }, ip: '10.1.1.2' }),
    pod('v2', 'default', { labels: { app: 'v2' }, ip: '10.1.1.3' }),
    pod('fallback', 'default', { labels: { app: 'fallback' }, ip: '10.1.1.4' }),
    pod('client', clientNs, { labels: clientLabels, ip: '10.1.0.5' }),
  );

/** A root on productpage: one rule with `rootMatch` delegating to `leaf`, then (optionally) a catch-all. */
const root = (rootMatch: string, catchAll = false) =>
  istio(
    'VirtualService',
    'root',
    'default',
    `hosts: [productpage]
http:
- name: root
${rootMatch ? `  match: ${rootMatch}\n` : ''}  delegate: {name: leaf, namespace: default}
${catchAll ? '- route: [{destination: {host: fallback}}]\n' : ''}`,
  );
const leaf = (routes: Array<{ match?: string; to: string; name?: string }>, extra = '') =>
  istio(
    'VirtualService',
    'leaf',
    'default',
    `${extra}http:\n${routes
      .map(
        (r) =>
          `- ${r.name ? `name: ${r.name}\n  ` : ''}${r.match ? `match: ${r.match}\n  ` : ''}` +
          `route: [{destination: {host: ${r.to}}}]`,
      )
      .join('\n')}`,
  );

const call = (
  text: string,
  path: string,
  headers: Record<string, string> = {},
  from = 'default/client',
): { outcome: string; cluster: string | undefined; route: string | undefined } => {
  const t = traceSummary(text, { from, to: `http://productpage.default.svc.cluster.local:9080${path}`, headers });
  return { outcome: t.outcome, cluster: t.out?.cluster, route: t.out?.route };
};
const to = (svc: string) => `outbound|9080||${svc}.default.svc.cluster.local`;
const NR = { outcome: 'no-route', cluster: undefined };
// A root whose only rule loses every delegate route has no routes left and gives no virtual host: the Service's
// default one takes the request (route.go: buildSidecarVirtualHostsForVirtualService). So the roots below end with a
// catch-all to `fallback`, which a dropped delegate route falls through to.
const FALLBACK = { outcome: 'routed', cluster: to('fallback') };

describe('delegate VirtualService merging (virtualservice.go: mergeHTTPRoute, hasConflict)', () => {
  it('url match: a narrower exact path in the delegate is kept; the rest of the root prefix finds no route', () => {
    const text = doc(
      base(),
      root('[{uri: {prefix: /productpage}}]'),
      leaf([{ match: '[{uri: {exact: /productpage/v1}}]', to: 'v1' }]),
    );
    expect(call(text, '/productpage/v1')).toMatchObject({ outcome: 'routed', cluster: to('v1') });
    expect(call(text, '/productpage/v2')).toMatchObject(NR);
  });
  it('url mismatch: a delegate path outside the root prefix is dropped', () => {
    const text = doc(
      base(),
      root('[{uri: {prefix: /productpage}}]', true),
      leaf([{ match: '[{uri: {exact: /reviews}}]', to: 'v1' }]),
    );
    expect(call(text, '/reviews')).toMatchObject(FALLBACK);
  });
  it("one conflicting match among a delegate route's matches drops the whole route", () => {
    const text = doc(
      base(),
      root('[{uri: {prefix: /productpage}}]', true),
      leaf([{ match: '[{uri: {exact: /productpage/v1}}, {uri: {exact: /reviews}}]', to: 'v1' }]),
    );
    expect(call(text, '/productpage/v1')).toMatchObject(FALLBACK);
  });
  it('multi url match: each delegate match merges with the root match it narrows', () => {
    const text = doc(
      base(),
      root('[{uri: {prefix: /productpage}}, {uri: {prefix: /reviews}}]'),
      leaf([{ match: '[{uri: {exact: /productpage/v1}}, {uri: {exact: /reviews/v1}}]', to: 'v1' }]),
    );
    expect(call(text, '/productpage/v1')).toMatchObject({ outcome: 'routed', cluster: to('v1') });
    expect(call(text, '/reviews/v1')).toMatchObject({ outcome: 'routed', cluster: to('v1') });
    expect(call(text, '/reviews/v2')).toMatchObject(NR);
  });
  it('url regex in the root and a delegate route without a uri: the regex is inherited', () => {
    const text = doc(base(), root('[{uri: {regex: "^/productpage.*"}}]'), leaf([{ to: 'v1' }]));
    expect(call(text, '/productpage/x')).toMatchObject({ outcome: 'routed', cluster: to('v1') });
    expect(call(text, '/other')).toMatchObject(NR);
  });
  it('url regex in the root and a prefix in the delegate conflict', () => {
    const text = doc(
      base(),
      root('[{uri: {regex: "^/productpage.*"}}]', true),
      leaf([{ match: '[{uri: {prefix: /productpage}}]', to: 'v1' }]),
    );
    expect(call(text, '/productpage/x')).toMatchObject(FALLBACK);
  });
  it("headers: the root header is required alongside the delegate's own", () => {
    const text = doc(
      base(),
      root('[{headers: {header: {exact: h1}}}]'),
      leaf([{ match: '[{headers: {header-2: {exact: h2}}}]', to: 'v1' }]),
    );
    expect(call(text, '/', { header: 'h1', 'header-2': 'h2' })).toMatchObject({ outcome: 'routed', cluster: to('v1') });
    expect(call(text, '/', { 'header-2': 'h2' })).toMatchObject(NR);
    expect(call(text, '/', { header: 'h1' })).toMatchObject(NR);
  });
  it('headers conflict: the same header with another exact value drops the delegate route', () => {
    const text = doc(
      base(),
      root('[{headers: {header: {exact: h1}}}]', true),
      leaf([{ match: '[{headers: {header: {exact: h2}}}]', to: 'v1' }]),
    );
    expect(call(text, '/', { header: 'h2' })).toMatchObject(FALLBACK);
    expect(call(text, '/', { header: 'h1' })).toMatchObject(FALLBACK);
  });
  it('headers prefix in the delegate under an exact root header conflicts', () => {
    const text = doc(
      base(),
      root('[{headers: {header: {exact: h1}}}]', true),
      leaf([{ match: '[{headers: {header: {prefix: h1}}}]', to: 'v1' }]),
    );
    expect(call(text, '/', { header: 'h1' })).toMatchObject(FALLBACK);
  });
  it('withoutHeaders mismatch drops the delegate route', () => {
    const text = doc(
      base(),
      root('[{withoutHeaders: {header: {exact: h1}}}]', true),
      leaf([{ match: '[{withoutHeaders: {header: {exact: h2}}}]', to: 'v1' }], ''),
    );
    expect(call(text, '/')).toMatchObject(FALLBACK);
  });
  it("source labels merge: the client needs the root's and the delegate's labels", () => {
    const text = doc(
      base({ app: 'test', version: 'v1' }),
      root('[{sourceLabels: {app: test}}]'),
      leaf([{ match: '[{sourceLabels: {version: v1}}]', to: 'v1' }]),
    );
    expect(call(text, '/')).toMatchObject({ outcome: 'routed', cluster: to('v1') });
    const other = doc(
      base({ app: 'test', version: 'v2' }),
      root('[{sourceLabels: {app: test}}]'),
      leaf([{ match: '[{sourceLabels: {version: v1}}]', to: 'v1' }]),
    );
    // Routes are built per proxy: none is left for this client, so the VirtualService gives it no virtual host.
    expect(call(other, '/')).toMatchObject({ outcome: 'routed', cluster: to('productpage') });
  });
  it("source labels mismatch: a delegate that asks another value of the root's label is dropped", () => {
    const text = doc(
      base({ app: 'other' }),
      root('[{sourceLabels: {app: client}}]', true),
      leaf([{ match: '[{sourceLabels: {app: other}}]', to: 'v1' }]),
    );
    expect(call(text, '/')).toMatchObject(FALLBACK);
  });
  it('sourceNamespace mismatch drops the delegate route', () => {
    const text = doc(
      base({ app: 'client' }, 'other'),
      root('[{sourceNamespace: default}]', true),
      leaf([{ match: '[{sourceNamespace: other}]', to: 'v1' }]),
    );
    expect(call(text, '/', {}, 'other/client')).toMatchObject(FALLBACK);
  });
  it('gateways: a delegate match naming more gateways than the root conflicts', () => {
    const text = doc(
      base(),
      root('[{gateways: [mesh]}]', true),
      leaf([{ match: '[{gateways: [default/ingress, mesh]}]', to: 'v1' }]),
    );
    expect(call(text, '/')).toMatchObject(FALLBACK);
  });
  it('gateways: a delegate match naming a gateway the root does not conflicts', () => {
    const text = doc(
      base(),
      root('[{gateways: [default/ingress]}, {gateways: [mesh], uri: {prefix: /}}]'),
      leaf([
        { match: '[{gateways: [mesh], uri: {exact: /a}}]', to: 'v1' },
        { match: '[{gateways: [other-gw]}]', to: 'v2' },
      ]),
    );
    expect(call(text, '/a')).toMatchObject({ outcome: 'routed', cluster: to('v1') });
    expect(call(text, '/b')).toMatchObject(NR);
  });
  it("gateway merge: a delegate match inherits the root's gateways when it names none", () => {
    const text = doc(base(), root('[{gateways: [mesh]}]'), leaf([{ match: '[{uri: {exact: /a}}]', to: 'v1' }]));
    expect(call(text, '/a')).toMatchObject({ outcome: 'routed', cluster: to('v1') });
  });
  it('port: root and delegate on different ports conflict; an unset port does not', () => {
    const conflict = doc(base(), root('[{port: 9080}]', true), leaf([{ match: '[{port: 8080}]', to: 'v1' }]));
    expect(call(conflict, '/')).toMatchObject(FALLBACK);
    const unset = doc(base(), root('[{port: 9080}]'), leaf([{ match: '[{uri: {prefix: /}}]', to: 'v1' }]));
    expect(call(unset, '/')).toMatchObject({ outcome: 'routed', cluster: to('v1') });
  });
  it('ignoreUriCase on one side only conflicts', () => {
    const text = doc(
      base(),
      root('[{uri: {prefix: /p}, ignoreUriCase: true}]', true),
      leaf([{ match: '[{uri: {prefix: /p/x}}]', to: 'v1' }]),
    );
    expect(call(text, '/p/x')).toMatchObject(FALLBACK);
  });
  it("root catch all: delegate routes come first in place of the rule, then the root's later rules", () => {
    const text = doc(
      base(),
      root('[{uri: {prefix: /productpage}}]', true),
      leaf([{ match: '[{uri: {exact: /productpage/v1}}]', to: 'v1' }, { to: 'v2' }]),
    );
    expect(call(text, '/productpage/v1')).toMatchObject({ outcome: 'routed', cluster: to('v1') });
    // The delegate's match-less route inherits the root's prefix.
    expect(call(text, '/productpage/x')).toMatchObject({ outcome: 'routed', cluster: to('v2') });
    expect(call(text, '/other')).toMatchObject({ outcome: 'routed', cluster: to('fallback') });
  });
  it('route names join root and delegate names', () => {
    const text = doc(base(), root('[{uri: {prefix: /}}]'), leaf([{ name: 'leafroute', to: 'v1' }]));
    expect(call(text, '/')).toMatchObject({ outcome: 'routed', route: 'root-leafroute' });
  });
  it("a delegate not exported to the root's namespace is not merged: the root rule gives no route", () => {
    const text = doc(base(), root('', true), leaf([{ to: 'v1' }], 'exportTo: [other]\n'));
    expect(call(text, '/')).toMatchObject({ outcome: 'routed', cluster: to('fallback') });
  });
  it("a delegate in another namespace, exported to the root's", () => {
    const text = doc(
      base(),
      istio(
        'VirtualService',
        'root',
        'default',
        'hosts: [productpage]\nhttp:\n- delegate: {name: leaf, namespace: other}',
      ),
      istio(
        'VirtualService',
        'leaf',
        'other',
        'exportTo: [default]\nhttp:\n- route: [{destination: {host: v2.default.svc.cluster.local}}]',
      ),
    );
    expect(call(text, '/')).toMatchObject({ outcome: 'routed', cluster: to('v2') });
  });
});

// pilot/pkg/model/virtualservice_controller.go: mergeVirtualServices — at a gateway, the istio.io delegate example: a
// root bound to the gateway delegates paths to VirtualServices in other namespaces; a delegate that is missing, has
// hosts, or is not exported to the root's namespace drops only its rule.
describe('delegates at a gateway', () => {
  const common = doc(
    namespace('istio-system'),
    namespace('nsa', { 'istio-injection': 'enabled' }),
    namespace('nsb', { 'istio-injection': 'enabled' }),
    pod('gw', 'istio-system', { labels: { istio: 'ingressgateway' }, ip: '10.244.0.50', gateway: true }),
    pod('pp', 'nsa', { labels: { app: 'productpage' }, ip: '10.1.0.1' }),
    service('productpage', 'nsa', { ports: [{ port: 9080, name: 'http' }], selector: { app: 'productpage' } }),
    pod('rv', 'nsb', { labels: { app: 'reviews' }, ip: '10.1.0.2' }),
    service('reviews', 'nsb', { ports: [{ port: 9080, name: 'http' }], selector: { app: 'reviews' } }),
    istio(
      'Gateway',
      'gateway',
      'istio-system',
      'selector: {istio: ingressgateway}\nservers:\n- port: {number: 80, name: http, protocol: HTTP}\n  hosts: ["*"]',
    ),
    istio(
      'VirtualService',
      'bookinfo',
      'istio-system',
      'hosts: ["bookinfo.com"]\ngateways: [gateway]\nhttp:\n' +
        '- match: [{uri: {prefix: "/productpage"}}]\n  delegate: {name: productpage, namespace: nsa}\n' +
        '- match: [{uri: {prefix: "/reviews"}}]\n  delegate: {name: reviews, namespace: nsb}\n' +
        '- match: [{uri: {prefix: "/"}}]\n  route: [{destination: {host: productpage.nsa.svc.cluster.local}}]',
    ),
    istio(
      'VirtualService',
      'productpage',
      'nsa',
      'http:\n- route: [{destination: {host: productpage.nsa.svc.cluster.local}}]',
    ),
  );
  const leaf = (extra = '') =>
    istio(
      'VirtualService',
      'reviews',
      'nsb',
      `${extra}http:\n- name: leaf\n  route: [{destination: {host: reviews.nsb.svc.cluster.local}}]`,
    );
  const at = (text: string, path: string) => {
    const t = traceSummary(text, { from: 'istio-system/gw', to: `http://bookinfo.com${path}` });
    return { outcome: t.outcome, cluster: t.out?.cluster, route: t.out?.route };
  };
  it('each path reaches its delegate', () => {
    const text = doc(common, leaf());
    expect(at(text, '/productpage')).toMatchObject({ cluster: 'outbound|9080||productpage.nsa.svc.cluster.local' });
    expect(at(text, '/reviews/1')).toMatchObject({ cluster: 'outbound|9080||reviews.nsb.svc.cluster.local' });
  });
  it('a delegate exported to the root namespace by name is merged', () => {
    expect(at(doc(common, leaf('exportTo: ["istio-system"]\n')), '/reviews/1')).toMatchObject({ route: 'leaf' });
  });
  it("a delegate's match gateways are named in the delegate's namespace (ResolveVirtualServiceShortnames)", () => {
    const named = (gateway: string) =>
      istio(
        'VirtualService',
        'reviews',
        'nsb',
        `http:\n- name: leaf\n  match: [{gateways: [${gateway}]}]\n` +
          '  route: [{destination: {host: reviews.nsb.svc.cluster.local}}]',
      );
    // "gateway" in nsb is nsb/gateway, not the root's istio-system/gateway: the rule is not on this gateway, and the
    // root's catch-all takes the path.
    expect(at(doc(common, named('gateway')), '/reviews/1')).toMatchObject({
      cluster: 'outbound|9080||productpage.nsa.svc.cluster.local',
    });
    expect(at(doc(common, named('istio-system/gateway')), '/reviews/1')).toMatchObject({ route: 'leaf' });
  });
  for (const [name, text] of [
    ['missing', common],
    ['exported to its own namespace only', doc(common, leaf('exportTo: ["."]\n'))],
    ['with hosts of its own (so not a delegate)', doc(common, leaf('hosts: [x.com]\n'))],
  ] as const)
    it(`a delegate ${name}: its rule is dropped and the catch-all takes the path`, () => {
      expect(at(text, '/reviews/1')).toMatchObject({
        outcome: 'routed',
        cluster: 'outbound|9080||productpage.nsa.svc.cluster.local',
      });
    });
});
