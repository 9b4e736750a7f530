// `npm run bench`: how long analysis takes on generated meshes of growing size. Prints medians; asserts nothing.
import { analyze, computeProxyConfig, traceRequest } from '../core/index.ts';

function generateMesh(namespaces: number, servicesPerNamespace: number): string {
  const docs: string[] = [];
  for (let n = 0; n < namespaces; n++) {
    const ns = `team-${n}`;
    docs.push(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n  labels:\n    istio-injection: enabled`);
    for (let s = 0; s < servicesPerNamespace; s++) {
      const app = `svc-${s}`;
      docs.push(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${app}-v1
  namespace: ${ns}
spec:
  selector:
    matchLabels: {app: ${app}, version: v1}
  template:
    metadata:
      labels: {app: ${app}, version: v1}
    spec:
      containers:
      - name: app
        image: example/${app}
        ports: [{containerPort: 8080}]`);
      docs.push(`apiVersion: v1
kind: Service
metadata:
  name: ${app}
  namespace: ${ns}
spec:
  selector: {app: ${app}}
  ports:
  - {name: http, port: 80, targetPort: 8080}`);
      docs.push(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${app}
  namespace: ${ns}
spec:
  hosts: [${app}]
  http:
  - match: [{headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: ${app}, subset: v1}}]
  - route: [{destination: {host: ${app}.${ns}.svc.cluster.local, subset: v1}, weight: 100}]`);
      docs.push(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ${app}
  namespace: ${ns}
spec:
  host: ${app}
  subsets: [{name: v1, labels: {version: v1}}]`);
    }
  }
  return `${docs.join('\n---\n')}\n`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const sizes: Array<[number, number]> = [
  [1, 5],
  [5, 10],
  [10, 25],
  [20, 50],
];
console.log(
  'analyze(): parse, validation, mesh model and object graph; proxy-config: registry, sidecar scope and all xDS for one pod;',
);
console.log(
  'trace: one HTTP request from that pod to a service, through its proxy and the destination sidecar (registry and xDS included).',
);
console.log('Medians of 7 runs after 2 warm-ups.');
console.log('namespaces  services  objects    text KiB   analyze ms   proxy-config ms   trace ms');
for (const [namespaces, services] of sizes) {
  const text = generateMesh(namespaces, services);
  const files = [{ name: 'mesh.yaml', text }];
  let objects = 0;
  const times: number[] = [];
  const proxyTimes: number[] = [];
  const traceTimes: number[] = [];
  for (let run = 0; run < 9; run++) {
    const started = performance.now();
    const analysis = analyze(files);
    objects = analysis.objects.length;
    const analyzed = performance.now();
    const pod = analysis.model.pods[0];
    const result = pod ? computeProxyConfig(analysis, `${pod.namespace}/${pod.name}`) : undefined;
    if (result && !result.ok) throw new Error(result.reason);
    const configured = performance.now();
    const traced = pod
      ? traceRequest(analysis, {
          from: `${pod.namespace}/${pod.name}`,
          to: `http://svc-${services - 1}.${pod.namespace}/`,
        })
      : undefined;
    if (traced && !traced.ok) throw new Error(traced.reason);
    if (run >= 2) {
      times.push(analyzed - started);
      proxyTimes.push(configured - analyzed);
      traceTimes.push(performance.now() - configured);
    }
  }
  console.log(
    `${String(namespaces).padStart(10)}  ${String(namespaces * services).padStart(8)}  ${String(objects).padStart(7)}  ${(text.length / 1024).toFixed(0).padStart(9)}  ${median(times).toFixed(1).padStart(11)}  ${median(proxyTimes).toFixed(1).padStart(16)}  ${median(traceTimes).toFixed(1).padStart(9)}`,
  );
}
