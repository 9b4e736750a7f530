// Fidelity: the DNS step of a trace, as kube-dns / CoreDNS and the istio-agent DNS proxy answer it.
// K8S: pod resolv.conf (pkg/kubelet/network/dns/dns.go: GetPodDNS), "DNS for Services and Pods", the CoreDNS kubernetes
// plugin (pods insecure, endpoint hostnames); Istio: pkg/dns/client/dns.go (ServeDNS, lookupHost, generateAltHosts,
// buildDNSAnswers), pkg/dns/server/name_table.go (BuildNameTable), pilot/pkg/model/service.go (GetAddressForProxy),
// pilot/pkg/controllers/ipallocate/ipallocate.go, and istio.io's "DNS Proxying" page (address.internal, auto.internal,
// the tcp-echo "External TCP services without VIPs" example and the opt-out label).
import { describe, expect, it } from 'vitest';
import { analyze, traceRequest } from '../index.ts';
import { doc, factOf, istio, meshConfig, namespace, pod, service, simulateScenario } from '../testkit.ts';
import type { DnsQuery, Simulation } from './facts.ts';

const CAPTURE = { 'proxy.istio.io/config': "proxyMetadata: {ISTIO_META_DNS_CAPTURE: 'true'}" };

const cluster = doc(
  namespace('foo', { 'istio-injection': 'enabled' }),
  namespace('bar', { 'istio-injection': 'enabled' }),
  pod('plain', 'foo', { labels: { app: 'plain' }, ip: '10.1.0.8' }),
  pod('sleep', 'foo', { labels: { app: 'sleep' }, ip: '10.1.0.7', annotations: CAPTURE }),
  pod('ratings', 'foo', { labels: { app: 'ratings' }, ip: '10.1.0.9', ports: [{ containerPort: 9080 }] }),
  service('ratings', 'foo', {
    clusterIP: '10.96.0.9',
    selector: { app: 'ratings' },
    ports: [{ port: 9080, name: 'http' }],
  }),
  pod('reviews', 'bar', { labels: { app: 'reviews' }, ip: '10.1.1.5', ports: [{ containerPort: 9080 }] }),
  service('reviews', 'bar', {
    clusterIP: '10.96.0.20',
    selector: { app: 'reviews' },
    ports: [{ port: 9080, name: 'http' }],
  }),
);

const call = (text: string, from: string, to: string, options = {}): Simulation =>
  simulateScenario(text, { from, to }, options);
/** The names the pod's resolver asked, in order, with who answered each (the simulation's dns step). */
const queriesOf = (t: Simulation): DnsQuery[] => {
  const fact = factOf(t, 'dns');
  return fact?.by === 'lookup' ? fact.queries : [];
};
const asked = (t: Simulation) => queriesOf(t).map((q) => `${q.name} ${q.answeredBy} ${q.rcode}`);

describe('kube-dns: the search path and ndots:5 of a ClusterFirst pod', () => {
  it('a short name of the same namespace answers on the first search domain', () => {
    const t = call(cluster, 'foo/plain', 'ratings:9080');
    expect(t.dns).toMatchObject({
      resolver: 'kube-dns',
      name: 'ratings.foo.svc.cluster.local',
      answers: ['10.96.0.9'],
    });
    expect(asked(t)).toEqual(['ratings.foo.svc.cluster.local kubeDns NOERROR']);
    expect(t.outcome).toBe('routed');
  });

  it('a short name of another namespace tries every search domain, then the name, and fails', () => {
    const t = call(cluster, 'foo/plain', 'reviews:9080');
    expect(t.dns).toMatchObject({ rcode: 'NXDOMAIN', answers: [] });
    expect(asked(t)).toEqual([
      'reviews.foo.svc.cluster.local kubeDns NXDOMAIN',
      'reviews.svc.cluster.local kubeDns NXDOMAIN',
      'reviews.cluster.local kubeDns NXDOMAIN',
      'reviews upstream NXDOMAIN',
    ]);
    expect(t.outcome).toBe('dns-failure');
    expect(t.hops).toEqual([]);
  });

  it('name.namespace answers on the second search domain, name.namespace.svc on the third', () => {
    expect(asked(call(cluster, 'foo/plain', 'reviews.bar:9080'))).toEqual([
      'reviews.bar.foo.svc.cluster.local kubeDns NXDOMAIN',
      'reviews.bar.svc.cluster.local kubeDns NOERROR',
    ]);
    const svc = call(cluster, 'foo/plain', 'reviews.bar.svc:9080');
    expect(asked(svc).at(-1)).toBe('reviews.bar.svc.cluster.local kubeDns NOERROR');
    expect(asked(svc)).toHaveLength(3);
    expect(svc.dns.answers).toEqual(['10.96.0.20']);
  });

  it('the FQDN (4 dots, fewer than ndots:5) still goes through the search list first; a trailing dot does not', () => {
    const fqdn = call(cluster, 'foo/plain', 'reviews.bar.svc.cluster.local:9080');
    expect(asked(fqdn)).toHaveLength(4);
    expect(asked(fqdn)[3]).toBe('reviews.bar.svc.cluster.local kubeDns NOERROR');
    const dotted = call(cluster, 'foo/plain', 'reviews.bar.svc.cluster.local.:9080');
    expect(asked(dotted)).toEqual(['reviews.bar.svc.cluster.local kubeDns NOERROR']);
    expect(dotted.dns.answers).toEqual(['10.96.0.20']);
  });

  it('a name with 5 dots is asked as it is first', () => {
    const t = call(cluster, 'foo/plain', 'http://a.b.eu.west.example.com/');
    expect(asked(t)).toEqual(['a.b.eu.west.example.com upstream NOERROR']);
  });

  it('a public name goes through the cluster search domains (NXDOMAIN) before the upstream answers', () => {
    const t = call(cluster, 'foo/plain', 'http://www.google.com/');
    expect(asked(t)).toEqual([
      'www.google.com.foo.svc.cluster.local kubeDns NXDOMAIN',
      'www.google.com.svc.cluster.local kubeDns NXDOMAIN',
      'www.google.com.cluster.local kubeDns NXDOMAIN',
      'www.google.com upstream NOERROR',
    ]);
    expect(t.dns.name).toBe('www.google.com');
  });
});

describe('the istio-agent DNS proxy (ISTIO_META_DNS_CAPTURE)', () => {
  it('answers Service names from its table, name.namespace on the first query (the first search domain CNAME)', () => {
    const t = call(cluster, 'foo/sleep', 'reviews.bar:9080');
    expect(t.dns).toMatchObject({
      resolver: 'istio-agent',
      name: 'reviews.bar.svc.cluster.local',
      answers: ['10.96.0.20'],
    });
    expect(queriesOf(t)).toEqual([
      { name: 'reviews.bar.foo.svc.cluster.local', answeredBy: 'nameTable', rcode: 'NOERROR', forwarded: false },
    ]);
    expect(t.hops[0]).toMatchObject({
      listener: '0.0.0.0_9080',
      cluster: 'outbound|9080||reviews.bar.svc.cluster.local',
    });
  });

  it('answers the bare name only for its own namespace; other names are forwarded to kube-dns as they are', () => {
    expect(asked(call(cluster, 'foo/sleep', 'ratings:9080'))).toEqual([
      'ratings.foo.svc.cluster.local nameTable NOERROR',
    ]);
    const other = call(cluster, 'foo/sleep', 'reviews:9080');
    expect(other.dns.rcode).toBe('NXDOMAIN');
    expect(queriesOf(other).every((q) => q.forwarded && q.rcode === 'NXDOMAIN')).toBe(true);
    expect(queriesOf(other)).toHaveLength(4);
    const google = call(cluster, 'foo/sleep', 'http://www.google.com/');
    expect(queriesOf(google).at(-1)).toMatchObject({
      name: 'www.google.com',
      answeredBy: 'upstream',
      forwarded: true,
    });
  });

  it('a Service the Sidecar does not import is not in the table: kube-dns answers, and the call passes through', () => {
    const scoped = doc(cluster, istio('Sidecar', 'default', 'foo', 'egress: [{hosts: ["./*"]}]'));
    const t = call(scoped, 'foo/sleep', 'reviews.bar:9080');
    expect(t.dns.answers).toEqual(['10.96.0.20']);
    expect(queriesOf(t).at(-1)).toMatchObject({ answeredBy: 'kubeDns', forwarded: true, rcode: 'NOERROR' });
    expect(t.hops[0]?.cluster).toBe('PassthroughCluster');
  });

  it('excluding outbound port 53 bypasses the capture: kube-dns answers, and a ServiceEntry-only name fails', () => {
    const excluded = doc(
      cluster,
      pod('bypass', 'foo', {
        ip: '10.1.0.30',
        annotations: { ...CAPTURE, 'traffic.sidecar.istio.io/excludeOutboundPorts': '53' },
      }),
      istio(
        'ServiceEntry',
        'db',
        'foo',
        'hosts: [db.internal]\nports: [{number: 5432, name: tcp, protocol: TCP}]\nresolution: DNS',
      ),
    );
    expect(call(excluded, 'foo/bypass', 'ratings:9080').dns).toMatchObject({
      resolver: 'kube-dns',
      answers: ['10.96.0.9'],
    });
    expect(call(excluded, 'foo/bypass', 'tcp://db.internal:5432').dns.rcode).toBe('NXDOMAIN');
    expect(call(excluded, 'foo/sleep', 'tcp://db.internal:5432').dns.answers).toEqual(['240.240.0.1']);
  });

  it('the mesh-wide defaultConfig turns it on for every sidecar', () => {
    const mesh = doc(cluster, meshConfig("defaultConfig:\n  proxyMetadata: {ISTIO_META_DNS_CAPTURE: 'true'}"));
    expect(call(mesh, 'foo/plain', 'ratings:9080').dns.resolver).toBe('istio-agent');
  });
});

const headless = doc(
  namespace('db', { 'istio-injection': 'enabled' }),
  pod('client', 'db', { labels: { app: 'client' }, ip: '10.2.0.2' }),
  pod('cap', 'db', { labels: { app: 'cap' }, ip: '10.2.0.3', annotations: CAPTURE }),
  `apiVersion: v1
kind: Pod
metadata: {name: mysql-0, namespace: db, labels: {app: mysql}}
spec: {hostname: mysql-0, subdomain: mysql, containers: [{name: m, image: m, ports: [{containerPort: 3306}]}]}
status: {phase: Running, podIP: 10.2.1.10, conditions: [{type: Ready, status: "True"}]}`,
  `apiVersion: v1
kind: Pod
metadata: {name: mysql-1, namespace: db, labels: {app: mysql}}
spec: {hostname: mysql-1, subdomain: mysql, containers: [{name: m, image: m, ports: [{containerPort: 3306}]}]}
status: {phase: Running, podIP: 10.2.1.11, conditions: [{type: Ready, status: "False"}]}`,
  `apiVersion: v1
kind: Service
metadata: {name: mysql, namespace: db}
spec: {clusterIP: None, selector: {app: mysql}, ports: [{port: 3306, name: tcp-mysql}]}`,
  `apiVersion: v1
kind: Service
metadata: {name: mysql-all, namespace: db}
spec: {clusterIP: None, publishNotReadyAddresses: true, selector: {app: mysql}, ports: [{port: 3306, name: tcp}]}`,
  `apiVersion: v1
kind: Service
metadata: {name: idle, namespace: db}
spec: {clusterIP: None, selector: {app: none}, ports: [{port: 3306, name: tcp}]}`,
  service('empty', 'db', { clusterIP: '10.96.5.5', selector: { app: 'none' }, ports: [{ port: 80, name: 'http' }] }),
);

describe('headless Services and pod names', () => {
  it('a headless Service answers the IPs of its ready endpoints, from kube-dns and from the agent', () => {
    for (const from of ['db/client', 'db/cap']) {
      const t = call(headless, from, 'mysql:3306');
      expect(t.dns).toMatchObject({ name: 'mysql.db.svc.cluster.local', answers: ['10.2.1.10'], rcode: 'NOERROR' });
    }
    expect(queriesOf(call(headless, 'db/cap', 'mysql:3306'))[0]?.answeredBy).toBe('nameTable');
  });

  it('publishNotReadyAddresses answers the unready pod too', () => {
    expect(call(headless, 'db/client', 'mysql-all:3306').dns.answers.sort()).toEqual(['10.2.1.10', '10.2.1.11']);
    expect(call(headless, 'db/cap', 'mysql-all:3306').dns.answers.sort()).toEqual(['10.2.1.10', '10.2.1.11']);
  });

  it('a headless Service with no ready endpoint is NXDOMAIN: the agent has no entry and forwards', () => {
    for (const from of ['db/client', 'db/cap']) {
      const t = call(headless, from, 'idle:3306');
      expect(t.dns.rcode).toBe('NXDOMAIN');
      expect(t.outcome).toBe('dns-failure');
    }
  });

  it('StatefulSet pod names <hostname>.<subdomain>: ready pods only, unless the Service publishes unready ones', () => {
    expect(call(headless, 'db/client', 'mysql-0.mysql:3306').dns).toMatchObject({
      name: 'mysql-0.mysql.db.svc.cluster.local',
      answers: ['10.2.1.10'],
    });
    expect(call(headless, 'db/cap', 'mysql-0.mysql:3306').dns.answers).toEqual(['10.2.1.10']);
    expect(call(headless, 'db/client', 'mysql-1.mysql:3306').dns.rcode).toBe('NXDOMAIN');
  });

  it('a StatefulSet without Pods in the manifests still gives each replica its name, and no more', () => {
    const sts = doc(
      namespace('web'),
      pod('client', 'web', { ip: '10.3.0.2' }),
      `apiVersion: v1
kind: Service
metadata: {name: nginx, namespace: web}
spec: {clusterIP: None, selector: {app: nginx}, ports: [{port: 80, name: web}]}`,
      `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web, namespace: web}
spec:
  serviceName: nginx
  replicas: 2
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec: {containers: [{name: nginx, image: nginx, ports: [{containerPort: 80, name: web}]}]}`,
    );
    const one = call(sts, 'web/client', 'web-1.nginx:80');
    expect(one.dns.rcode).toBe('NOERROR');
    expect(one.dns.answers).toHaveLength(1);
    expect(call(sts, 'web/client', 'web-2.nginx:80').dns.rcode).toBe('NXDOMAIN');
  });

  it('CoreDNS names a headless endpoint without hostname by its dashed IP, and answers a-b-c-d.<ns>.pod names', () => {
    const dashed = call(headless, 'db/client', '10-2-1-10.mysql-all:3306');
    // mysql-0's subdomain is mysql, not mysql-all: its EndpointSlice entry for mysql-all has no hostname.
    expect(dashed.dns).toMatchObject({ rcode: 'NOERROR', answers: ['10.2.1.10'] });
    expect(call(headless, 'db/client', '10-2-1-10.mysql:3306').dns.rcode).toBe('NXDOMAIN');
    expect(call(headless, 'db/client', '10-2-1-10.db.pod:3306').dns).toMatchObject({
      name: '10-2-1-10.db.pod.cluster.local',
      answers: ['10.2.1.10'],
    });
  });

  it('a ClusterIP Service with no endpoints still resolves; the sidecar then has no healthy upstream', () => {
    const t = call(headless, 'db/client', 'http://empty/');
    expect(t.dns.answers).toEqual(['10.96.5.5']);
    expect({ outcome: t.outcome, status: t.status, flags: t.responseFlags }).toEqual({
      outcome: 'no-healthy-upstream',
      status: 503,
      flags: 'UH',
    });
  });
});

describe('ExternalName Services', () => {
  const external = doc(
    cluster,
    service('github', 'foo', { type: 'ExternalName', externalName: 'api.github.com', ports: [{ port: 443 }] }),
    service('alias', 'foo', {
      type: 'ExternalName',
      externalName: 'reviews.bar.svc.cluster.local',
      ports: [{ port: 9080, name: 'http' }],
    }),
  );

  it('kube-dns answers a CNAME, followed to the target, whether or not DNS is captured', () => {
    for (const from of ['foo/plain', 'foo/sleep']) {
      const t = call(external, from, 'https://github/');
      expect(t.dns.rcode).toBe('NOERROR');
      expect(t.dns.answers).toHaveLength(1);
      expect(queriesOf(t)[0]).toMatchObject({ name: 'github.foo.svc.cluster.local', cname: 'api.github.com' });
    }
    expect(call(external, 'foo/plain', 'alias:9080').dns).toMatchObject({
      name: 'alias.foo.svc.cluster.local',
      answers: ['10.96.0.20'],
    });
  });
});

// istio.io "DNS Proxying": address.internal and auto.internal.
const dnsProxying = (...extra: string[]) =>
  doc(
    namespace('default', { 'istio-injection': 'enabled' }),
    pod('curl', 'default', { labels: { app: 'curl' }, ip: '10.4.0.2', annotations: CAPTURE }),
    pod('nocap', 'default', { labels: { app: 'nocap' }, ip: '10.4.0.3' }),
    istio(
      'ServiceEntry',
      'external-address',
      'default',
      'addresses: [198.51.100.1]\nhosts: [address.internal]\nports: [{name: http, number: 80, protocol: HTTP}]',
    ),
    ...extra,
  );
const autoInternal = (labels = '', annotations = '') =>
  `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: external-auto, namespace: default${labels}${annotations}}
spec:
  hosts: [auto.internal]
  ports: [{name: http, number: 80, protocol: HTTP}]
  resolution: DNS`;

describe('ServiceEntry hosts and the DNS proxy (istio.io DNS Proxying)', () => {
  it('address.internal resolves to its address only through the agent; kube-dns does not know it', () => {
    const t = call(dnsProxying(), 'default/curl', 'http://address.internal/');
    expect(t.dns).toMatchObject({ resolver: 'istio-agent', name: 'address.internal', answers: ['198.51.100.1'] });
    expect(t.hops[0]).toMatchObject({ cluster: 'outbound|80||address.internal' });
    const plain = call(dnsProxying(), 'default/nocap', 'http://address.internal/');
    expect(plain.dns).toMatchObject({ resolver: 'kube-dns', rcode: 'NXDOMAIN' });
    expect(plain.outcome).toBe('dns-failure');
  });

  it('auto.internal without addresses gets 240.240.0.1 (Trying 240.240.0.1:80...)', () => {
    const t = call(dnsProxying(autoInternal()), 'default/curl', 'http://auto.internal/');
    expect(t.dns.answers).toEqual(['240.240.0.1']);
    expect(t.hops[0]).toMatchObject({ cluster: 'outbound|80||auto.internal' });
    expect(call(dnsProxying(autoInternal()), 'default/nocap', 'http://auto.internal/').dns.rcode).toBe('NXDOMAIN');
  });

  it('the opt-out label stops the allocation: "Could not resolve host: auto.internal"', () => {
    const optOut = dnsProxying(autoInternal(', labels: {networking.istio.io/enable-autoallocate-ip: "false"}'));
    const t = call(optOut, 'default/curl', 'http://auto.internal/');
    expect(t.dns.rcode).toBe('NXDOMAIN');
    expect(t.outcome).toBe('dns-failure');
    // As an annotation it is not read: the address is allocated.
    const annotated = dnsProxying(
      autoInternal('', ', annotations: {networking.istio.io/enable-autoallocate-ip: "false"}'),
    );
    expect(call(annotated, 'default/curl', 'http://auto.internal/').dns.answers).toEqual(['240.240.0.1']);
  });

  it('an address another ServiceEntry claims in spec.addresses is skipped', () => {
    const claimed = istio(
      'ServiceEntry',
      'claimed',
      'default',
      'hosts: [claimed.internal]\naddresses: [240.240.0.1]\nports: [{name: tcp, number: 7000, protocol: TCP}]',
    );
    expect(call(dnsProxying(claimed, autoInternal()), 'default/curl', 'http://auto.internal/').dns.answers).toEqual([
      '240.240.0.2',
    ]);
  });

  it('an address istiod already wrote in status is kept', () => {
    const dumped = autoInternal() + '\nstatus:\n  addresses: [{host: auto.internal, value: 240.240.3.7}]';
    expect(call(dnsProxying(dumped), 'default/curl', 'http://auto.internal/').dns.answers).toEqual(['240.240.3.7']);
  });
});

// istio.io "External TCP services without VIPs": two TCP ServiceEntries on port 9000, namespaces outside
// discoverySelectors standing in for external databases.
const tcpEcho = (capture: boolean) =>
  doc(
    namespace('default', { 'istio-injection': 'enabled' }),
    namespace('external-1'),
    namespace('external-2'),
    pod('curl', 'default', { labels: { app: 'curl' }, ip: '10.5.0.2', annotations: capture ? CAPTURE : {} }),
    ...['external-1', 'external-2'].flatMap((ns, i) => [
      pod('tcp-echo', ns, { labels: { app: 'tcp-echo' }, ip: `10.5.${i + 1}.2`, ports: [{ containerPort: 9000 }] }),
      service('tcp-echo', ns, {
        clusterIP: `10.96.${i + 1}.9`,
        selector: { app: 'tcp-echo' },
        ports: [{ port: 9000, name: 'tcp' }],
      }),
      istio(
        'ServiceEntry',
        `external-svc-${i + 1}`,
        'default',
        `hosts: [tcp-echo.${ns}.svc.cluster.local]\n` +
          `ports: [{name: external-svc-${i + 1}, number: 9000, protocol: TCP}]\n` +
          'resolution: DNS',
      ),
    ]),
    meshConfig('discoverySelectors:\n- matchLabels: {istio-injection: enabled}'),
  );

describe('External TCP services without VIPs (istio.io)', () => {
  it('with DNS capture each ServiceEntry gets its own class E address and its own listener', () => {
    const one = call(tcpEcho(true), 'default/curl', 'tcp://tcp-echo.external-1.svc.cluster.local:9000');
    const two = call(tcpEcho(true), 'default/curl', 'tcp://tcp-echo.external-2.svc.cluster.local:9000');
    expect(one.dns.answers).toEqual(['240.240.0.1']);
    expect(two.dns.answers).toEqual(['240.240.0.2']);
    // The host is a ServiceEntry's, not a Kubernetes Service's: answered on the first search domain's CNAME.
    expect(queriesOf(one)[0]).toMatchObject({
      name: 'tcp-echo.external-1.svc.cluster.local.default.svc.cluster.local',
      answeredBy: 'nameTable',
    });
    expect(one.hops[0]).toMatchObject({
      listener: '240.240.0.1_9000',
      cluster: 'outbound|9000||tcp-echo.external-1.svc.cluster.local',
    });
    expect(two.hops[0]).toMatchObject({
      listener: '240.240.0.2_9000',
      cluster: 'outbound|9000||tcp-echo.external-2.svc.cluster.local',
    });
  });

  it('without it kube-dns answers the real ClusterIPs and both land on one 0.0.0.0:9000 listener', () => {
    const one = call(tcpEcho(false), 'default/curl', 'tcp://tcp-echo.external-1.svc.cluster.local:9000');
    const two = call(tcpEcho(false), 'default/curl', 'tcp://tcp-echo.external-2.svc.cluster.local:9000');
    expect(one.dns.answers).toEqual(['10.96.1.9']);
    expect(two.dns.answers).toEqual(['10.96.2.9']);
    expect(one.hops[0]?.listener).toBe('0.0.0.0_9000');
    expect(two.hops[0]?.listener).toBe('0.0.0.0_9000');
    expect(two.hops[0]?.cluster).toBe(one.hops[0]?.cluster);
  });
});

const resolutions = doc(
  namespace('foo', { 'istio-injection': 'enabled' }),
  namespace('bar', { 'istio-injection': 'enabled' }),
  pod('sleep', 'foo', { labels: { app: 'sleep' }, ip: '10.6.0.2', annotations: CAPTURE }),
  pod('sleep', 'bar', { labels: { app: 'sleep' }, ip: '10.6.0.3', annotations: CAPTURE }),
  istio(
    'ServiceEntry',
    'none',
    'foo',
    'hosts: [api.dropbox.com]\nports: [{number: 443, name: tls, protocol: TLS}]\nresolution: NONE',
  ),
  istio(
    'ServiceEntry',
    'static',
    'foo',
    'hosts: [static.internal]\nports: [{number: 7000, name: tcp, protocol: TCP}]\nresolution: STATIC\n' +
      'endpoints: [{address: 198.51.100.7}]',
  ),
  istio(
    'ServiceEntry',
    'rr',
    'foo',
    'hosts: [rr.internal]\nexportTo: ["."]\nports: [{number: 7001, name: tcp, protocol: TCP}]\n' +
      'resolution: DNS_ROUND_ROBIN\nendpoints: [{address: rr-backend.example.com}]',
  ),
  istio(
    'ServiceEntry',
    'wild-none',
    'foo',
    'hosts: ["*.wikipedia.org"]\nports: [{number: 443, name: tls, protocol: TLS}]\nresolution: NONE',
  ),
  istio(
    'ServiceEntry',
    'wild-addressed',
    'foo',
    'hosts: ["*.corp.internal"]\naddresses: [192.0.2.44]\nports: [{number: 8443, name: tls, protocol: TLS}]\n' +
      'resolution: NONE',
  ),
);

describe('ServiceEntry resolution and visibility in the name table', () => {
  it('NONE without addresses is not in the table: forwarded, the real answer, the 0.0.0.0:443 listener', () => {
    const t = call(resolutions, 'foo/sleep', 'https://api.dropbox.com/');
    expect(queriesOf(t).at(-1)).toMatchObject({ name: 'api.dropbox.com', answeredBy: 'upstream', forwarded: true });
    expect(t.dns.answers[0]).not.toMatch(/^240\.240\./);
    expect(t.hops[0]).toMatchObject({ listener: '0.0.0.0_443', cluster: 'outbound|443||api.dropbox.com' });
  });

  it('STATIC and DNS_ROUND_ROBIN without addresses get class E addresses and VIP listeners', () => {
    const s = call(resolutions, 'foo/sleep', 'tcp://static.internal:7000');
    expect(s.dns.answers[0]).toMatch(/^240\.240\.0\.\d+$/);
    expect(s.hops[0]).toMatchObject({ listener: `${s.dns.answers[0]}_7000`, endpoint: '198.51.100.7:7000' });
    const r = call(resolutions, 'foo/sleep', 'tcp://rr.internal:7001');
    expect(r.dns.answers[0]).toMatch(/^240\.240\.0\.\d+$/);
    expect(r.dns.answers[0]).not.toBe(s.dns.answers[0]);
    expect(r.hops[0]?.cluster).toBe('outbound|7001||rr.internal');
  });

  it('exportTo "." keeps the host out of other namespaces\' tables: there it does not resolve', () => {
    expect(call(resolutions, 'bar/sleep', 'tcp://rr.internal:7001').dns.rcode).toBe('NXDOMAIN');
    expect(call(resolutions, 'bar/sleep', 'tcp://static.internal:7000').dns.answers[0]).toMatch(/^240\.240\./);
  });

  it('a Sidecar egress host list limits the table the same way', () => {
    const scoped = doc(resolutions, istio('Sidecar', 'default', 'bar', 'egress: [{hosts: ["./*"]}]'));
    expect(call(scoped, 'bar/sleep', 'tcp://static.internal:7000').dns.rcode).toBe('NXDOMAIN');
  });

  it('a wildcard host is answered only when it has an address; the name asked gets that address', () => {
    const none = call(resolutions, 'foo/sleep', 'https://en.wikipedia.org/');
    expect(queriesOf(none).at(-1)).toMatchObject({ answeredBy: 'upstream', forwarded: true });
    const addressed = call(resolutions, 'foo/sleep', 'https://git.corp.internal:8443/');
    expect(addressed.dns).toMatchObject({ name: 'git.corp.internal', answers: ['192.0.2.44'] });
    expect(queriesOf(addressed)).toHaveLength(1);
  });
});

const resolvPod = (name: string, ip: string, spec: string, annotations = '') =>
  `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: foo, labels: {app: ${name}}${annotations}}
spec:
${spec
  .split('\n')
  .map((line) => `  ${line}`)
  .join('\n')}
  containers: [{name: app, image: app}]
status: {phase: Running, podIP: ${ip}, conditions: [{type: Ready, status: "True"}]}`;
const captureAnnotation = `, annotations: {proxy.istio.io/config: "proxyMetadata: {ISTIO_META_DNS_CAPTURE: 'true'}"}`;

describe("the pod's own resolv.conf: dnsPolicy and dnsConfig", () => {
  const kubeDns = `apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system}
spec: {clusterIP: 10.96.0.10, ports: [{port: 53, name: dns, protocol: UDP}]}`;
  const pods = doc(
    cluster,
    kubeDns,
    resolvPod('default-policy', '10.1.0.20', 'dnsPolicy: Default'),
    resolvPod('default-capture', '10.1.0.21', 'dnsPolicy: Default', captureAnnotation),
    resolvPod(
      'none-cluster',
      '10.1.0.22',
      'dnsPolicy: None\ndnsConfig:\n  nameservers: [10.96.0.10]\n  searches: [bar.svc.cluster.local]\n' +
        '  options: [{name: ndots, value: "2"}]',
    ),
    resolvPod('none-public', '10.1.0.23', 'dnsPolicy: None\ndnsConfig: {nameservers: [8.8.8.8]}'),
    resolvPod('extra-search', '10.1.0.24', 'dnsConfig: {searches: [bar.svc.cluster.local]}'),
    resolvPod('ndots-one', '10.1.0.25', 'dnsConfig: {options: [{name: ndots, value: "1"}]}'),
    resolvPod('host', '192.168.0.5', 'hostNetwork: true'),
    resolvPod('host-cluster', '192.168.0.6', 'hostNetwork: true\ndnsPolicy: ClusterFirstWithHostNet'),
  );

  it('dnsPolicy Default asks the node, which knows no Service; public names still resolve', () => {
    const t = call(pods, 'foo/default-policy', 'ratings.foo:9080');
    expect(t.dns).toMatchObject({ rcode: 'NXDOMAIN', nameserver: 'node' });
    expect(asked(t)).toEqual(['ratings.foo upstream NXDOMAIN']);
    expect(call(pods, 'foo/default-policy', 'http://www.google.com/').dns.rcode).toBe('NOERROR');
  });

  it('with DNS capture the agent still answers its table names, whatever nameserver resolv.conf names', () => {
    const t = call(pods, 'foo/default-capture', 'ratings:9080');
    expect(t.dns).toMatchObject({ resolver: 'istio-agent', answers: ['10.96.0.9'] });
    expect(asked(t)).toEqual(['ratings nameTable NOERROR']);
    expect(call(pods, 'foo/default-capture', 'reviews.bar.svc.cluster.local:9080').dns.answers).toEqual(['10.96.0.20']);
    // A name not in the table is forwarded to the node's resolver.
    const scoped = doc(pods, istio('Sidecar', 'default', 'foo', 'egress: [{hosts: ["./*"]}]'));
    expect(call(scoped, 'foo/default-capture', 'reviews.bar.svc.cluster.local:9080').dns.rcode).toBe('NXDOMAIN');
  });

  it('dnsPolicy None uses only dnsConfig: its searches and ndots, its nameservers', () => {
    const t = call(pods, 'foo/none-cluster', 'reviews:9080');
    expect(t.dns).toMatchObject({ name: 'reviews.bar.svc.cluster.local', answers: ['10.96.0.20'] });
    expect(call(pods, 'foo/none-cluster', 'ratings:9080').dns.rcode).toBe('NXDOMAIN');
    const pub = call(pods, 'foo/none-public', 'ratings.foo.svc.cluster.local:9080');
    expect(pub.dns).toMatchObject({ rcode: 'NXDOMAIN', nameserver: '8.8.8.8' });
  });

  it('ClusterFirst with dnsConfig appends search domains and overrides ndots', () => {
    expect(asked(call(pods, 'foo/extra-search', 'reviews:9080'))).toEqual([
      'reviews.foo.svc.cluster.local kubeDns NXDOMAIN',
      'reviews.svc.cluster.local kubeDns NXDOMAIN',
      'reviews.cluster.local kubeDns NXDOMAIN',
      'reviews.bar.svc.cluster.local kubeDns NOERROR',
    ]);
    expect(asked(call(pods, 'foo/ndots-one', 'reviews.bar:9080'))).toEqual([
      'reviews.bar upstream NXDOMAIN',
      'reviews.bar.foo.svc.cluster.local kubeDns NXDOMAIN',
      'reviews.bar.svc.cluster.local kubeDns NOERROR',
    ]);
  });

  it('a hostNetwork pod uses the node resolver unless dnsPolicy is ClusterFirstWithHostNet', () => {
    expect(call(pods, 'foo/host', 'ratings.foo:9080').dns).toMatchObject({ rcode: 'NXDOMAIN', nameserver: 'node' });
    expect(call(pods, 'foo/host-cluster', 'ratings.foo:9080').dns).toMatchObject({
      rcode: 'NOERROR',
      answers: ['10.96.0.9'],
    });
  });

  it('says which nameserver answered in words', () => {
    const analysis = analyze([{ name: 'pods.yaml', text: pods }]);
    const result = traceRequest(analysis, { from: 'foo/default-policy', to: 'ratings.foo:9080' });
    if (!result.ok) throw new Error(result.reason);
    expect(result.trace.steps.find((s) => s.kind === 'dns')?.detail).toMatch(/the node's own resolver/);
  });
});

// istiod with PILOT_ENABLE_IP_AUTOALLOCATE=false: the old allocator (pilot/pkg/serviceregistry/serviceentry/
// auto_allocation.go), as in serviceentry_simulation_test.go: TestServiceEntryDuplicatedHostname and
// controller_test.go: TestAutoAllocateIPs.
const legacyAllocator = (proxyMetadata: string, ...extra: string[]) =>
  doc(
    namespace('default', { 'istio-injection': 'enabled' }),
    pod('curl', 'default', {
      labels: { app: 'curl' },
      ip: '10.7.0.2',
      annotations: { 'proxy.istio.io/config': `proxyMetadata: {${proxyMetadata}}` },
    }),
    istio(
      'ServiceEntry',
      'istio-http',
      'default',
      'hosts: [istio.io]\nlocation: MESH_EXTERNAL\nports: [{number: 80, name: http, protocol: HTTP}]\nresolution: DNS',
    ),
    istio(
      'ServiceEntry',
      'istio-https',
      'default',
      'hosts: [istio.io]\nlocation: MESH_EXTERNAL\nports: [{number: 443, name: https, protocol: HTTPS}]\n' +
        'resolution: DNS',
    ),
    ...extra,
  );
const operatorOff = `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: installed-state, namespace: istio-system}
spec:
  values: {pilot: {env: {PILOT_ENABLE_IP_AUTOALLOCATE: "false"}}}`;
const istiodOff = `apiVersion: apps/v1
kind: Deployment
metadata: {name: istiod, namespace: istio-system}
spec:
  selector: {matchLabels: {app: istiod}}
  template:
    metadata: {labels: {app: istiod}}
    spec:
      containers:
      - name: discovery
        image: pilot
        env: [{name: PILOT_ENABLE_IP_AUTOALLOCATE, value: "false"}]`;
const BOTH = "ISTIO_META_DNS_CAPTURE: 'true', ISTIO_META_DNS_AUTO_ALLOCATE: 'true'";

describe('PILOT_ENABLE_IP_AUTOALLOCATE=false: the old allocator', () => {
  it('hashes default/istio.io to 240.240.91.120, one address for both ServiceEntries of the host', () => {
    for (const off of [operatorOff, istiodOff]) {
      const scenario = legacyAllocator(BOTH, off);
      const http = call(scenario, 'default/curl', 'http://istio.io/');
      expect(http.dns.answers).toEqual(['240.240.91.120']);
      expect(http.hops[0]).toMatchObject({ listener: '0.0.0.0_80', cluster: 'outbound|80||istio.io' });
      const https = call(scenario, 'default/curl', 'https://istio.io/');
      expect(https.dns.answers).toEqual(['240.240.91.120']);
      expect(https.hops[0]).toMatchObject({ listener: '240.240.91.120_443', cluster: 'outbound|443||istio.io' });
    }
  });

  it('needs ISTIO_META_DNS_AUTO_ALLOCATE on the proxy; without it the name goes upstream', () => {
    const t = call(legacyAllocator("ISTIO_META_DNS_CAPTURE: 'true'", operatorOff), 'default/curl', 'https://istio.io/');
    expect(t.dns.answers[0]).not.toMatch(/^240\.240\./);
    expect(t.hops[0]?.listener).toBe('0.0.0.0_443');
  });

  it('the address hangs on namespace/host only: the same host in another namespace does not move it', () => {
    const entry = (ns: string) =>
      istio(
        'ServiceEntry',
        'a',
        ns,
        'hosts: [a.example.com]\nports: [{number: 7000, name: tcp, protocol: TCP}]\nresolution: DNS',
      );
    const curl = (ns: string) =>
      pod('curl', ns, {
        ip: ns === 'a' ? '10.7.1.2' : '10.7.1.3',
        annotations: { 'proxy.istio.io/config': `proxyMetadata: {${BOTH}}` },
      });
    const injected = (ns: string) => namespace(ns, { 'istio-injection': 'enabled' });
    const alone = doc(injected('a'), curl('a'), entry('a'), operatorOff);
    const both = doc(injected('a'), injected('b'), curl('a'), curl('b'), entry('a'), entry('b'), operatorOff);
    expect(call(alone, 'a/curl', 'tcp://a.example.com:7000').dns.answers).toEqual(['240.240.134.206']);
    expect(call(both, 'a/curl', 'tcp://a.example.com:7000').dns.answers).toEqual(['240.240.134.206']);
    expect(call(both, 'b/curl', 'tcp://a.example.com:7000').dns.answers).toEqual(['240.240.41.100']);
  });

  it('with the controller (the default) each ServiceEntry gets the next address from 240.240.0.1', () => {
    const t = call(legacyAllocator(BOTH), 'default/curl', 'https://istio.io/');
    expect(t.dns.answers).toEqual(['240.240.0.1', '240.240.0.2']);
  });
});
