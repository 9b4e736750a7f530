import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze, computeProxyConfig, formatTable, proxyConfigTables } from '../index.ts';
import { describeChainMatch } from './tables.ts';
import {
  doc,
  istio,
  listenerNamed,
  meshConfig,
  namespace,
  pod,
  proxyConfigFor,
  routeNamed,
  service,
} from '../testkit.ts';

const gatewayPods = doc(
  namespace('istio-system'),
  namespace('web', { 'istio-injection': 'enabled' }),
  pod('ingress-1', 'istio-system', {
    labels: { istio: 'ingressgateway', 'sidecar.istio.io/inject': 'false' },
    ip: '10.244.9.1',
  }),
  service('istio-ingressgateway', 'istio-system', {
    ports: [
      { port: 80, name: 'http2', targetPort: 8080 },
      { port: 443, name: 'https', targetPort: 8443 },
    ],
    selector: { istio: 'ingressgateway' },
    clusterIP: '10.96.9.1',
  }),
  service('frontend', 'web', {
    ports: [{ port: 8000, name: 'http' }],
    clusterIP: '10.96.9.2',
    selector: { app: 'frontend' },
  }),
).replace(
  /kind: Pod\nmetadata: \{name: ingress-1[^\n]*\nspec:\n  serviceAccountName: default\n  containers: \[\{name: app, image: app/,
  (m) => m.replace('name: app, image: app', 'name: istio-proxy, image: proxyv2, args: [proxy, router]'),
);

const gateway = istio(
  'Gateway',
  'public',
  'web',
  'selector: {istio: ingressgateway}\nservers:\n- port: {number: 80, name: http, protocol: HTTP}\n' +
    '  hosts: ["shop.example.com"]',
);

describe('gateway proxies (pilot/pkg/networking/core/gateway.go)', () => {
  it('listens on the Service targetPort and routes the server hosts by exact domain', () => {
    const text = doc(
      gatewayPods,
      gateway,
      istio(
        'VirtualService',
        'shop',
        'web',
        'hosts: [shop.example.com]\ngateways: [public]\nhttp:\n- match: [{uri: {prefix: /v1}}]\n' +
          '  route: [{destination: {host: frontend}}]',
      ),
    );
    const config = proxyConfigFor(text, 'istio-system/ingress-1');
    expect(config.proxy.kind).toBe('gateway');
    expect(config.listeners.map((l) => `${l.name} ${l.bindToPort}`)).toEqual(['0.0.0.0_8080 true']);
    const route = routeNamed(config, 'http.8080');
    expect(route?.virtualHosts.map((v) => [v.name, v.domains])).toEqual([
      ['shop.example.com:80', ['shop.example.com']],
    ]);
    expect(route?.virtualHosts[0]?.routes.map((r) => r.action.kind === 'route' && r.action.clusters[0]?.name)).toEqual([
      'outbound|8000||frontend.web.svc.cluster.local',
    ]);
  });

  it(
    'resolves a short gateway name in the VirtualService namespace: a VS elsewhere does not bind, and the port ' +
      'answers 404',
    () => {
      const elsewhere = istio(
        'VirtualService',
        'shop',
        'other',
        'hosts: [shop.example.com]\ngateways: [public]\nhttp:\n' +
          '- route: [{destination: {host: frontend.web.svc.cluster.local}}]',
      );
      const config = proxyConfigFor(doc(gatewayPods, namespace('other'), gateway, elsewhere), 'istio-system/ingress-1');
      expect(routeNamed(config, 'http.8080')?.virtualHosts.map((v) => [v.name, v.routes.length])).toEqual([
        ['blackhole:80', 0],
      ]);
    },
  );

  it('merges VirtualServices for one host on a gateway, catch-all routes last', () => {
    const a = istio(
      'VirtualService',
      'a',
      'web',
      'hosts: [shop.example.com]\ngateways: [public]\nhttp:\n- route: [{destination: {host: frontend}}]',
    );
    const b = istio(
      'VirtualService',
      'b',
      'web',
      'hosts: [shop.example.com]\ngateways: [web/public]\nhttp:\n- match: [{uri: {prefix: /api}}]\n' +
        '  route: [{destination: {host: frontend}}]',
    );
    const routes =
      routeNamed(proxyConfigFor(doc(gatewayPods, gateway, a, b), 'istio-system/ingress-1'), 'http.8080')
        ?.virtualHosts[0]?.routes ?? [];
    expect(routes.map((r) => `${r.virtualService?.name} ${r.match.description}`)).toEqual([
      'b path prefix /api',
      'a any request',
    ]);
  });

  it('passes TLS through by SNI from VirtualService tls rules', () => {
    const passthrough = istio(
      'Gateway',
      'tls',
      'web',
      'selector: {istio: ingressgateway}\nservers:\n- port: {number: 443, name: tls, protocol: TLS}\n' +
        '  hosts: ["secure.example.com"]\n  tls: {mode: PASSTHROUGH}',
    );
    const vs = istio(
      'VirtualService',
      'secure',
      'web',
      'hosts: [secure.example.com]\ngateways: [tls]\ntls:\n- match: [{sniHosts: [secure.example.com]}]\n' +
        '  route: [{destination: {host: frontend, port: {number: 8000}}}]',
    );
    const listener = listenerNamed(
      proxyConfigFor(doc(gatewayPods, passthrough, vs), 'istio-system/ingress-1'),
      '0.0.0.0_8443',
    );
    expect(
      listener?.filterChains.map(
        (c) => `${describeChainMatch(c.match)} ${c.action.kind === 'tcp' ? c.action.clusters[0]?.name : ''}`,
      ),
    ).toEqual(['SNI: secure.example.com outbound|8000||frontend.web.svc.cluster.local']);
  });
});

describe('gateway routing details (pilot/pkg/networking/core/gateway.go)', () => {
  it(
    'answers 301 to https for the hosts of an httpsRedirect server that no VirtualService names ' +
      '(buildGatewayHTTPRouteConfig)',
    () => {
      const redirect = istio(
        'Gateway',
        'public',
        'web',
        'selector: {istio: ingressgateway}\nservers:\n- port: {number: 80, name: http, protocol: HTTP}\n' +
          '  hosts: ["shop.example.com"]\n  tls: {httpsRedirect: true}',
      );
      const route = routeNamed(proxyConfigFor(doc(gatewayPods, redirect), 'istio-system/ingress-1'), 'http.8080');
      expect(route?.virtualHosts.map((v) => [v.name, v.domains, v.routes.map((r) => r.action)])).toEqual([
        ['shop.example.com:80', ['shop.example.com'], [{ kind: 'redirect', status: 301, scheme: 'https' }]],
      ]);
    },
  );

  it('puts a regex .* route last like a prefix / one (route.go: IsCatchAllRoute)', () => {
    const a = istio(
      'VirtualService',
      'a',
      'web',
      'hosts: [shop.example.com]\ngateways: [public]\nhttp:\n- match: [{uri: {regex: ".*"}}]\n' +
        '  route: [{destination: {host: frontend}}]',
    );
    const b = istio(
      'VirtualService',
      'b',
      'web',
      'hosts: [shop.example.com]\ngateways: [public]\nhttp:\n- match: [{uri: {prefix: /api}}]\n' +
        '  route: [{destination: {host: frontend}}]',
    );
    const routes =
      routeNamed(proxyConfigFor(doc(gatewayPods, gateway, a, b), 'istio-system/ingress-1'), 'http.8080')
        ?.virtualHosts[0]?.routes ?? [];
    expect(routes.map((r) => `${r.virtualService?.name} ${r.match.description}`)).toEqual([
      'b path prefix /api',
      'a path regex .*',
    ]);
  });

  it('sends TCP routes through GetDestinationCluster: ExternalName targets, zero weights dropped', () => {
    const tcp = istio(
      'Gateway',
      'tcp',
      'web',
      'selector: {istio: ingressgateway}\nservers:\n- port: {number: 443, name: tcp, protocol: TCP}\n  hosts: ["*"]',
    );
    const vs = istio(
      'VirtualService',
      'tcp',
      'web',
      'hosts: ["*"]\ngateways: [tcp]\ntcp:\n- route:\n' +
        '  - {destination: {host: legacy, port: {number: 8000}}, weight: 100}\n' +
        '  - {destination: {host: frontend, port: {number: 8000}}, weight: 0}',
    );
    const legacy = service('legacy', 'web', {
      ports: [{ port: 8000, name: 'tcp' }],
      type: 'ExternalName',
      externalName: 'frontend.web.svc.cluster.local',
    });
    const listener = listenerNamed(
      proxyConfigFor(doc(gatewayPods, tcp, vs, legacy), 'istio-system/ingress-1'),
      '0.0.0.0_8443',
    );
    expect(listener?.filterChains.map((c) => (c.action.kind === 'tcp' ? c.action.clusters : []))).toEqual([
      [{ name: 'outbound|8000||frontend.web.svc.cluster.local', weight: 100 }],
    ]);
  });
});

describe('inbound listener (pilot/pkg/networking/core/listener_inbound.go)', () => {
  const server = doc(
    namespace('default', { 'istio-injection': 'enabled' }),
    service('api', 'default', {
      ports: [
        { port: 80, name: 'http', targetPort: 8080 },
        { port: 5432, name: 'tcp-db' },
      ],
      selector: { app: 'api' },
      clusterIP: '10.96.3.1',
    }),
    pod('api-1', 'default', { labels: { app: 'api' }, ip: '10.244.3.1' }),
  );
  const chainsFor = (text: string, port: number) =>
    listenerNamed(proxyConfigFor(text, 'default/api-1'), 'virtualInbound')
      ?.filterChains.filter((c) => c.match.destinationPort === port)
      .map((c) => `${describeChainMatch(c.match)} ${c.tls ?? ''}`);

  it('accepts mTLS and plaintext on each target port when PERMISSIVE (the default)', () => {
    expect(chainsFor(server, 8080)).toEqual([
      // filterchain_options.go: inboundPermissiveHTTPFilterChainMatchWithMxcOptions — every Istio mTLS ALPN.
      'Trans: tls; App: istio,istio-peer-exchange,istio-http/1.0,istio-http/1.1,istio-h2; Addr: *:8080 mtls',
      'Trans: raw_buffer; Addr: *:8080 plaintext',
    ]);
    expect(chainsFor(server, 5432)).toEqual([
      'Trans: tls; App: istio,istio-peer-exchange,istio-http/1.0,istio-http/1.1,istio-h2; Addr: *:5432 mtls',
      'Trans: tls; Addr: *:5432 passthrough-tls',
      'Trans: raw_buffer; Addr: *:5432 plaintext',
    ]);
  });

  it('accepts only mTLS under STRICT, with a port-level override by target port', () => {
    const strict = istio(
      'PeerAuthentication',
      'api',
      'default',
      'selector: {matchLabels: {app: api}}\nmtls: {mode: STRICT}\nportLevelMtls:\n  "5432": {mode: DISABLE}',
    );
    expect(chainsFor(doc(server, strict), 8080)).toEqual(['Trans: tls; Addr: *:8080 mtls']);
    expect(chainsFor(doc(server, strict), 5432)).toEqual(['Trans: raw_buffer; Addr: *:5432 plaintext']);
  });

  it('ignores a root-namespace PeerAuthentication with a selector, but honours the mesh-wide one', () => {
    const rootSelector = istio(
      'PeerAuthentication',
      'sel',
      'istio-system',
      'selector: {matchLabels: {app: api}}\nmtls: {mode: STRICT}',
    );
    expect(chainsFor(doc(server, rootSelector), 8080)).toHaveLength(2);
    const meshWide = istio('PeerAuthentication', 'default', 'istio-system', 'mtls: {mode: STRICT}');
    expect(chainsFor(doc(server, meshWide), 8080)).toEqual(['Trans: tls; Addr: *:8080 mtls']);
  });
});

describe('DNS name table (pkg/dns/server/name_table.go)', () => {
  it('lists services with their addresses and alternate names for a DNS-capturing proxy', () => {
    const text = doc(
      meshConfig('defaultConfig:\n  proxyMetadata:\n    ISTIO_META_DNS_CAPTURE: "true"'),
      namespace('default', { 'istio-injection': 'enabled' }),
      pod('client', 'default', { ip: '10.244.0.9' }),
      service('reviews', 'default', { ports: [{ port: 9080, name: 'http' }], clusterIP: '10.96.1.2' }),
      service('db', 'default', { ports: [{ port: 5432, name: 'tcp' }], clusterIP: 'None', selector: { app: 'db' } }),
      pod('db-0', 'default', { labels: { app: 'db' }, ip: '10.244.5.1' }),
      istio(
        'ServiceEntry',
        'ext',
        'default',
        'hosts: [db.example.com]\nresolution: DNS\nports: [{number: 5432, name: tcp, protocol: TCP}]',
      ),
      istio(
        'ServiceEntry',
        'none',
        'default',
        'hosts: [raw.example.com]\nresolution: NONE\nports: [{number: 80, name: http, protocol: HTTP}]',
      ),
    );
    const table = proxyConfigFor(text, 'default/client').nameTable;
    // istiod's table is a map; Meshpath lists it in the order of the services (by name: all of one second).
    expect(table.map((e) => [e.name, e.addresses, e.altNames])).toEqual([
      ['db.default.svc.cluster.local', ['10.244.5.1'], ['db.default', 'db.default.svc', 'db']],
      ['db.example.com', ['240.240.0.1'], []],
      ['reviews.default.svc.cluster.local', ['10.96.1.2'], ['reviews.default', 'reviews.default.svc', 'reviews']],
    ]);
  });
});

describe('DNS name table entries of ServiceEntries (pkg/dns/server/name_table.go: BuildNameTable)', () => {
  it('gives a NONE ServiceEntry whose only address is a CIDR no entry', () => {
    const text = doc(
      meshConfig('defaultConfig:\n  proxyMetadata:\n    ISTIO_META_DNS_CAPTURE: "true"'),
      namespace('default', { 'istio-injection': 'enabled' }),
      pod('client', 'default', { ip: '10.244.0.9' }),
      istio(
        'ServiceEntry',
        'range',
        'default',
        'hosts: [range.internal]\naddresses: [10.20.0.0/16]\nresolution: NONE\nlocation: MESH_INTERNAL\n' +
          'endpoints: [{address: 10.20.1.5}]\nports: [{number: 5432, name: tcp, protocol: TCP}]',
      ),
      istio(
        'ServiceEntry',
        'vip',
        'default',
        'hosts: [vip.internal]\naddresses: [10.30.0.7]\nresolution: NONE\n' +
          'ports: [{number: 5432, name: tcp, protocol: TCP}]',
      ),
    );
    expect(proxyConfigFor(text, 'default/client').nameTable.map((e) => [e.name, e.addresses])).toEqual([
      ['vip.internal', ['10.30.0.7']],
    ]);
  });
});

describe('the demo scenario, as meshpath proxy-config all prints it (golden file)', () => {
  it('matches fixtures/scenarios/demo/proxy-config-sleep.txt', () => {
    const text = readFileSync(new URL('../../../fixtures/scenarios/demo/manifests.yaml', import.meta.url), 'utf8');
    const analysis = analyze([{ name: 'demo.yaml', text }]);
    const sleep = analysis.model.pods.find((p) => p.name.startsWith('sleep-'));
    const result = computeProxyConfig(analysis, `application/${sleep?.name ?? ''}`);
    if (!result.ok) throw new Error(result.reason);
    const tables = proxyConfigTables(result.config);
    const printed = (['listeners', 'routes', 'clusters', 'endpoints'] as const)
      .map((kind) => `${kind.toUpperCase()}:\n${formatTable(tables[kind])}`)
      .join('\n');
    const golden = readFileSync(
      new URL('../../../fixtures/scenarios/demo/proxy-config-sleep.txt', import.meta.url),
      'utf8',
    );
    expect(printed).toBe(golden);
  });
});
