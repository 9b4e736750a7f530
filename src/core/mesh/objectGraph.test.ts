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
