import { describe, expect, it } from 'vitest';
import { doc, istio, namespace, pod, service } from '../testkit.ts';
import { findings } from './testkit.ts';

// reviews (two ports, pods v1 only) and ratings in `app`; an ingress gateway pod in istio-system.
const mesh = doc(
  namespace('app', { 'istio-injection': 'enabled' }),
  namespace('istio-system'),
  service('reviews', 'app', {
    ports: [
      { port: 9080, name: 'http' },
      { port: 9090, name: 'http-admin' },
    ],
    selector: { app: 'reviews' },
  }),
  pod('reviews-v1', 'app', { labels: { app: 'reviews', version: 'v1' } }),
  service('ratings', 'app', { ports: [{ port: 9080, name: 'http' }], selector: { app: 'ratings' } }),
  pod('ratings-v1', 'app', { labels: { app: 'ratings' } }),
  pod('ingressgateway', 'istio-system', {
    labels: { istio: 'ingressgateway', 'sidecar.istio.io/inject': 'true' },
    annotations: { 'inject.istio.io/templates': 'gateway' },
  }),
  istio('DestinationRule', 'reviews', 'app', 'host: reviews\nsubsets:\n- name: v1\n  labels: {version: v1}'),
  istio(
    'Gateway',
    'public',
    'app',
    'selector: {istio: ingressgateway}\nservers:\n- port: {number: 80, name: http, protocol: HTTP}\n' +
      '  hosts: ["shop.example.com"]',
  ),
);
const codes = [
  'IST0101',
  'IST0112',
  'IST0132',
  'IST0174',
  'IST0127',
  'EGRESS_HOST_NOT_FOUND',
  'PEER_AUTHENTICATION_IGNORED',
] as const;
const check = (...docs: string[]) => findings(doc(mesh, ...docs), codes);

describe('references (virtualservice/gateways.go, destinationhosts.go, destinationrules.go)', () => {
  it('reports nothing when every gateway, host, port and subset exists', () => {
    expect(
      check(
        istio(
          'VirtualService',
          'shop',
          'app',
          'hosts: [shop.example.com]\ngateways: [public]\nhttp:\n- route:\n' +
            '  - destination: {host: reviews, subset: v1, port: {number: 9080}}',
        ),
        istio(
          'VirtualService',
          'ratings',
          'app',
          'hosts: [ratings]\nhttp:\n- route:\n  - destination: {host: ratings}',
        ),
      ),
    ).toEqual([]);
  });

  it('names a gateway that does not exist and a gateway without the VirtualService host', () => {
    const found = check(
      istio(
        'VirtualService',
        'shop',
        'app',
        'hosts: [other.example.com]\ngateways: [public, istio-system/missing]\nhttp:\n- route:\n' +
          '  - destination: {host: ratings}',
      ),
    );
    expect(found.map((f) => [f.code, f.severity, f.at])).toEqual([
      ['IST0132', 'warning', 'public, istio-system/missing]'],
      ['IST0101', 'error', 'istio-system/missing]'],
    ]);
    expect(found[1]?.message).toContain('Gateway istio-system/missing does not exist');
  });

  it('names a destination host, port and subset that do not exist, and a port Istio cannot choose', () => {
    const found = check(
      istio(
        'VirtualService',
        'shop',
        'app',
        [
          'hosts: [shop.example.com]',
          'gateways: [public]',
          'http:',
          '- route:',
          '  - destination: {host: reviewz, port: {number: 9080}}',
          '  - destination: {host: reviews, port: {number: 8080}}',
          '  - destination: {host: reviews, subset: v3, port: {number: 9080}}',
          '  - destination: {host: reviews}',
        ].join('\n'),
      ),
    );
    expect(found.map((f) => [f.code, f.at])).toEqual([
      ['IST0101', 'reviewz, port: {number: 9080}}'],
      ['IST0101', '8080}}'],
      ['IST0101', 'v3, port: {number: 9080}}'],
      ['IST0112', 'reviews}'],
    ]);
    expect(found[0]?.message).toContain('reviewz.app.svc.cluster.local');
    expect(found[2]?.message).toContain('app/reviews defines v1');
    expect(found[3]?.message).toContain('on port 80');
  });

  it('on sidecars, a destination without a port is fine when it has the ports the route is served on', () => {
    expect(
      check(
        istio(
          'VirtualService',
          'reviews',
          'app',
          'hosts: [reviews]\nhttp:\n- route:\n  - destination: {host: reviews}',
        ),
      ),
    ).toEqual([]);
  });

  it('checks delegates: missing, with hosts, or not exported to the root', () => {
    const root = istio(
      'VirtualService',
      'root',
      'app',
      'hosts: [ratings]\nhttp:\n- delegate: {name: nope}\n- delegate: {name: leaf, namespace: team}\n' +
        '- delegate: {name: hosted}\n- delegate: {name: ok}\n- route:\n  - destination: {host: ratings}',
    );
    const found = check(
      root,
      istio(
        'VirtualService',
        'leaf',
        'team',
        'exportTo: ["."]\nhttp:\n- route:\n  - destination: {host: ratings.app.svc.cluster.local}',
      ),
      istio(
        'VirtualService',
        'hosted',
        'app',
        'hosts: [x.example.com]\nhttp:\n- route:\n  - destination: {host: ratings}',
      ),
      istio('VirtualService', 'ok', 'app', 'http:\n- route:\n  - destination: {host: ratings}'),
    );
    expect(found.map((f) => f.message.split(':')[0])).toEqual([
      'The delegate VirtualService app/nope does not exist',
      'Team/leaf is not exported to namespace app',
      'App/hosted has hosts, and only a VirtualService without hosts can be a delegate',
    ]);
  });

  it('reports a DestinationRule host no Service or ServiceEntry has, wildcards included', () => {
    const found = check(
      istio('DestinationRule', 'typo', 'app', 'host: reveiws'),
      istio('DestinationRule', 'all', 'app', 'host: "*.app.svc.cluster.local"'),
      istio('DestinationRule', 'ext', 'app', 'host: "*.example.org"'),
    );
    expect(found.map((f) => [f.code, f.at])).toEqual([
      ['IST0174', 'reveiws'],
      ['IST0174', '"*.example.org"'],
    ]);
  });
});

describe('Sidecar egress hosts and selectors (sidecar/selector.go)', () => {
  it('reports a short name (matched literally), an unknown host, and a selector with no pod', () => {
    const found = check(
      istio(
        'Sidecar',
        'narrow',
        'app',
        'workloadSelector: {labels: {app: nothing}}\negress:\n' +
          '- hosts: ["./ratings", "./ratings.app.svc.cluster.local", "*/api.example.com", ' +
          '"istio-system/*", "./*.app.svc.cluster.local"]',
      ),
    );
    expect(found.map((f) => [f.code, f.at])).toEqual([
      ['IST0101', '{app: nothing}}'],
      [
        'EGRESS_HOST_NOT_FOUND',
        '"./ratings", "./ratings.app.svc.cluster.local", "*/api.example.com", "istio-system/*", ' +
          '"./*.app.svc.cluster.local"]',
      ],
      ['EGRESS_HOST_NOT_FOUND', '"*/api.example.com", "istio-system/*", "./*.app.svc.cluster.local"]'],
    ]);
    expect(found[1]?.message).toContain('short name');
  });
});

describe('selectors that choose nothing (authz/authorizationpolicies.go, gateway/gateway.go)', () => {
  it('AuthorizationPolicy and PeerAuthentication selectors with no pod, or only pods without a proxy', () => {
    const found = check(
      namespace('legacy'),
      pod('old', 'legacy', { labels: { app: 'old' } }),
      istio('AuthorizationPolicy', 'a', 'app', 'selector: {matchLabels: {app: reviewz}}\naction: DENY\nrules: [{}]'),
      istio('AuthorizationPolicy', 'b', 'legacy', 'selector: {matchLabels: {app: old}}\naction: DENY\nrules: [{}]'),
      istio('PeerAuthentication', 'c', 'app', 'selector: {matchLabels: {app: reviews}}\nmtls: {mode: STRICT}'),
      istio('PeerAuthentication', 'd', 'istio-system', 'selector: {matchLabels: {app: reviews}}\nmtls: {mode: STRICT}'),
      istio(
        'AuthorizationPolicy',
        'e',
        'istio-system',
        'selector: {matchLabels: {app: reviews}}\naction: DENY\nrules: [{}]',
      ),
    );
    expect(found.map((f) => [f.code, f.at])).toEqual([
      ['IST0127', '{app: reviewz}}'],
      ['IST0127', '{app: old}}'],
      ['PEER_AUTHENTICATION_IGNORED', '{matchLabels: {app: reviews}}'],
    ]);
    expect(found[1]?.message).toContain('have no Istio proxy');
  });

  it('a Gateway whose selector matches no gateway pod, a ServiceEntry whose workloadSelector matches nothing', () => {
    const found = check(
      istio(
        'Gateway',
        'lost',
        'app',
        'selector: {istio: egressgateway}\nservers:\n- port: {number: 80, name: http, protocol: HTTP}\n  hosts: ["*"]',
      ),
      istio(
        'Gateway',
        'sidecars',
        'app',
        'selector: {app: ratings}\nservers:\n- port: {number: 80, name: http, protocol: HTTP}\n  hosts: ["*"]',
      ),
      istio(
        'ServiceEntry',
        'vm',
        'app',
        'hosts: [vm.internal]\nports: [{number: 80, name: http, protocol: HTTP}]\nresolution: STATIC\n' +
          'workloadSelector: {labels: {app: vm}}',
      ),
      istio(
        'ServiceEntry',
        'pods',
        'app',
        'hosts: [pods.internal]\nports: [{number: 80, name: http, protocol: HTTP}]\nresolution: STATIC\n' +
          'workloadSelector: {labels: {app: ratings}}',
      ),
    );
    expect(found.map((f) => [f.code, f.at])).toEqual([
      ['IST0101', '{istio: egressgateway}'],
      ['IST0101', '{app: ratings}'],
      ['IST0127', '{app: vm}}'],
    ]);
    expect(found[1]?.message).toContain('not gateway proxies');
  });
});

describe('AuthorizationPolicy source namespaces (authz/authorizationpolicies.go)', () => {
  it('reports a namespace that is nowhere in the manifests; wildcards and known ones are fine', () => {
    const policy = (namespaces: string) =>
      istio(
        'AuthorizationPolicy',
        'p',
        'app',
        `selector: {matchLabels: {app: reviews}}\nrules:\n- from: [{source: {namespaces: [${namespaces}]}}]`,
      );
    expect(check(policy('app, "istio-*", "*-system"'))).toEqual([]);
    expect(check(policy('app, shpo')).map((f) => [f.code, f.at])).toEqual([['IST0101', 'shpo]}}]']]);
  });
});

describe('Gateway API Gateways (listed, not modelled)', () => {
  it('a VirtualService naming one is not reported as dangling', () => {
    const k8sGateway =
      'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: waypoint, namespace: app}\n' +
      'spec: {gatewayClassName: istio, listeners: []}';
    const vs = istio(
      'VirtualService',
      'v',
      'app',
      'hosts: [ratings]\ngateways: [waypoint]\nhttp:\n- route:\n  - destination: {host: ratings}',
    );
    expect(check(k8sGateway, vs)).toEqual([]);
    expect(check(vs).map((f) => f.code)).toEqual(['IST0101']);
  });
});

describe('Gateway server ports the gateway Service does not expose (gateway/gateway.go)', () => {
  const gwService = service('ingressgateway', 'istio-system', {
    ports: [{ port: 80, name: 'http2', targetPort: 8080 }],
    selector: { istio: 'ingressgateway' },
  });
  const gateway = (port: number) =>
    istio(
      'Gateway',
      'g',
      'app',
      `selector: {istio: ingressgateway}\nservers:\n- port: {number: ${port}, name: http, protocol: HTTP}\n` +
        `  hosts: ["*"]`,
    );

  it('a server on the Service port or its targetPort is fine; another port is reported', () => {
    expect(findings(doc(mesh, gwService, gateway(80)), ['IST0162'])).toEqual([]);
    expect(findings(doc(mesh, gwService, gateway(8080)), ['IST0162'])).toEqual([]);
    const found = findings(doc(mesh, gwService, gateway(9090)), ['IST0162']);
    expect(found.map((f) => [f.severity, f.at])).toEqual([['warning', '9090, name: http, protocol: HTTP}']]);
    expect(found[0]?.message).toContain('istio-system/ingressgateway');
  });
});
