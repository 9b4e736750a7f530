import { dump } from 'js-yaml';

/**
 * A `kubectl get -A -o yaml`-style export of about `objects` objects, one YAML document each (about 1.4 KB per object):
 * namespaces of teams, each app a Deployment, a ReplicaSet, two Pods with injected istio-proxy containers, a
 * ServiceAccount, a Service and an EndpointSlice, with managedFields and status; a VirtualService, a DestinationRule,
 * a ServiceEntry and a Sidecar per namespace. Deterministic, so that runs compare.
 */
export interface ClusterExport {
  text: string;
  objects: number;
  namespaces: string[];
  /** A pod with a sidecar to trace from (`namespace/name`), and a Service host it can reach. */
  sourcePod: string;
  serviceHost: (namespace: string, app: string) => string;
  apps: readonly string[];
}

const APPS_PER_NAMESPACE = 10;
const CREATED = '2026-10-02T09:14:27Z';

export function generateClusterExport(objects: number): ClusterExport {
  const docs: unknown[] = [];
  let counter = 0;
  const uid = () =>
    `6f1c${(++counter).toString(16).padStart(4, '0')}-2b7e-4c1d-9a3f-${counter.toString(16).padStart(12, '0')}`;
  const meta = (name: string, namespace: string | undefined, extra: Record<string, unknown> = {}) => ({
    name,
    ...(namespace ? { namespace } : {}),
    uid: uid(),
    resourceVersion: String(100000 + counter),
    creationTimestamp: CREATED,
    ...extra,
    managedFields: [
      {
        apiVersion: 'v1',
        fieldsType: 'FieldsV1',
        manager: 'kube-controller-manager',
        operation: 'Update',
        time: CREATED,
        fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': {} },
      },
    ],
  });
  const apps = Array.from({ length: APPS_PER_NAMESPACE }, (_, i) => `app-${i}`);
  const namespaces: string[] = [];
  let podIp = 0;
  let serviceIp = 0;
  const nextPodIp = () => `10.244.${Math.floor(podIp / 250)}.${2 + (podIp++ % 250)}`;
  const nextServiceIp = () => `10.96.${Math.floor(serviceIp / 250)}.${1 + (serviceIp++ % 250)}`;

  for (let n = 0; docs.length < objects; n++) {
    const namespace = `team-${n}`;
    namespaces.push(namespace);
    docs.push({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: meta(namespace, undefined, {
        labels: { 'kubernetes.io/metadata.name': namespace, 'istio-injection': 'enabled' },
      }),
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
    for (const app of apps) {
      if (docs.length >= objects) break;
      const labels = { app, version: 'v1' };
      const container = {
        name: app,
        image: `registry.example.com/${namespace}/${app}:1.4.2`,
        ports: [{ containerPort: 8080, protocol: 'TCP', name: 'http' }],
        resources: { requests: { cpu: '100m', memory: '128Mi' } },
      };
      const template = { metadata: { labels }, spec: { serviceAccountName: app, containers: [container] } };
      const lastApplied = JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: app, namespace },
        spec: { template },
      });
      const deployment = meta(app, namespace, {
        labels,
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied },
        generation: 2,
      });
      docs.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: deployment,
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template,
        },
        status: { replicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 2 },
      });
      const replicaSet = `${app}-7d9f8c6b5`;
      docs.push({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: meta(replicaSet, namespace, {
          labels: { ...labels, 'pod-template-hash': '7d9f8c6b5' },
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: 'Deployment', name: app, uid: deployment.uid, controller: true },
          ],
        }),
        spec: { replicas: 2, selector: { matchLabels: { ...labels, 'pod-template-hash': '7d9f8c6b5' } } },
        status: { replicas: 2, readyReplicas: 2 },
      });
      const ips: string[] = [];
      for (let r = 0; r < 2; r++) {
        const ip = nextPodIp();
        ips.push(ip);
        docs.push({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: meta(`${replicaSet}-x${r}k2p`, namespace, {
            labels: { ...labels, 'pod-template-hash': '7d9f8c6b5', 'security.istio.io/tlsMode': 'istio' },
            annotations: {
              'sidecar.istio.io/status':
                '{"initContainers":["istio-init"],"containers":["istio-proxy"],"revision":"default"}',
            },
            ownerReferences: [
              { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: replicaSet, uid: uid(), controller: true },
            ],
          }),
          spec: {
            serviceAccountName: app,
            containers: [
              container,
              {
                name: 'istio-proxy',
                image: 'docker.io/istio/proxyv2:1.28.0',
                args: ['proxy', 'sidecar', '--domain', `${namespace}.svc.cluster.local`],
                env: [{ name: 'ISTIO_META_WORKLOAD_NAME', value: app }],
                ports: [{ containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' }],
              },
            ],
            nodeName: `worker-${r}`,
          },
          status: {
            phase: 'Running',
            podIP: ip,
            podIPs: [{ ip }],
            conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: CREATED }],
            containerStatuses: [app, 'istio-proxy'].map((name) => ({
              name,
              ready: true,
              restartCount: 0,
              started: true,
              state: { running: { startedAt: CREATED } },
            })),
          },
        });
      }
      docs.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(app, namespace) });
      const clusterIP = nextServiceIp();
      docs.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta(app, namespace, { labels: { app } }),
        spec: {
          clusterIP,
          clusterIPs: [clusterIP],
          ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }],
          selector: { app },
          type: 'ClusterIP',
        },
        status: { loadBalancer: {} },
      });
      docs.push({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: meta(`${app}-abcde`, namespace, { labels: { 'kubernetes.io/service-name': app } }),
        addressType: 'IPv4',
        endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      });
    }
    const istio = (kind: string, name: string, spec: unknown) =>
      docs.push({ apiVersion: 'networking.istio.io/v1', kind, metadata: meta(name, namespace), spec });
    istio('VirtualService', 'app-0', {
      hosts: ['app-0'],
      http: [
        { match: [{ uri: { prefix: '/v2' } }], route: [{ destination: { host: 'app-1' } }] },
        { route: [{ destination: { host: 'app-0' } }] },
      ],
    });
    istio('DestinationRule', 'app-0', { host: 'app-0', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } });
    istio('ServiceEntry', 'partner', {
      hosts: [`partner-${n}.example.com`],
      location: 'MESH_EXTERNAL',
      resolution: 'DNS',
      ports: [{ number: 443, name: 'tls', protocol: 'TLS' }],
    });
    istio('Sidecar', 'default', { egress: [{ hosts: ['./*', 'istio-system/*', 'team-0/*'] }] });
  }
  const text = docs.map((doc) => dump(doc, { lineWidth: 160, noRefs: true })).join('---\n');
  return {
    text,
    objects: docs.length,
    namespaces,
    sourcePod: `team-0/app-0-7d9f8c6b5-x0k2p`,
    serviceHost: (namespace, app) => `${app}.${namespace}.svc.cluster.local`,
    apps,
  };
}
