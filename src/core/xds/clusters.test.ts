import { describe, expect, it } from 'vitest';
import {
  clusterNamed,
  doc,
  endpointsOf,
  istio,
  meshConfig,
  namespace,
  pod,
  proxyConfigFor,
  service,
} from '../testkit.ts';

const base = doc(
  namespace('default', { 'istio-injection': 'enabled' }),
  pod('client', 'default', { labels: { app: 'client' }, ip: '10.244.0.9' }),
  service('reviews', 'default', {
    ports: [{ port: 9080, name: 'http' }],
    clusterIP: '10.96.1.2',
    selector: { app: 'reviews' },
  }),
  pod('reviews-v1', 'default', {
    labels: { app: 'reviews', version: 'v1', 'security.istio.io/tlsMode': 'istio' },
    ip: '10.244.1.1',
  }),
  pod('reviews-v2', 'default', {
    labels: { app: 'reviews', version: 'v2', 'security.istio.io/tlsMode': 'istio' },
    ip: '10.244.1.2',
    ready: false,
  }),
  pod('reviews-plain', 'default', {
    labels: { app: 'reviews', version: 'v3', 'sidecar.istio.io/inject': 'false' },
    ip: '10.244.1.3',
  }),
);
const dr = (spec: string) => istio('DestinationRule', 'reviews', 'default', `host: reviews\n${spec}`);
const R = 'outbound|9080||reviews.default.svc.cluster.local';

describe('clusters (pilot/pkg/networking/core/cluster.go)', () => {
  it('builds a default cluster and one per DestinationRule subset, with the subset endpoints', () => {
    const config = proxyConfigFor(
      doc(base, dr('subsets: [{name: v1, labels: {version: v1}}, {name: v9, labels: {version: v9}}]')),
      'default/client',
    );
    expect(
      config.clusters.filter((c) => c.service === 'reviews.default.svc.cluster.local').map((c) => [c.name, c.type]),
    ).toEqual([
      [R, 'EDS'],
      ['outbound|9080|v1|reviews.default.svc.cluster.local', 'EDS'],
      ['outbound|9080|v9|reviews.default.svc.cluster.local', 'EDS'],
    ]);
    expect(endpointsOf(config, 'outbound|9080|v1|reviews.default.svc.cluster.local')).toEqual(['10.244.1.1:9080']);
    // A subset that selects no pod is still sent, with no endpoints: requests get 503 UH.
    expect(endpointsOf(config, 'outbound|9080|v9|reviews.default.svc.cluster.local')).toEqual([]);
    expect(clusterNamed(config, 'outbound|9080|v9|reviews.default.svc.cluster.local')?.destinationRule?.name).toBe(
      'reviews',
    );
  });

  it('keeps unready endpoints marked unhealthy', () => {
    const config = proxyConfigFor(base, 'default/client');
    expect(config.endpoints.find((e) => e.clusterName === R)?.endpoints.map((e) => `${e.address} ${e.health}`)).toEqual(
      ['10.244.1.1 HEALTHY', '10.244.1.2 UNHEALTHY', '10.244.1.3 HEALTHY'],
    );
  });

  it('uses auto mTLS per endpoint: only endpoints with the sidecar label get mTLS', () => {
    const config = proxyConfigFor(base, 'default/client');
    expect(clusterNamed(config, R)?.tls.mode).toBe('AUTO');
    expect(config.endpoints.find((e) => e.clusterName === R)?.endpoints.map((e) => `${e.address} ${e.mtls}`)).toEqual([
      '10.244.1.1 true',
      '10.244.1.2 true',
      '10.244.1.3 false',
    ]);
  });

  it('forces mTLS to every endpoint with ISTIO_MUTUAL, and plaintext with DISABLE', () => {
    const mutual = proxyConfigFor(doc(base, dr('trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}')), 'default/client');
    expect(clusterNamed(mutual, R)?.tls).toMatchObject({
      mode: 'ISTIO_MUTUAL',
      sni: 'outbound_.9080_._.reviews.default.svc.cluster.local',
    });
    expect(mutual.endpoints.find((e) => e.clusterName === R)?.endpoints.every((e) => e.mtls)).toBe(true);
    const disabled = proxyConfigFor(doc(base, dr('trafficPolicy: {tls: {mode: DISABLE}}')), 'default/client');
    expect(clusterNamed(disabled, R)?.tls.mode).toBe('NONE');
  });

  it(
    'turns auto mTLS off for a namespace whose PeerAuthentication disables mTLS, and per endpoint for a workload ' +
      'policy',
    () => {
      const namespaceWide = proxyConfigFor(
        doc(base, istio('PeerAuthentication', 'default', 'default', 'mtls: {mode: DISABLE}')),
        'default/client',
      );
      expect(clusterNamed(namespaceWide, R)?.tls.mode).toBe('NONE');
      const workload = proxyConfigFor(
        doc(
          base,
          istio(
            'PeerAuthentication',
            'v1-off',
            'default',
            'selector: {matchLabels: {version: v1}}\nmtls: {mode: DISABLE}',
          ),
        ),
        'default/client',
      );
      expect(workload.endpoints.find((e) => e.clusterName === R)?.endpoints.map((e) => e.mtls)).toEqual([
        false,
        true,
        false,
      ]);
    },
  );

  it('replaces the top-level TLS with a port-level setting', () => {
    const config = proxyConfigFor(
      doc(
        base,
        dr(
          'trafficPolicy:\n  tls: {mode: ISTIO_MUTUAL}\n  portLevelSettings:\n  - port: {number: 9080}\n' +
            '    loadBalancer: {simple: ROUND_ROBIN}',
        ),
      ),
      'default/client',
    );
    expect(clusterNamed(config, R)).toMatchObject({ loadBalancer: 'ROUND_ROBIN', tls: { mode: 'AUTO' } });
  });

  it('makes a cluster ORIGINAL_DST for loadBalancer PASSTHROUGH, and for headless services on sidecars', () => {
    expect(
      clusterNamed(
        proxyConfigFor(doc(base, dr('trafficPolicy: {loadBalancer: {simple: PASSTHROUGH}}')), 'default/client'),
        R,
      )?.type,
    ).toBe('ORIGINAL_DST');
    const headless = proxyConfigFor(
      doc(base, service('db', 'default', { ports: [{ port: 5432, name: 'tcp' }], clusterIP: 'None' })),
      'default/client',
    );
    expect(clusterNamed(headless, 'outbound|5432||db.default.svc.cluster.local')?.type).toBe('ORIGINAL_DST');
  });

  it('uses DNS cluster types for DNS ServiceEntries and no auto mTLS for MESH_EXTERNAL', () => {
    const text = doc(
      base,
      istio(
        'ServiceEntry',
        'a',
        'default',
        'hosts: [a.example.com]\nresolution: DNS\nports: [{number: 443, name: tls, protocol: TLS}]',
      ),
      istio(
        'ServiceEntry',
        'b',
        'default',
        'hosts: [b.example.com]\nresolution: DNS_ROUND_ROBIN\nports: [{number: 443, name: tls, protocol: TLS}]',
      ),
    );
    const config = proxyConfigFor(text, 'default/client');
    expect(clusterNamed(config, 'outbound|443||a.example.com')).toMatchObject({
      type: 'STRICT_DNS',
      tls: { mode: 'NONE' },
    });
    expect(clusterNamed(config, 'outbound|443||b.example.com')?.type).toBe('LOGICAL_DNS');
    expect(endpointsOf(config, 'outbound|443||a.example.com')).toEqual(['a.example.com:443']);
  });

  it('does not send a DNS cluster that has no endpoints (requests get 503 NC)', () => {
    const config = proxyConfigFor(
      doc(
        base,
        istio(
          'ServiceEntry',
          'vm',
          'default',
          'hosts: [vm.internal]\nresolution: DNS\nworkloadSelector: {labels: {app: nothing}}\n' +
            'ports: [{number: 80, name: http, protocol: HTTP}]',
        ),
      ),
      'default/client',
    );
    expect(clusterNamed(config, 'outbound|80||vm.internal')).toBeUndefined();
  });

  it('adds the special clusters and one inbound cluster per target port of the services selecting the pod', () => {
    const config = proxyConfigFor(
      doc(
        base,
        service('reviews-admin', 'default', {
          ports: [{ port: 80, name: 'http', targetPort: 9080 }],
          selector: { app: 'reviews' },
          clusterIP: '10.96.1.9',
        }),
      ),
      'default/reviews-v1',
    );
    const special = config.clusters.filter((c) => c.direction !== 'outbound').map((c) => c.name);
    expect(special).toEqual(['BlackHoleCluster', 'PassthroughCluster', 'InboundPassthroughCluster', 'inbound|9080||']);
  });

  it('keeps only same-node endpoints for internalTrafficPolicy Local', () => {
    const text = `${doc(base)}
---
apiVersion: v1
kind: Service
metadata: {name: node-local, namespace: default}
spec:
  clusterIP: 10.96.1.10
  internalTrafficPolicy: Local
  selector: {app: agent}
  ports: [{name: http, port: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: agent-a, namespace: default, labels: {app: agent}}
spec: {nodeName: node-a, containers: [{name: a, image: a}]}
status: {podIP: 10.244.2.1}
---
apiVersion: v1
kind: Pod
metadata: {name: agent-b, namespace: default, labels: {app: agent}}
spec: {nodeName: node-b, containers: [{name: a, image: a}]}
status: {podIP: 10.244.2.2}
---
apiVersion: v1
kind: Pod
metadata: {name: local-client, namespace: default}
spec: {nodeName: node-b, containers: [{name: a, image: a}]}
status: {podIP: 10.244.2.3}
`;
    expect(
      endpointsOf(proxyConfigFor(text, 'default/local-client'), 'outbound|80||node-local.default.svc.cluster.local'),
    ).toEqual(['10.244.2.2:80']);
  });

  it('binds EndpointSlice ports to service ports by name', () => {
    const text = `${base}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: reviews-abc, namespace: default, labels: {kubernetes.io/service-name: reviews}}
addressType: IPv4
ports: [{name: http, port: 9081}, {name: other, port: 9999}]
endpoints: [{addresses: [10.244.1.1], conditions: {ready: true}}]
`;
    expect(endpointsOf(proxyConfigFor(text, 'default/client'), R)).toEqual(['10.244.1.1:9081']);
  });

  it('names the mesh config as the source when REGISTRY_ONLY turns passthrough into a blackhole', () => {
    const config = proxyConfigFor(
      doc(base, meshConfig('outboundTrafficPolicy: {mode: REGISTRY_ONLY}')),
      'default/client',
    );
    expect(
      config.listeners
        .find((l) => l.name === 'virtualOutbound')
        ?.defaultFilterChain?.sources.map((s) => `${s.kind}/${s.name}`),
    ).toEqual(['ConfigMap/istio']);
  });

  it(
    'gives an original-destination cluster ISTIO_MUTUAL under auto mTLS when every endpoint runs a sidecar ' +
      '(push_context.go: BestEffortInferServiceMTLSMode)',
    () => {
      const db = (labels: Record<string, string>) =>
        doc(
          base,
          service('db', 'default', {
            ports: [{ port: 5432, name: 'tcp' }],
            clusterIP: 'None',
            selector: { app: 'db' },
          }),
          pod('db-0', 'default', { labels: { app: 'db', 'security.istio.io/tlsMode': 'istio' }, ip: '10.244.5.1' }),
          pod('db-1', 'default', { labels: { app: 'db', ...labels }, ip: '10.244.5.2' }),
        );
      const D = 'outbound|5432||db.default.svc.cluster.local';
      expect(
        clusterNamed(proxyConfigFor(db({ 'security.istio.io/tlsMode': 'istio' }), 'default/client'), D),
      ).toMatchObject({
        type: 'ORIGINAL_DST',
        tls: { mode: 'ISTIO_MUTUAL', sni: 'outbound_.5432_._.db.default.svc.cluster.local' },
      });
      // One endpoint without a sidecar, or no endpoint at all, makes the service mode DISABLE: plaintext.
      expect(
        clusterNamed(proxyConfigFor(db({ 'sidecar.istio.io/inject': 'false' }), 'default/client'), D)?.tls.mode,
      ).toBe('NONE');
      const empty = proxyConfigFor(
        doc(
          base,
          service('db', 'default', {
            ports: [{ port: 5432, name: 'tcp' }],
            clusterIP: 'None',
            selector: { app: 'db' },
          }),
        ),
        'default/client',
      );
      expect(clusterNamed(empty, D)?.tls.mode).toBe('NONE');
      // A namespace PeerAuthentication DISABLE wins, and auto mTLS off leaves it plaintext.
      expect(
        clusterNamed(
          proxyConfigFor(
            doc(
              db({ 'security.istio.io/tlsMode': 'istio' }),
              istio('PeerAuthentication', 'default', 'default', 'mtls: {mode: DISABLE}'),
            ),
            'default/client',
          ),
          D,
        )?.tls.mode,
      ).toBe('NONE');
      expect(
        clusterNamed(
          proxyConfigFor(
            doc(db({ 'security.istio.io/tlsMode': 'istio' }), meshConfig('enableAutoMtls: false')),
            'default/client',
          ),
          D,
        )?.tls.mode,
      ).toBe('NONE');
    },
  );

  it('infers the mode of a loadBalancer PASSTHROUGH cluster from the endpoints of the port', () => {
    const passthrough = dr('trafficPolicy: {loadBalancer: {simple: PASSTHROUGH}}');
    // reviews-plain has no sidecar: plaintext.
    expect(clusterNamed(proxyConfigFor(doc(base, passthrough), 'default/client'), R)).toMatchObject({
      type: 'ORIGINAL_DST',
      tls: { mode: 'NONE' },
    });
    const withoutPlain = doc(
      base
        .split('\n---\n')
        .filter((d) => !d.includes('reviews-plain'))
        .join('\n---\n'),
      passthrough,
    );
    expect(clusterNamed(proxyConfigFor(withoutPlain, 'default/client'), R)).toMatchObject({
      type: 'ORIGINAL_DST',
      tls: { mode: 'ISTIO_MUTUAL', sni: 'outbound_.9080_._.reviews.default.svc.cluster.local' },
    });
  });
});

describe(
  'clusters of VirtualService destinations the Sidecar did not import (pilot/pkg/model/sidecar.go: ' +
    'collectImportedServices)',
  () => {
    const scenario = (...extra: string[]) =>
      doc(
        base,
        namespace('shop', { 'istio-injection': 'enabled' }),
        service('ratings', 'shop', {
          ports: [
            { port: 9080, name: 'http' },
            { port: 9090, name: 'http-admin' },
          ],
          clusterIP: '10.96.1.4',
        }),
        istio('Sidecar', 'default', 'default', 'egress:\n- hosts: ["./*"]'),
        ...extra,
      );
    const ratingsClusters = (text: string) =>
      proxyConfigFor(text, 'default/client')
        .clusters.filter((c) => c.service === 'ratings.shop.svc.cluster.local')
        .map((c) => c.name);

    it(
      'keeps every port when one destination names no port (push_context.go: virtualServiceDestinations uses port ' +
        '0)',
      () => {
        const vs = istio(
          'VirtualService',
          'reviews',
          'default',
          'hosts: [reviews]\nhttp:\n- match: [{uri: {prefix: /admin}}]\n' +
            '  route: [{destination: {host: ratings.shop.svc.cluster.local, port: {number: 9090}}}]\n' +
            '- route: [{destination: {host: ratings.shop.svc.cluster.local}}]',
        );
        expect(ratingsClusters(scenario(vs))).toEqual([
          'outbound|9080||ratings.shop.svc.cluster.local',
          'outbound|9090||ratings.shop.svc.cluster.local',
        ]);
      },
    );

    it(
      'keeps only the named ports, and drops the service when none of them exists (sidecar.go: ' +
        'serviceMatchingVirtualServicePorts)',
      () => {
        const named = istio(
          'VirtualService',
          'reviews',
          'default',
          'hosts: [reviews]\nhttp:\n- route: [{destination: {host: ratings.shop.svc.cluster.local, port: ' +
            '{number: 9090}}}]',
        );
        expect(ratingsClusters(scenario(named))).toEqual(['outbound|9090||ratings.shop.svc.cluster.local']);
        const missing = istio(
          'VirtualService',
          'reviews',
          'default',
          'hosts: [reviews]\nhttp:\n- route: [{destination: {host: ratings.shop.svc.cluster.local, port: ' +
            '{number: 7777}}}]',
        );
        expect(ratingsClusters(scenario(missing))).toEqual([]);
      },
    );
  },
);

describe(
  'DestinationRules with a workloadSelector (pilot/pkg/model/push_context.go: setDestinationRules; sidecar.go: ' +
    'DestinationRule)',
  () => {
    const scenario = (...extra: string[]) =>
      doc(
        base,
        namespace('shop', { 'istio-injection': 'enabled' }),
        pod('other', 'default', { labels: { app: 'other' }, ip: '10.244.0.10' }),
        pod('shopper', 'shop', { labels: { app: 'client' }, ip: '10.244.0.11' }),
        ...extra,
      );
    const selected = istio(
      'DestinationRule',
      'for-client',
      'default',
      'host: reviews\nexportTo: ["*"]\nworkloadSelector: {matchLabels: {app: client}}\n' +
        'trafficPolicy: {tls: {mode: DISABLE}}\nsubsets: [{name: v1, labels: {version: v1}}]',
    );
    const catchAll = istio(
      'DestinationRule',
      'everyone',
      'default',
      'host: reviews\ntrafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}',
    );
    const view = (text: string, podRef: string) => {
      const config = proxyConfigFor(text, podRef);
      return {
        rule: clusterNamed(config, R)?.destinationRule?.name,
        tls: clusterNamed(config, R)?.tls.mode,
        lb: clusterNamed(config, R)?.loadBalancer,
        subset: clusterNamed(config, 'outbound|9080|v1|reviews.default.svc.cluster.local') !== undefined,
      };
    };

    it('applies the rule only to the selected pods of its namespace', () => {
      expect(view(scenario(selected), 'default/client')).toEqual({
        rule: 'for-client',
        tls: 'NONE',
        lb: 'LEAST_REQUEST',
        subset: true,
      });
      expect(view(scenario(selected), 'default/other')).toEqual({
        rule: undefined,
        tls: 'AUTO',
        lb: 'LEAST_REQUEST',
        subset: false,
      });
    });

    it('never exports it, even with exportTo *: other namespaces see only the rule without a selector', () => {
      expect(view(scenario(selected), 'shop/shopper')).toEqual({
        rule: undefined,
        tls: 'AUTO',
        lb: 'LEAST_REQUEST',
        subset: false,
      });
      const publicCatchAll = istio(
        'DestinationRule',
        'everyone',
        'default',
        'host: reviews\nexportTo: ["*"]\ntrafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}',
      );
      expect(view(scenario(selected, publicCatchAll), 'shop/shopper')).toEqual({
        rule: 'everyone',
        tls: 'AUTO',
        lb: 'ROUND_ROBIN',
        subset: false,
      });
    });

    it('keeps a rule without a selector, unmerged, for the pods the selector does not pick', () => {
      expect(view(scenario(selected, catchAll), 'default/client')).toEqual({
        rule: 'for-client',
        tls: 'NONE',
        lb: 'LEAST_REQUEST',
        subset: true,
      });
      expect(view(scenario(selected, catchAll), 'default/other')).toEqual({
        rule: 'everyone',
        tls: 'AUTO',
        lb: 'ROUND_ROBIN',
        subset: false,
      });
    });
  },
);
