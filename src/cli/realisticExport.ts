// Realistic `kubectl get -A -o yaml` exports, the one generator behind the benchmark, the large-input tests (unit and
// browser) and fixtures/exports/realistic-cluster.yaml (written by scripts/generate-realistic-export.mjs): Namespaces,
// workloads with their ReplicaSets and Pods (injected istio-proxy and istio-init containers, status, ownerReferences,
// managedFields), ServiceAccounts, Services, EndpointSlices and Istio config, about 1.4 KB an object. Deterministic:
// the same call gives the same text.
import { dump } from 'js-yaml';

type Item = Record<string, unknown> & { kind: string; metadata: Record<string, unknown> };

const CREATED = '2026-10-02T09:14:27Z';

/** The istio-iptables arguments of an injected istio-init container. */
const IPTABLES = 'istio-iptables -p 15001 -z 15006 -u 1337 -m REDIRECT -i * -x  -b * -d 15090,15021,15020'.split(' ');

export interface WorkloadSpec {
  namespace: string;
  app: string;
  version?: string | undefined;
  replicas: number;
  port: number;
  injected: boolean;
  gateway?: boolean;
  kind?: 'Deployment' | 'StatefulSet';
}

export interface ServiceSpec {
  namespace: string;
  app: string;
  port: number;
  targetPort: number;
  portName: string;
  headless?: boolean;
  /** The pod IPs its EndpointSlice lists. */
  pods: readonly string[];
  appProtocol?: string | undefined;
}

/** Objects as kubectl dumps them, with uids, resource versions and addresses handed out in order. */
export class ExportBuilder {
  readonly items: Item[] = [];
  private counter = 0;
  private podIp = 0;
  private serviceIp = 0;
  private readonly serviceAccounts = new Set<string>();

  uid(): string {
    const n = ++this.counter;
    return `6f1c${n.toString(16).padStart(4, '0')}-2b7e-4c1d-9a3f-${n.toString(16).padStart(12, '0')}`;
  }

  meta(name: string, namespace: string | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      name,
      ...(namespace ? { namespace } : {}),
      uid: this.uid(),
      resourceVersion: String(100000 + this.counter),
      creationTimestamp: CREATED,
      ...extra,
      managedFields: [
        {
          apiVersion: 'v1',
          fieldsType: 'FieldsV1',
          manager: 'kubectl-client-side-apply',
          operation: 'Update',
          time: CREATED,
          fieldsV1: { 'f:metadata': { 'f:labels': { '.': {} } } },
        },
      ],
    };
  }

  nextPodIp(): string {
    const n = this.podIp++;
    return `10.244.${1 + Math.floor(n / 250)}.${2 + (n % 250)}`;
  }

  nextServiceIp(): string {
    const n = this.serviceIp++;
    return `10.96.${10 + Math.floor(n / 250)}.${1 + (n % 250)}`;
  }

  namespace(name: string, labels: Record<string, string>): void {
    this.items.push({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: this.meta(name, undefined, { labels: { 'kubernetes.io/metadata.name': name, ...labels } }),
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  }

  /** A Deployment (with its ReplicaSet) or StatefulSet, its pods and its ServiceAccount; returns the pods' IPs. */
  workload({ namespace, app, version, replicas, port, injected, gateway, kind = 'Deployment' }: WorkloadSpec): {
    labels: Record<string, string>;
    pods: string[];
    podNames: string[];
    name: string;
  } {
    const items = this.items;
    const name = version ? `${app}-${version}` : app;
    // Istio's gateway charts label their pods istio: <name> as well, which Gateway selectors use.
    const labels: Record<string, string> = {
      app,
      ...(version ? { version } : {}),
      ...(gateway ? { istio: app.replace(/^istio-/, '') } : {}),
    };
    const hash = `${(app.length * 7919 + (version ?? '').length * 104729).toString(36).slice(0, 5)}d9f${replicas}`
      .slice(0, 10)
      .replace(/[aeiou01]/g, 'x');
    const podLabels: Record<string, string> = {
      ...labels,
      'pod-template-hash': hash,
      ...(injected
        ? { ...(gateway ? {} : { 'security.istio.io/tlsMode': 'istio' }), 'service.istio.io/canonical-name': app }
        : {}),
    };
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
    const deploymentMeta = this.meta(name, namespace, {
      labels,
      annotations: { 'deployment.kubernetes.io/revision': '3' },
      generation: 3,
    });
    items.push({
      apiVersion: 'apps/v1',
      kind,
      metadata: deploymentMeta,
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
    });
    if (kind === 'Deployment') {
      items.push({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: this.meta(`${name}-${hash}`, namespace, {
          labels: { ...labels, 'pod-template-hash': hash },
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              name,
              uid: deploymentMeta.uid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        }),
        spec: {
          replicas,
          selector: { matchLabels: { ...labels, 'pod-template-hash': hash } },
          template: {
            ...template,
            metadata: { ...template.metadata, labels: { ...labels, 'pod-template-hash': hash } },
          },
        },
        status: { replicas, readyReplicas: replicas, availableReplicas: replicas },
      });
    }
    const pods: string[] = [];
    const podNames: string[] = [];
    for (let i = 0; i < replicas; i++) {
      const podName =
        kind === 'StatefulSet' ? `${name}-${i}` : `${name}-${hash}-${'bcdfg'[i % 5]}${'hjklm'[(i * 3) % 5]}x${i}z`;
      const ip = this.nextPodIp();
      const containers: unknown[] = [container];
      const annotations: Record<string, string> = { 'kubectl.kubernetes.io/default-container': app };
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
      podNames.push(podName);
      items.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: this.meta(podName, namespace, {
          labels: podLabels,
          annotations,
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: kind === 'Deployment' ? 'ReplicaSet' : kind,
              name: kind === 'Deployment' ? `${name}-${hash}` : name,
              uid: this.uid(),
              controller: true,
            },
          ],
        }),
        spec: {
          ...template.spec,
          containers,
          ...(injected
            ? { initContainers: [{ name: 'istio-init', image: 'docker.io/istio/proxyv2:1.28.0', args: IPTABLES }] }
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
          startTime: CREATED,
          conditions: [
            { type: 'Initialized', status: 'True', lastTransitionTime: CREATED },
            // One pod of ratings is not ready, as in a cluster mid-rollout.
            { type: 'Ready', status: i === 0 && app === 'ratings' ? 'False' : 'True', lastTransitionTime: CREATED },
            { type: 'ContainersReady', status: 'True', lastTransitionTime: CREATED },
            { type: 'PodScheduled', status: 'True', lastTransitionTime: CREATED },
          ],
          containerStatuses: containers.map((c) => {
            const { name: containerName, image } = c as { name: string; image: string };
            return {
              name: containerName,
              ready: true,
              restartCount: 0,
              image,
              started: true,
              state: { running: { startedAt: CREATED } },
            };
          }),
        },
      });
    }
    if (!this.serviceAccounts.has(`${namespace}/${app}`)) {
      this.serviceAccounts.add(`${namespace}/${app}`);
      items.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: this.meta(app, namespace) });
    }
    return { labels, pods, podNames, name };
  }

  /** A Service selecting `app: <app>` and the EndpointSlice of its pods. */
  service({ namespace, app, port, targetPort, portName, headless, pods, appProtocol }: ServiceSpec): void {
    const clusterIP = headless ? 'None' : this.nextServiceIp();
    this.items.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: this.meta(app, namespace, { labels: { app, service: app } }),
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
    this.items.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: this.meta(`${app}-x7k2p`, namespace, {
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
        targetRef: { kind: 'Pod', namespace, name: `${app}-pod-${i}`, uid: this.uid() },
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

  /** Istio config of `kind` (networking.istio.io, or security.istio.io for the policies). */
  istio(kind: string, name: string, namespace: string, spec: unknown, version = 'v1'): void {
    const security = kind.endsWith('Authentication') || kind === 'AuthorizationPolicy';
    this.items.push({
      apiVersion: `${security ? 'security' : 'networking'}.istio.io/${version}`,
      kind,
      metadata: this.meta(name, namespace, {
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
      }),
      spec,
    });
  }
}

/** One object as YAML, without `---`. */
function yamlOf(item: unknown): string {
  return dump(item, { lineWidth: 160, noRefs: true }).trimEnd();
}

const APPS_PER_NAMESPACE = 20;

/**
 * The objects of an export of `count` objects, each as one YAML document (no `---`): namespaces `team-0`, `team-1`, ...
 * each with a Sidecar, and apps `app-0` ... `app-19`, each a Deployment with its ReplicaSet, two injected pods, a
 * ServiceAccount, a Service and its EndpointSlice, a VirtualService (requests with `end-user: jason` go to subset v1),
 * a DestinationRule; every fifth app also a ServiceEntry for an external API that every namespace declares.
 */
export function realisticObjects(count: number): string[] {
  return teamExport(count).objects;
}

/** What a test or the benchmark needs to know of a generated export to ask about it. */
export interface ClusterExport {
  /** The whole export, one document per object. */
  text: string;
  objects: number;
  namespaces: string[];
  /** A pod with a sidecar to trace from (`namespace/name`), and a Service host it can reach. */
  sourcePod: string;
  serviceHost: (namespace: string, app: string) => string;
  apps: readonly string[];
}

export function generateClusterExport(count: number): ClusterExport {
  const { objects, namespaces, sourcePod, apps } = teamExport(count);
  return {
    text: exportAsDocuments(objects),
    objects: objects.length,
    namespaces,
    sourcePod,
    serviceHost: (namespace, app) => `${app}.${namespace}.svc.cluster.local`,
    apps,
  };
}

function teamExport(count: number): { objects: string[]; namespaces: string[]; sourcePod: string; apps: string[] } {
  const b = new ExportBuilder();
  const apps = Array.from({ length: APPS_PER_NAMESPACE }, (_, a) => `app-${a}`);
  const namespaces: string[] = [];
  let sourcePod = '';
  for (let n = 0; b.items.length < count; n++) {
    const namespace = `team-${n}`;
    namespaces.push(namespace);
    b.namespace(namespace, { 'istio-injection': 'enabled' });
    b.istio('Sidecar', 'default', namespace, {
      egress: [{ hosts: ['./*', 'istio-system/*', `team-${Math.max(0, n - 1)}/*`] }],
    });
    for (const [a, app] of apps.entries()) {
      if (b.items.length >= count) break;
      const workload = b.workload({ namespace, app, version: 'v1', replicas: 2, port: 8080, injected: true });
      sourcePod ||= `${namespace}/${workload.podNames[0] ?? ''}`;
      b.service({ namespace, app, port: 80, targetPort: 8080, portName: 'http', pods: workload.pods });
      // Named apart from the app, as teams often do (a search for the app finds its Service, not this).
      b.istio('VirtualService', `routes-${a}`, namespace, {
        hosts: [app],
        http: [
          {
            match: [{ headers: { 'end-user': { exact: 'jason' } } }],
            route: [{ destination: { host: app, subset: 'v1' } }],
          },
          { route: [{ destination: { host: `${app}.${namespace}.svc.cluster.local` }, weight: 100 }] },
        ],
      });
      b.istio('DestinationRule', app, namespace, {
        host: app,
        subsets: [{ name: 'v1', labels: { version: 'v1' } }],
        trafficPolicy: { connectionPool: { http: { http1MaxPendingRequests: 100 } } },
      });
      if (a % 5 === 4)
        b.istio('ServiceEntry', `external-${a}`, namespace, {
          hosts: [`api-${a}.example.com`],
          location: 'MESH_EXTERNAL',
          ports: [{ name: 'https', number: 443, protocol: 'TLS' }],
          resolution: 'DNS',
        });
    }
  }
  const objects = b.items.slice(0, count).map(yamlOf);
  return { objects, namespaces, sourcePod, apps };
}

/** One document per object, separated by `---`, as `kubectl get ... -o yaml` of several kinds prints them. */
export function exportAsDocuments(objects: readonly string[]): string {
  return `${objects.join('\n---\n')}\n`;
}

/** One `kind: List` document, as `kubectl get -A -o yaml` prints it. */
export function exportAsList(objects: readonly string[]): string {
  const items = objects.map((object) => `- ${object.replaceAll('\n', '\n  ')}`);
  return `apiVersion: v1\nitems:\n${items.join('\n')}\nkind: List\nmetadata:\n  resourceVersion: ""\n`;
}

/**
 * fixtures/exports/realistic-cluster.yaml: a few hundred objects of a mesh with some of everything (bookinfo with
 * versions and a gateway, payments with a StatefulSet, policies and ServiceEntries, a namespace with injection
 * disabled, kube-system, an Ingress, objects Meshpath only lists), as one `kind: List`.
 */
export function fixtureClusterExport(): string {
  const b = new ExportBuilder();
  const items = b.items;
  const meta = b.meta.bind(b);
  const workload = b.workload.bind(b);
  const service = b.service.bind(b);
  const istio = b.istio.bind(b);
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
  const apps: Array<[string, string, Array<string | undefined>, number, boolean]> = [
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
    const pods: string[] = [];
    for (const version of versions)
      pods.push(...workload({ namespace, app, version, replicas: 2, port, injected }).pods);
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
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'grafana', port: { number: 3000 } } } },
            ],
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
  return `${header}${dump(list, { lineWidth: 160, noRefs: true })}`;
}
