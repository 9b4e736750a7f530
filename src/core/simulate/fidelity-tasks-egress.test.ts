/**
 * Scenarios after istio.io's egress tasks (accessing external services, egress gateways, TLS origination, wildcard
 * hosts, Kubernetes Services for egress): the objects are written anew, the expectations are what the tasks show.
 */
import { describe, expect, it } from 'vitest';
import {
  doc,
  istio,
  meshConfig,
  namespace,
  pod,
  service,
  simulateScenario as trace,
  factOf as fact,
  callResult as summary,
} from '../testkit.ts';

// The curl sample: a pod and a Service on port 80 (so every sidecar has an HTTP listener 0.0.0.0_80).
const curl = doc(
  namespace('default', { 'istio-injection': 'enabled' }),
  namespace('istio-system'),
  service('curl', 'default', { ports: [{ port: 80, name: 'http' }], selector: { app: 'curl' } }),
  pod('curl-7b4f', 'default', { labels: { app: 'curl' }, ip: '10.244.5.9', serviceAccount: 'curl' }),
);
const registryOnly = meshConfig('outboundTrafficPolicy: {mode: REGISTRY_ONLY}');
const from = 'default/curl-7b4f';
const httpbinOrg = istio(
  'ServiceEntry',
  'httpbin-ext',
  'default',
  'hosts: [httpbin.org]\nports:\n- {number: 80, name: http, protocol: HTTP}\nresolution: DNS\nlocation: MESH_EXTERNAL',
);
const google = istio(
  'ServiceEntry',
  'google',
  'default',
  'hosts: [www.google.com]\nports:\n- {number: 443, name: https, protocol: HTTPS}\nresolution: DNS\n' +
    'location: MESH_EXTERNAL',
);

describe('accessing external services (istio.io tasks/traffic-management/egress/egress-control)', () => {
  it('ALLOW_ANY: https://www.google.com passes through the sidecar untouched', () => {
    const t = trace(curl, { from, to: 'https://www.google.com' });
    expect(t.outcome).toBe('passthrough');
    expect(t.hops[0]?.cluster).toBe('PassthroughCluster');
  });
  it('REGISTRY_ONLY: https://www.google.com is closed by the sidecar (curl exit 35, no status)', () => {
    const t = trace(doc(curl, registryOnly), { from, to: 'https://www.google.com' });
    expect(summary(t)).toMatchObject({ outcome: 'blackhole', status: null });
    expect(t.hops[0]?.cluster).toBe('BlackHoleCluster');
  });
  it('REGISTRY_ONLY: plain HTTP to an unknown host on port 80 gets 502 from the block_all route', () => {
    const t = trace(doc(curl, registryOnly), { from, to: 'http://edition.cnn.com/politics' });
    expect(summary(t)).toEqual({ outcome: 'blackhole', status: 502, responseFlags: '-' });
    expect(t.hops[0]?.route).toBe('block_all');
  });
  it('REGISTRY_ONLY with a ServiceEntry for httpbin.org: 200 through outbound|80||httpbin.org', () => {
    const t = trace(doc(curl, registryOnly, httpbinOrg), { from, to: 'http://httpbin.org/headers' });
    expect(summary(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
    expect(t.hops[0]).toMatchObject({ cluster: 'outbound|80||httpbin.org', virtualHost: 'httpbin.org:80' });
    expect(t.hops[0]?.accessLog).toMatch(
      /"GET \/headers HTTP\/1\.1" 200 - via_upstream .* outbound\|80\|\|httpbin\.org /,
    );
  });
  it('REGISTRY_ONLY with a ServiceEntry for www.google.com:443: TLS goes to outbound|443||www.google.com', () => {
    const t = trace(doc(curl, registryOnly, google), { from, to: 'https://www.google.com' });
    expect(t.outcome).toBe('routed');
    expect(t.hops[0]?.cluster).toBe('outbound|443||www.google.com');
  });
  it('a VirtualService timeout on httpbin.org is on the route Envoy gets', () => {
    const timeout = istio(
      'VirtualService',
      'httpbin-ext',
      'default',
      'hosts: [httpbin.org]\nhttp:\n- timeout: 3s\n  route:\n  - destination: {host: httpbin.org}\n    weight: 100',
    );
    const t = trace(doc(curl, registryOnly, httpbinOrg, timeout), { from, to: 'http://httpbin.org/delay/5' });
    expect(t.hops[0]?.cluster).toBe('outbound|80||httpbin.org');
    expect(fact(t, 'route')).toMatchObject({ by: 'match', virtualService: { name: 'httpbin-ext' } });
  });
  it('includeOutboundIPRanges keeps external traffic away from the sidecar: the call goes out directly', () => {
    const bypass = doc(
      curl,
      pod('curl-narrow', 'default', {
        labels: { app: 'curl' },
        ip: '10.244.5.10',
        annotations: { 'traffic.sidecar.istio.io/includeOutboundIPRanges': '10.96.0.0/12' },
      }),
      registryOnly,
    );
    const t = trace(bypass, { from: 'default/curl-narrow', to: 'https://www.google.com' });
    expect(fact(t, 'capture')).toMatchObject({ by: 'iptables', captured: false });
    expect(t.outcome).toBe('direct');
  });
});

// Egress gateway as the istio/gateway chart installs it.
const egressGateway = doc(
  pod('istio-egressgateway-6c9f', 'istio-system', {
    labels: { app: 'istio-egressgateway', istio: 'egressgateway', 'sidecar.istio.io/inject': 'true' },
    annotations: { 'inject.istio.io/templates': 'gateway' },
    ip: '10.244.0.60',
    serviceAccount: 'istio-egressgateway-service-account',
  }),
  service('istio-egressgateway', 'istio-system', {
    selector: { istio: 'egressgateway' },
    ports: [
      { port: 80, name: 'http2', targetPort: 8080 },
      { port: 443, name: 'https', targetPort: 8443 },
    ],
  }),
);
const cnn = istio(
  'ServiceEntry',
  'cnn',
  'default',
  'hosts: [edition.cnn.com]\nports:\n- {number: 80, name: http-port, protocol: HTTP}\n' +
    '- {number: 443, name: https, protocol: HTTPS}\nresolution: DNS',
);

describe('egress gateways (istio.io tasks/traffic-management/egress/egress-gateway)', () => {
  it('HTTP: sidecar → istio-egressgateway (subset cnn) → edition.cnn.com:80', () => {
    const config = doc(
      istio(
        'Gateway',
        'istio-egressgateway',
        'default',
        'selector: {istio: egressgateway}\nservers:\n- port: {number: 80, name: http, protocol: HTTP}\n' +
          '  hosts: [edition.cnn.com]',
      ),
      istio(
        'DestinationRule',
        'egressgateway-for-cnn',
        'default',
        'host: istio-egressgateway.istio-system.svc.cluster.local\nsubsets:\n- name: cnn',
      ),
      istio(
        'VirtualService',
        'direct-cnn-through-egress-gateway',
        'default',
        'hosts: [edition.cnn.com]\ngateways: [istio-egressgateway, mesh]\nhttp:\n' +
          '- match: [{gateways: [mesh], port: 80}]\n  route:\n' +
          '  - destination:\n      host: istio-egressgateway.istio-system.svc.cluster.local\n' +
          '      subset: cnn\n      port: {number: 80}\n' +
          '- match: [{gateways: [istio-egressgateway], port: 80}]\n  route:\n' +
          '  - destination: {host: edition.cnn.com, port: {number: 80}}\n    weight: 100',
      ),
    );
    const t = trace(doc(curl, egressGateway, cnn, config), { from, to: 'http://edition.cnn.com/politics' });
    expect(t.outcome).toBe('routed');
    expect(t.hops.map((h) => [h.direction, h.cluster])).toEqual([
      ['outbound', 'outbound|80|cnn|istio-egressgateway.istio-system.svc.cluster.local'],
      ['gateway', 'outbound|80||edition.cnn.com'],
    ]);
    expect(t.hops[1]).toMatchObject({ listener: '0.0.0.0_8080', routeConfig: 'http.8080' });
    expect(t.hops[1]?.accessLog).toMatch(/"GET \/politics HTTP\/2" 200 .* "edition\.cnn\.com" /);
  });
  it('HTTPS passthrough: sidecar → egress gateway :443 by SNI → edition.cnn.com:443', () => {
    const config = doc(
      istio(
        'Gateway',
        'istio-egressgateway',
        'default',
        'selector: {istio: egressgateway}\nservers:\n- port: {number: 443, name: tls, protocol: TLS}\n' +
          '  hosts: [edition.cnn.com]\n  tls: {mode: PASSTHROUGH}',
      ),
      istio(
        'DestinationRule',
        'egressgateway-for-cnn',
        'default',
        'host: istio-egressgateway.istio-system.svc.cluster.local\nsubsets:\n- name: cnn',
      ),
      istio(
        'VirtualService',
        'direct-cnn-through-egress-gateway',
        'default',
        'hosts: [edition.cnn.com]\ngateways: [mesh, istio-egressgateway]\ntls:\n' +
          '- match: [{gateways: [mesh], port: 443, sniHosts: [edition.cnn.com]}]\n  route:\n' +
          '  - destination:\n      host: istio-egressgateway.istio-system.svc.cluster.local\n' +
          '      subset: cnn\n      port: {number: 443}\n' +
          '- match: [{gateways: [istio-egressgateway], port: 443, sniHosts: [edition.cnn.com]}]\n  route:\n' +
          '  - destination: {host: edition.cnn.com, port: {number: 443}}\n    weight: 100',
      ),
    );
    const t = trace(doc(curl, egressGateway, cnn, config), { from, to: 'https://edition.cnn.com/politics' });
    expect(t.outcome).toBe('routed');
    expect(t.hops.map((h) => [h.direction, h.cluster])).toEqual([
      ['outbound', 'outbound|443|cnn|istio-egressgateway.istio-system.svc.cluster.local'],
      ['gateway', 'outbound|443||edition.cnn.com'],
    ]);
    expect(t.hops[1]?.accessLog).toMatch(/"- - -" 0 - .* outbound\|443\|\|edition\.cnn\.com .* edition\.cnn\.com -$/);
  });
});

describe('TLS origination (istio.io tasks/traffic-management/egress/egress-tls-origination)', () => {
  it('http://edition.cnn.com/politics leaves the sidecar as TLS to port 443 (no 301 to https)', () => {
    const se = istio(
      'ServiceEntry',
      'edition-cnn-com',
      'default',
      'hosts: [edition.cnn.com]\nports:\n- {number: 80, name: http-port, protocol: HTTP, targetPort: 443}\n' +
        '- {number: 443, name: https-port, protocol: HTTPS}\nresolution: DNS',
    );
    const dr = istio(
      'DestinationRule',
      'edition-cnn-com',
      'default',
      'host: edition.cnn.com\ntrafficPolicy:\n  portLevelSettings:\n  - port: {number: 80}\n    tls: {mode: SIMPLE}',
    );
    const t = trace(doc(curl, se, dr), { from, to: 'http://edition.cnn.com/politics' });
    expect(summary(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
    expect(t.hops[0]).toMatchObject({ cluster: 'outbound|80||edition.cnn.com', endpoint: 'edition.cnn.com:443' });
    expect(fact(t, 'cluster')).toMatchObject({ by: 'service', destinationRule: 'default/edition-cnn-com' });
    expect(fact(t, 'endpoint')).toMatchObject({ by: 'loadBalancer', transport: 'tls' });
  });
});

describe('wildcard hosts (istio.io tasks/traffic-management/egress/wildcard-egress-hosts)', () => {
  const wikipedia = istio(
    'ServiceEntry',
    'wikipedia',
    'default',
    'hosts: ["*.wikipedia.org"]\nports:\n- {number: 443, name: https, protocol: HTTPS}',
  );
  it('REGISTRY_ONLY: https://en.wikipedia.org and https://de.wikipedia.org both pass by *.wikipedia.org', () => {
    for (const host of ['en.wikipedia.org', 'de.wikipedia.org']) {
      const t = trace(doc(curl, registryOnly, wikipedia), { from, to: `https://${host}/wiki/Main_Page` });
      expect(t.outcome).toBe('routed');
      expect(t.hops[0]?.cluster).toBe('outbound|443||*.wikipedia.org');
    }
  });
  it('REGISTRY_ONLY: a host outside the wildcard is still blocked', () => {
    const t = trace(doc(curl, registryOnly, wikipedia), { from, to: 'https://www.google.com' });
    expect(t.outcome).toBe('blackhole');
  });
});

describe('Kubernetes Services for egress (istio.io tasks/traffic-management/egress/egress-kubernetes-services)', () => {
  const externalName = service('my-httpbin', 'default', {
    type: 'ExternalName',
    externalName: 'httpbin.org',
    ports: [{ port: 80, name: 'http', protocol: 'TCP' }],
  });
  it('a pod without Istio reaches httpbin.org through the ExternalName alias', () => {
    const text = doc(
      curl,
      externalName,
      namespace('without-istio'),
      pod('curl-plain', 'without-istio', { labels: { app: 'curl' }, ip: '10.244.6.9' }),
    );
    const t = trace(text, {
      from: 'without-istio/curl-plain',
      to: 'http://my-httpbin.default.svc.cluster.local/headers',
    });
    expect(t.dns.answers.length).toBeGreaterThan(0);
    expect(t.outcome).toBe('direct');
  });
  it('with a sidecar and a DISABLE DestinationRule, my-httpbin.default.svc.cluster.local/headers still answers', () => {
    const dr = istio(
      'DestinationRule',
      'my-httpbin',
      'default',
      'host: my-httpbin.default.svc.cluster.local\ntrafficPolicy:\n  tls: {mode: DISABLE}',
    );
    const t = trace(doc(curl, externalName, dr), { from, to: 'http://my-httpbin.default.svc.cluster.local/headers' });
    expect(t.status).toBe(200);
  });
  it('a Service with manual Endpoints for wikipedia: curl --resolve to its ClusterIP reaches an endpoint', () => {
    const text = doc(
      curl,
      `kind: Service
apiVersion: v1
metadata: {name: my-wikipedia, namespace: default}
spec:
  clusterIP: 10.96.7.7
  ports: [{protocol: TCP, port: 443, name: tls}]`,
      `kind: Endpoints
apiVersion: v1
metadata: {name: my-wikipedia, namespace: default}
subsets:
- addresses: [{ip: 198.35.26.96}, {ip: 208.80.153.224}]
  ports: [{port: 443, name: tls}]`,
      istio(
        'DestinationRule',
        'my-wikipedia',
        'default',
        'host: my-wikipedia.default.svc.cluster.local\ntrafficPolicy:\n  tls: {mode: DISABLE}',
      ),
    );
    const t = trace(text, { from, to: 'https://en.wikipedia.org/wiki/Main_Page', address: '10.96.7.7' });
    expect(t.outcome).toBe('routed');
    expect(t.hops[0]?.cluster).toBe('outbound|443||my-wikipedia.default.svc.cluster.local');
    expect(['198.35.26.96:443', '208.80.153.224:443']).toContain(t.hops[0]?.endpoint);
  });
});

describe('egress gateway TLS origination (istio.io egress/egress-gateway-tls-origination)', () => {
  it('http://edition.cnn.com/politics: sidecar → gateway over mTLS, the gateway originates TLS to port 443', () => {
    const config = doc(
      istio(
        'ServiceEntry',
        'cnn',
        'default',
        'hosts: [edition.cnn.com]\nports:\n- {number: 80, name: http, protocol: HTTP}\n' +
          '- {number: 443, name: https, protocol: HTTPS}\nresolution: DNS',
      ),
      istio(
        'Gateway',
        'istio-egressgateway',
        'default',
        'selector: {istio: egressgateway}\nservers:\n- port: {number: 80, name: https-port-for-tls-origination, ' +
          'protocol: HTTPS}\n  hosts: [edition.cnn.com]\n  tls: {mode: ISTIO_MUTUAL}',
      ),
      istio(
        'DestinationRule',
        'egressgateway-for-cnn',
        'default',
        'host: istio-egressgateway.istio-system.svc.cluster.local\nsubsets:\n- name: cnn\n  trafficPolicy:\n' +
          '    loadBalancer: {simple: ROUND_ROBIN}\n    portLevelSettings:\n    - port: {number: 80}\n' +
          '      tls: {mode: ISTIO_MUTUAL, sni: edition.cnn.com}',
      ),
      istio(
        'VirtualService',
        'direct-cnn-through-egress-gateway',
        'default',
        'hosts: [edition.cnn.com]\ngateways: [istio-egressgateway, mesh]\nhttp:\n' +
          '- match: [{gateways: [mesh], port: 80}]\n  route:\n  - destination:\n' +
          '      host: istio-egressgateway.istio-system.svc.cluster.local\n' +
          '      subset: cnn\n      port: {number: 80}\n' +
          '    weight: 100\n- match: [{gateways: [istio-egressgateway], port: 80}]\n  route:\n' +
          '  - destination: {host: edition.cnn.com, port: {number: 443}}\n    weight: 100',
      ),
      istio(
        'DestinationRule',
        'originate-tls-for-edition-cnn-com',
        'default',
        'host: edition.cnn.com\ntrafficPolicy:\n  loadBalancer: {simple: ROUND_ROBIN}\n  portLevelSettings:\n' +
          '  - port: {number: 443}\n    tls: {mode: SIMPLE}',
      ),
    );
    const t = trace(doc(curl, egressGateway, config), { from, to: 'http://edition.cnn.com/politics' });
    expect(summary(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
    expect(t.hops.map((h) => [h.direction, h.cluster])).toEqual([
      ['outbound', 'outbound|80|cnn|istio-egressgateway.istio-system.svc.cluster.local'],
      ['gateway', 'outbound|443||edition.cnn.com'],
    ]);
    const transports = t.steps
      .map((s) => s.fact)
      .flatMap((f) => (f.kind === 'endpoint' && f.by === 'loadBalancer' ? [f.transport] : []));
    expect(transports).toEqual(['mtls', 'tls']);
    // The sidecar's mTLS carries the DestinationRule's SNI, which selects the gateway's server for edition.cnn.com.
    expect(t.hops[1]?.accessLog).toMatch(/ edition\.cnn\.com -$/);
  });
});

describe('egress timeouts with Gateway API (egress-control, HTTPRoute on a ServiceEntry)', () => {
  it('an HTTPRoute whose parent is the httpbin.org ServiceEntry routes outbound|80||httpbin.org', () => {
    const route = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: httpbin-ext, namespace: default}
spec:
  parentRefs:
  - {kind: ServiceEntry, group: networking.istio.io, name: httpbin-ext}
  hostnames: [httpbin.org]
  rules:
  - timeouts: {request: 3s}
    backendRefs:
    - {kind: Hostname, group: networking.istio.io, name: httpbin.org, port: 80}`;
    const t = trace(doc(curl, registryOnly, httpbinOrg, route), { from, to: 'http://httpbin.org/delay/5' });
    expect(summary(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
    expect(t.hops[0]?.cluster).toBe('outbound|80||httpbin.org');
  });
});

describe('wildcard hosts through an egress gateway (istio.io egress/wildcard-egress-hosts)', () => {
  it('https://en.wikipedia.org: sidecar → egress gateway :443 by SNI → the wildcard ServiceEntry', () => {
    const config = doc(
      istio(
        'ServiceEntry',
        'www-wikipedia',
        'default',
        'hosts: ["*.wikipedia.org"]\nports:\n- {number: 443, name: https, protocol: HTTPS}',
      ),
      istio(
        'Gateway',
        'istio-egressgateway',
        'default',
        'selector: {istio: egressgateway}\nservers:\n- port: {number: 443, name: https, protocol: HTTPS}\n' +
          '  hosts: ["*.wikipedia.org"]\n  tls: {mode: PASSTHROUGH}',
      ),
      istio(
        'DestinationRule',
        'egressgateway-for-wikipedia',
        'default',
        'host: istio-egressgateway.istio-system.svc.cluster.local\nsubsets:\n- name: wikipedia',
      ),
      istio(
        'VirtualService',
        'direct-wikipedia-through-egress-gateway',
        'default',
        'hosts: ["*.wikipedia.org"]\ngateways: [mesh, istio-egressgateway]\ntls:\n' +
          '- match: [{gateways: [mesh], port: 443, sniHosts: ["*.wikipedia.org"]}]\n  route:\n' +
          '  - destination:\n      host: istio-egressgateway.istio-system.svc.cluster.local\n' +
          '      subset: wikipedia\n      port: {number: 443}\n' +
          '- match: [{gateways: [istio-egressgateway], port: 443, sniHosts: ["*.wikipedia.org"]}]\n  route:\n' +
          '  - destination: {host: www.wikipedia.org, port: {number: 443}}',
      ),
      istio(
        'ServiceEntry',
        'www-wikipedia-org',
        'default',
        'hosts: [www.wikipedia.org]\nports:\n- {number: 443, name: https, protocol: HTTPS}\nresolution: DNS',
      ),
    );
    const t = trace(doc(curl, egressGateway, registryOnly, config), {
      from,
      to: 'https://en.wikipedia.org/wiki/Main_Page',
    });
    expect(t.outcome).toBe('routed');
    expect(t.hops.map((h) => [h.direction, h.cluster])).toEqual([
      ['outbound', 'outbound|443|wikipedia|istio-egressgateway.istio-system.svc.cluster.local'],
      ['gateway', 'outbound|443||www.wikipedia.org'],
    ]);
  });
});
