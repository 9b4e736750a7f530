// Realistic `kubectl get -A -o yaml` exports for the benchmark and the large-input tests: Namespaces, Deployments with
// their ReplicaSets and Pods (injected istio-proxy and istio-init containers, status, ownerReferences, managedFields),
// ServiceAccounts, Services, EndpointSlices, VirtualServices, DestinationRules, ServiceEntries and Sidecars, about
// 1.4 KB an object. Deterministic: the same count gives the same text.

const CREATED = '2026-10-02T09:14:27Z';
const APPS_PER_NAMESPACE = 20;

function uid(n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `6f1c${hex.slice(-4)}-2b7e-4c1d-9a3f-${hex}`;
}

function metadata(
  name: string,
  namespace: string | undefined,
  serial: number,
  extra: { labels?: Record<string, string>; annotations?: Record<string, string>; owner?: string } = {},
): string {
  const lines = ['metadata:'];
  if (extra.annotations) {
    lines.push('  annotations:');
    for (const [key, value] of Object.entries(extra.annotations)) lines.push(`    ${key}: ${JSON.stringify(value)}`);
  }
  lines.push(`  creationTimestamp: "${CREATED}"`);
  if (extra.labels) {
    lines.push('  labels:');
    for (const [key, value] of Object.entries(extra.labels)) lines.push(`    ${key}: ${value}`);
  }
  lines.push(
    '  managedFields:',
    '  - apiVersion: v1',
    '    fieldsType: FieldsV1',
    '    fieldsV1:',
    '      f:metadata:',
    '        f:labels:',
    '          .: {}',
    '    manager: kube-controller-manager',
    '    operation: Update',
    `    time: "${CREATED}"`,
    `  name: ${name}`,
  );
  if (namespace) lines.push(`  namespace: ${namespace}`);
  if (extra.owner)
    lines.push(
      '  ownerReferences:',
      '  - apiVersion: apps/v1',
      '    blockOwnerDeletion: true',
      '    controller: true',
      `    kind: ${extra.owner.split('/')[0]}`,
      `    name: ${extra.owner.split('/')[1]}`,
      `    uid: ${uid(serial + 1_000_000)}`,
    );
  lines.push(`  resourceVersion: "${100000 + serial}"`, `  uid: ${uid(serial)}`);
  return lines.join('\n');
}

function podSpec(app: string, namespace: string, indent: string, injected: boolean): string {
  const lines = [
    'containers:',
    `- image: docker.io/example/${app}:1.4.2`,
    '  imagePullPolicy: IfNotPresent',
    `  name: ${app}`,
    '  ports:',
    '  - containerPort: 8080',
    '    name: http',
    '    protocol: TCP',
    '  resources:',
    '    requests:',
    '      cpu: 100m',
    '      memory: 128Mi',
  ];
  if (injected)
    lines.push(
      '- args:',
      '  - proxy',
      '  - sidecar',
      '  - --domain',
      `  - ${namespace}.svc.cluster.local`,
      '  - --proxyLogLevel=warning',
      '  env:',
      '  - name: PILOT_CERT_PROVIDER',
      '    value: istiod',
      '  - name: POD_NAME',
      '    valueFrom:',
      '      fieldRef:',
      '        apiVersion: v1',
      '        fieldPath: metadata.name',
      '  - name: ISTIO_META_WORKLOAD_NAME',
      `    value: ${app}`,
      '  image: docker.io/istio/proxyv2:1.28.0',
      '  name: istio-proxy',
      '  ports:',
      '  - containerPort: 15090',
      '    name: http-envoy-prom',
      '    protocol: TCP',
      '  securityContext:',
      '    runAsGroup: 1337',
      '    runAsNonRoot: true',
      '    runAsUser: 1337',
      'initContainers:',
      '- args: [istio-iptables, -p, "15001", -z, "15006", -u, "1337", -m, REDIRECT, -i, "*", -x, "", -b, "*", ' +
        '-d, "15090,15021,15020"]',
      '  image: docker.io/istio/proxyv2:1.28.0',
      '  name: istio-init',
    );
  lines.push('restartPolicy: Always', `serviceAccountName: ${app}`, 'terminationGracePeriodSeconds: 30');
  return lines.map((line) => indent + line).join('\n');
}

/** The objects of an export, each as one YAML document (no `---`), in the order kubectl lists them. */
export function realisticObjects(count: number): string[] {
  const objects: string[] = [];
  let serial = 0;
  for (let n = 0; objects.length < count; n++) {
    const namespace = `team-${n}`;
    objects.push(
      `apiVersion: v1\nkind: Namespace\n${metadata(namespace, undefined, ++serial, {
        labels: { 'istio-injection': 'enabled', 'kubernetes.io/metadata.name': namespace },
      })}\nspec:\n  finalizers:\n  - kubernetes\nstatus:\n  phase: Active`,
      `apiVersion: networking.istio.io/v1\nkind: Sidecar\n${metadata('default', namespace, ++serial)}\nspec:\n` +
        `  egress:\n  - hosts:\n    - ./*\n    - istio-system/*\n    - team-${Math.max(0, n - 1)}/*`,
    );
    for (let a = 0; a < APPS_PER_NAMESPACE && objects.length < count; a++) {
      const app = `svc-${a}`;
      const hash = `7d${(n * 31 + a).toString(36).padStart(4, 'x')}9f`;
      const labels = { app, version: 'v1' };
      objects.push(`apiVersion: v1\nkind: ServiceAccount\n${metadata(app, namespace, ++serial)}`);
      objects.push(
        `apiVersion: apps/v1\nkind: Deployment\n${metadata(`${app}-v1`, namespace, ++serial, {
          labels,
          annotations: { 'deployment.kubernetes.io/revision': '3' },
        })}\nspec:\n  progressDeadlineSeconds: 600\n  replicas: 2\n  revisionHistoryLimit: 10\n  selector:\n` +
          `    matchLabels:\n      app: ${app}\n      version: v1\n  strategy:\n    rollingUpdate:\n` +
          `      maxSurge: 25%\n      maxUnavailable: 25%\n    type: RollingUpdate\n  template:\n    metadata:\n` +
          `      labels:\n        app: ${app}\n        version: v1\n` +
          `    spec:\n${podSpec(app, namespace, '      ', false)}\nstatus:\n  availableReplicas: 2\n` +
          `  observedGeneration: 3\n  readyReplicas: 2\n  replicas: 2`,
      );
      objects.push(
        `apiVersion: apps/v1\nkind: ReplicaSet\n${metadata(`${app}-v1-${hash}`, namespace, ++serial, {
          labels: { ...labels, 'pod-template-hash': hash },
          owner: `Deployment/${app}-v1`,
        })}\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: ${app}\n` +
          `      pod-template-hash: ${hash}\n      version: v1\nstatus:\n  availableReplicas: 2\n` +
          `  readyReplicas: 2\n  replicas: 2`,
      );
      const ips: string[] = [];
      for (let p = 0; p < 2 && objects.length < count; p++) {
        const ip = `10.${16 + (serial >> 16)}.${(serial >> 8) & 255}.${serial & 255}`;
        ips.push(ip);
        objects.push(
          `apiVersion: v1\nkind: Pod\n${metadata(`${app}-v1-${hash}-${'bcdfg'[p]}x${p}z`, namespace, ++serial, {
            labels: {
              ...labels,
              'pod-template-hash': hash,
              'security.istio.io/tlsMode': 'istio',
              'service.istio.io/canonical-name': app,
            },
            annotations: {
              'istio.io/rev': 'default',
              'kubectl.kubernetes.io/default-container': app,
              'prometheus.io/port': '15020',
              'sidecar.istio.io/status':
                '{"initContainers":["istio-init"],"containers":["istio-proxy"],"volumes":["istio-envoy"],"revision":"default"}',
            },
            owner: `ReplicaSet/${app}-v1-${hash}`,
          })}\nspec:\n${podSpec(app, namespace, '  ', true)}\n  nodeName: worker-${p}\nstatus:\n` +
            `  conditions:\n  - lastTransitionTime: "${CREATED}"\n    status: "True"\n    type: Ready\n` +
            `  hostIP: 172.18.0.${2 + p}\n  phase: Running\n  podIP: ${ip}\n  podIPs:\n  - ip: ${ip}\n` +
            `  qosClass: Burstable\n  startTime: "${CREATED}"`,
        );
      }
      const clusterIP = `10.96.${(serial >> 8) & 255}.${serial & 255}`;
      objects.push(
        `apiVersion: v1\nkind: Service\n${metadata(app, namespace, ++serial, { labels: { app } })}\nspec:\n` +
          `  clusterIP: ${clusterIP}\n  clusterIPs:\n  - ${clusterIP}\n  internalTrafficPolicy: Cluster\n` +
          `  ipFamilies:\n  - IPv4\n  ipFamilyPolicy: SingleStack\n  ports:\n  - name: http\n    port: 80\n` +
          `    protocol: TCP\n    targetPort: 8080\n  selector:\n    app: ${app}\n  sessionAffinity: None\n` +
          `  type: ClusterIP\nstatus:\n  loadBalancer: {}`,
      );
      const endpoints = ips
        .map(
          (ip, p) =>
            `- addresses:\n  - ${ip}\n  conditions:\n    ready: true\n    serving: true\n    terminating: false\n` +
            `  nodeName: worker-${p}\n  targetRef:\n    kind: Pod\n    name: ${app}-v1-${hash}-${'bcdfg'[p]}x${p}z\n` +
            `    namespace: ${namespace}`,
        )
        .join('\n');
      const sliceLabels = { labels: { 'kubernetes.io/service-name': app } };
      objects.push(
        `addressType: IPv4\napiVersion: discovery.k8s.io/v1\nendpoints:\n${endpoints}\nkind: EndpointSlice\n` +
          `${metadata(`${app}-x7k2p`, namespace, ++serial, sliceLabels)}\nports:\n- name: http\n  port: 8080\n` +
          `  protocol: TCP`,
      );
      objects.push(
        `apiVersion: networking.istio.io/v1\nkind: VirtualService\n${metadata(app, namespace, ++serial)}\n` +
          `spec:\n  hosts:\n  - ${app}\n  http:\n  - match:\n    - headers:\n        end-user:\n` +
          `          exact: jason\n    route:\n    - destination:\n        host: ${app}\n        subset: v1\n` +
          `  - route:\n    - destination:\n        host: ${app}.${namespace}.svc.cluster.local\n` +
          `        subset: v1\n      weight: 100`,
      );
      objects.push(
        `apiVersion: networking.istio.io/v1\nkind: DestinationRule\n${metadata(app, namespace, ++serial)}\n` +
          `spec:\n  host: ${app}\n  subsets:\n  - labels:\n      version: v1\n    name: v1\n  trafficPolicy:\n` +
          `    connectionPool:\n      http:\n        http1MaxPendingRequests: 100`,
      );
      if (a % 5 === 4)
        objects.push(
          `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n` +
            `${metadata(`external-${a}`, namespace, ++serial)}\nspec:\n  hosts:\n` +
            `  - api-${a}.example.com\n  location: MESH_EXTERNAL\n  ports:\n  - name: https\n    number: 443\n` +
            `    protocol: TLS\n  resolution: DNS`,
        );
    }
  }
  return objects.slice(0, count);
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
