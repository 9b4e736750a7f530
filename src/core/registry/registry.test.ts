import { describe, expect, it } from 'vitest';
import { analyze } from '../index.ts';
import { kubernetesPortProtocol, listenerProtocolOf } from './protocol.ts';
import { buildRegistry, type Service } from './registry.ts';
import { proxyServiceTargets } from './serviceTargets.ts';

const registryOf = (text: string) => {
  const analysis = analyze([{ name: 'r.yaml', text }]);
  return buildRegistry(analysis.model);
};
const find = (services: Service[], hostname: string) => services.filter((s) => s.hostname === hostname);

describe('port protocol (pkg/config/kube/conversion.go: ConvertProtocol)', () => {
  it.each([
    [80, 'http-web', 'TCP', undefined, 'HTTP'],
    [9090, 'grpc', 'TCP', undefined, 'GRPC'],
    [5432, 'tcp-db', 'TCP', undefined, 'TCP'],
    [8080, 'web', 'TCP', undefined, 'Unsupported'],
    [8080, 'web', 'TCP', 'h2c', 'Unsupported'],
    [8080, 'web', 'TCP', 'kubernetes.io/h2c', 'HTTP2'],
    [8080, 'anything', 'TCP', 'http', 'HTTP'],
    [8080, undefined, 'TCP', undefined, 'Unsupported'],
    [3306, undefined, 'TCP', undefined, 'TCP'],
    [53, 'dns', 'UDP', undefined, 'UDP'],
    [8080, 'grpc-web-x', 'TCP', undefined, 'GRPC-Web'],
    [8080, 'HTTP2-x', 'TCP', undefined, 'HTTP2'],
    [443, 'https', 'TCP', undefined, 'HTTPS'],
  ] as const)('port %s named %s (%s, appProtocol %s) is %s', (port, name, l4, appProtocol, expected) => {
    expect(kubernetesPortProtocol(port, name, l4, appProtocol)).toBe(expected);
  });

  it('maps protocols to listener classes', () => {
    expect(
      ['HTTP', 'GRPC', 'TCP', 'HTTPS', 'Unsupported', 'UDP'].map((p) =>
        listenerProtocolOf(p as Parameters<typeof listenerProtocolOf>[0]),
      ),
    ).toEqual(['HTTP', 'HTTP', 'TCP', 'TCP', 'AUTO', 'NONE']);
  });
});

describe('Kubernetes services and endpoints', () => {
  const text = `apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec:
  clusterIP: 10.96.1.2
  selector: {app: reviews}
  ports: [{name: http, port: 9080, targetPort: http-alt}]
---
apiVersion: v1
kind: Pod
metadata: {name: reviews-1, namespace: default, labels: {app: reviews, version: v1, security.istio.io/tlsMode: istio}}
spec:
  serviceAccountName: bookinfo-reviews
  containers: [{name: r, image: r, ports: [{name: http-alt, containerPort: 9081}]}]
status: {podIP: 10.244.0.5, conditions: [{type: Ready, status: "True"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: reviews-2, namespace: default, labels: {app: reviews, version: v2}}
spec: {containers: [{name: r, image: r, ports: [{name: http-alt, containerPort: 9081}]}]}
status: {podIP: 10.244.0.6, conditions: [{type: Ready, status: "False"}]}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: default}
spec: {clusterIP: None, selector: {app: db}, ports: [{name: tcp, port: 5432}]}
---
apiVersion: v1
kind: Service
metadata: {name: legacy, namespace: default}
spec: {type: ExternalName, externalName: reviews.default.svc.cluster.local}
`;
  const registry = registryOf(text);

  it('names services by FQDN with their ClusterIP, resolution and port protocols', () => {
    const [reviews] = find(registry.services, 'reviews.default.svc.cluster.local');
    expect(reviews).toMatchObject({
      defaultAddress: '10.96.1.2',
      resolution: 'ClientSideLB',
      registry: 'Kubernetes',
      ports: [{ name: 'http', port: 9080, protocol: 'HTTP' }],
    });
    expect(find(registry.services, 'db.default.svc.cluster.local')[0]).toMatchObject({
      defaultAddress: '0.0.0.0',
      resolution: 'Passthrough',
    });
    expect(find(registry.services, 'legacy.default.svc.cluster.local')[0]).toMatchObject({
      resolution: 'Alias',
      meshExternal: true,
      externalName: 'reviews.default.svc.cluster.local',
    });
    expect(reviews?.aliases).toEqual(['legacy.default.svc.cluster.local']);
  });

  it(
    'derives endpoints from the selected pods when there is no EndpointSlice: named targetPort, readiness, ' +
      'tlsMode',
    () => {
      const [reviews] = find(registry.services, 'reviews.default.svc.cluster.local');
      if (!reviews) throw new Error('no reviews');
      expect(
        registry.endpoints
          .get(reviews)
          ?.map((e) => [e.address, e.port, e.servicePortName, e.health, e.tlsMode, e.serviceAccount]),
      ).toEqual([
        ['10.244.0.5', 9081, 'http', 'Healthy', 'istio', 'bookinfo-reviews'],
        ['10.244.0.6', 9081, 'http', 'UnHealthy', 'disabled', 'default'],
      ]);
      expect(registry.assumptions.map((a) => a.code)).toContain('ENDPOINTS_FROM_SELECTOR');
    },
  );

  it('reads EndpointSlices when present: health from conditions, labels from the pod behind the address', () => {
    const withSlice = `${text}---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: reviews-x, namespace: default, labels: {kubernetes.io/service-name: reviews}}
addressType: IPv4
ports: [{name: http, port: 9081}]
endpoints:
- {addresses: [10.244.0.5], conditions: {ready: true}, targetRef: {kind: Pod, name: reviews-1, namespace: default}}
- {addresses: [10.244.0.6], conditions: {ready: false, terminating: true}}
- {addresses: [10.244.0.7], conditions: {ready: false, terminating: false}}
`;
    const sliced = registryOf(withSlice);
    const [reviews] = find(sliced.services, 'reviews.default.svc.cluster.local');
    if (!reviews) throw new Error('no reviews');
    expect(sliced.endpoints.get(reviews)?.map((e) => [e.address, e.health, e.labels.get('version') ?? null])).toEqual([
      ['10.244.0.5', 'Healthy', 'v1'],
      ['10.244.0.6', 'Terminating', 'v2'],
      ['10.244.0.7', 'UnHealthy', null],
    ]);
  });

  it('gives injected pods the tlsMode label the injector adds', () => {
    const injected = registryOf(`apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cart, namespace: shop}
spec:
  selector: {matchLabels: {app: cart}}
  template: {metadata: {labels: {app: cart}}, spec: {containers: [{name: c, image: c}]}}
---
apiVersion: v1
kind: Service
metadata: {name: cart, namespace: shop}
spec: {selector: {app: cart}, ports: [{name: http, port: 80, targetPort: 8080}]}
`);
    const [cart] = injected.services;
    if (!cart) throw new Error('no cart');
    expect(injected.endpoints.get(cart)?.map((e) => [e.port, e.tlsMode])).toEqual([[8080, 'istio']]);
  });
});

describe('ServiceEntries (serviceentry/conversion.go)', () => {
  const se = (name: string, spec: string, extra = '') => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${name}, namespace: shop${extra}}
spec:
${spec}
---
`;
  it('makes one service per host and address, normalising /32', () => {
    const registry = registryOf(
      se(
        'multi',
        '  hosts: [a.example.com, b.example.com]\n  addresses: [10.1.0.0/16, 10.2.3.4/32]\n' +
          '  resolution: STATIC\n  endpoints: [{address: 10.1.2.3}]\n' +
          '  ports: [{number: 443, name: tls, protocol: TLS}]',
      ),
    );
    expect(registry.services.map((s) => `${s.hostname} ${s.defaultAddress}`)).toEqual([
      'a.example.com 10.1.0.0/16',
      'a.example.com 10.2.3.4',
      'b.example.com 10.1.0.0/16',
      'b.example.com 10.2.3.4',
    ]);
    expect(registry.services[0]).toMatchObject({
      resolution: 'ClientSideLB',
      meshExternal: true,
      ports: [{ name: 'tls', port: 443, protocol: 'TLS' }],
    });
    expect(registry.services.every((s) => s.autoAllocatedAddress === undefined)).toBe(true);
  });

  it('takes the protocol only from protocol, never from the port name', () => {
    const registry = registryOf(
      se('p', '  hosts: [a.example.com]\n  resolution: DNS\n  ports: [{number: 80, name: http}]'),
    );
    expect(registry.services[0]?.ports[0]?.protocol).toBe('Unsupported');
  });

  it('resolves a DNS entry without endpoints to its own host name, and a NONE entry to nothing', () => {
    const registry = registryOf(
      se(
        'dns',
        '  hosts: [api.example.com]\n  resolution: DNS\n' +
          '  ports: [{number: 443, name: https, protocol: HTTPS, targetPort: 8443}]',
      ) +
        se(
          'none',
          '  hosts: [db.example.com]\n  resolution: NONE\n  ports: [{number: 5432, name: tcp, protocol: TCP}]',
        ),
    );
    const [dns, none] = registry.services;
    if (!dns || !none) throw new Error('missing');
    expect(registry.endpoints.get(dns)?.map((e) => [e.address, e.port, e.isHostname])).toEqual([
      ['api.example.com', 8443, true],
    ]);
    expect(registry.endpoints.get(none)).toEqual([]);
    expect(none.resolution).toBe('Passthrough');
  });

  it('never throws on a resolution that is not text, and reads an unknown one as NONE', () => {
    for (const resolution of ['{toString: 1, valueOf: 1}', '[{toString: 1}]', 'toString', 'constructor', '5']) {
      const registry = registryOf(
        se(
          'odd',
          `  hosts: [odd.example.com]\n  resolution: ${resolution}\n` +
            `  ports: [{number: 80, name: http, protocol: HTTP}]`,
        ),
      );
      expect(
        registry.services.map((s) => s.resolution),
        resolution,
      ).toEqual(['Passthrough']);
    }
  });

  it("allocates addresses in the order entries were applied, only for eligible ones, keeping a live cluster's", () => {
    const registry = registryOf(
      se(
        'first',
        '  hosts: [a.example.com, "*.wild.example.com"]\n  resolution: DNS\n' +
          '  ports: [{number: 80, name: http, protocol: HTTP}]',
      ) +
        se(
          'none',
          '  hosts: [n.example.com]\n  resolution: NONE\n  ports: [{number: 80, name: http, protocol: HTTP}]',
        ) +
        se(
          'opted-out',
          '  hosts: [o.example.com]\n  resolution: DNS\n  ports: [{number: 80, name: http, protocol: HTTP}]',
          ', labels: {networking.istio.io/enable-autoallocate-ip: "false"}',
        ) +
        se(
          'another',
          '  hosts: [b.example.com]\n  resolution: DNS\n  ports: [{number: 80, name: http, protocol: HTTP}]',
        ) +
        se(
          'live',
          '  hosts: [c.example.com]\n  resolution: DNS\n  ports: [{number: 80, name: http, protocol: HTTP}]',
        ).replace('---\n', '') +
        'status:\n  addresses: [{value: 240.240.0.9, host: c.example.com}]\n',
    );
    // Services as istiod lists them: all of one second, so by hostname (push_context.go: SortServicesByCreationTime).
    expect(registry.services.map((s) => `${s.hostname}=${s.autoAllocatedAddress ?? '-'}`)).toEqual([
      '*.wild.example.com=-',
      'a.example.com=240.240.0.1',
      'b.example.com=240.240.0.2',
      'c.example.com=240.240.0.9',
      'n.example.com=-',
      'o.example.com=-',
    ]);
  });

  it('allocates to the entry created first, wherever its document stands', () => {
    const entry = (name: string, host: string, created: string) =>
      se(name, `  hosts: [${host}]\n  resolution: DNS\n  ports: [{number: 80, name: http, protocol: HTTP}]`, created);
    const registry = registryOf(
      entry('late', 'late.example.com', ', creationTimestamp: "2024-05-01T10:00:05Z"') +
        entry('early', 'early.example.com', ', creationTimestamp: "2024-05-01T10:00:00Z"') +
        entry('now', 'now.example.com', ''),
    );
    expect(registry.services.map((s) => `${s.hostname}=${s.autoAllocatedAddress ?? '-'}`)).toEqual([
      'early.example.com=240.240.0.1',
      'late.example.com=240.240.0.2',
      'now.example.com=240.240.0.3',
    ]);
  });

  it('selects pods and WorkloadEntries in its namespace with workloadSelector', () => {
    const text =
      se(
        'vm',
        '  hosts: [vm.shop.internal]\n  location: MESH_INTERNAL\n  resolution: STATIC\n' +
          '  workloadSelector: {labels: {app: vm}}\n  ports: [{number: 80, name: http, protocol: HTTP, ' +
          'targetPort: 8080}]',
      ) +
      `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm-1, namespace: shop}
spec: {address: 10.8.0.1, labels: {app: vm}, serviceAccount: vm-sa}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm-other-ns, namespace: other}
spec: {address: 10.8.0.2, labels: {app: vm}}
`;
    const registry = registryOf(text);
    const [vm] = registry.services;
    if (!vm) throw new Error('missing');
    expect(vm.meshExternal).toBe(false);
    expect(registry.endpoints.get(vm)?.map((e) => [e.address, e.port, e.tlsMode])).toEqual([
      ['10.8.0.1', 8080, 'istio'],
    ]);
  });
});

describe('the services a pod serves (pilot/pkg/model/context.go: SetServiceTargets)', () => {
  const serviceFor = (name: string, created = '') => `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: shop${created}}
spec: {selector: {app: reviews}, ports: [{port: 80, name: http}]}
---
`;
  const pod = `apiVersion: v1
kind: Pod
metadata: {name: reviews-1, namespace: shop, labels: {app: reviews}}
spec: {containers: [{name: app, image: reviews}]}
status: {podIP: 10.244.0.5}
`;
  const targets = (text: string) => {
    const analysis = analyze([{ name: 'r.yaml', text }]);
    const reviews = analysis.model.pods.find((p) => p.name === 'reviews-1');
    if (!reviews) throw new Error('no pod');
    return proxyServiceTargets(buildRegistry(analysis.model), reviews).map((t) => t.service.name);
  };

  it('puts the oldest first and, in one second, the first by hostname (reviews-v1.shop before reviews.shop)', () => {
    expect(targets(serviceFor('reviews') + serviceFor('reviews-v1') + pod)).toEqual(['reviews-v1', 'reviews']);
    const older = ', creationTimestamp: "2024-05-01T10:00:00Z"';
    expect(targets(serviceFor('reviews', older) + serviceFor('reviews-v1') + pod)).toEqual(['reviews', 'reviews-v1']);
  });
});
