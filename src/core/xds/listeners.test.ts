import { describe, expect, it } from 'vitest';
import { describeChainMatch } from './tables.ts';
import {
  doc,
  istio,
  listenerNamed,
  listenerNames,
  meshConfig,
  namespace,
  pod,
  proxyConfigFor,
  routeNamed,
  service,
} from '../testkit.ts';

const client = doc(
  namespace('default', { 'istio-injection': 'enabled' }),
  pod('client', 'default', { labels: { app: 'client' }, ip: '10.244.0.9' }),
);
const chains = (config: ReturnType<typeof proxyConfigFor>, name: string) => {
  const listener = listenerNamed(config, name);
  if (!listener) return undefined;
  return [...listener.filterChains, ...(listener.defaultFilterChain ? [listener.defaultFilterChain] : [])].map((c) => {
    const to =
      c.action.kind === 'tcp' ? c.action.clusters.map((x) => x.name).join('+') : `route ${c.action.routeConfigName}`;
    return `${describeChainMatch(c.match)} -> ${to}`;
  });
};
const se = (name: string, spec: string) => istio('ServiceEntry', name, 'default', spec);

describe('outbound listeners (pilot/pkg/networking/core/listener.go)', () => {
  it('puts an HTTP port on 0.0.0.0:<port> with an ALPN-matched HTTP chain and a passthrough default chain', () => {
    const config = proxyConfigFor(
      doc(client, service('web', 'default', { ports: [{ port: 8080, name: 'http-web' }], clusterIP: '10.96.0.10' })),
      'default/client',
    );
    expect(chains(config, '0.0.0.0_8080')).toEqual([
      'Trans: raw_buffer; App: http/1.1,h2c -> route 8080',
      'ALL -> PassthroughCluster',
    ]);
    expect(listenerNamed(config, '0.0.0.0_8080')?.protocol).toBe('AUTO');
    expect(listenerNames(config)).not.toContain('10.96.0.10_8080');
  });

  it('shares one 0.0.0.0 listener among HTTP services on the same port: they differ only by virtual host', () => {
    const config = proxyConfigFor(
      doc(
        client,
        service('a', 'default', { ports: [{ port: 80, name: 'http' }], clusterIP: '10.96.0.10' }),
        service('b', 'default', { ports: [{ port: 80, name: 'http' }], clusterIP: '10.96.0.11' }),
      ),
      'default/client',
    );
    expect(listenerNames(config).filter((n) => n.endsWith('_80'))).toEqual(['0.0.0.0_80']);
    expect(listenerNamed(config, '0.0.0.0_80')?.services).toEqual([
      'a.default.svc.cluster.local',
      'b.default.svc.cluster.local',
    ]);
    expect(routeNamed(config, '80')?.virtualHosts.map((v) => v.name)).toEqual([
      'a.default.svc.cluster.local:80',
      'b.default.svc.cluster.local:80',
      'allow_any',
    ]);
  });

  it('binds a TCP port to the service VIP with one match-all chain', () => {
    const config = proxyConfigFor(
      doc(client, service('db', 'default', { ports: [{ port: 5432, name: 'tcp-pg' }], clusterIP: '10.96.0.12' })),
      'default/client',
    );
    expect(chains(config, '10.96.0.12_5432')).toEqual(['ALL -> outbound|5432||db.default.svc.cluster.local']);
    expect(listenerNamed(config, '10.96.0.12_5432')).toMatchObject({ protocol: 'TCP', bindToPort: false });
  });

  it(
    'sniffs an unnamed port on its VIP: a TCP chain, an HTTP chain with route <host>:<port>, and a single * ' +
      'virtual host',
    () => {
      const config = proxyConfigFor(
        doc(client, service('api', 'default', { ports: [{ port: 9000 }], clusterIP: '10.96.0.13' })),
        'default/client',
      );
      expect(chains(config, '10.96.0.13_9000')).toEqual([
        'Trans: raw_buffer; App: http/1.1,h2c -> route api.default.svc.cluster.local:9000',
        'ALL -> outbound|9000||api.default.svc.cluster.local',
      ]);
      const route = routeNamed(config, 'api.default.svc.cluster.local:9000');
      expect(route?.virtualHosts.map((v) => [v.name, v.domains])).toEqual([
        ['api.default.svc.cluster.local:9000', ['*']],
      ]);
    },
  );

  it('matches TLS by SNI on a wildcard listener for a ServiceEntry without addresses', () => {
    const config = proxyConfigFor(
      doc(
        client,
        se('api', 'hosts: [api.example.com]\nresolution: DNS\nports: [{number: 443, name: tls, protocol: TLS}]'),
      ),
      'default/client',
    );
    expect(chains(config, '0.0.0.0_443')).toEqual([
      'SNI: api.example.com -> outbound|443||api.example.com',
      'ALL -> PassthroughCluster',
    ]);
  });

  it('does not match SNI for a TLS service on its own VIP', () => {
    const config = proxyConfigFor(
      doc(client, service('secure', 'default', { ports: [{ port: 443, name: 'https' }], clusterIP: '10.96.0.14' })),
      'default/client',
    );
    expect(chains(config, '10.96.0.14_443')).toEqual(['ALL -> outbound|443||secure.default.svc.cluster.local']);
  });

  it('lets a TCP ServiceEntry without addresses capture the whole port on 0.0.0.0 when DNS is not captured', () => {
    const config = proxyConfigFor(
      doc(
        client,
        se('db', 'hosts: [db.example.com]\nresolution: DNS\nports: [{number: 5432, name: tcp, protocol: TCP}]'),
      ),
      'default/client',
    );
    expect(chains(config, '0.0.0.0_5432')).toEqual(['ALL -> outbound|5432||db.example.com']);
  });

  it('binds the auto-allocated address instead when the proxy captures DNS', () => {
    const mesh = meshConfig('defaultConfig:\n  proxyMetadata:\n    ISTIO_META_DNS_CAPTURE: "true"');
    const config = proxyConfigFor(
      doc(
        client,
        mesh,
        se('db', 'hosts: [db.example.com]\nresolution: DNS\nports: [{number: 5432, name: tcp, protocol: TCP}]'),
      ),
      'default/client',
    );
    expect(listenerNames(config)).toContain('240.240.0.1_5432');
    expect(listenerNames(config)).not.toContain('0.0.0.0_5432');
  });

  it('keeps the first of two match-all TCP chains on one key and records the loser', () => {
    const config = proxyConfigFor(
      doc(
        client,
        se('first', 'hosts: [a.example.com]\nresolution: DNS\nports: [{number: 5432, name: tcp, protocol: TCP}]'),
        se('second', 'hosts: [b.example.com]\nresolution: DNS\nports: [{number: 5432, name: tcp, protocol: TCP}]'),
      ),
      'default/client',
    );
    expect(chains(config, '0.0.0.0_5432')).toEqual(['ALL -> outbound|5432||a.example.com']);
    expect(listenerNamed(config, '0.0.0.0_5432')?.droppedServices.map((d) => d.hostname)).toEqual(['b.example.com']);
  });

  it('merges an HTTP service over a TCP wildcard listener into a sniffed one', () => {
    const config = proxyConfigFor(
      doc(
        client,
        se('db', 'hosts: [db.example.com]\nresolution: DNS\nports: [{number: 9000, name: tcp, protocol: TCP}]'),
        service('web', 'default', { ports: [{ port: 9000, name: 'http' }], clusterIP: '10.96.0.15' }),
      ),
      'default/client',
    );
    expect(chains(config, '0.0.0.0_9000')).toEqual([
      'Trans: raw_buffer; App: http/1.1,h2c -> route 9000',
      'ALL -> outbound|9000||db.example.com',
    ]);
    expect(listenerNamed(config, '0.0.0.0_9000')?.protocol).toBe('AUTO');
  });

  it(
    'gives a headless TCP port one listener per endpoint IP, skipping the client itself, and none without ' +
      'endpoints',
    () => {
      const text = doc(
        client,
        service('db', 'default', { ports: [{ port: 5432, name: 'tcp' }], clusterIP: 'None', selector: { app: 'db' } }),
        service('empty', 'default', {
          ports: [{ port: 6379, name: 'tcp' }],
          clusterIP: 'None',
          selector: { app: 'nothing' },
        }),
        pod('db-0', 'default', { labels: { app: 'db' }, ip: '10.244.0.20', ready: false }),
        pod('db-1', 'default', { labels: { app: 'db' }, ip: '10.244.0.21' }),
      );
      const names = listenerNames(proxyConfigFor(text, 'default/client'));
      expect(names).toEqual(expect.arrayContaining(['10.244.0.20_5432', '10.244.0.21_5432']));
      expect(names.some((n) => n.endsWith('_6379'))).toBe(false);
      expect(listenerNames(proxyConfigFor(text, 'default/db-1'))).not.toContain('10.244.0.21_5432');
    },
  );

  it('gives UDP ports and ExternalName services no listener', () => {
    const config = proxyConfigFor(
      doc(
        client,
        service('dns', 'default', { ports: [{ port: 53, name: 'dns', protocol: 'UDP' }], clusterIP: '10.96.0.16' }),
        service('alias', 'default', {
          ports: [{ port: 80, name: 'http' }],
          type: 'ExternalName',
          externalName: 'example.com',
        }),
      ),
      'default/client',
    );
    expect(listenerNames(config).filter((n) => n.endsWith('_53'))).toEqual([]);
    expect(config.clusters.some((c) => c.name.includes('alias.default') || c.name.includes('dns.default'))).toBe(false);
  });

  it('builds port-specific Sidecar egress listeners first and locks them against the catch-all', () => {
    const sidecar = istio(
      'Sidecar',
      'default',
      'default',
      'egress:\n- port: {number: 80, protocol: HTTP, name: http}\n  hosts: ["./a.default.svc.cluster.local"]\n' +
        '- hosts: ["*/*"]',
    );
    const config = proxyConfigFor(
      doc(
        client,
        sidecar,
        service('a', 'default', { ports: [{ port: 80, name: 'http' }], clusterIP: '10.96.0.10' }),
        service('b', 'default', { ports: [{ port: 80, name: 'http' }], clusterIP: '10.96.0.11' }),
      ),
      'default/client',
    );
    expect(listenerNamed(config, '0.0.0.0_80')?.services).toEqual(['a.default.svc.cluster.local']);
    expect(routeNamed(config, '80')?.virtualHosts.map((v) => v.name)).toEqual([
      'a.default.svc.cluster.local:80',
      'allow_any',
    ]);
  });

  it('sends unknown traffic to BlackHoleCluster under REGISTRY_ONLY, on every listener and on virtualOutbound', () => {
    const config = proxyConfigFor(
      doc(
        client,
        meshConfig('outboundTrafficPolicy: {mode: REGISTRY_ONLY}'),
        service('web', 'default', { ports: [{ port: 80, name: 'http' }], clusterIP: '10.96.0.10' }),
      ),
      'default/client',
    );
    expect(chains(config, '0.0.0.0_80')?.[1]).toBe('ALL -> BlackHoleCluster');
    expect(chains(config, 'virtualOutbound')).toEqual(['Addr: *:15001 -> BlackHoleCluster', 'ALL -> BlackHoleCluster']);
  });

  it('routes TCP by a VirtualService tcp rule, and TLS by its sniHosts', () => {
    const text = doc(
      client,
      service('db', 'default', { ports: [{ port: 5432, name: 'tcp' }], clusterIP: '10.96.0.12' }),
      service('db-v2', 'default', { ports: [{ port: 5432, name: 'tcp' }], clusterIP: '10.96.0.17' }),
      istio('VirtualService', 'db', 'default', 'hosts: [db]\ntcp:\n- route:\n  - destination: {host: db-v2}'),
      se(
        'ext',
        'hosts: [a.example.com, b.example.com]\nresolution: NONE\nports: [{number: 443, name: tls, protocol: TLS}]',
      ),
      istio(
        'VirtualService',
        'ext',
        'default',
        'hosts: [a.example.com]\ntls:\n- match: [{sniHosts: [a.example.com]}]\n  route:\n' +
          '  - destination: {host: b.example.com}',
      ),
    );
    const config = proxyConfigFor(text, 'default/client');
    expect(chains(config, '10.96.0.12_5432')).toEqual(['ALL -> outbound|5432||db-v2.default.svc.cluster.local']);
    expect(chains(config, '0.0.0.0_443')).toEqual([
      'SNI: a.example.com -> outbound|443||b.example.com',
      'SNI: b.example.com -> outbound|443||b.example.com',
      'ALL -> PassthroughCluster',
    ]);
  });
});

describe('TCP routes to ExternalName Services (networking/core/route/route.go: GetDestinationCluster)', () => {
  it('sends a tcp route to an ExternalName alias to the cluster of the service it names', () => {
    const text = doc(
      client,
      service('db', 'default', { ports: [{ port: 5432, name: 'tcp-pg' }], clusterIP: '10.96.0.12' }),
      service('db-primary', 'default', { ports: [{ port: 5432, name: 'tcp-pg' }], clusterIP: '10.96.0.14' }),
      service('db-alias', 'default', {
        ports: [{ port: 5432, name: 'tcp-pg' }],
        type: 'ExternalName',
        externalName: 'db-primary.default.svc.cluster.local',
      }),
      istio(
        'VirtualService',
        'db',
        'default',
        'hosts: [db]\ntcp:\n- route:\n  - {destination: {host: db-alias}, weight: 100}\n' +
          '  - {destination: {host: db}, weight: 0}',
      ),
    );
    expect(chains(proxyConfigFor(text, 'default/client'), '10.96.0.12_5432')).toEqual([
      'ALL -> outbound|5432||db-primary.default.svc.cluster.local',
    ]);
  });
});
