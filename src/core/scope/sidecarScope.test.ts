import { describe, expect, it } from 'vitest';
import { analyze } from '../index.ts';
import { buildRegistry } from '../registry/registry.ts';
import { doc, istio, meshConfig, namespace, pod, service } from '../testkit.ts';
import { buildSidecarScope, prepareScopeInputs } from './sidecarScope.ts';

function scopeFor(text: string, podName: string) {
  const { model } = analyze([{ name: 's.yaml', text }]);
  const inputs = prepareScopeInputs(model, buildRegistry(model), 'cluster.local');
  const client = model.pods.find((p) => p.name === podName);
  if (!client) throw new Error(`no pod ${podName}`);
  return buildSidecarScope(client, inputs);
}

const hosts = (scope: ReturnType<typeof scopeFor>) => scope.services.map((s) => `${s.hostname}@${s.namespace}`);

const base = doc(
  namespace('default', { 'istio-injection': 'enabled' }),
  namespace('shop', { 'istio-injection': 'enabled' }),
  namespace('istio-system'),
  pod('client', 'default', { labels: { app: 'client' } }),
  pod('shopper', 'shop', { labels: { app: 'shopper' }, ip: '10.244.0.2' }),
  service('reviews', 'default', {
    ports: [{ port: 9080, name: 'http' }],
    selector: { app: 'reviews' },
    clusterIP: '10.96.0.20',
  }),
  service('cart', 'shop', { ports: [{ port: 80, name: 'http' }], selector: { app: 'cart' }, clusterIP: '10.96.0.21' }),
  service('legacy', 'shop', {
    ports: [{ port: 80, name: 'http' }],
    selector: { app: 'legacy' },
    clusterIP: '10.96.0.22',
  }),
  service('istiod', 'istio-system', {
    ports: [{ port: 15012, name: 'grpc' }],
    selector: { app: 'istiod' },
    clusterIP: '10.96.0.23',
  }),
);

describe('sidecar scope: which services a proxy sees (pilot/pkg/model/sidecar.go)', () => {
  it('sees every public service without a Sidecar resource', () => {
    const scope = scopeFor(base, 'client');
    expect(scope.sidecar).toBeUndefined();
    // Oldest first, all of one second: by name (push_context.go: SortServicesByCreationTime).
    expect(hosts(scope)).toEqual([
      'cart.shop.svc.cluster.local@shop',
      'istiod.istio-system.svc.cluster.local@istio-system',
      'legacy.shop.svc.cluster.local@shop',
      'reviews.default.svc.cluster.local@default',
    ]);
  });

  it('imports ./* and istio-system/* and honours a ~ exclusion', () => {
    const sidecar = istio(
      'Sidecar',
      'default',
      'shop',
      'egress:\n- hosts: ["./*", "istio-system/*", "~/legacy.shop.svc.cluster.local"]',
    );
    const scope = scopeFor(doc(base, sidecar), 'shopper');
    expect(scope.sidecarReason).toContain('no workloadSelector');
    expect(hosts(scope)).toEqual([
      'cart.shop.svc.cluster.local@shop',
      'istiod.istio-system.svc.cluster.local@istio-system',
    ]);
  });

  it('never expands short names in egress hosts: ./reviews imports nothing', () => {
    const scope = scopeFor(
      doc(base, istio('Sidecar', 'default', 'default', 'egress:\n- hosts: ["./reviews"]')),
      'client',
    );
    expect(hosts(scope)).toEqual([]);
  });

  it('reads the namespace of ns/host as the service namespace, not the client one', () => {
    const scope = scopeFor(
      doc(base, istio('Sidecar', 'default', 'default', 'egress:\n- hosts: ["shop/cart.shop.svc.cluster.local"]')),
      'client',
    );
    expect(hosts(scope)).toEqual(['cart.shop.svc.cluster.local@shop']);
  });

  it(
    'prefers a workloadSelector Sidecar, then the namespace one, then the root namespace default with . as the ' +
      'client namespace',
    () => {
      const rootDefault = istio('Sidecar', 'default', 'istio-system', 'egress:\n- hosts: ["./*"]');
      const scoped = istio(
        'Sidecar',
        'only-istiod',
        'default',
        'workloadSelector:\n  labels: {app: client}\negress:\n- hosts: ["istio-system/*"]',
      );
      expect(hosts(scopeFor(doc(base, rootDefault), 'shopper'))).toEqual([
        'cart.shop.svc.cluster.local@shop',
        'legacy.shop.svc.cluster.local@shop',
      ]);
      expect(scopeFor(doc(base, rootDefault), 'shopper').sidecarReason).toContain('root namespace');
      expect(hosts(scopeFor(doc(base, rootDefault, scoped), 'client'))).toEqual([
        'istiod.istio-system.svc.cluster.local@istio-system',
      ]);
    },
  );

  it('hides a service exported only to its own namespace, and shows it to that namespace', () => {
    const privateCart = service('private', 'shop', {
      ports: [{ port: 80, name: 'http' }],
      clusterIP: '10.96.0.30',
      annotations: { 'networking.istio.io/exportTo': '.' },
    });
    expect(hosts(scopeFor(doc(base, privateCart), 'client'))).not.toContain('private.shop.svc.cluster.local@shop');
    expect(hosts(scopeFor(doc(base, privateCart), 'shopper'))[0]).toBe('private.shop.svc.cluster.local@shop');
  });

  it('keeps one namespace per hostname: the client namespace first', () => {
    const se = (ns: string) =>
      istio(
        'ServiceEntry',
        `ext-${ns}`,
        ns,
        'hosts: [api.example.com]\nresolution: DNS\nports: [{number: 443, name: tls, protocol: TLS}]',
      );
    const scope = scopeFor(doc(base, se('shop'), se('default')), 'client');
    expect(hosts(scope).filter((h) => h.startsWith('api.'))).toEqual(['api.example.com@default']);
  });

  it('lets a Kubernetes Service win over a ServiceEntry with the same host', () => {
    const shadow = istio(
      'ServiceEntry',
      'shadow',
      'shop',
      'hosts: [cart.shop.svc.cluster.local]\nresolution: DNS\nports: [{number: 80, name: http, protocol: HTTP}]',
    );
    const scope = scopeFor(doc(shadow, base), 'client');
    expect(scope.services.filter((s) => s.hostname === 'cart.shop.svc.cluster.local').map((s) => s.registry)).toEqual([
      'Kubernetes',
    ]);
  });

  it(
    'adds the destinations of imported VirtualServices to the cluster set even when the Sidecar did not import ' +
      'them',
    () => {
      const vs = istio(
        'VirtualService',
        'reviews',
        'default',
        'hosts: [reviews]\nhttp:\n- route:\n  - destination: {host: cart.shop.svc.cluster.local}',
      );
      const scope = scopeFor(
        doc(base, vs, istio('Sidecar', 'default', 'default', 'egress:\n- hosts: ["./*"]')),
        'client',
      );
      expect(scope.egressListeners[0]?.services.map((s) => s.hostname)).toEqual(['reviews.default.svc.cluster.local']);
      expect(hosts(scope)).toEqual(['reviews.default.svc.cluster.local@default', 'cart.shop.svc.cluster.local@shop']);
    },
  );

  it('keeps only services with the port of a port-specific egress listener', () => {
    const sidecar = istio(
      'Sidecar',
      'default',
      'default',
      'egress:\n- port: {number: 9080, protocol: HTTP, name: http}\n  hosts: ["*/*"]',
    );
    expect(hosts(scopeFor(doc(base, sidecar), 'client'))).toEqual(['reviews.default.svc.cluster.local@default']);
  });
});

describe('outbound traffic policy and DestinationRules in scope', () => {
  it('takes the Sidecar outboundTrafficPolicy over the mesh one', () => {
    const mesh = meshConfig('outboundTrafficPolicy: {mode: ALLOW_ANY}');
    expect(scopeFor(doc(base, mesh), 'client').outboundTrafficPolicy).toBe('ALLOW_ANY');
    const scope = scopeFor(
      doc(base, mesh, istio('Sidecar', 'default', 'default', 'outboundTrafficPolicy: {mode: REGISTRY_ONLY}')),
      'client',
    );
    expect(scope.outboundTrafficPolicy).toBe('REGISTRY_ONLY');
    expect(scope.outboundTrafficPolicySource?.kind).toBe('Sidecar');
  });

  it('finds DestinationRules in the client namespace, then the service namespace, then the root namespace', () => {
    const drIn = (ns: string, host: string, subset: string) =>
      istio(
        'DestinationRule',
        `dr-${subset}`,
        ns,
        `host: ${host}\nsubsets: [{name: ${subset}, labels: {version: ${subset}}}]`,
      );
    const rules = (text: string) =>
      scopeFor(text, 'client')
        .destinationRules.get('reviews.default.svc.cluster.local')
        ?.subsets.map((s) => s.name);
    expect(rules(doc(base, drIn('istio-system', 'reviews.default.svc.cluster.local', 'root')))).toEqual(['root']);
    expect(
      rules(
        doc(base, drIn('istio-system', 'reviews.default.svc.cluster.local', 'root'), drIn('default', 'reviews', 'own')),
      ),
    ).toEqual(['own']);
    // A *.local rule in the client namespace hides the service's own rule (the first namespace with a match wins).
    expect(
      rules(
        doc(
          base,
          drIn('shop', 'reviews.default.svc.cluster.local', 'cross'),
          istio('DestinationRule', 'catch-all', 'default', 'host: "*.local"\ntrafficPolicy: {tls: {mode: DISABLE}}'),
        ),
      ),
    ).toEqual([]);
  });

  it('merges DestinationRules for one host in one namespace: subsets unioned, first definition wins', () => {
    const a = istio('DestinationRule', 'a', 'default', 'host: reviews\nsubsets: [{name: v1, labels: {version: v1}}]');
    const b = istio(
      'DestinationRule',
      'b',
      'default',
      'host: reviews.default.svc.cluster.local\nsubsets: [{name: v1, labels: {version: other}}, {name: v2, ' +
        'labels: {version: v2}}]',
    );
    const rule = scopeFor(doc(base, a, b), 'client').destinationRules.get('reviews.default.svc.cluster.local');
    expect(rule?.subsets.map((s) => `${s.name}=${s.labels.get('version') ?? ''}`)).toEqual(['v1=v1', 'v2=v2']);
    expect(rule?.from.map((c) => c.name)).toEqual(['a', 'b']);
  });
});
