import { describe, expect, it } from 'vitest';
import { analyze } from '../index.ts';

const run = (text: string) => analyze([{ name: 'm.yaml', text }]);
const podNamed = (text: string, name: string) => run(text).model.pods.find((pod) => pod.name === name);
const codes = (text: string) =>
  run(text).diagnostics.map((d) => `${d.code}@${d.range.start.line}:${d.range.start.column}`);

const namespace = (name: string, labels = '') => `apiVersion: v1
kind: Namespace
metadata:
  name: ${name}
${labels ? `  labels:\n${labels}` : ''}
---
`;
const pod = (name: string, ns: string, extra = '') => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: ${ns}
${extra}spec:
  containers:
  - name: app
    image: app
---
`;

describe('sidecar injection, as the default-revision webhook and injector decide it', () => {
  const cases: Array<[string, string, string, 'sidecar' | 'gateway' | 'none', RegExp]> = [
    [
      'namespace istio-injection=enabled',
      namespace('a', '    istio-injection: enabled'),
      pod('p', 'a'),
      'sidecar',
      /istio-injection=enabled/,
    ],
    [
      'enabled namespace, pod label false',
      namespace('a', '    istio-injection: enabled'),
      pod('p', 'a', '  labels:\n    sidecar.istio.io/inject: "false"\n'),
      'none',
      /inject=false/,
    ],
    [
      'enabled namespace, pod annotation false',
      namespace('a', '    istio-injection: enabled'),
      pod('p', 'a', '  annotations:\n    sidecar.istio.io/inject: "false"\n'),
      'none',
      /annotation sidecar.istio.io\/inject=false/,
    ],
    [
      'unlabelled namespace, pod label true',
      namespace('a'),
      pod('p', 'a', '  labels:\n    sidecar.istio.io/inject: "true"\n'),
      'sidecar',
      /label sidecar.istio.io\/inject=true/,
    ],
    [
      'unlabelled namespace, only the annotation true',
      namespace('a'),
      pod('p', 'a', '  annotations:\n    sidecar.istio.io/inject: "true"\n'),
      'none',
      /selects the label, not the annotation/,
    ],
    [
      'disabled namespace wins over the pod label',
      namespace('a', '    istio-injection: disabled'),
      pod('p', 'a', '  labels:\n    sidecar.istio.io/inject: "true"\n'),
      'none',
      /istio-injection=disabled/,
    ],
    [
      'namespace istio.io/rev',
      namespace('a', '    istio.io/rev: default'),
      pod('p', 'a'),
      'sidecar',
      /istio.io\/rev=default/,
    ],
    [
      'pod istio.io/rev in an unlabelled namespace',
      namespace('a'),
      pod('p', 'a', '  labels:\n    istio.io/rev: default\n'),
      'sidecar',
      /pod has istio.io\/rev=default/,
    ],
    [
      'kube-system is never injected',
      namespace('kube-system', '    istio-injection: enabled'),
      pod('p', 'kube-system'),
      'none',
      /never injects pods in kube-system/,
    ],
    [
      'unlabelled namespace, nothing asked',
      namespace('a'),
      pod('p', 'a'),
      'none',
      /no istio-injection or istio.io\/rev label/,
    ],
    [
      'gateway template',
      namespace('a'),
      pod(
        'p',
        'a',
        '  labels:\n    sidecar.istio.io/inject: "true"\n  annotations:\n    inject.istio.io/templates: gateway\n',
      ),
      'gateway',
      /gateway template/,
    ],
  ];
  it.each(cases)('%s', (_title, ns, podText, kind, reason) => {
    const found = podNamed(ns + podText, 'p');
    expect(found?.proxy.kind).toBe(kind);
    expect(found?.proxy.reason).toMatch(reason);
  });

  it('never injects a hostNetwork pod', () => {
    const text =
      namespace('a', '    istio-injection: enabled') + pod('p', 'a').replace('spec:\n', 'spec:\n  hostNetwork: true\n');
    expect(podNamed(text, 'p')?.proxy).toMatchObject({ kind: 'none', reason: expect.stringMatching(/hostNetwork/) });
  });

  it('reads a dumped pod with its istio-proxy container as it is: sidecar or router', () => {
    const sidecarPod = `apiVersion: v1
kind: Pod
metadata: {name: injected, namespace: x}
spec:
  containers:
  - {name: app, image: app}
  - name: istio-proxy
    image: docker.io/istio/proxyv2:1.28.0
    args: [proxy, sidecar, --domain, x.svc.cluster.local]
    env:
    - {name: ISTIO_META_DNS_CAPTURE, value: "true"}
---
apiVersion: v1
kind: Pod
metadata: {name: gw, namespace: istio-system}
spec:
  containers:
  - {name: istio-proxy, image: proxyv2, args: [proxy, router]}
`;
    const { model } = run(sidecarPod);
    expect(model.pods.map((p) => [p.name, p.proxy.kind, p.proxy.dnsCapture])).toEqual([
      ['injected', 'sidecar', true],
      ['gw', 'gateway', false],
    ]);
  });

  it('records an assumption when a namespace names a revision other than default', () => {
    const { assumptions, model } = run(namespace('a', '    istio.io/rev: canary') + pod('p', 'a'));
    expect(model.pods[0]?.proxy.kind).toBe('sidecar');
    expect(assumptions.map((a) => a.code)).toContain('INJECTION_REVISION_ASSUMED');
  });
});

describe('proxy settings', () => {
  const meshWith = (metadata: string) => `apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    defaultConfig:
      proxyMetadata:
${metadata}
---
`;
  it('turns DNS capture on from the mesh defaultConfig.proxyMetadata', () => {
    const text =
      meshWith('        ISTIO_META_DNS_CAPTURE: "true"\n        ISTIO_META_DNS_AUTO_ALLOCATE: "true"') +
      namespace('a', '    istio-injection: enabled') +
      pod('p', 'a');
    expect(podNamed(text, 'p')?.proxy).toMatchObject({ dnsCapture: true, dnsAutoAllocate: true });
  });

  it('lets the pod annotation proxy.istio.io/config override the mesh default', () => {
    const annotation =
      '  annotations:\n    proxy.istio.io/config: |\n      proxyMetadata:\n        ISTIO_META_DNS_CAPTURE: "false"\n';
    const text =
      meshWith('        ISTIO_META_DNS_CAPTURE: "true"') +
      namespace('a', '    istio-injection: enabled') +
      pod('p', 'a', annotation);
    expect(podNamed(text, 'p')?.proxy.dnsCapture).toBe(false);
  });

  it('reads capture exclusions and reports a bad range at its line', () => {
    const annotations = [
      '  annotations:',
      '    traffic.sidecar.istio.io/excludeOutboundPorts: "3306, 6379"',
      '    traffic.sidecar.istio.io/excludeOutboundIPRanges: "10.0.0.0/8,not-a-cidr"',
      '    traffic.sidecar.istio.io/includeOutboundIPRanges: "10.96.0.0/12"',
      '',
    ].join('\n');
    const text = namespace('a', '    istio-injection: enabled') + pod('p', 'a', annotations);
    const analysis = run(text);
    expect(analysis.model.pods[0]?.capture).toMatchObject({
      excludeOutboundPorts: [3306, 6379],
      excludeOutboundIPRanges: ['10.0.0.0/8'],
      includeOutboundIPRanges: ['10.96.0.0/12'],
    });
    const problem = analysis.diagnostics.find((d) => d.code === 'INVALID_VALUE');
    expect(problem?.message).toContain('not-a-cidr');
    expect(problem?.range.start).toEqual({ line: 15, column: 55 });
  });
});

describe('pods', () => {
  it('makes pods from a workload template when the manifests have none, with stable names and addresses', () => {
    const text = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {serviceAccountName: web-sa, containers: [{name: web, image: web}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: db}]}
`;
    const first = run(text);
    const second = run(text);
    expect(first.model.pods.map((p) => p.name)).toEqual(second.model.pods.map((p) => p.name));
    expect(first.model.pods.map((p) => p.ip)).toEqual(second.model.pods.map((p) => p.ip));
    const web = first.model.pods.filter((p) => p.name.startsWith('web-'));
    expect(web).toHaveLength(3);
    for (const p of web) {
      expect(p.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(p).toMatchObject({
        assumed: true,
        ready: true,
        serviceAccount: 'web-sa',
        owner: expect.objectContaining({ kind: 'Deployment', name: 'web' }),
      });
      expect(p.labels.get('app')).toBe('web');
    }
    expect(first.model.pods.filter((p) => p.name.startsWith('db-')).map((p) => p.name)).toEqual(['db-0', 'db-1']);
    expect(new Set(first.model.pods.map((p) => p.ip)).size).toBe(5);
    expect(first.assumptions.filter((a) => a.code === 'POD_FROM_TEMPLATE')).toHaveLength(2);
  });

  it('uses the Pods of a dump instead, with their IPs and readiness, and skips ReplicaSets a Deployment owns', () => {
    const text = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: web}]}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-5d8f
  namespace: shop
  ownerReferences: [{kind: Deployment, name: web, apiVersion: apps/v1, uid: x}]
spec:
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: web}]}}
---
apiVersion: v1
kind: Pod
metadata: {name: web-5d8f-aaaaa, namespace: shop, labels: {app: web}}
spec: {containers: [{name: web, image: web}]}
status:
  phase: Running
  podIP: 10.1.2.3
  conditions: [{type: Ready, status: "False"}]
`;
    const { model } = run(text);
    expect(model.pods.map((p) => [p.name, p.ip, p.ready, p.assumed])).toEqual([
      ['web-5d8f-aaaaa', '10.1.2.3', false, false],
    ]);
  });

  it('assumes a hand-written pod without status is running and ready, and gives it an address', () => {
    const { model, assumptions } = run(pod('p', 'a'));
    expect(model.pods[0]).toMatchObject({ ready: true, ip: expect.stringMatching(/^10\.244\.\d+\.\d+$/) });
    expect(assumptions.map((a) => a.code)).toEqual(
      expect.arrayContaining(['POD_READY_ASSUMED', 'POD_IP_ASSIGNED', 'NAMESPACE_IMPLIED']),
    );
  });

  it('reports a selector that does not match the template, as kubectl would', () => {
    const text = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector:
    matchLabels: {app: web}
  template: {metadata: {labels: {app: other}}, spec: {containers: [{name: web, image: web}]}}
`;
    expect(codes(text)).toContain('INVALID_VALUE@6:5');
  });
});

describe('Services and endpoints', () => {
  it('reads ports, named targetPorts and appProtocol, and assumes a ClusterIP when none is given', () => {
    const text = `apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  selector: {app: api}
  ports:
  - {name: http-web, port: 80, targetPort: web}
  - {name: grpc, port: 9090, appProtocol: grpc}
---
apiVersion: v1
kind: Service
metadata: {name: api-headless, namespace: shop}
spec:
  clusterIP: None
  selector: {app: api}
  ports: [{name: tcp, port: 5432}]
---
apiVersion: v1
kind: Service
metadata: {name: legacy, namespace: shop}
spec: {type: ExternalName, externalName: db.example.com}
`;
    const { model, assumptions } = run(text);
    const [api, headless, legacy] = model.services;
    expect(api?.ports).toEqual([
      { name: 'http-web', port: 80, targetPort: 'web', protocol: 'TCP', appProtocol: undefined, nodePort: undefined },
      { name: 'grpc', port: 9090, targetPort: 9090, protocol: 'TCP', appProtocol: 'grpc', nodePort: undefined },
    ]);
    expect(api?.clusterIP).toMatch(/^10\.96\.\d+\.\d+$/);
    expect(headless?.clusterIP).toBe('None');
    expect(legacy).toMatchObject({ type: 'ExternalName', clusterIP: undefined, externalName: 'db.example.com' });
    expect(assumptions.filter((a) => a.code === 'CLUSTER_IP_ASSIGNED').map((a) => a.subject?.name)).toEqual(['api']);
  });

  it('rejects port: "80" (a string) at its position, and unnamed ports of a multi-port Service', () => {
    const text = [
      'apiVersion: v1',
      'kind: Service',
      'metadata: {name: api, namespace: shop}',
      'spec:',
      '  ports:',
      '  - port: "80"',
      '    name: http',
      '  - port: 81',
      '',
    ].join('\n');
    const analysis = run(text);
    const wrongType = analysis.diagnostics.find((d) => d.code === 'WRONG_TYPE');
    expect(wrongType?.range.start).toEqual({ line: 6, column: 11 });
    expect(wrongType?.message).toContain('must be a whole number');
    expect(codes(text)).toContain('MISSING_FIELD@8:5');
  });

  it(
    'reads EndpointSlices, and Endpoints only for selector-less Services without a slice, as ' +
      'EndpointSliceMirroring mirrors them',
    () => {
      const text = `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: api-abc
  namespace: shop
  labels: {kubernetes.io/service-name: api}
addressType: IPv4
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints:
- addresses: [10.0.0.5]
  conditions: {ready: true}
  targetRef: {kind: Pod, name: api-1, namespace: shop}
- addresses: [10.0.0.6]
  conditions: {ready: false, terminating: true}
---
apiVersion: v1
kind: Endpoints
metadata: {name: api, namespace: shop}
subsets: [{addresses: [{ip: 10.9.9.9}], ports: [{port: 1}]}]
---
apiVersion: v1
kind: Service
metadata: {name: old, namespace: shop}
spec: {ports: [{name: http, port: 80}]}
---
apiVersion: v1
kind: Endpoints
metadata: {name: old, namespace: shop}
subsets:
- addresses: [{ip: 10.0.1.1}]
  notReadyAddresses: [{ip: 10.0.1.2}]
  ports: [{name: http, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: selected, namespace: shop}
spec: {selector: {app: selected}, ports: [{name: http, port: 80}]}
---
apiVersion: v1
kind: Endpoints
metadata: {name: selected, namespace: shop}
subsets: [{addresses: [{ip: 10.0.2.1}], ports: [{name: http, port: 80}]}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: no-service, namespace: shop}
subsets: [{addresses: [{ip: 10.0.3.1}], ports: [{name: http, port: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: skipped, namespace: shop}
spec: {ports: [{name: http, port: 80}]}
---
apiVersion: v1
kind: Endpoints
metadata: {name: skipped, namespace: shop, labels: {endpointslice.kubernetes.io/skip-mirror: "true"}}
subsets: [{addresses: [{ip: 10.0.4.1}], ports: [{name: http, port: 80}]}]
`;
      const { model } = run(text);
      expect(
        model.endpointSlices.map((s) => [
          s.serviceName,
          s.endpoints.map((e) => [e.addresses[0], e.ready, e.terminating ?? null]),
        ]),
      ).toEqual([
        [
          'api',
          [
            ['10.0.0.5', true, null],
            ['10.0.0.6', false, true],
          ],
        ],
        [
          'old',
          [
            ['10.0.1.1', true, false],
            ['10.0.1.2', false, false],
          ],
        ],
      ]);
      expect(model.endpointSlices[0]?.endpoints[0]?.targetRef).toEqual({
        kind: 'Pod',
        name: 'api-1',
        namespace: 'shop',
      });
    },
  );
});

describe('mesh config', () => {
  it("uses Istio's defaults, and says so, when the manifests have no mesh config", () => {
    const { model, assumptions } = run(namespace('a'));
    expect(model.meshConfig).toMatchObject({
      outboundTrafficPolicy: 'ALLOW_ANY',
      rootNamespace: 'istio-system',
      enableAutoMtls: true,
      source: undefined,
    });
    expect(assumptions.map((a) => a.code)).toContain('MESH_CONFIG_DEFAULTS');
  });

  it('reads the mesh key of ConfigMap istio', () => {
    const text = `apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |-
    outboundTrafficPolicy:
      mode: REGISTRY_ONLY
    rootNamespace: mesh-root
    enableAutoMtls: false
`;
    const { model, assumptions } = run(text);
    expect(model.meshConfig).toMatchObject({
      outboundTrafficPolicy: 'REGISTRY_ONLY',
      rootNamespace: 'mesh-root',
      enableAutoMtls: false,
      source: expect.objectContaining({ kind: 'ConfigMap' }),
    });
    expect(assumptions.map((a) => a.code)).not.toContain('MESH_CONFIG_DEFAULTS');
  });

  it('reads an IstioOperator meshConfig', () => {
    const text = `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: installed, namespace: istio-system}
spec:
  meshConfig:
    outboundTrafficPolicy: {mode: REGISTRY_ONLY}
    defaultConfig:
      proxyMetadata: {ISTIO_META_DNS_CAPTURE: "true"}
`;
    const { model } = run(text);
    expect(model.meshConfig.outboundTrafficPolicy).toBe('REGISTRY_ONLY');
    expect(model.meshConfig.defaultProxyMetadata.get('ISTIO_META_DNS_CAPTURE')).toBe('true');
  });

  it('never throws on a value that is an object where text is expected ({toString: 1}), and reports it', () => {
    const hostile = `apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |-
    outboundTrafficPolicy:
      mode: {toString: 1, valueOf: 1}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: web}]}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-5d8f
  namespace: shop
  ownerReferences: [{kind: Deployment, name: {toString: 1}, apiVersion: apps/v1, uid: x}]
spec:
  selector: {matchLabels: {app: rs}}
  template: {metadata: {labels: {app: rs}}, spec: {containers: [{name: web, image: web}]}}
`;
    const analysis = run(hostile);
    expect(analysis.diagnostics.find((d) => d.code === 'INVALID_VALUE')?.message).toMatch(/not a mapping;/);
    // The ReplicaSet names no Deployment it could belong to, so its pods are made from its own template.
    expect(analysis.model.pods.map((p) => p.labels.get('app')).sort()).toEqual(['rs', 'web']);
  });

  it('reports a mesh config istiod cannot use, at the mesh key', () => {
    const bad = `apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |-
    outboundTrafficPolicy:
      mode: DENY_ALL
`;
    expect(codes(bad)).toEqual(['INVALID_VALUE@5:3']);
    expect(codes(bad.replace('mode: DENY_ALL', 'mode: [unclosed'))).toEqual(['YAML_SYNTAX@5:3']);
  });
});
