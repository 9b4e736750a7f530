// Fidelity: traffic capture and inbound handling, manifests in → trace out. istio-iptables writes ISTIO_OUTPUT and
// ISTIO_INBOUND from the flags the injection template derives from the pod's traffic.sidecar.istio.io annotations and
// the injector's values (tools/istio-iptables/pkg/capture/run.go;
// manifests/charts/istio-control/istio-discovery/files/injection-template.yaml); what is not redirected goes direct,
// past Envoy, with no mTLS and no routing. What is redirected inbound meets virtualInbound
// (pilot/pkg/networking/core/listener_inbound.go), whose passthrough cluster reconnects from 127.0.0.6 to the pod.
import { describe, expect, it } from 'vitest';
import { analyze, traceRequest, type TraceRequest } from '../index.ts';
import {
  callResult,
  doc,
  factOf,
  istio,
  meshConfig,
  namespace,
  pod,
  proxyConfigFor,
  service,
  simulateScenario,
} from '../testkit.ts';

type Annotations = Record<string, string>;
type Mode = 'PERMISSIVE' | 'STRICT';

const SERVER_IP = '10.1.0.9';
const CLIENT_IP = '10.1.0.5';
const EXTERNAL_IP = '203.0.113.7';

function scenario(
  options: { client?: Annotations; server?: Annotations; mode?: Mode; extra?: string[]; serverPorts?: number[] } = {},
) {
  return doc(
    namespace('app', { 'istio-injection': 'enabled' }),
    namespace('legacy'),
    namespace('istio-system'),
    istio('PeerAuthentication', 'default', 'istio-system', `mtls: {mode: ${options.mode ?? 'PERMISSIVE'}}`),
    pod('server', 'app', {
      labels: { app: 'server' },
      ip: SERVER_IP,
      annotations: options.server ?? {},
      ports: (options.serverPorts ?? [8080]).map((containerPort) => ({ containerPort })),
    }),
    service('server', 'app', {
      clusterIP: '10.96.0.20',
      selector: { app: 'server' },
      ports: [{ port: 80, name: 'http', targetPort: 8080 }],
    }),
    pod('client', 'app', { labels: { app: 'client' }, ip: CLIENT_IP, annotations: options.client ?? {} }),
    pod('plain', 'legacy', { labels: { app: 'plain' }, ip: '10.1.0.6' }),
    ...(options.extra ?? []),
  );
}

const call = (text: string, to: string, port: number, extra: Partial<TraceRequest> = {}) =>
  simulateScenario(text, { from: 'app/client', to, port, protocol: 'http', ...extra });
const hops = (t: ReturnType<typeof call>) => t.hops.map((h) => `${h.proxy} ${h.direction} ${h.cluster ?? ''}`.trim());
const endOf = (t: ReturnType<typeof call>) => factOf(t, 'outcome')?.end;
const outboundCapture = (t: ReturnType<typeof call>) => {
  const fact = factOf(t, 'capture');
  return fact?.by === 'iptables' ? { captured: fact.captured, rule: fact.rule.rule } : undefined;
};
const inboundCapture = (t: ReturnType<typeof call>) =>
  t.steps.map((s) => s.fact).find((f) => f.kind === 'capture' && f.by === 'iptablesInbound');

const ROUTED = ['app/client outbound outbound|80||server.app.svc.cluster.local', 'app/server inbound inbound|8080||'];

describe('outbound capture: traffic.sidecar.istio.io annotations on the client', () => {
  it('by default every outbound TCP connection is redirected to 15001', () => {
    const t = call(scenario(), 'server', 80);
    expect(outboundCapture(t)).toEqual({ captured: true, rule: 'allOutbound' });
    expect(callResult(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
    expect(hops(t)).toEqual(ROUTED);
  });

  it('excludeOutboundIPRanges: the Service IP goes direct, in plaintext, which STRICT refuses', () => {
    const client = { 'traffic.sidecar.istio.io/excludeOutboundIPRanges': '10.96.0.0/12' };
    const t = call(scenario({ client }), 'server', 80);
    expect(outboundCapture(t)).toEqual({ captured: false, rule: 'excludedRange' });
    expect(callResult(t)).toEqual({ outcome: 'direct', status: 200, responseFlags: '-' });
    expect(hops(t)).toEqual(['app/server inbound inbound|8080||']);
    const strict = call(scenario({ client, mode: 'STRICT' }), 'server', 80);
    expect(strict.outcome).toBe('mtls-failure');
    expect(strict.status).toBeNull();
    expect(strict.hops.map((h) => h.direction)).toEqual(['inbound']);
    expect(strict.hops[0]?.cluster).toBeUndefined();
  });

  it('includeOutboundIPRanges: only those ranges are captured; an external address goes direct', () => {
    const client = { 'traffic.sidecar.istio.io/includeOutboundIPRanges': '10.96.0.0/12' };
    const inside = call(scenario({ client }), 'server', 80);
    expect(outboundCapture(inside)).toEqual({ captured: true, rule: 'includedRange' });
    expect(hops(inside)).toEqual(ROUTED);
    const outside = call(scenario({ client }), EXTERNAL_IP, 80);
    expect(outboundCapture(outside)).toEqual({ captured: false, rule: 'outsideIncludedRanges' });
    expect(callResult(outside)).toEqual({ outcome: 'direct', status: 200, responseFlags: '-' });
    expect(outside.hops).toEqual([]);
    expect(endOf(outside)).toMatchObject({ reason: 'DELIVERED', to: { external: EXTERNAL_IP } });
  });

  it('includeOutboundIPRanges set to "" captures nothing by address', () => {
    const t = call(scenario({ client: { 'traffic.sidecar.istio.io/includeOutboundIPRanges': '' } }), 'server', 80);
    expect(outboundCapture(t)).toEqual({ captured: false, rule: 'outsideIncludedRanges' });
    expect(hops(t)).toEqual(['app/server inbound inbound|8080||']);
  });

  it('excludeOutboundPorts: that destination port goes direct, others are captured', () => {
    const text = scenario({ client: { 'traffic.sidecar.istio.io/excludeOutboundPorts': '80,443' } });
    expect(outboundCapture(call(text, 'server', 80))).toEqual({ captured: false, rule: 'excludedPort' });
    const other = call(text, SERVER_IP, 8080);
    expect(outboundCapture(other)).toEqual({ captured: true, rule: 'allOutbound' });
    expect(other.hops.map((h) => h.direction)).toEqual(['outbound', 'inbound']);
  });

  it('includeOutboundPorts captures its ports even outside includeOutboundIPRanges', () => {
    const client = {
      'traffic.sidecar.istio.io/includeOutboundIPRanges': '',
      'traffic.sidecar.istio.io/includeOutboundPorts': '80',
    };
    const t = call(scenario({ client }), 'server', 80);
    expect(outboundCapture(t)).toEqual({ captured: true, rule: 'includedPort' });
    expect(hops(t)).toEqual(ROUTED);
    expect(outboundCapture(call(scenario({ client }), SERVER_IP, 8080))).toEqual({
      captured: false,
      rule: 'outsideIncludedRanges',
    });
  });

  it('exclusions come first: excludeOutboundIPRanges and excludeOutboundPorts beat includeOutboundPorts', () => {
    const byRange = {
      'traffic.sidecar.istio.io/excludeOutboundIPRanges': '10.96.0.20/32',
      'traffic.sidecar.istio.io/includeOutboundPorts': '80',
    };
    expect(outboundCapture(call(scenario({ client: byRange }), 'server', 80))).toEqual({
      captured: false,
      rule: 'excludedRange',
    });
    const byPort = {
      'traffic.sidecar.istio.io/excludeOutboundPorts': '80',
      'traffic.sidecar.istio.io/includeOutboundPorts': '80',
    };
    expect(outboundCapture(call(scenario({ client: byPort }), 'server', 80))).toEqual({
      captured: false,
      rule: 'excludedPort',
    });
  });

  it('a loopback range in includeOutboundIPRanges captures loopback and the own pod IP, but never 127.0.0.1', () => {
    const client = { 'traffic.sidecar.istio.io/includeOutboundIPRanges': '127.0.0.0/8,10.0.0.0/8' };
    const text = scenario({ client });
    expect(outboundCapture(call(text, '127.0.0.53', 9000, { protocol: 'tcp' }))).toEqual({
      captured: true,
      rule: 'includedRange',
    });
    expect(outboundCapture(call(text, '127.0.0.1', 9000, { protocol: 'tcp' }))).toEqual({
      captured: false,
      rule: 'localhost',
    });
    // Envoy's own connection to its pod IP is sent to 15006 (ISTIO_OUTPUT: proxy traffic on lo to ISTIO_IN_REDIRECT).
    const own = call(text, CLIENT_IP, 8080);
    expect(outboundCapture(own)).toEqual({ captured: true, rule: 'includedRange' });
    expect(own.hops.map((h) => `${h.proxy} ${h.direction}`)).toEqual(['app/client outbound', 'app/client inbound']);
    expect(outboundCapture(call(scenario(), CLIENT_IP, 8080))).toEqual({ captured: false, rule: 'ownAddress' });
  });

  it('interceptionMode NONE: the sidecar runs, but nothing is redirected to it', () => {
    const t = call(scenario({ client: { 'sidecar.istio.io/interceptionMode': 'NONE' } }), 'server', 80);
    expect(outboundCapture(t)).toEqual({ captured: false, rule: 'interceptionNone' });
    expect(hops(t)).toEqual(['app/server inbound inbound|8080||']);
  });

  it('with DNS capture on, excludeOutboundPorts 53 or interceptionMode NONE leave DNS to kube-dns', () => {
    const dns = meshConfig('defaultConfig:\n  proxyMetadata:\n    ISTIO_META_DNS_CAPTURE: "true"');
    const resolver = (client: Annotations) =>
      simulateScenario(scenario({ client, extra: [dns] }), { from: 'app/client', to: 'server', port: 80 }).dns.resolver;
    expect(resolver({})).toBe('istio-agent');
    expect(resolver({ 'traffic.sidecar.istio.io/excludeOutboundPorts': '53' })).toBe('kube-dns');
    expect(resolver({ 'sidecar.istio.io/interceptionMode': 'NONE' })).toBe('kube-dns');
    expect(resolver({ 'traffic.sidecar.istio.io/excludeOutboundIPRanges': '0.0.0.0/0' })).toBe('istio-agent');
  });

  it('interceptionMode TPROXY captures like REDIRECT', () => {
    const t = call(scenario({ client: { 'sidecar.istio.io/interceptionMode': 'TPROXY' } }), 'server', 80);
    expect(callResult(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
    expect(hops(t)).toEqual(ROUTED);
  });
});

describe('inbound capture: traffic.sidecar.istio.io annotations on the server', () => {
  // A port left out of ISTIO_INBOUND reaches the application itself: a meshed client's sidecar still sends Istio
  // mTLS there (the endpoint is labelled tlsMode istio), which the application cannot read; a client without a
  // sidecar gets through in plaintext even under STRICT.
  const bypassed = (server: Annotations, rule: string) => {
    const meshed = call(scenario({ server, mode: 'STRICT' }), 'server', 80);
    expect(callResult(meshed)).toEqual({ outcome: 'mtls-failure', status: 503, responseFlags: 'UF' });
    expect(hops(meshed)).toEqual(['app/client outbound outbound|80||server.app.svc.cluster.local']);
    expect(endOf(meshed)).toMatchObject({ reason: 'PEER_WITHOUT_SIDECAR', pod: 'app/server', notCaptured: true });
    expect(inboundCapture(meshed)).toMatchObject({ pod: 'app/server', port: 8080, rule: { rule } });
    const plain = simulateScenario(scenario({ server, mode: 'STRICT' }), {
      from: 'legacy/plain',
      to: 'server.app',
      port: 80,
    });
    expect(callResult(plain)).toEqual({ outcome: 'direct', status: 200, responseFlags: '-' });
    expect(plain.hops).toEqual([]);
    expect(factOf(plain, 'outcome')?.end).toMatchObject({ reason: 'DELIVERED', to: { pod: 'app/server' } });
  };

  it('excludeInboundPorts', () => bypassed({ 'traffic.sidecar.istio.io/excludeInboundPorts': '8080' }, 'excluded'));
  it('includeInboundPorts that lists other ports', () =>
    bypassed({ 'traffic.sidecar.istio.io/includeInboundPorts': '9090' }, 'notIncluded'));
  it('includeInboundPorts set to ""', () =>
    bypassed({ 'traffic.sidecar.istio.io/includeInboundPorts': '' }, 'noInboundPorts'));
  it('interceptionMode NONE', () => bypassed({ 'sidecar.istio.io/interceptionMode': 'NONE' }, 'interceptionNone'));

  it('a port in includeInboundPorts, or "*" with other ports excluded, is captured', () => {
    const servers: Annotations[] = [
      { 'traffic.sidecar.istio.io/includeInboundPorts': '8080' },
      { 'traffic.sidecar.istio.io/includeInboundPorts': '*', 'traffic.sidecar.istio.io/excludeInboundPorts': '9090' },
      { 'sidecar.istio.io/interceptionMode': 'TPROXY' },
    ];
    for (const server of servers) {
      const t = call(scenario({ server, mode: 'STRICT' }), 'server', 80);
      expect(callResult(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
      expect(hops(t)).toEqual(ROUTED);
      expect(inboundCapture(t)).toBeUndefined();
    }
  });

  it('with a list of ports the exclusions are not consulted: 15021 listed is captured', () => {
    const server = { 'traffic.sidecar.istio.io/includeInboundPorts': '8080,15021' };
    const t = call(scenario({ server }), SERVER_IP, 15021, { path: '/healthz/ready' });
    expect(callResult(t)).toEqual({ outcome: 'passthrough', status: 200, responseFlags: '-' });
    expect(hops(t)).toEqual(['app/client outbound PassthroughCluster', 'app/server inbound InboundPassthroughCluster']);
    expect(endOf(t)).toMatchObject({ reason: 'SIDECAR_PORT', socket: 'envoyHealth', answer: 'served' });
    // Not listed: left alone, the health listener answers with no inbound hop.
    const alone = call(
      scenario({ server: { 'traffic.sidecar.istio.io/includeInboundPorts': '8080' } }),
      SERVER_IP,
      15021,
      {
        path: '/healthz/ready',
      },
    );
    expect(hops(alone)).toEqual(['app/client outbound PassthroughCluster']);
    expect(alone.status).toBe(200);
  });
});

describe("another pod calling a sidecar pod's own ports", () => {
  const text = scenario();
  const plainCall = (port: number, protocol: TraceRequest['protocol'] = 'http') =>
    simulateScenario(text, { from: 'legacy/plain', to: SERVER_IP, port, protocol });

  it('15000: captured, the inbound passthrough cluster reaches an admin bound to localhost: 503 UF', () => {
    const t = call(text, SERVER_IP, 15000, { path: '/config_dump' });
    expect(callResult(t)).toEqual({ outcome: 'no-listener', status: 503, responseFlags: 'UF' });
    expect(hops(t)).toEqual(['app/client outbound PassthroughCluster', 'app/server inbound InboundPassthroughCluster']);
    expect(endOf(t)).toMatchObject({
      reason: 'LOOPBACK_REFUSED',
      socket: 'envoyAdmin',
      bind: 'loopback',
      from: 'inboundCluster',
    });
    expect(t.hops[1]?.accessLog).toMatch(/" 503 UF upstream_reset_before_response_started\{connection_failure\}/);
    // Without a sidecar on the caller, the server's sidecar answers it the 503; raw TCP is just closed.
    expect(callResult(plainCall(15000))).toEqual({ outcome: 'no-listener', status: 503, responseFlags: 'UF' });
    expect(callResult(plainCall(15000, 'tcp'))).toEqual({ outcome: 'no-listener', status: null, responseFlags: 'UF' });
  });

  it('15001: captured, then the passthrough cluster lands on virtualOutbound, whose loop guard blackholes it', () => {
    const t = plainCall(15001);
    expect(t.outcome).toBe('blackhole');
    expect(t.hops.map((h) => `${h.proxy} ${h.direction} ${h.filterChain ?? ''} ${h.cluster ?? ''}`)).toEqual([
      'app/server inbound virtualInbound-catchall-http InboundPassthroughCluster',
      'app/server outbound virtualOutbound-blackhole BlackHoleCluster',
    ]);
    expect(t.status).toBe(503);
  });

  it("15006: the redirect keeps the original port 15006, which virtualInbound's loop guard blackholes", () => {
    const t = plainCall(15006);
    expect(callResult(t)).toEqual({ outcome: 'blackhole', status: null, responseFlags: 'UH' });
    expect(t.hops).toMatchObject([
      {
        proxy: 'app/server',
        direction: 'inbound',
        filterChain: 'virtualInbound-blackhole',
        cluster: 'BlackHoleCluster',
      },
    ]);
    // A meshed caller's virtualOutbound hands 10.1.0.9:15006 to its own listener on 0.0.0.0:15006, whose loop guard
    // takes it before it leaves the pod.
    const meshed = call(text, SERVER_IP, 15006);
    expect(meshed.outcome).toBe('blackhole');
    expect(meshed.hops).toMatchObject([{ proxy: 'app/client', filterChain: 'virtualInbound-blackhole' }]);
  });

  it('a Service whose target port is 15006 gets its inbound cluster but no chain: the loop guard still wins', () => {
    const reserved = scenario({
      extra: [
        service('loop', 'app', {
          clusterIP: '10.96.0.50',
          selector: { app: 'server' },
          ports: [{ port: 15006, name: 'tcp', protocol: 'TCP' }],
        }),
      ],
    });
    const config = proxyConfigFor(reserved, 'app/server');
    expect(config.clusters.map((c) => c.name)).toContain('inbound|15006||');
    const chains = config.listeners.find((l) => l.name === 'virtualInbound')?.filterChains ?? [];
    expect(chains.filter((c) => c.match.destinationPort === 15006).map((c) => c.name)).toEqual([
      'virtualInbound-blackhole',
    ]);
    const t = simulateScenario(reserved, { from: 'legacy/plain', to: 'loop.app', port: 15006, protocol: 'tcp' });
    expect(t.outcome).toBe('blackhole');
  });

  it('15004 and 15053 (no DNS capture): nothing listens; captured, then refused', () => {
    for (const port of [15004, 15053]) {
      const t = call(text, SERVER_IP, port, { protocol: 'tcp' });
      expect(t.outcome).toBe('no-listener');
      expect(hops(t)).toEqual([
        'app/client outbound PassthroughCluster',
        'app/server inbound InboundPassthroughCluster',
      ]);
      expect(endOf(t)).toMatchObject({ reason: 'LOOPBACK_REFUSED', bind: 'closed' });
    }
  });

  it('15020 captured (listed in includeInboundPorts): the agent sees 127.0.0.6, a localhost caller', () => {
    const listed = scenario({ server: { 'traffic.sidecar.istio.io/includeInboundPorts': '8080,15020' } });
    const t = call(listed, SERVER_IP, 15020, { path: '/quitquitquit', method: 'POST' });
    expect(hops(t)).toEqual(['app/client outbound PassthroughCluster', 'app/server inbound InboundPassthroughCluster']);
    expect(endOf(t)).toMatchObject({ socket: 'agentStatus', answer: 'served', viaInboundCluster: true });
    // Left out of capture, as by default, the agent sees the caller's own address and refuses it (403).
    expect(call(text, SERVER_IP, 15020, { path: '/quitquitquit', method: 'POST' }).status).toBe(403);
  });

  it('15008: never redirected; without HBONE nothing listens, so the caller sidecar fails to connect (UF)', () => {
    // No Service declares the port: the caller's sidecar proxies it as TCP, so no HTTP answer comes back.
    const t = call(text, SERVER_IP, 15008);
    expect(callResult(t)).toEqual({ outcome: 'no-listener', status: null, responseFlags: 'UF' });
    expect(hops(t)).toEqual(['app/client outbound PassthroughCluster']);
    expect(inboundCapture(t)).toMatchObject({ rule: { rule: 'tunnelPort' } });
    expect(endOf(t)).toMatchObject({ reason: 'LOOPBACK_REFUSED', socket: 'inboundTunnel', from: 'otherPod' });
    // Under TPROXY the inbound rules live in the mangle table, which has no 15008 exception: captured, then refused.
    const tproxy = call(scenario({ server: { 'sidecar.istio.io/interceptionMode': 'TPROXY' } }), SERVER_IP, 15008);
    expect(hops(tproxy)).toEqual([
      'app/client outbound PassthroughCluster',
      'app/server inbound InboundPassthroughCluster',
    ]);
    expect(endOf(tproxy)).toMatchObject({ socket: 'inboundTunnel', from: 'inboundCluster' });
  });

  it('15000 in excludeInboundPorts: not captured, and admin on localhost refuses it', () => {
    const excluded = scenario({ server: { 'traffic.sidecar.istio.io/excludeInboundPorts': '15000' } });
    const t = call(excluded, SERVER_IP, 15000);
    expect(callResult(t)).toEqual({ outcome: 'no-listener', status: null, responseFlags: 'UF' });
    expect(hops(t)).toEqual(['app/client outbound PassthroughCluster']);
    expect(endOf(t)).toMatchObject({ socket: 'envoyAdmin', from: 'otherPod' });
  });

  it('an interceptionMode NONE sidecar has no capture listeners: 15001 and 15006 are refused', () => {
    const none = scenario({ server: { 'sidecar.istio.io/interceptionMode': 'NONE' } });
    for (const port of [15001, 15006]) {
      const t = simulateScenario(none, { from: 'legacy/plain', to: SERVER_IP, port, protocol: 'tcp' });
      expect(t.outcome).toBe('no-listener');
      expect(t.hops).toEqual([]);
    }
  });
});

describe('a port no Service declares: InboundPassthroughCluster', () => {
  const text = (mode: Mode, extra: string[] = []) => scenario({ mode, serverPorts: [8080, 9000], extra });

  it('PERMISSIVE: plaintext from the caller sidecar passes through to the application', () => {
    const t = call(text('PERMISSIVE'), SERVER_IP, 9000);
    expect(callResult(t)).toEqual({ outcome: 'passthrough', status: 200, responseFlags: '-' });
    expect(hops(t)).toEqual(['app/client outbound PassthroughCluster', 'app/server inbound InboundPassthroughCluster']);
    expect(t.hops[1]?.endpoint).toBe(`${SERVER_IP}:9000`);
  });

  it('STRICT: the passthrough chains want mTLS, which PassthroughCluster does not send', () => {
    const t = call(text('STRICT'), SERVER_IP, 9000);
    expect(t.outcome).toBe('mtls-failure');
    expect(t.hops[1]?.cluster).toBeUndefined();
  });

  it('STRICT with port-level PERMISSIVE on that port: passes through', () => {
    const portLevel = istio(
      'PeerAuthentication',
      'server',
      'app',
      'selector: {matchLabels: {app: server}}\nmtls: {mode: STRICT}\nportLevelMtls: {9000: {mode: PERMISSIVE}}',
    );
    const t = call(text('STRICT', [portLevel]), SERVER_IP, 9000);
    expect(t.outcome).toBe('passthrough');
    expect(t.hops[1]?.cluster).toBe('InboundPassthroughCluster');
  });
});

describe('Sidecar ingress listeners and outboundTrafficPolicy', () => {
  const ingress = (endpoint: string) =>
    istio(
      'Sidecar',
      'server',
      'app',
      'workloadSelector: {labels: {app: server}}\n' +
        `ingress:\n- port: {number: 8080, protocol: HTTP, name: http}\n  defaultEndpoint: "${endpoint}"`,
    );

  it('defaultEndpoint 127.0.0.1:port, 0.0.0.0:port and a unix socket set the inbound cluster endpoint', () => {
    for (const [endpoint, expected] of [
      ['127.0.0.1:8081', '127.0.0.1:8081'],
      ['0.0.0.0:8081', `${SERVER_IP}:8081`],
      ['unix:///var/run/app.sock', '/var/run/app.sock'],
    ] as const) {
      const t = call(scenario({ extra: [ingress(endpoint)] }), 'server', 80);
      expect(callResult(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
      expect(hops(t)).toEqual(ROUTED);
      expect(t.hops[1]?.endpoint).toBe(expected);
    }
  });

  it('without a bind, the chains of an ingress listener are named after the pod IP (1.1.1.1_9080 in Istio)', () => {
    const t = call(scenario({ extra: [ingress('127.0.0.1:8081')] }), 'server', 80);
    expect(t.hops[1]).toMatchObject({ listener: 'virtualInbound', filterChain: `${SERVER_IP}_8080` });
  });

  it("captureMode NONE with a bind: the istio.io 'no-ip-tables' Sidecar, a listener bound to the pod IP", () => {
    const noIptables = istio(
      'Sidecar',
      'no-ip-tables',
      'app',
      'workloadSelector: {labels: {app: server}}\ningress:\n- bind: 10.1.0.9\n' +
        '  port: {number: 8080, protocol: HTTP, name: somename}\n' +
        '  defaultEndpoint: 127.0.0.1:8081\n  captureMode: NONE',
    );
    const servers: Annotations[] = [{ 'sidecar.istio.io/interceptionMode': 'NONE' }, {}];
    for (const server of servers) {
      const text = scenario({ server, extra: [noIptables] });
      const t = call(text, 'server', 80);
      expect(callResult(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
      const inbound = t.hops.filter((h) => h.direction === 'inbound').at(-1);
      expect(inbound).toMatchObject({
        proxy: 'app/server',
        listener: '10.1.0.9_8080',
        filterChain: '10.1.0.9_8080',
        cluster: 'inbound|8080||',
        endpoint: '127.0.0.1:8081',
      });
      const listeners = proxyConfigFor(text, 'app/server').listeners.map((l) => l.name);
      expect(listeners).toContain('10.1.0.9_8080');
      // Without iptables istiod builds neither capture listener.
      expect(listeners.includes('virtualInbound')).toBe(!('sidecar.istio.io/interceptionMode' in server));
      expect(listeners.includes('virtualOutbound')).toBe(!('sidecar.istio.io/interceptionMode' in server));
    }
  });

  it('ingress listeners replace the Service ports: an unlisted target port falls to the passthrough chains', () => {
    const other = istio(
      'Sidecar',
      'server',
      'app',
      'workloadSelector: {labels: {app: server}}\ningress:\n- port: {number: 9080, protocol: HTTP, name: http}\n' +
        '  defaultEndpoint: "127.0.0.1:9080"',
    );
    expect(call(scenario({ extra: [other] }), 'server', 80).hops[1]?.cluster).toBe('InboundPassthroughCluster');
    const strict = call(scenario({ extra: [other], mode: 'STRICT' }), 'server', 80);
    expect(strict.hops[1]?.cluster).toBe('InboundPassthroughCluster');
    expect(proxyConfigFor(scenario({ extra: [other] }), 'app/server').clusters.map((c) => c.name)).toContain(
      'inbound|9080||',
    );
  });

  it('a Sidecar outboundTrafficPolicy overrides the mesh; written without a mode it is REGISTRY_ONLY', () => {
    const sidecar = (policy: string) => istio('Sidecar', 'default', 'app', `outboundTrafficPolicy: ${policy}`);
    const registryOnly = meshConfig('outboundTrafficPolicy: {mode: REGISTRY_ONLY}');
    const external = (extra: string[]) => call(scenario({ extra }), EXTERNAL_IP, 80);
    expect(external([sidecar('{mode: REGISTRY_ONLY}')]).outcome).toBe('blackhole');
    expect(external([sidecar('{}')]).outcome).toBe('blackhole');
    expect(external([registryOnly, sidecar('{mode: ALLOW_ANY}')]).outcome).toBe('passthrough');
    expect(external([registryOnly]).outcome).toBe('blackhole');
    expect(external([]).outcome).toBe('passthrough');
    expect(external([registryOnly, sidecar('{mode: ALLOW_ANY_DYNAMIC_DNS}')]).outcome).not.toBe('blackhole');
  });

  it('outboundTrafficPolicy.egressProxy sends unknown traffic to that service instead of PassthroughCluster', () => {
    const egress = [
      namespace('infra'),
      pod('squid', 'infra', { labels: { app: 'squid' }, ip: '10.1.0.7', ports: [{ containerPort: 3128 }] }),
      service('egress-proxy', 'infra', {
        clusterIP: '10.96.0.40',
        selector: { app: 'squid' },
        ports: [{ port: 3128, name: 'tcp' }],
      }),
      istio(
        'Sidecar',
        'default',
        'app',
        'outboundTrafficPolicy:\n  mode: ALLOW_ANY\n' +
          '  egressProxy: {host: egress-proxy.infra.svc.cluster.local, port: {number: 3128}}',
      ),
    ];
    const cluster = 'outbound|3128||egress-proxy.infra.svc.cluster.local';
    const http = call(scenario({ extra: egress }), EXTERNAL_IP, 80);
    expect(http.hops).toMatchObject([{ proxy: 'app/client', cluster, endpoint: '10.1.0.7:3128' }]);
    expect(endOf(http)).toMatchObject({ reason: 'DELIVERED', to: { pod: 'infra/squid' } });
    const tcp = call(scenario({ extra: egress }), EXTERNAL_IP, 9999, { protocol: 'tcp' });
    expect(tcp.hops).toMatchObject([{ listener: 'virtualOutbound', cluster }]);
    // REGISTRY_ONLY ignores it.
    const blocked = egress.map((o) => o.replace('mode: ALLOW_ANY', 'mode: REGISTRY_ONLY'));
    expect(call(scenario({ extra: blocked }), EXTERNAL_IP, 9999, { protocol: 'tcp' }).outcome).toBe('blackhole');
  });
});

describe('pods whose traffic is not captured at all', () => {
  it('hostNetwork: never injected; as a client it goes direct, as a server it gets plaintext', () => {
    const host = pod('node-agent', 'app', {
      labels: { app: 'agent' },
      ip: '192.168.1.10',
      ports: [{ containerPort: 9100 }],
      // A host-network pod resolves cluster names only with dnsPolicy ClusterFirstWithHostNet (kubelet dns.go).
    }).replace('spec:\n', 'spec:\n  hostNetwork: true\n  dnsPolicy: ClusterFirstWithHostNet\n');
    const text = scenario({
      extra: [
        host,
        service('agent', 'app', { clusterIP: '10.96.0.30', selector: { app: 'agent' }, ports: [{ port: 9100 }] }),
      ],
    });
    const out = simulateScenario(text, { from: 'app/node-agent', to: 'server', port: 80, protocol: 'http' });
    expect(outboundCapture(out)).toEqual({ captured: false, rule: 'noSidecar' });
    expect(hops(out)).toEqual(['app/server inbound inbound|8080||']);
    const to = call(text, 'agent', 9100);
    expect(callResult(to)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
    expect(hops(to)).toEqual(['app/client outbound outbound|9100||agent.app.svc.cluster.local']);
    expect(endOf(to)).toMatchObject({ reason: 'DELIVERED', transport: 'plaintext' });
  });

  it('sidecar.istio.io/inject "false" (label or annotation) in an injected namespace: no sidecar, plaintext', () => {
    for (const [where, value] of [
      ['labels', { app: 'server', 'sidecar.istio.io/inject': 'false' }],
      ['annotations', { 'sidecar.istio.io/inject': 'false' }],
    ] as const) {
      const server = pod('server', 'app', {
        labels: where === 'labels' ? value : { app: 'server' },
        annotations: where === 'annotations' ? value : {},
        ip: SERVER_IP,
        ports: [{ containerPort: 8080 }],
      });
      const text = scenario({ mode: 'STRICT' }).replace(scenario({ mode: 'STRICT' }).split('\n---\n')[4] ?? '', server);
      const t = call(text, 'server', 80);
      expect(callResult(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
      expect(hops(t)).toEqual(['app/client outbound outbound|80||server.app.svc.cluster.local']);
    }
  });
});

describe('an injected pod as kubectl shows it: istio-init args and native sidecars', () => {
  const injected = (initArgs: string, native: boolean) => `apiVersion: v1
kind: Pod
metadata: {name: client, namespace: app, labels: {app: client, security.istio.io/tlsMode: istio}}
spec:
  initContainers:
  - name: istio-init
    image: proxyv2
    args: [istio-iptables, -p, "15001", -z, "15006", -u, "1337", -m, REDIRECT, ${initArgs}]
${native ? '  - {name: istio-proxy, image: proxyv2, restartPolicy: Always, args: [proxy, sidecar]}\n' : ''}  containers:
  - {name: app, image: app}
${native ? '' : '  - {name: istio-proxy, image: proxyv2, args: [proxy, sidecar]}\n'}status:
  phase: Running
  podIP: ${CLIENT_IP}
  conditions: [{type: Ready, status: "True"}]`;
  const withClient = (client: string) => {
    const parts = scenario().split('\n---\n');
    return [...parts.slice(0, 6), client, ...parts.slice(7)].join('\n---\n');
  };

  it("istio-init's -x and -i are what iptables does, whatever the annotations say", () => {
    for (const native of [false, true]) {
      const excluded = call(
        withClient(injected('-i, "*", -x, "10.96.0.0/12", -b, "*", -d, "15090,15021,15020"', native)),
        'server',
        80,
      );
      expect(outboundCapture(excluded)).toEqual({ captured: false, rule: 'excludedRange' });
      const captured = call(
        withClient(injected('-i, "*", -x, "", -b, "*", -d, "15090,15021,15020"', native)),
        'server',
        80,
      );
      expect(outboundCapture(captured)).toEqual({ captured: true, rule: 'allOutbound' });
      expect(hops(captured)).toEqual(ROUTED);
    }
  });
});

describe("the injector's values: mesh-wide defaults under the annotations", () => {
  const operator = (proxy: string) => `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: installed, namespace: istio-system}
spec:
  values:
    global:
      proxy: {${proxy}}`;

  it('values.global.proxy.includeIPRanges limits capture; a pod annotation overrides it', () => {
    const text = scenario({ extra: [operator('includeIPRanges: "10.96.0.0/12"')] });
    expect(outboundCapture(call(text, EXTERNAL_IP, 80))).toEqual({ captured: false, rule: 'outsideIncludedRanges' });
    expect(outboundCapture(call(text, 'server', 80))).toEqual({ captured: true, rule: 'includedRange' });
    const annotated = scenario({
      client: { 'traffic.sidecar.istio.io/includeOutboundIPRanges': '*' },
      extra: [operator('includeIPRanges: "10.96.0.0/12"')],
    });
    expect(outboundCapture(call(annotated, EXTERNAL_IP, 80))).toEqual({ captured: true, rule: 'allOutbound' });
  });

  it('excludeInboundPorts and excludeOutboundPorts from the istio-sidecar-injector ConfigMap values', () => {
    const configMap = `apiVersion: v1
kind: ConfigMap
metadata: {name: istio-sidecar-injector, namespace: istio-system}
data:
  values: '{"global": {"proxy": {"excludeInboundPorts": "8080", "excludeOutboundPorts": "5432"}}}'`;
    const text = scenario({ extra: [configMap] });
    const t = call(text, 'server', 80);
    expect(inboundCapture(t)).toMatchObject({ rule: { rule: 'excluded', always: false } });
    expect(t.outcome).toBe('mtls-failure');
    expect(outboundCapture(call(text, EXTERNAL_IP, 5432, { protocol: 'tcp' }))).toEqual({
      captured: false,
      rule: 'excludedPort',
    });
  });
});

describe('in words', () => {
  it('names the bypass of inbound capture and the refused admin port', () => {
    const analysis = analyze([
      { name: 'scenario.yaml', text: scenario({ server: { 'traffic.sidecar.istio.io/excludeInboundPorts': '8080' } }) },
    ]);
    const result = traceRequest(analysis, { from: 'app/client', to: 'server', port: 80, protocol: 'http' });
    if (!result.ok) throw new Error(result.reason);
    const capture = result.trace.steps.find((s) => s.kind === 'capture' && s.title.startsWith('Not captured at'));
    expect(capture?.detail).toMatch(/port 8080 is in traffic.sidecar.istio.io\/excludeInboundPorts/);
    expect(result.trace.steps.at(-1)?.detail).toMatch(/leave port 8080 out of inbound capture/);
    const admin = traceRequest(analyze([{ name: 's.yaml', text: scenario() }]), {
      from: 'app/client',
      to: SERVER_IP,
      port: 15000,
      protocol: 'http',
    });
    if (!admin.ok) throw new Error(admin.reason);
    expect(admin.trace.steps.at(-1)?.detail).toMatch(/forwards the connection to 10.1.0.9:15000.*localhost only/);
  });
});

describe('egress listeners the sidecar binds itself (listener.go: buildSidecarOutboundListeners, bindToPort)', () => {
  // The istio.io Sidecar reference: an app without iptables reaches mysql.foo.com by connecting to 127.0.0.1:3306.
  const mysql = istio(
    'ServiceEntry',
    'mysql',
    'app',
    'hosts: [mysql.foo.com]\nports: [{number: 3306, name: tcp-mysql, protocol: TCP}]\nresolution: DNS\n' +
      'location: MESH_EXTERNAL',
  );
  const sidecar = (egress: string) =>
    istio('Sidecar', 'client', 'app', `workloadSelector: {labels: {app: client}}\negress:\n${egress}`);
  const tcpTo = (text: string, address: string, port: number) =>
    simulateScenario(text, { from: 'app/client', to: address, port, protocol: 'tcp' });

  it('captureMode NONE, bind 127.0.0.1: the application connects to 127.0.0.1:3306 and reaches mysql.foo.com', () => {
    const text = scenario({
      extra: [
        mysql,
        sidecar(
          '- port: {number: 3306, protocol: TCP, name: egressmysql}\n  captureMode: NONE\n  bind: 127.0.0.1\n' +
            '  hosts: ["*/mysql.foo.com"]\n- hosts: ["*/*"]',
        ),
      ],
    });
    const listener = proxyConfigFor(text, 'app/client').listeners.find((l) => l.name === '127.0.0.1_3306');
    expect(listener).toMatchObject({ address: '127.0.0.1', port: 3306, bindToPort: true, kind: 'outbound' });
    const t = tcpTo(text, '127.0.0.1', 3306);
    expect(outboundCapture(t)).toEqual({ captured: false, rule: 'localhost' });
    expect(factOf(t, 'listener')).toMatchObject({ by: 'boundToPort', listener: '127.0.0.1_3306' });
    expect(t.hops[0]).toMatchObject({
      proxy: 'app/client',
      listener: '127.0.0.1_3306',
      cluster: 'outbound|3306||mysql.foo.com',
    });
  });

  it('captureMode NONE without a bind binds to 127.0.0.1; with the default capture mode nothing listens there', () => {
    const bound = scenario({
      extra: [
        mysql,
        sidecar('- port: {number: 3306, protocol: TCP, name: egressmysql}\n  captureMode: NONE\n  hosts: ["*/*"]'),
      ],
    });
    expect(tcpTo(bound, '127.0.0.1', 3306).hops[0]).toMatchObject({ listener: '127.0.0.1_3306' });
    const captured = scenario({
      extra: [mysql, sidecar('- port: {number: 3306, protocol: TCP, name: egressmysql}\n  hosts: ["*/*"]')],
    });
    const names = proxyConfigFor(captured, 'app/client').listeners.map((l) => l.name);
    expect(names).not.toContain('127.0.0.1_3306');
    const t = tcpTo(captured, '127.0.0.1', 3306);
    expect(t.hops).toEqual([]);
    expect(callResult(t).outcome).not.toBe('routed');
  });

  it('a proxy without iptables (interceptionMode NONE) binds every outbound listener to 127.0.0.1', () => {
    const text = scenario({ client: { 'sidecar.istio.io/interceptionMode': 'NONE' } });
    const names = proxyConfigFor(text, 'app/client').listeners.map((l) => l.name);
    expect(names).toContain('127.0.0.1_80');
    expect(names).not.toContain('0.0.0.0_80');
    const t = simulateScenario(text, {
      from: 'app/client',
      to: 'http://127.0.0.1/',
      port: 80,
      protocol: 'http',
      headers: { host: 'server.app.svc.cluster.local' },
    });
    expect(t.hops[0]).toMatchObject({ listener: '127.0.0.1_80', cluster: 'outbound|80||server.app.svc.cluster.local' });
    expect(callResult(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
  });
});
