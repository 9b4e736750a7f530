import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze } from '../index.ts';

const demo = readFileSync(new URL('../../../fixtures/scenarios/demo/manifests.yaml', import.meta.url), 'utf8');

const edgesOf = (text: string): string[] =>
  analyze([{ name: 'test.yaml', text }]).objectGraph.edges.map((e) => `${e.source} ${e.relation} ${e.target}`);

describe('buildObjectGraph', () => {
  it('puts each demo object in its namespace and links Services to the workloads they select', () => {
    const { objectGraph } = analyze([{ name: 'demo.yaml', text: demo }]);
    const byId = new Map(objectGraph.nodes.map((n) => [n.id, n]));
    expect(byId.get('Deployment/application/helloworld-v1')?.parent).toBe('Namespace//application');
    expect(byId.get('ServiceEntry/application/google')?.parent).toBe('Namespace//application');
    expect(byId.get('Service/istio-system/istio-egressgateway')?.parent).toBe('Namespace//istio-system');
    // ServiceAccounts and the mesh ConfigMap are not drawn.
    expect(byId.has('ServiceAccount/application/sleep')).toBe(false);
    expect(objectGraph.edges.map((e) => `${e.source} ${e.relation} ${e.target}`).sort()).toEqual([
      'Service/application/dest-svc-v1 selects Deployment/application/helloworld-v1',
      'Service/application/sleep selects Deployment/application/sleep',
      'Service/istio-system/istio-egressgateway selects Deployment/istio-system/istio-egressgateway',
      'Service/istio-system/istio-ingressgateway selects Deployment/istio-system/istio-ingressgateway',
    ]);
  });

  it('links a VirtualService to its gateway and route hosts, a DestinationRule to its host, a Gateway to pods', () => {
    const text = `
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: bookinfo}
spec:
  selector: {app: reviews}
  ports: [{port: 9080, name: http}]
---
apiVersion: v1
kind: Pod
metadata: {name: reviews-1, namespace: bookinfo, labels: {app: reviews, version: v1}}
spec: {containers: [{name: app, image: reviews}]}
---
apiVersion: v1
kind: Pod
metadata: {name: gw-1, namespace: istio-system, labels: {istio: ingressgateway}}
spec: {containers: [{name: istio-proxy, image: proxyv2}]}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: bookinfo}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: bookinfo}
spec:
  hosts: [reviews]
  gateways: [public, mesh]
  http:
  - route:
    - destination: {host: reviews.bookinfo.svc.cluster.local, subset: v1}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: other}
spec:
  host: reviews.bookinfo.svc.cluster.local
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews-short, namespace: other}
spec:
  host: reviews.bookinfo
`;
    // reviews.bookinfo has a dot, so istiod leaves it as it is (ResolveShortnameToFQDN): it names no Service.
    expect(edgesOf(text).sort()).toEqual([
      'DestinationRule/other/reviews configures Service/bookinfo/reviews',
      'Gateway/bookinfo/public runs-on Pod/istio-system/gw-1',
      'Service/bookinfo/reviews selects Pod/bookinfo/reviews-1',
      'VirtualService/bookinfo/reviews binds-gateway Gateway/bookinfo/public',
      'VirtualService/bookinfo/reviews routes-to Service/bookinfo/reviews',
    ]);
  });

  it('does not link a Service to pods of another namespace or with different labels', () => {
    const text = `
apiVersion: v1
kind: Service
metadata: {name: a, namespace: one}
spec: {selector: {app: a}}
---
apiVersion: v1
kind: Pod
metadata: {name: a-other-ns, namespace: two, labels: {app: a}}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: one, labels: {app: b}}
`;
    expect(edgesOf(text)).toEqual([]);
  });

  it('keeps the later of two objects with the same identity, as the mesh model does', () => {
    const text = `apiVersion: v1
kind: Service
metadata: {name: a, namespace: one}
spec: {selector: {app: old}}
---
apiVersion: v1
kind: Service
metadata: {name: a, namespace: one}
spec: {selector: {app: new}}
---
apiVersion: v1
kind: Pod
metadata: {name: old, namespace: one, labels: {app: old}}
---
apiVersion: v1
kind: Pod
metadata: {name: new, namespace: one, labels: {app: new}}
`;
    const { objectGraph } = analyze([{ name: 'test.yaml', text }]);
    expect(objectGraph.nodes.find((n) => n.id === 'Service/one/a')?.objectIndex).toBe(1);
    expect(objectGraph.edges.map((e) => `${e.source} ${e.relation} ${e.target}`)).toEqual([
      'Service/one/a selects Pod/one/new',
    ]);
  });

  it('applies matchExpressions of a workload selector', () => {
    const text = `apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web, namespace: one}
spec:
  selector:
    matchLabels: {app: web}
    matchExpressions: [{key: track, operator: In, values: [stable]}]
  template: {metadata: {labels: {app: web, track: stable}}, spec: {containers: [{name: web, image: web}]}}
---
apiVersion: v1
kind: Pod
metadata: {name: web-stable, namespace: one, labels: {app: web, track: stable}}
---
apiVersion: v1
kind: Pod
metadata: {name: web-canary, namespace: one, labels: {app: web, track: canary}}
`;
    expect(edgesOf(text)).toEqual(['ReplicaSet/one/web manages Pod/one/web-stable']);
  });
});

describe('buildObjectGraph from the facts the parser keeps', () => {
  const relations = (text: string, clusterDomain?: string): string[] =>
    analyze([{ name: 'test.yaml', text }], clusterDomain ? { clusterDomain } : {})
      .objectGraph.edges.map((e) => `${e.source} ${e.relation} ${e.target}`)
      .sort();

  const service = (name: string, namespace: string, app = name) =>
    `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: ${namespace}}\n` +
    `spec: {selector: {app: ${app}}}\n`;

  it('expands short hosts and Gateway API backends with the cluster domain it is told', () => {
    const text = [
      service('reviews', 'bookinfo'),
      `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: short, namespace: bookinfo}
spec: {host: reviews}
`,
      `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: long, namespace: other}
spec: {host: reviews.bookinfo.svc.corp.example}
`,
      `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: bookinfo}
spec: {rules: [{backendRefs: [{name: reviews, port: 9080}]}]}
`,
    ].join('---\n');
    expect(relations(text, 'corp.example')).toEqual([
      'DestinationRule/bookinfo/short configures Service/bookinfo/reviews',
      'DestinationRule/other/long configures Service/bookinfo/reviews',
      'HTTPRoute/bookinfo/web routes-to Service/bookinfo/reviews',
    ]);
    // With the default domain the long name is another host.
    expect(relations(text)).toEqual([
      'DestinationRule/bookinfo/short configures Service/bookinfo/reviews',
      'HTTPRoute/bookinfo/web routes-to Service/bookinfo/reviews',
    ]);
  });

  it('gives a host to its Service before any ServiceEntry, and to the first ServiceEntry otherwise', () => {
    const entry = (name: string, hosts: string) =>
      `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: ${name}, namespace: one}\n` +
      `spec: {hosts: [${hosts}]}\n`;
    const rule = (name: string, host: string) =>
      `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: ${name}, namespace: one}\n` +
      `spec: {host: ${host}}\n`;
    const text = [
      entry('first', 'a.one.svc.cluster.local, api.example.com'),
      entry('second', 'api.example.com'),
      service('a', 'one'),
      rule('to-a', 'a'),
      rule('to-api', 'api.example.com'),
    ].join('---\n');
    expect(relations(text)).toEqual([
      'DestinationRule/one/to-a configures Service/one/a',
      'DestinationRule/one/to-api configures ServiceEntry/one/first',
    ]);
  });

  it('draws one node for an id two API groups share, and makes each of its edges once', () => {
    const deployment = (apiVersion: string) =>
      `apiVersion: ${apiVersion}\nkind: Deployment\nmetadata: {name: web, namespace: one}\n` +
      `spec: {selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}}}\n`;
    const text = [
      `apiVersion: v1\nkind: Pod\nmetadata: {name: web-1, namespace: one, labels: {app: web}}\n`,
      // Both read as Deployment/one/web, and both manage the pod.
      deployment('apps/v1'),
      deployment('extensions/v1beta1'),
      `apiVersion: v1\nkind: Pod\nmetadata: {name: gw-1, namespace: infra, labels: {istio: ingressgateway}}\n`,
      `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: infra}
spec: {selector: {istio: ingressgateway}}
`,
      `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: public, namespace: infra}
spec: {gatewayClassName: istio, listeners: [{name: http, port: 80, protocol: HTTP}]}
`,
      `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: infra}
spec: {hosts: ["*"], gateways: [public, infra/public]}
`,
    ].join('---\n');
    const { objectGraph } = analyze([{ name: 'test.yaml', text }]);
    expect(objectGraph.nodes.filter((n) => n.id === 'Gateway/infra/public')).toHaveLength(1);
    expect(objectGraph.nodes.filter((n) => n.id === 'Deployment/one/web')).toHaveLength(1);
    expect(objectGraph.edges.map((e) => e.id).sort()).toEqual([
      'Deployment/one/web->Pod/one/web-1:manages',
      'Gateway/infra/public->Pod/infra/gw-1:runs-on',
      'VirtualService/infra/web->Gateway/infra/public:binds-gateway',
    ]);
  });

  it('implies the namespaces no object declares, however many, and still finds the objects read before them', () => {
    const gateway =
      `apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: ns-0}\n` + `spec: {}\n`;
    const route =
      `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: vs, namespace: ns-0}\n` +
      `spec: {gateways: [gw]}\n`;
    const services = Array.from({ length: 80 }, (_, i) => service(`s${i}`, `ns-${i}`, 'web'));
    const text = [gateway, ...services, route].join('---\n');
    const { objectGraph } = analyze([{ name: 'test.yaml', text }]);
    const namespaces = objectGraph.nodes.filter((n) => n.kind === 'Namespace');
    expect(namespaces.map((n) => n.id)).toEqual(Array.from({ length: 80 }, (_, i) => `Namespace//ns-${i}`));
    expect(objectGraph.nodes.filter((n) => n.kind === 'Service').map((n) => n.parent)).toEqual(
      namespaces.map((n) => n.id),
    );
    expect(new Set(objectGraph.nodes.map((n) => n.id)).size).toBe(objectGraph.nodes.length);
    expect(objectGraph.edges.map((e) => e.id)).toEqual(['VirtualService/ns-0/vs->Gateway/ns-0/gw:binds-gateway']);
  });

  it('matches selectors over many label keys, with In, NotIn, Exists and DoesNotExist', () => {
    const keys = Array.from({ length: 12 }, (_, i) => `k${i}`);
    const pod = (name: string, labels: string) =>
      `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: one, labels: {${labels}}}\n`;
    const text = [
      pod('all', keys.map((k) => `${k}: v`).join(', ')),
      pod('some', 'k0: v, k1: w'),
      // One Service per key: past a few keys the index is built for all of them at once.
      ...keys.map((k) => service(`by-${k}`, 'one').replace('{app: by-' + k + '}', `{${k}: v}`)),
      `apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: rs, namespace: one}
spec:
  selector:
    matchExpressions:
    - {key: k1, operator: In, values: [w, x]}
    - {key: k0, operator: Exists}
    - {key: k5, operator: DoesNotExist}
    - {key: k2, operator: NotIn, values: [v]}
`,
    ].join('---\n');
    expect(relations(text)).toEqual(
      [
        ...keys.map((k) => `Service/one/by-${k} selects Pod/one/all`),
        'Service/one/by-k0 selects Pod/one/some',
        'ReplicaSet/one/rs manages Pod/one/some',
      ].sort(),
    );
  });
});
