import { describe, expect, it } from 'vitest';
import { analyze, traceRequest, type Trace, type TraceOptions, type TraceRequest } from '../index.ts';
import { doc, istio, namespace, pod, proxyConfigFor } from '../testkit.ts';

function trace(text: string, request: TraceRequest, options: TraceOptions = {}): Trace {
  const result = traceRequest(analyze([{ name: 'scenario.yaml', text }]), request, options);
  if (!result.ok) throw new Error(result.reason);
  return result.trace;
}
const first = (t: Trace) => ({
  outcome: t.outcome,
  listener: t.hops[0]?.listener,
  filterChain: t.hops[0]?.filterChain,
  cluster: t.hops[0]?.cluster,
});

const base = doc(
  namespace('app', { 'istio-injection': 'enabled' }),
  pod('client', 'app', { labels: { app: 'client' }, ip: '10.244.0.10' }),
  pod('server', 'app', { labels: { app: 'server' }, ip: '10.244.1.1' }),
);

/** Two ServiceEntries on port 9999 with one address each (serviceentry_simulation_test.go: TestServiceEntry). */
const twoEntries = (a: string, b: string, protocol = 'TCP', extra = '') =>
  doc(
    base,
    istio(
      'ServiceEntry',
      'se1',
      'app',
      `hosts: [blah1.somedomain]\naddresses: ["${a}"]\nports: [{number: 9999, name: port-9999, protocol: ${protocol}}]`,
    ),
    istio(
      'ServiceEntry',
      'se2',
      'app',
      `hosts: [blah2.somedomain]\naddresses: ["${b}"]\nports: [{number: 9999, name: port-9999, protocol: ${protocol}}]`,
    ),
    extra,
  );

describe('connections addressed to the capture ports (sidecar_simulation_test.go: TestLoop)', () => {
  for (const policy of ['ALLOW_ANY', 'REGISTRY_ONLY'] as const) {
    it(
      `${policy}: port 15006 lands on virtualInbound's loop guard and 15001 on virtualOutbound's: ` +
        `BlackHoleCluster`,
      () => {
        const inboundPort = trace(
          base,
          { from: 'app/client', to: '10.244.1.1', port: 15006, protocol: 'tcp' },
          { outboundTrafficPolicy: policy },
        );
        expect(first(inboundPort)).toEqual({
          outcome: 'blackhole',
          listener: 'virtualInbound',
          filterChain: 'virtualInbound-blackhole',
          cluster: 'BlackHoleCluster',
        });
        expect(inboundPort.hops).toHaveLength(1);
        expect(inboundPort.steps.find((s) => s.kind === 'cluster')?.detail).toContain('loop-guard');
        const outboundPort = trace(
          base,
          { from: 'app/client', to: '10.244.1.1', port: 15001, protocol: 'tcp' },
          { outboundTrafficPolicy: policy },
        );
        expect(first(outboundPort)).toMatchObject({
          filterChain: 'virtualOutbound-blackhole',
          cluster: 'BlackHoleCluster',
        });
      },
    );
  }
});

describe('a connection from outside the mesh to a pod port 15006', () => {
  it('is closed by the loop guard of virtualInbound', () => {
    const text = doc(base, namespace('legacy'), pod('plain', 'legacy', { ip: '10.244.0.20' }));
    const t = trace(text, { from: 'legacy/plain', to: '10.244.1.1', port: 15006, protocol: 'tcp' });
    expect({ outcome: t.outcome, filterChain: t.hops[0]?.filterChain, cluster: t.hops[0]?.cluster }).toEqual({
      outcome: 'blackhole',
      filterChain: 'virtualInbound-blackhole',
      cluster: 'BlackHoleCluster',
    });
  });
});

describe('ServiceEntry addresses and CIDRs, IPv6 too (serviceentry_simulation_test.go: TestServiceEntry)', () => {
  it('an IPv6 address gets its own listener; a /128 is that address', () => {
    const text = twoEntries('2001:db8::5', '2001:db8::6/128');
    expect(first(trace(text, { from: 'app/client', to: '2001:db8::5', port: 9999, protocol: 'tcp' }))).toMatchObject({
      outcome: 'routed',
      listener: '2001:db8::5_9999',
      cluster: 'outbound|9999||blah1.somedomain',
    });
    expect(first(trace(text, { from: 'app/client', to: '2001:db8::6', port: 9999, protocol: 'tcp' }))).toMatchObject({
      listener: '2001:db8::6_9999',
      cluster: 'outbound|9999||blah2.somedomain',
    });
  });

  it('HTTP to an IPv6 address is routed by the bracketed address in Host', () => {
    const text = doc(
      base,
      istio(
        'ServiceEntry',
        'v6',
        'app',
        'hosts: [v6.example.internal]\naddresses: ["2001:db8::7"]\nresolution: STATIC\n' +
          'endpoints: [{address: "2001:db8::70"}]\nports: [{number: 8080, name: http, protocol: HTTP}]',
      ),
    );
    const t = trace(text, { from: 'app/client', to: 'http://[2001:db8::7]:8080/' });
    expect(t.request.headers['host']).toBe('[2001:db8::7]:8080');
    expect(t.hops[0]).toMatchObject({
      listener: '0.0.0.0_8080',
      virtualHost: 'v6.example.internal:8080',
      cluster: 'outbound|8080||v6.example.internal',
    });
  });

  it('overlapping IPv6 ranges on one port: the longest prefix containing the address wins', () => {
    const text = twoEntries('1234:1f1:123:123:f816:3eff:feb8:2287/16', '1234:1f1:123:123:f816:3eff:febf:57ce/32');
    const closer = trace(text, {
      from: 'app/client',
      to: '1234:1f1:123:123:f816:3eff:febf:57ce',
      port: 9999,
      protocol: 'tcp',
    });
    expect(first(closer)).toMatchObject({ listener: '0.0.0.0_9999', cluster: 'outbound|9999||blah2.somedomain' });
    const onlyWide = trace(text, { from: 'app/client', to: '1234::1', port: 9999, protocol: 'tcp' });
    expect(first(onlyWide)).toMatchObject({ listener: '0.0.0.0_9999', cluster: 'outbound|9999||blah1.somedomain' });
  });

  it('two ranges that are one network after masking: the first entry keeps it, the second is dropped', () => {
    const text = twoEntries('1234:1f1:123:123:f816:3eff:feb8:2287/32', '1234:1f1:123:123:f816:3eff:febf:57ce/32');
    const t = trace(text, { from: 'app/client', to: '1234:1f1:1:1:1:1:1:1', port: 9999, protocol: 'tcp' });
    expect(first(t)).toMatchObject({ listener: '0.0.0.0_9999', cluster: 'outbound|9999||blah1.somedomain' });
    const listener = proxyConfigFor(text, 'app/client').listeners.find((l) => l.name === '0.0.0.0_9999');
    expect(listener?.droppedServices.map((d) => d.hostname)).toEqual(['blah2.somedomain']);
    // The same holds for IPv4.
    const v4 = twoEntries('10.8.0.5/24', '10.8.0.9/24');
    expect(first(trace(v4, { from: 'app/client', to: '10.8.0.200', port: 9999, protocol: 'tcp' }))).toMatchObject({
      cluster: 'outbound|9999||blah1.somedomain',
    });
  });

  it('TLS on overlapping ranges: the prefix decides before SNI, a mismatching SNI falls to passthrough', () => {
    const vs = istio(
      'VirtualService',
      'vs1',
      'app',
      'hosts: [blah1.somedomain]\ntls:\n- match: [{port: 9999, sniHosts: [blah1.somedomain]}]\n' +
        '  route: [{destination: {host: blah1.somedomain, port: {number: 9999}}}]',
    );
    const text = twoEntries(
      '1234:1f1:123:123:f816:3eff:feb8:2287/16',
      '1234:1f1:123:123:f816:3eff:febf:57ce/32',
      'TLS',
      vs,
    );
    const call = (to: string, sni: string) =>
      first(trace(text, { from: 'app/client', to, port: 9999, protocol: 'tls', sni }));
    expect(call('1234:1f1:123:123:f816:3eff:febf:57ce', 'blah2.somedomain').cluster).toBe(
      'outbound|9999||blah2.somedomain',
    );
    expect(call('1234::1', 'blah1.somedomain').cluster).toBe('outbound|9999||blah1.somedomain');
    expect(call('1234:1f1:123:123:f816:3eff:febf:57ce', 'blah1.somedomain').cluster).toBe('PassthroughCluster');
    expect(call('1234::1', 'blah2.somedomain').cluster).toBe('PassthroughCluster');
  });

  it('a /0 range contains every address of its family', () => {
    const text = twoEntries('::/0', '0.0.0.0/0');
    expect(first(trace(text, { from: 'app/client', to: '2001:db8::9', port: 9999, protocol: 'tcp' })).cluster).toBe(
      'outbound|9999||blah1.somedomain',
    );
    expect(first(trace(text, { from: 'app/client', to: '192.0.2.9', port: 9999, protocol: 'tcp' })).cluster).toBe(
      'outbound|9999||blah2.somedomain',
    );
  });

  it('an address two entries share: the first entry keeps the per-address listener', () => {
    const text = doc(
      base,
      istio(
        'ServiceEntry',
        'se1',
        'app',
        'hosts: [blah1.somedomain]\naddresses: [1.1.1.1]\nports: [{number: 9999, name: port-9999, protocol: TCP}]',
      ),
      istio(
        'ServiceEntry',
        'se2',
        'app',
        'hosts: [blah2.somedomain]\naddresses: [2.2.2.2, 1.1.1.1]\n' +
          'ports: [{number: 9999, name: port-9999, protocol: TCP}]',
      ),
    );
    expect(first(trace(text, { from: 'app/client', to: '2.2.2.2', port: 9999, protocol: 'tcp' }))).toMatchObject({
      listener: '2.2.2.2_9999',
      cluster: 'outbound|9999||blah2.somedomain',
    });
    expect(first(trace(text, { from: 'app/client', to: '1.1.1.1', port: 9999, protocol: 'tcp' }))).toMatchObject({
      listener: '1.1.1.1_9999',
      cluster: 'outbound|9999||blah1.somedomain',
    });
  });
});
