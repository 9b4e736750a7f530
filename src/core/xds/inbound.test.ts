import { describe, expect, it } from 'vitest';
import { analyze, traceRequest, type Trace, type TraceRequest } from '../index.ts';
import { doc, istio, listenerNamed, namespace, pod, proxyConfigFor, routeNamed, service } from '../testkit.ts';

function trace(text: string, request: TraceRequest): Trace {
  const result = traceRequest(analyze([{ name: 'scenario.yaml', text }]), request);
  if (!result.ok) throw new Error(result.reason);
  return result.trace;
}

/**
 * What the destination's sidecar did: chain, virtual host and cluster of the inbound hop, or the outcome when it
 * refused.
 */
function inbound(text: string, port: number, protocol: TraceRequest['protocol'] = 'http') {
  const t = trace(text, { from: 'legacy/plain', to: '10.244.1.1', port, protocol });
  const hop = t.hops.find((h) => h.direction === 'inbound');
  return {
    outcome: t.outcome,
    filterChain: hop?.filterChain,
    virtualHost: hop?.virtualHost,
    cluster: hop?.cluster,
  };
}

// A client without a sidecar (plaintext) and a server pod with one; each case adds the service and policy it is about.
const base = doc(
  namespace('app', { 'istio-injection': 'enabled' }),
  namespace('legacy'),
  namespace('other', { 'istio-injection': 'enabled' }),
  pod('plain', 'legacy', { labels: { app: 'plain' }, ip: '10.244.0.20' }),
  pod('client', 'app', { labels: { app: 'client' }, ip: '10.244.0.10' }),
  pod('server', 'app', {
    labels: { app: 'foo' },
    ip: '10.244.1.1',
    ports: [{ containerPort: 8080, name: 'web' }],
  }),
);
const peer = (mode: string, portLevel = '') =>
  istio(
    'PeerAuthentication',
    'foo',
    'app',
    `selector: {matchLabels: {app: foo}}\nmtls: {mode: ${mode}}${portLevel ? `\nportLevelMtls: {${portLevel}}` : ''}`,
  );
const seOnPod = (ns: string, extra = '') =>
  istio(
    'ServiceEntry',
    'se',
    ns,
    `hosts: [foo.bar]\nlocation: MESH_INTERNAL\nresolution: STATIC\n` +
      `endpoints: [{address: 10.244.1.1${extra}}]\nports:\n- {name: tcp, number: 70, protocol: TCP}\n` +
      `- {name: http, number: 80, protocol: HTTP}\n- {name: auto, number: 81}`,
  );

describe('a server sidecar puts declared ports on their own chain (listener_inbound.go: buildInboundListeners)', () => {
  for (const mode of ['PERMISSIVE', 'DISABLE']) {
    it(
      `${mode}: plaintext to a Service's target port gets inbound|<targetPort>|| and the virtual host of the ` +
        `service port`,
      () => {
        const text = doc(
          base,
          peer(mode),
          service('foo', 'app', { ports: [{ port: 80, name: 'http', targetPort: 'web' }], selector: { app: 'foo' } }),
        );
        expect(inbound(text, 8080)).toEqual({
          outcome: 'direct',
          filterChain: '0.0.0.0_8080',
          virtualHost: 'inbound|http|80',
          cluster: 'inbound|8080||',
        });
        // A port no service declares goes to InboundPassthroughCluster, HTTP through the catch-all HTTP chain.
        expect(inbound(text, 9090)).toEqual({
          outcome: 'direct',
          filterChain: 'virtualInbound-catchall-http',
          virtualHost: 'inbound|http|0',
          cluster: 'InboundPassthroughCluster',
        });
        expect(inbound(text, 9090, 'tcp')).toMatchObject({
          filterChain: 'virtualInbound',
          cluster: 'InboundPassthroughCluster',
        });
      },
    );
  }

  it(
    'a ServiceEntry whose endpoint is the pod declares its ports; TCP, HTTP and sniffed ports each get their ' +
      'chain',
    () => {
      for (const mode of ['PERMISSIVE', 'DISABLE']) {
        const text = doc(base, peer(mode), seOnPod('app'));
        expect(inbound(text, 70, 'tcp')).toEqual({
          outcome: 'direct',
          filterChain: '0.0.0.0_70',
          virtualHost: undefined,
          cluster: 'inbound|70||',
        });
        expect(inbound(text, 80)).toMatchObject({ virtualHost: 'inbound|http|80', cluster: 'inbound|80||' });
        expect(inbound(text, 81)).toMatchObject({ virtualHost: 'inbound|http|81', cluster: 'inbound|81||' });
        expect(inbound(text, 81, 'tcp')).toMatchObject({ filterChain: '0.0.0.0_81', cluster: 'inbound|81||' });
        expect(inbound(text, 82)).toMatchObject({ cluster: 'InboundPassthroughCluster' });
      }
      // Plaintext to STRICT is refused on a declared port as on any other.
      expect(inbound(doc(base, peer('STRICT'), seOnPod('app')), 80).outcome).toBe('mtls-failure');
    },
  );

  it('plain TLS from outside the mesh is proxied on a PERMISSIVE TCP port and fails the handshake on STRICT', () => {
    expect(inbound(doc(base, peer('PERMISSIVE'), seOnPod('app')), 70, 'tls')).toMatchObject({
      outcome: 'direct',
      cluster: 'inbound|70||',
    });
    expect(inbound(doc(base, peer('DISABLE'), seOnPod('app')), 70, 'tls')).toMatchObject({ cluster: 'inbound|70||' });
    expect(inbound(doc(base, peer('STRICT'), seOnPod('app')), 70, 'tls').outcome).toBe('mtls-failure');
    expect(inbound(doc(base, peer('STRICT'), seOnPod('app')), 82, 'tls').outcome).toBe('mtls-failure');
  });

  it('raw TCP to a port declared HTTP is a protocol error; HTTP to a TCP port is proxied as TCP', () => {
    for (const mode of ['PERMISSIVE', 'DISABLE']) {
      const text = doc(base, peer(mode), seOnPod('app'));
      expect(inbound(text, 80, 'tcp')).toMatchObject({ outcome: 'no-listener', cluster: undefined });
      expect(inbound(text, 70, 'http')).toMatchObject({ outcome: 'direct', cluster: 'inbound|70||' });
    }
  });

  it('a ServiceEntry of another namespace does not make the pod its instance (serviceentry/controller.go)', () => {
    expect(inbound(doc(base, seOnPod('other')), 80)).toMatchObject({ cluster: 'InboundPassthroughCluster' });
  });

  it('a ServiceEntry whose workloadSelector picks the pod declares its ports', () => {
    const text = doc(
      base,
      istio(
        'ServiceEntry',
        'selected',
        'app',
        'hosts: [foo.internal]\nlocation: MESH_INTERNAL\nresolution: STATIC\n' +
          'workloadSelector: {labels: {app: foo}}\nports: [{name: http, number: 8000, protocol: HTTP}]',
      ),
    );
    expect(inbound(text, 8000)).toMatchObject({
      filterChain: '0.0.0.0_8000',
      virtualHost: 'inbound|http|8000',
      cluster: 'inbound|8000||',
    });
    const config = proxyConfigFor(text, 'app/server');
    expect(config.clusters.map((c) => c.name)).toContain('inbound|8000||');
  });

  it('a Service selecting the pod declares its ports even when an EndpointSlice does not list the pod yet', () => {
    const text = doc(
      base,
      service('foo', 'app', { ports: [{ port: 8080, name: 'http' }], selector: { app: 'foo' } }),
      `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: foo-1, namespace: app, labels: {kubernetes.io/service-name: foo}}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints: []`,
    );
    expect(inbound(text, 8080)).toMatchObject({ cluster: 'inbound|8080||' });
  });
});

describe('a Service without a selector', () => {
  it('declares the ports of an EndpointSlice that lists the pod, when no Service selects it', () => {
    const text = doc(
      base,
      service('manual', 'app', { ports: [{ port: 7000, name: 'http' }], clusterIP: 'None' }),
      `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: manual-1, namespace: app, labels: {kubernetes.io/service-name: manual}}
addressType: IPv4
ports: [{name: http, port: 7000}]
endpoints: [{addresses: [10.244.1.1]}]`,
    );
    expect(inbound(text, 7000)).toMatchObject({ virtualHost: 'inbound|http|7000', cluster: 'inbound|7000||' });
    // A Service that selects the pod takes precedence: the slice-only port is then undeclared.
    const selected = doc(
      text,
      service('foo', 'app', { ports: [{ port: 8080, name: 'http' }], selector: { app: 'foo' } }),
    );
    expect(inbound(selected, 7000)).toMatchObject({ cluster: 'InboundPassthroughCluster' });
    expect(inbound(selected, 8080)).toMatchObject({ cluster: 'inbound|8080||' });
  });
});

describe('portLevelMtls on ports no service declares (plugin/authn/authentication.go: ForPassthrough)', () => {
  it('STRICT on one port of a DISABLE workload refuses plaintext on that port only', () => {
    const text = doc(base, peer('DISABLE', '9000: {mode: STRICT}'));
    expect(inbound(text, 9000).outcome).toBe('mtls-failure');
    expect(inbound(text, 8000)).toMatchObject({ outcome: 'direct', cluster: 'InboundPassthroughCluster' });
  });

  it('DISABLE on one port of a STRICT workload accepts plaintext on that port only', () => {
    const text = doc(base, peer('STRICT', '9000: {mode: DISABLE}'));
    expect(inbound(text, 9000)).toMatchObject({ outcome: 'direct', cluster: 'InboundPassthroughCluster' });
    expect(inbound(text, 8000).outcome).toBe('mtls-failure');
  });

  it('with a declared port beside it, the declared port keeps its chain and the workload mode', () => {
    const text = doc(base, peer('STRICT', '9000: {mode: DISABLE}'), seOnPod('app'));
    expect(inbound(text, 80).outcome).toBe('mtls-failure');
    expect(inbound(text, 9000)).toMatchObject({ cluster: 'InboundPassthroughCluster' });
    const listener = listenerNamed(proxyConfigFor(text, 'app/server'), 'virtualInbound');
    const passthrough9000 = listener?.filterChains.filter(
      (c) => c.match.destinationPort === 9000 && c.name?.startsWith('virtualInbound'),
    );
    expect(passthrough9000?.map((c) => [c.name, c.match.transportProtocol])).toEqual([
      ['virtualInbound-catchall-http', 'raw_buffer'],
      ['virtualInbound', 'raw_buffer'],
    ]);
  });

  it('mTLS from a sidecar to an undeclared STRICT port is taken by the per-port passthrough chain', () => {
    // A ServiceEntry in another namespace points at the pod: the client's sidecar sends Istio mTLS (the endpoint has a
    // service account), but the pod does not declare the port.
    const text = doc(
      base,
      peer('DISABLE', '9000: {mode: STRICT}'),
      istio(
        'ServiceEntry',
        'remote',
        'other',
        'hosts: [foo.remote]\naddresses: [240.0.0.9]\nlocation: MESH_INTERNAL\nresolution: STATIC\n' +
          'endpoints: [{address: 10.244.1.1, serviceAccount: foo}]\n' +
          'ports: [{name: tcp, number: 9000, protocol: TCP}]',
      ),
    );
    const t = trace(text, { from: 'app/client', to: '240.0.0.9', port: 9000, protocol: 'tcp' });
    expect(t.outcome).toBe('routed');
    expect(t.hops[1]).toMatchObject({
      direction: 'inbound',
      filterChain: 'virtualInbound',
      cluster: 'InboundPassthroughCluster',
    });
  });
});

describe('TLS inspection is per port (listener_inbound.go: populateListenerFilters)', () => {
  it('mTLS forced by a DestinationRule into a DISABLE TCP port is not inspected there and is proxied as TCP', () => {
    const text = doc(
      base,
      peer('STRICT', '70: {mode: DISABLE}'),
      seOnPod('app'),
      istio(
        'ServiceEntry',
        'front',
        'app',
        'hosts: [foo.front]\naddresses: [240.0.0.7]\nlocation: MESH_INTERNAL\nresolution: STATIC\n' +
          'endpoints: [{address: 10.244.1.1}]\nports: [{name: tcp, number: 70, protocol: TCP}]',
      ),
      istio('DestinationRule', 'front', 'app', 'host: foo.front\ntrafficPolicy: {tls: {mode: ISTIO_MUTUAL}}'),
    );
    const t = trace(text, { from: 'app/client', to: '240.0.0.7', port: 70, protocol: 'tcp' });
    expect(t.outcome).toBe('routed');
    expect(t.hops[1]).toMatchObject({ filterChain: '0.0.0.0_70', cluster: 'inbound|70||' });
  });
});

describe('a Sidecar with ingress listeners replaces the service ports (buildInboundChainConfigs)', () => {
  const pa = peer('STRICT', '9090: {mode: DISABLE}');
  const ingress = (ports: number[]) =>
    istio(
      'Sidecar',
      'sidecar',
      'app',
      `workloadSelector: {labels: {app: foo}}\ningress:\n${ports
        .map((p) => `- {port: {number: ${p}, name: p${p}, protocol: TCP}, defaultEndpoint: "127.0.0.1:${p}"}`)
        .join('\n')}\negress: [{hosts: ["*/*"]}]`,
    );
  const instance = (ports: number[]) =>
    istio(
      'ServiceEntry',
      'se',
      'app',
      `hosts: [foo.bar]\nlocation: MESH_INTERNAL\nresolution: STATIC\nendpoints: [{address: 10.244.1.1}]\n` +
        `ports: [${ports.map((p) => `{name: p${p}, number: ${p}, protocol: TCP}`).join(', ')}]`,
    );
  // The client's sidecar sends Istio mTLS to the pod through an entry of another namespace with a service account.
  const mtlsPath = istio(
    'ServiceEntry',
    'remote',
    'other',
    'hosts: [foo.remote]\naddresses: [240.0.0.9]\nlocation: MESH_INTERNAL\nresolution: STATIC\n' +
      'endpoints: [{address: 10.244.1.1, serviceAccount: foo}]\n' +
      'ports: [{name: a, number: 8080, protocol: TCP}, {name: b, number: 9090, protocol: TCP}]',
  );
  const viaMtls = (text: string, port: number) => {
    const t = trace(doc(text, mtlsPath), { from: 'app/client', to: '240.0.0.9', port, protocol: 'tcp' });
    return { outcome: t.outcome, cluster: t.hops[1]?.cluster };
  };

  it('with every port in the Sidecar, each gets its chain in its own mode', () => {
    const text = doc(base, pa, ingress([8080, 9090]), instance([5050]));
    expect(inbound(text, 8080, 'tcp').outcome).toBe('mtls-failure');
    expect(viaMtls(text, 8080)).toEqual({ outcome: 'routed', cluster: 'inbound|8080||' });
    expect(inbound(text, 9090, 'tcp')).toMatchObject({ outcome: 'direct', cluster: 'inbound|9090||' });
    expect(viaMtls(text, 9090)).toEqual({ outcome: 'routed', cluster: 'inbound|9090||' });
    expect(proxyConfigFor(text, 'app/server').clusters.map((c) => c.name)).toEqual(
      expect.arrayContaining(['inbound|8080||', 'inbound|9090||']),
    );
  });

  it('a port the service declares but the Sidecar does not goes to the passthrough chains', () => {
    const text = doc(base, pa, ingress([8080]), instance([8080, 9090]));
    expect(inbound(text, 8080, 'tcp').outcome).toBe('mtls-failure');
    expect(inbound(text, 9090, 'tcp')).toMatchObject({ outcome: 'direct', cluster: 'InboundPassthroughCluster' });
    expect(viaMtls(text, 9090)).toEqual({ outcome: 'routed', cluster: 'InboundPassthroughCluster' });
  });
});

describe('inbound route configurations', () => {
  it('name the virtual host after the service port and route to the target port cluster', () => {
    const text = doc(
      base,
      service('foo', 'app', { ports: [{ port: 80, name: 'http', targetPort: 8080 }], selector: { app: 'foo' } }),
    );
    const config = proxyConfigFor(text, 'app/server');
    const route = routeNamed(config, 'inbound|8080||');
    expect(route?.virtualHosts.map((v) => v.name)).toEqual(['inbound|http|80']);
    expect(routeNamed(config, 'InboundPassthroughCluster')?.virtualHosts.map((v) => v.name)).toEqual([
      'inbound|http|0',
    ]);
  });
});
