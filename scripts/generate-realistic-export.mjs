// Writes fixtures/exports/realistic-cluster.yaml: a `kubectl get -A -o yaml`-style List of a few hundred objects
// (namespaces, workloads with their ReplicaSets and Pods, injected istio-proxy containers, Services, EndpointSlices,
// Istio config, and the usual noise: managedFields, uids, status). Deterministic; run it again to regenerate.
import { writeFileSync } from 'node:fs';
import { dump } from 'js-yaml';

let counter = 0;
const uid = () =>
  `6f1c${(++counter).toString(16).padStart(4, '0')}-2b7e-4c1d-9a3f-${counter.toString(16).padStart(12, '0')}`;
const created = '2026-10-02T09:14:27Z';
const meta = (name, namespace, extra = {}) => ({
  name,
  ...(namespace ? { namespace } : {}),
  uid: uid(),
  resourceVersion: String(100000 + counter),
  creationTimestamp: created,
  ...extra,
  managedFields: [
    {
      apiVersion: 'v1',
      fieldsType: 'FieldsV1',
      manager: 'kubectl-client-side-apply',
      operation: 'Update',
      time: created,
      fieldsV1: { 'f:metadata': { 'f:labels': { '.': {} } } },
    },
  ],
});

const items = [];
const ns = [
  { name: 'istio-system', labels: {} },
  { name: 'bookinfo', labels: { 'istio-injection': 'enabled' } },
  { name: 'payments', labels: { 'istio.io/rev': 'default' } },
  { name: 'legacy', labels: { 'istio-injection': 'disabled' } },
  { name: 'monitoring', labels: {} },
  { name: 'kube-system', labels: {} },
];
for (const n of ns)
  items.push({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: meta(n.name, undefined, { labels: { 'kubernetes.io/metadata.name': n.name, ...n.labels } }),
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  });

items.push({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: meta('istio', 'istio-system', { labels: { 'istio.io/rev': 'default', release: 'istio' } }),
  data: {
    mesh:
      'accessLogFile: /dev/stdout\ndefaultConfig:\n  discoveryAddress: istiod.istio-system.svc:15012\n' +
      '  proxyMetadata:\n    ISTIO_META_DNS_CAPTURE: "true"\noutboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n' +
      'rootNamespace: istio-system\ntrustDomain: cluster.local\n',
    meshNetworks: 'networks: {}',
  },
});

let podIp = 0;
let serviceIp = 0;
const nextPodIp = () => `10.244.${1 + Math.floor(podIp / 250)}.${2 + (podIp++ % 250)}`;
const nextServiceIp = () => `10.96.${10 + Math.floor(serviceIp / 250)}.${1 + (serviceIp++ % 250)}`;

function workload({ namespace, app, version, replicas, port, injected, gateway, kind = 'Deployment' }) {
  const name = version ? `${app}-${version}` : app;
  // Istio's gateway charts label their pods istio: <name> as well, which Gateway selectors use.
  const labels = { app, ...(version ? { version } : {}), ...(gateway ? { istio: app.replace(/^istio-/, '') } : {}) };
  const hash = `${(app.length * 7919 + (version ?? '').length * 104729).toString(36).slice(0, 5)}d9f${replicas}`
    .slice(0, 10)
    .replace(/[aeiou01]/g, 'x');
  const podLabels = {
    ...labels,
    'pod-template-hash': hash,
    ...(injected
      ? { 'security.istio.io/tlsMode': gateway ? undefined : 'istio', 'service.istio.io/canonical-name': app }
      : {}),
  };
  for (const key of Object.keys(podLabels)) if (podLabels[key] === undefined) delete podLabels[key];
  const container = {
    name: app,
    image: `docker.io/example/${app}:1.${replicas}.0`,
    ports: [{ containerPort: port, protocol: 'TCP', name: 'http' }],
    resources: { requests: { cpu: '100m', memory: '128Mi' } },
    imagePullPolicy: 'IfNotPresent',
  };
  const template = {
    metadata: { labels, annotations: { 'kubectl.kubernetes.io/default-container': app } },
    spec: {
      serviceAccountName: app,
      containers: [container],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
    },
  };
  const deployment = {
    apiVersion: 'apps/v1',
    kind,
    metadata: meta(name, namespace, {
      labels,
      annotations: { 'deployment.kubernetes.io/revision': '3' },
      generation: 3,
    }),
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template,
      ...(kind === 'Deployment'
        ? {
            strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
            revisionHistoryLimit: 10,
            progressDeadlineSeconds: 600,
          }
        : { serviceName: name }),
    },
    status: { replicas, readyReplicas: replicas, availableReplicas: replicas, observedGeneration: 3 },
  };
  items.push(deployment);
  if (kind === 'Deployment') {
    items.push({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: meta(`${name}-${hash}`, namespace, {
        labels: { ...labels, 'pod-template-hash': hash },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name,
            uid: deployment.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      }),
      spec: {
        replicas,
        selector: { matchLabels: { ...labels, 'pod-template-hash': hash } },
        template: { ...template, metadata: { ...template.metadata, labels: { ...labels, 'pod-template-hash': hash } } },
      },
      status: { replicas, readyReplicas: replicas, availableReplicas: replicas },
    });
  }
  const pods = [];
  for (let i = 0; i < replicas; i++) {
    const podName =
      kind === 'StatefulSet' ? `${name}-${i}` : `${name}-${hash}-${'bcdfg'[i % 5]}${'hjklm'[(i * 3) % 5]}x${i}z`;
    const ip = nextPodIp();
    const containers = [container];
    const annotations = { 'kubectl.kubernetes.io/default-container': app };
    if (injected) {
      Object.assign(annotations, {
        'sidecar.istio.io/status':
          '{"initContainers":["istio-init"],"containers":["istio-proxy"],"volumes":["istio-envoy"],"revision":"default"}',
        'istio.io/rev': 'default',
        'prometheus.io/port': '15020',
        'prometheus.io/scrape': 'true',
      });
      containers.push({
        name: 'istio-proxy',
        image: 'docker.io/istio/proxyv2:1.28.0',
        args: gateway
          ? ['proxy', 'router', '--domain', `${namespace}.svc.cluster.local`]
          : ['proxy', 'sidecar', '--domain', `${namespace}.svc.cluster.local`, '--proxyLogLevel=warning'],
        env: [
          { name: 'PILOT_CERT_PROVIDER', value: 'istiod' },
          { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
          { name: 'ISTIO_META_DNS_CAPTURE', value: 'true' },
          { name: 'ISTIO_META_WORKLOAD_NAME', value: name },
        ],
        ports: [{ containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' }],
        securityContext: { runAsUser: 1337, runAsGroup: 1337, runAsNonRoot: true },
      });
    }
    pods.push(ip);
    items.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: meta(podName, namespace, {
        labels: podLabels,
        annotations,
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: kind === 'Deployment' ? 'ReplicaSet' : kind,
            name: kind === 'Deployment' ? `${name}-${hash}` : name,
            uid: uid(),
            controller: true,
          },
        ],
      }),
      spec: {
        ...template.spec,
        containers,
        ...(injected
          ? {
              initContainers: [
                {
                  name: 'istio-init',
                  image: 'docker.io/istio/proxyv2:1.28.0',
                  args: [
                    'istio-iptables',
                    '-p',
                    '15001',
                    '-z',
                    '15006',
                    '-u',
                    '1337',
                    '-m',
                    'REDIRECT',
                    '-i',
                    '*',
                    '-x',
                    '',
                    '-b',
                    '*',
                    '-d',
                    '15090,15021,15020',
                  ],
                },
              ],
            }
          : {}),
        nodeName: `worker-${i % 3}`,
        dnsPolicy: 'ClusterFirst',
        enableServiceLinks: true,
      },
      status: {
        phase: 'Running',
        podIP: ip,
        podIPs: [{ ip }],
        hostIP: `172.18.0.${2 + (i % 3)}`,
        qosClass: 'Burstable',
        startTime: created,
        conditions: [
          { type: 'Initialized', status: 'True', lastTransitionTime: created },
          { type: 'Ready', status: i === 0 && app === 'ratings' ? 'False' : 'True', lastTransitionTime: created },
          { type: 'ContainersReady', status: 'True', lastTransitionTime: created },
          { type: 'PodScheduled', status: 'True', lastTransitionTime: created },
        ],
        containerStatuses: containers.map((c) => ({
          name: c.name,
          ready: true,
          restartCount: 0,
          image: c.image,
          started: true,
          state: { running: { startedAt: created } },
        })),
      },
    });
  }
  if (
    !items.some(
      (item) => item.kind === 'ServiceAccount' && item.metadata.name === app && item.metadata.namespace === namespace,
    )
  ) {
    items.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(app, namespace) });
  }
  return { labels, pods, name };
}

function service({ namespace, app, port, targetPort, portName, headless, pods, appProtocol }) {
  const clusterIP = headless ? 'None' : nextServiceIp();
  items.push({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(app, namespace, { labels: { app, service: app } }),
    spec: {
      clusterIP,
      clusterIPs: [clusterIP],
      internalTrafficPolicy: 'Cluster',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      ports: [{ name: portName, port, protocol: 'TCP', targetPort, ...(appProtocol ? { appProtocol } : {}) }],
      selector: { app },
      sessionAffinity: 'None',
      type: 'ClusterIP',
    },
    status: { loadBalancer: {} },
  });
  items.push({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: meta(`${app}-x7k2p`, namespace, {
      labels: {
        'kubernetes.io/service-name': app,
        'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
      },
      generateName: `${app}-`,
    }),
    addressType: 'IPv4',
    endpoints: pods.map((ip, i) => ({
      addresses: [ip],
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: `worker-${i % 3}`,
      targetRef: { kind: 'Pod', namespace, name: `${app}-pod-${i}`, uid: uid() },
    })),
    ports: [
      {
        name: portName,
        port: typeof targetPort === 'number' ? targetPort : port,
        protocol: 'TCP',
        ...(appProtocol ? { appProtocol } : {}),
      },
    ],
  });
}

const apps = [
  ['bookinfo', 'productpage', ['v1'], 9080, true],
  ['bookinfo', 'details', ['v1'], 9080, true],
  ['bookinfo', 'reviews', ['v1', 'v2', 'v3'], 9080, true],
  ['bookinfo', 'ratings', ['v1'], 9080, true],
  ['payments', 'ledger', ['v1', 'v2'], 8080, true],
  ['payments', 'fraud-check', ['v1'], 8443, true],
  ['payments', 'card-vault', ['v1'], 5432, true],
  ['legacy', 'mainframe-adapter', ['v1'], 7000, false],
  ['legacy', 'batch-reports', [undefined], 8081, false],
  ['monitoring', 'prometheus', [undefined], 9090, false],
  ['monitoring', 'grafana', [undefined], 3000, false],
];
for (const [namespace, app, versions, port, injected] of apps) {
  const pods = [];
  for (const version of versions) pods.push(...workload({ namespace, app, version, replicas: 2, port, injected }).pods);
  service({
    namespace,
    app,
    port,
    targetPort: port,
    portName: port === 5432 ? 'tcp-postgres' : port === 8443 ? 'https' : 'http',
    pods,
  });
}
// A StatefulSet with a headless Service.
const redis = workload({
  namespace: 'payments',
  app: 'redis',
  replicas: 3,
  port: 6379,
  injected: true,
  kind: 'StatefulSet',
});
service({
  namespace: 'payments',
  app: 'redis',
  port: 6379,
  targetPort: 6379,
  portName: 'tcp-redis',
  headless: true,
  pods: redis.pods,
});
// Gateways.
for (const gw of ['ingressgateway', 'egressgateway']) {
  const app = `istio-${gw}`;
  const w = workload({ namespace: 'istio-system', app, replicas: 2, port: 8080, injected: true, gateway: true });
  service({ namespace: 'istio-system', app, port: 80, targetPort: 8080, portName: 'http2', pods: w.pods });
}
const istiod = workload({ namespace: 'istio-system', app: 'istiod', replicas: 1, port: 15010, injected: false });
service({
  namespace: 'istio-system',
  app: 'istiod',
  port: 15012,
  targetPort: 15012,
  portName: 'https-dns',
  pods: istiod.pods,
});
const dns = workload({ namespace: 'kube-system', app: 'coredns', replicas: 2, port: 53, injected: false });
service({ namespace: 'kube-system', app: 'kube-dns', port: 53, targetPort: 53, portName: 'dns-tcp', pods: dns.pods });

// Team namespaces: the bulk of a real export.
for (let t = 0; t < 6; t++) {
  const namespace = `team-${'abcdef'[t]}`;
  items.push({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: meta(namespace, undefined, {
      labels: { 'kubernetes.io/metadata.name': namespace, 'istio-injection': 'enabled' },
    }),
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  });
  for (const app of ['api', 'worker', 'web', 'cache']) {
    const w = workload({
      namespace,
      app,
      version: 'v1',
      replicas: 2,
      port: app === 'cache' ? 6379 : 8080,
      injected: true,
    });
    service({
      namespace,
      app,
      port: app === 'cache' ? 6379 : 80,
      targetPort: app === 'cache' ? 6379 : 8080,
      portName: app === 'cache' ? 'tcp-redis' : 'http-web',
      pods: w.pods,
      appProtocol: app === 'web' ? 'http' : undefined,
    });
  }
}

const securityKind = (kind) => kind.endsWith('Authentication') || kind === 'AuthorizationPolicy';
const istio = (kind, name, namespace, spec, version = 'v1') =>
  items.push({
    apiVersion: `${securityKind(kind) ? 'security' : 'networking'}.istio.io/${version}`,
    kind,
    metadata: meta(name, namespace, { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } }),
    spec,
  });
istio('Gateway', 'bookinfo-gateway', 'bookinfo', {
  selector: { istio: 'ingressgateway' },
  servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['bookinfo.example.com'] }],
});
istio('VirtualService', 'bookinfo', 'bookinfo', {
  hosts: ['bookinfo.example.com'],
  gateways: ['bookinfo-gateway'],
  http: [
    {
      match: [{ uri: { exact: '/productpage' } }, { uri: { prefix: '/static' } }],
      route: [{ destination: { host: 'productpage', port: { number: 9080 } } }],
    },
  ],
});
istio(
  'VirtualService',
  'reviews',
  'bookinfo',
  {
    hosts: ['reviews'],
    http: [
      {
        match: [{ headers: { 'end-user': { exact: 'jason' } } }],
        route: [{ destination: { host: 'reviews', subset: 'v2' } }],
      },
      {
        route: [
          { destination: { host: 'reviews', subset: 'v1' }, weight: 80 },
          { destination: { host: 'reviews', subset: 'v3' }, weight: 20 },
        ],
      },
    ],
  },
  'v1beta1',
);
istio(
  'DestinationRule',
  'reviews',
  'bookinfo',
  { host: 'reviews', subsets: ['v1', 'v2', 'v3'].map((v) => ({ name: v, labels: { version: v } })) },
  'v1alpha3',
);
istio('DestinationRule', 'ledger', 'payments', {
  host: 'ledger.payments.svc.cluster.local',
  trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' }, connectionPool: { tcp: { maxConnections: 100 } } },
  subsets: [
    { name: 'v1', labels: { version: 'v1' } },
    { name: 'v2', labels: { version: 'v2' } },
  ],
});
istio('ServiceEntry', 'stripe', 'payments', {
  hosts: ['api.stripe.com'],
  location: 'MESH_EXTERNAL',
  resolution: 'DNS',
  ports: [{ number: 443, name: 'tls', protocol: 'TLS' }],
});
istio(
  'ServiceEntry',
  'corp-db',
  'payments',
  {
    hosts: ['db.corp.internal'],
    addresses: ['192.168.40.0/24'],
    location: 'MESH_EXTERNAL',
    resolution: 'NONE',
    ports: [{ number: 5432, name: 'tcp', protocol: 'TCP' }],
  },
  'v1beta1',
);
istio('Sidecar', 'default', 'payments', {
  egress: [{ hosts: ['./*', 'istio-system/*'] }],
  outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
});
istio('PeerAuthentication', 'default', 'istio-system', { mtls: { mode: 'STRICT' } });
istio('PeerAuthentication', 'legacy-permissive', 'legacy', { mtls: { mode: 'PERMISSIVE' } }, 'v1beta1');
istio('AuthorizationPolicy', 'ledger-callers', 'payments', {
  selector: { matchLabels: { app: 'ledger' } },
  action: 'ALLOW',
  rules: [
    {
      from: [{ source: { principals: ['cluster.local/ns/payments/sa/fraud-check'] } }],
      to: [{ operation: { methods: ['GET', 'POST'] } }],
    },
  ],
});
items.push({
  apiVersion: 'networking.istio.io/v1alpha3',
  kind: 'EnvoyFilter',
  metadata: meta('lua-header', 'istio-system'),
  spec: { configPatches: [] },
});
items.push({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: meta('istio-ca-secret', 'istio-system'),
  type: 'istio.io/ca-root',
  data: { 'ca-cert.pem': 'LS0tLS1CRUdJTg==' },
});
items.push({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: meta('kube-root-ca.crt', 'bookinfo'),
  data: { 'ca.crt': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' },
});
items.push({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: meta('grafana', 'monitoring', { annotations: { 'kubernetes.io/ingress.class': 'istio' } }),
  spec: {
    rules: [
      {
        host: 'grafana.example.com',
        http: {
          paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'grafana', port: { number: 3000 } } } }],
        },
      },
    ],
  },
});
items.push({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: meta('productpage', 'bookinfo'),
  spec: {
    minReplicas: 1,
    maxReplicas: 5,
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'productpage-v1' },
  },
});

const header =
  '# Generated by scripts/generate-realistic-export.mjs: a kubectl get -A -o yaml style export ' +
  `(${items.length} objects).\n`;
const list = { apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } };
const text = `${header}${dump(list, { lineWidth: 160, noRefs: true })}`;
writeFileSync(new URL('../fixtures/exports/realistic-cluster.yaml', import.meta.url), text);
console.log(`wrote ${items.length} objects`);
