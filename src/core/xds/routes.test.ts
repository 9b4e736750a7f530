import { describe, expect, it } from 'vitest';
import { doc, istio, meshConfig, namespace, pod, proxyConfigFor, routeNamed, service } from '../testkit.ts';
import type { ProxyConfig, RouteAction } from './types.ts';

const base = doc(
  namespace('default', { 'istio-injection': 'enabled' }),
  namespace('shop', { 'istio-injection': 'enabled' }),
  pod('client', 'default', { labels: { app: 'client', version: 'v1' }, ip: '10.244.0.9' }),
  service('reviews', 'default', {
    ports: [{ port: 9080, name: 'http' }],
    clusterIP: '10.96.1.2',
    selector: { app: 'reviews' },
  }),
);
const vhost = (config: ProxyConfig, route: string, name: string) =>
  routeNamed(config, route)?.virtualHosts.find((v) => v.name === name);
const targets = (action: RouteAction | undefined) =>
  action?.kind === 'route'
    ? action.clusters.map((c) => (action.clusters.length > 1 ? `${c.name}=${c.weight}` : c.name))
    : action?.kind;
const vs = (name: string, ns: string, spec: string, extra = '') => istio('VirtualService', name, ns, spec, extra);

describe('virtual host domains (pilot/pkg/networking/core/httproute.go: generateVirtualHostDomains)', () => {
  it('gives a same-namespace client the FQDN, its trailing-dot form, the short names and the VIP', () => {
    expect(
      vhost(proxyConfigFor(base, 'default/client'), '9080', 'reviews.default.svc.cluster.local:9080')?.domains,
    ).toEqual([
      'reviews.default.svc.cluster.local',
      'reviews.default.svc.cluster.local.',
      'reviews',
      'reviews.default.svc',
      'reviews.default',
      '10.96.1.2',
    ]);
  });

  it('gives a client in another namespace no bare short name', () => {
    const config = proxyConfigFor(doc(base, pod('shopper', 'shop', { ip: '10.244.0.10' })), 'shop/shopper');
    expect(vhost(config, '9080', 'reviews.default.svc.cluster.local:9080')?.domains).toEqual([
      'reviews.default.svc.cluster.local',
      'reviews.default.svc.cluster.local.',
      'reviews.default',
      'reviews.default.svc',
      '10.96.1.2',
    ]);
  });

  it('adds wildcard domains for a headless service, and only host and host. for a ServiceEntry', () => {
    const text = doc(
      base,
      service('db', 'default', { ports: [{ port: 8080, name: 'http' }], clusterIP: 'None', selector: { app: 'db' } }),
      istio(
        'ServiceEntry',
        'api',
        'default',
        'hosts: [api.example.com]\nresolution: DNS\nports: [{number: 8080, name: http, protocol: HTTP}]',
      ),
    );
    const config = proxyConfigFor(text, 'default/client');
    expect(vhost(config, '8080', 'db.default.svc.cluster.local:8080')?.domains).toContain(
      '*.db.default.svc.cluster.local',
    );
    expect(vhost(config, '8080', 'db.default.svc.cluster.local:8080')?.domains).toContain('*.db');
    expect(vhost(config, '8080', 'api.example.com:8080')?.domains).toEqual(['api.example.com', 'api.example.com.']);
  });

  it('puts ExternalName aliases on the target service virtual host', () => {
    const config = proxyConfigFor(
      doc(
        base,
        service('legacy', 'default', {
          ports: [{ port: 9080, name: 'http' }],
          type: 'ExternalName',
          externalName: 'reviews.default.svc.cluster.local',
        }),
      ),
      'default/client',
    );
    const domains = vhost(config, '9080', 'reviews.default.svc.cluster.local:9080')?.domains ?? [];
    expect(domains).toEqual(expect.arrayContaining(['legacy.default.svc.cluster.local', 'legacy']));
    expect(routeNamed(config, '9080')?.virtualHosts.map((v) => v.name)).toEqual([
      'reviews.default.svc.cluster.local:9080',
      'allow_any',
    ]);
  });
});

describe('routes from VirtualServices (pilot/pkg/networking/core/route/route.go)', () => {
  it('translates each match into a route in order, and stops after a catch-all', () => {
    const rules = vs(
      'reviews',
      'default',
      `hosts: [reviews]
http:
- name: jason
  match: [{headers: {end-user: {exact: jason}}, name: header}]
  route: [{destination: {host: reviews, subset: v2}}]
- name: all
  route: [{destination: {host: reviews, subset: v1}}]
- name: unreachable
  route: [{destination: {host: reviews, subset: v3}}]`,
    );
    const routes =
      vhost(proxyConfigFor(doc(base, rules), 'default/client'), '9080', 'reviews.default.svc.cluster.local:9080')
        ?.routes ?? [];
    expect(routes.map((r) => [r.name, r.match.description, targets(r.action)])).toEqual([
      ['jason.header', 'header end-user exact jason', ['outbound|9080|v2|reviews.default.svc.cluster.local']],
      ['all', 'any request', ['outbound|9080|v1|reviews.default.svc.cluster.local']],
    ]);
  });

  it('drops matches whose sourceLabels do not fit the client, and ignores a VS left with no routes', () => {
    const onlyFor = (labels: string) =>
      vs(
        'reviews',
        'default',
        `hosts: [reviews]\nhttp:\n- match: [{sourceLabels: {${labels}}}]\n` +
          `  route: [{destination: {host: reviews, subset: v2}}]`,
      );
    const matching = vhost(
      proxyConfigFor(doc(base, onlyFor('app: client')), 'default/client'),
      '9080',
      'reviews.default.svc.cluster.local:9080',
    );
    expect(matching?.routes.map((r) => [r.name, r.match.description, targets(r.action)])).toEqual([
      ['', 'any request', ['outbound|9080|v2|reviews.default.svc.cluster.local']],
    ]);
    const other = vhost(
      proxyConfigFor(doc(base, onlyFor('app: someone-else')), 'default/client'),
      '9080',
      'reviews.default.svc.cluster.local:9080',
    );
    expect(other?.routes.map((r) => r.name)).toEqual(['default']);
  });

  it('keeps the oldest of two VirtualServices for one host: sidecars never merge them', () => {
    const first = vs(
      'first',
      'default',
      'hosts: [reviews]\nhttp:\n- route: [{destination: {host: reviews, subset: v1}}]',
    );
    const second = vs(
      'second',
      'default',
      'hosts: [reviews.default.svc.cluster.local]\nhttp:\n- route: [{destination: {host: reviews, subset: v2}}]',
    );
    const routes =
      vhost(
        proxyConfigFor(doc(base, first, second), 'default/client'),
        '9080',
        'reviews.default.svc.cluster.local:9080',
      )?.routes ?? [];
    expect(routes.map((r) => r.virtualService?.name)).toEqual(['first']);
  });

  it('gives hosts that are not services a virtual host on port 80 only', () => {
    const text = doc(
      base,
      service('web', 'default', {
        ports: [
          { port: 80, name: 'http' },
          { port: 8080, name: 'http-alt' },
        ],
        clusterIP: '10.96.1.3',
      }),
      vs('fake', 'default', 'hosts: [fake.example.com]\nhttp:\n- route: [{destination: {host: web}}]'),
    );
    const config = proxyConfigFor(text, 'default/client');
    expect(vhost(config, '80', 'fake.example.com:80')?.domains).toEqual(['fake.example.com']);
    expect(vhost(config, '8080', 'fake.example.com:8080')).toBeUndefined();
  });

  it('splits weighted destinations and drops zero weights', () => {
    const rules = vs(
      'reviews',
      'default',
      'hosts: [reviews]\nhttp:\n- route:\n  - {destination: {host: reviews, subset: v1}, weight: 80}\n' +
        '  - {destination: {host: reviews, subset: v3}, weight: 20}\n' +
        '  - {destination: {host: reviews, subset: v2}, weight: 0}',
    );
    const route = vhost(
      proxyConfigFor(doc(base, rules), 'default/client'),
      '9080',
      'reviews.default.svc.cluster.local:9080',
    )?.routes[0];
    expect(targets(route?.action)).toEqual([
      'outbound|9080|v1|reviews.default.svc.cluster.local=80',
      'outbound|9080|v3|reviews.default.svc.cluster.local=20',
    ]);
  });

  it('infers the cluster port: destination.port, else the listener port; short names expand in VS namespace', () => {
    const text = doc(
      base,
      service('ratings', 'shop', {
        ports: [
          { port: 9080, name: 'http' },
          { port: 9090, name: 'http-admin' },
        ],
        clusterIP: '10.96.1.4',
      }),
      vs(
        'reviews',
        'default',
        'hosts: [reviews]\nhttp:\n- match: [{uri: {prefix: /admin}}]\n' +
          '  route: [{destination: {host: ratings.shop.svc.cluster.local, port: {number: 9090}}}]\n' +
          '- route: [{destination: {host: ratings.shop.svc.cluster.local}}]',
      ),
      vs('local', 'shop', 'hosts: [ratings]\nhttp:\n- route: [{destination: {host: ratings}}]'),
    );
    const config = proxyConfigFor(text, 'default/client');
    expect(
      vhost(config, '9080', 'reviews.default.svc.cluster.local:9080')?.routes.map((r) => targets(r.action)?.[0]),
    ).toEqual(['outbound|9090||ratings.shop.svc.cluster.local', 'outbound|9080||ratings.shop.svc.cluster.local']);
    expect(targets(vhost(config, '9080', 'ratings.shop.svc.cluster.local:9080')?.routes[0]?.action)).toEqual([
      'outbound|9080||ratings.shop.svc.cluster.local',
    ]);
  });

  it('translates redirect (301 by default) and directResponse', () => {
    const rules = vs(
      'reviews',
      'default',
      'hosts: [reviews]\nhttp:\n- match: [{uri: {exact: /old}}]\n  redirect: {uri: /new}\n' +
        '- match: [{uri: {prefix: /health}}]\n  directResponse: {status: 204}\n' +
        '- route: [{destination: {host: reviews}}]',
    );
    const routes =
      vhost(proxyConfigFor(doc(base, rules), 'default/client'), '9080', 'reviews.default.svc.cluster.local:9080')
        ?.routes ?? [];
    expect(routes.map((r) => r.action)).toEqual([
      { kind: 'redirect', status: 301, path: '/new' },
      { kind: 'directResponse', status: 204 },
      expect.objectContaining({ kind: 'route' }),
    ]);
  });

  it('ends every port route configuration with allow_any, or block_all (502) under REGISTRY_ONLY', () => {
    const allowAny = routeNamed(proxyConfigFor(base, 'default/client'), '9080')?.virtualHosts.at(-1);
    expect(allowAny).toMatchObject({ name: 'allow_any', domains: ['*'] });
    expect(targets(allowAny?.routes[0]?.action)).toEqual(['PassthroughCluster']);
    const blockAll = routeNamed(
      proxyConfigFor(doc(base, meshConfig('outboundTrafficPolicy: {mode: REGISTRY_ONLY}')), 'default/client'),
      '9080',
    )?.virtualHosts.at(-1);
    expect(blockAll).toMatchObject({
      name: 'block_all',
      routes: [{ action: { kind: 'directResponse', status: 502 } }],
    });
  });

  it('ignores a VirtualService exported only to its own namespace for clients elsewhere', () => {
    const hidden = vs(
      'reviews',
      'default',
      'hosts: [reviews]\nexportTo: ["."]\nhttp:\n- route: [{destination: {host: reviews, subset: v2}}]',
    );
    const text = doc(base, hidden, pod('shopper', 'shop', { ip: '10.244.0.10' }));
    expect(
      vhost(proxyConfigFor(text, 'shop/shopper'), '9080', 'reviews.default.svc.cluster.local:9080')?.routes.map(
        (r) => r.name,
      ),
    ).toEqual(['default']);
    expect(
      vhost(proxyConfigFor(text, 'default/client'), '9080', 'reviews.default.svc.cluster.local:9080')?.routes[0]
        ?.virtualService?.name,
    ).toBe('reviews');
  });

  it('binds a wildcard VS host to a ServiceEntry unless an exact VS host names it', () => {
    const text = doc(
      base,
      istio(
        'ServiceEntry',
        'apis',
        'default',
        'hosts: [a.example.com, b.example.com]\nresolution: DNS\nports: [{number: 80, name: http, protocol: HTTP}]',
      ),
      vs('wild', 'default', 'hosts: ["*.example.com"]\nhttp:\n- route: [{destination: {host: a.example.com}}]'),
      vs('exact', 'default', 'hosts: [b.example.com]\nhttp:\n- route: [{destination: {host: b.example.com}}]'),
    );
    const config = proxyConfigFor(text, 'default/client');
    expect(vhost(config, '80', 'a.example.com:80')?.routes[0]?.virtualService?.name).toBe('wild');
    expect(vhost(config, '80', 'b.example.com:80')?.routes[0]?.virtualService?.name).toBe('exact');
  });

  it('imports a whole multi-host VirtualService when a Sidecar imports one of its hosts', () => {
    const text = doc(
      base,
      service('details', 'shop', { ports: [{ port: 9080, name: 'http' }], clusterIP: '10.96.1.5' }),
      istio('Sidecar', 'default', 'default', 'egress:\n- hosts: ["./*"]'),
      vs(
        'both',
        'default',
        'hosts: [reviews, details.shop.svc.cluster.local]\nhttp:\n- route: [{destination: {host: reviews}}]',
      ),
    );
    const config = proxyConfigFor(text, 'default/client');
    expect(routeNamed(config, '9080')?.virtualHosts.map((v) => v.name)).toEqual([
      'details.shop.svc.cluster.local:9080',
      'reviews.default.svc.cluster.local:9080',
      'allow_any',
    ]);
  });
});

describe('delegate VirtualServices (pilot/pkg/model/virtualservice.go: mergeHTTPRoute)', () => {
  const delegate = (exportTo: string) =>
    vs(
      'reviews-routes',
      'shop',
      `exportTo: [${exportTo}]\nhttp:\n- name: v2\n  match: [{uri: {prefix: /reviews/v2}}]\n` +
        `  route: [{destination: {host: reviews.default.svc.cluster.local, subset: v2}}]\n- name: elsewhere\n` +
        `  match: [{uri: {prefix: /other}}]\n  route: [{destination: {host: reviews.default.svc.cluster.local, ` +
        `subset: v3}}]\n- name: rest\n  route: [{destination: {host: reviews.default.svc.cluster.local, subset: ` +
        `v1}}]`,
    );
  const root = vs(
    'root',
    'default',
    'hosts: [reviews]\nhttp:\n- name: r\n  match: [{uri: {prefix: /reviews}}]\n  timeout: 3s\n' +
      '  delegate: {name: reviews-routes, namespace: shop}',
  );

  it('merges the delegate routes under the root match, drops conflicting ones, and inherits the root timeout', () => {
    const routes =
      vhost(
        proxyConfigFor(doc(base, root, delegate('"*"')), 'default/client'),
        '9080',
        'reviews.default.svc.cluster.local:9080',
      )?.routes ?? [];
    expect(
      routes.map((r) => [
        r.name,
        r.match.description,
        targets(r.action)?.[0],
        r.action.kind === 'route' ? r.action.timeout : '',
      ]),
    ).toEqual([
      ['r-v2', 'path prefix /reviews/v2', 'outbound|9080|v2|reviews.default.svc.cluster.local', '3s'],
      ['r-rest', 'path prefix /reviews', 'outbound|9080|v1|reviews.default.svc.cluster.local', '3s'],
    ]);
  });

  it('ignores a delegate that is not exported to the root namespace', () => {
    const routes =
      vhost(
        proxyConfigFor(doc(base, root, delegate('"."')), 'default/client'),
        '9080',
        'reviews.default.svc.cluster.local:9080',
      )?.routes ?? [];
    expect(routes.map((r) => r.name)).toEqual(['default']);
  });
});

describe('mirror destinations (pilot/pkg/model/virtualservice.go: ResolveVirtualServiceShortnames)', () => {
  it('expands a short mirror host with the cluster domain in use and gives the proxy its cluster', () => {
    const text = doc(
      namespace('default', { 'istio-injection': 'enabled' }),
      namespace('shop', { 'istio-injection': 'enabled' }),
      pod('client', 'default', { ip: '10.244.0.9' }),
      service('reviews', 'shop', { ports: [{ port: 9080, name: 'http' }], clusterIP: '10.96.1.2' }),
      service('shadow', 'shop', { ports: [{ port: 9080, name: 'http' }], clusterIP: '10.96.1.3' }),
      istio('Sidecar', 'default', 'default', 'egress:\n- hosts: ["shop/reviews.shop.svc.corp.local"]'),
      vs(
        'reviews',
        'shop',
        'hosts: [reviews]\nhttp:\n- route: [{destination: {host: reviews}}]\n  mirror: {host: shadow}',
      ),
    );
    const config = proxyConfigFor(text, 'default/client', 'corp.local');
    const action = routeNamed(config, '9080')?.virtualHosts.find((v) => v.name === 'reviews.shop.svc.corp.local:9080')
      ?.routes[0]?.action;
    expect(action?.kind === 'route' ? action.mirrors : undefined).toEqual(['shadow.shop.svc.corp.local']);
    expect(config.clusters.map((c) => c.name)).toContain('outbound|9080||shadow.shop.svc.corp.local');
  });
});
