import { describe, expect, it } from 'vitest';
import { analyze } from '../index.ts';

const SERVICE = `apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 8080}, {name: admin, port: 9000}]
---
`;

const ingress = (port: string, extra = '') => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: front, namespace: shop, annotations: {kubernetes.io/ingress.class: istio}}
spec:
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /a, pathType: Prefix, backend: {service: {name: web, port: ${port}}}}
${extra}---
`;

const derived = (text: string, clusterDomain?: string) => {
  const { model } = analyze([{ name: 'i.yaml', text }], clusterDomain === undefined ? undefined : { clusterDomain });
  return { virtualServices: model.istio.get('VirtualService') ?? [], gateways: model.istio.get('Gateway') ?? [] };
};

describe('VirtualServices and Gateways derived from Kubernetes Ingresses (pilot/pkg/config/kube/ingress)', () => {
  it('routes to the backend by its FQDN in the cluster domain', () => {
    expect(derived(SERVICE + ingress('{number: 8080}')).virtualServices[0]?.spec).toMatchObject({
      hosts: ['shop.example.com'],
      http: [
        {
          match: [{ uri: { prefix: '/a' } }],
          route: [{ destination: { host: 'web.shop.svc.cluster.local', port: { number: 8080 } }, weight: 100 }],
        },
      ],
    });
    expect(derived(SERVICE + ingress('{number: 8080}'), 'corp.example').virtualServices[0]?.spec).toMatchObject({
      http: [{ route: [{ destination: { host: 'web.shop.svc.corp.example', port: { number: 8080 } } }] }],
    });
  });

  it("resolves a backend port name through the Service's ports, and drops the path when it names no port", () => {
    expect(derived(SERVICE + ingress('{name: admin}')).virtualServices[0]?.spec).toMatchObject({
      http: [{ route: [{ destination: { host: 'web.shop.svc.cluster.local', port: { number: 9000 } } }] }],
    });
    const unresolved = `      - {path: /b, pathType: Prefix, backend: {service: {name: web, port: {name: nope}}}}
      - {path: /c, pathType: Prefix, backend: {service: {name: missing, port: {name: http}}}}
`;
    const http = derived(SERVICE + ingress('{number: 8080}', unresolved)).virtualServices[0]?.spec['http'];
    expect(http).toEqual([
      {
        match: [{ uri: { prefix: '/a' } }],
        route: [{ destination: { host: 'web.shop.svc.cluster.local', port: { number: 8080 } }, weight: 100 }],
      },
    ]);
  });

  it('selects the gateway by ingressService when ingressSelector is empty, as istiod does', () => {
    const mesh = (lines: string) => `apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |-
${lines}
---
`;
    const selectorOf = (text: string) =>
      derived(text + SERVICE + ingress('{number: 8080}')).gateways[0]?.spec['selector'];
    expect(selectorOf(mesh('    ingressSelector: ""\n    ingressService: my-ingress'))).toEqual({
      istio: 'my-ingress',
    });
    expect(selectorOf(mesh('    ingressSelector: ""'))).toEqual({ istio: 'ingressgateway' });
    expect(selectorOf(mesh('    ingressSelector: edge\n    ingressService: my-ingress'))).toEqual({ istio: 'edge' });
  });
});
