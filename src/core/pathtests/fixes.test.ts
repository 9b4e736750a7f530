import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyze, traceRequest } from '../index.ts';
import type { ManifestFile } from '../manifest/parse.ts';
import type { TraceOptions, TraceRequest } from '../simulate/request.ts';
import { explainWhyNot, type WhyNot } from './fixes.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const scenario = (name: string): ManifestFile => ({
  name: `${name}.yaml`,
  text: readFileSync(`${root}fixtures/scenarios/${name}/manifests.yaml`, 'utf8'),
});

function whyNot(
  files: ManifestFile[],
  request: TraceRequest,
  options: TraceOptions = {},
  intendedCluster?: string,
): WhyNot {
  const why = explainWhyNot(
    (f, clusterDomain) => analyze(f, { clusterDomain }),
    files,
    request,
    options,
    intendedCluster,
  );
  if (typeof why === 'string') throw new Error(why);
  return why;
}

/** A fix is only worth showing if pasting it does what it says: apply the snippet as the user would and trace again. */
function tracedWith(
  files: ManifestFile[],
  fix: WhyNot['fixes'][number],
  request: TraceRequest,
  options: TraceOptions = {},
) {
  const withFix =
    fix.change === 'add'
      ? [...files, { name: 'pasted.yaml', text: fix.yaml }]
      : files.map((f) => {
          const others = f.text
            .split(/^---\n/m)
            .filter(
              (doc) => !(doc.includes(`kind: ${fix.object.kind}\n`) && doc.includes(`name: ${fix.object.name}\n`)),
            );
          return { name: f.name, text: [...others, fix.yaml].join('---\n') };
        });
  const traced = traceRequest(analyze(withFix), request, options);
  if (!traced.ok) throw new Error(traced.reason);
  return traced.trace.outcome;
}

/** The cluster the request reaches last, as traced from scratch. */
function finalCluster(files: ManifestFile[], request: TraceRequest): string | undefined {
  const traced = traceRequest(analyze(files), request);
  if (!traced.ok) throw new Error(traced.reason);
  return traced.trace.hops.filter((h) => h.direction !== 'inbound' && h.cluster).at(-1)?.cluster;
}

describe('why not, and the smallest fix', () => {
  const bookinfo = scenario('bookinfo');

  it('adds a ServiceEntry for an external host that passes through, and for one REGISTRY_ONLY blocks', () => {
    const request = { from: 'bookinfo/productpage-v1', to: 'https://example.org' };
    for (const options of [{}, { outboundTrafficPolicy: 'REGISTRY_ONLY' as const }]) {
      const why = whyNot([bookinfo], request, options);
      expect(why.outcome).toBe(options.outboundTrafficPolicy ? 'blackhole' : 'passthrough');
      expect(why.reason).toContain('example.org is in no Service or ServiceEntry');
      expect(why.fixes).toHaveLength(1);
      expect(why.fixes[0]).toMatchObject({
        change: 'add',
        object: { kind: 'ServiceEntry', namespace: 'bookinfo', name: 'example-org' },
        result: { outcome: 'routed', cluster: 'outbound|443||example.org' },
      });
      expect(why.fixes[0]?.yaml).toContain('hosts:\n    - example.org\n');
      expect(tracedWith([bookinfo], why.fixes[0]!, request, options)).toBe('routed');
    }
  });

  it('adds the hidden host to the Sidecar egress hosts, as ns/host', () => {
    const files = [scenario('sidecar-egress-gotcha')];
    const request = { from: 'team-a/sleep', to: 'http://payments.team-b:8080/' };
    const why = whyNot(files, request);
    expect(why.outcome).toBe('passthrough');
    expect(why.reason).toContain('hidden from this proxy by Sidecar team-a/default');
    expect(why.fixes.map((f) => [f.change, f.object.kind, f.object.name, f.result.outcome])).toEqual([
      ['edit', 'Sidecar', 'default', 'routed'],
    ]);
    expect(why.fixes[0]?.yaml).toMatch(/- team-b\/payments\.team-b\.svc\.cluster\.local\n/);
    expect(tracedWith(files, why.fixes[0]!, request)).toBe('routed');
  });

  it('lets a STRICT workload accept a client without sidecar with a PERMISSIVE PeerAuthentication', () => {
    const files = [scenario('mtls')];
    const request = { from: 'legacy/sleep', to: 'http://httpbin.secure:8000/headers' };
    const why = whyNot(files, request);
    expect(why.outcome).toBe('mtls-failure');
    expect(why.fixes.map((f) => [f.object.kind, f.object.namespace, f.result.outcome, f.result.status])).toEqual([
      ['PeerAuthentication', 'secure', 'direct', 200],
    ]);
    expect(why.fixes[0]?.yaml).toContain('mode: PERMISSIVE');
  });

  it('adds a subset a route names and no DestinationRule defines, when pods carry its version label', () => {
    const text = bookinfo.text.replace(/ {2}- name: v3\n {4}labels:\n {6}version: v3\n/, '');
    const files = [{ name: 'bookinfo.yaml', text }];
    const request = { from: 'bookinfo/productpage-v1', to: 'http://reviews:9080/', headers: {} };
    // The weighted route's heavier side stays v1; jason's route is made to name v3.
    const jason = {
      name: 'bookinfo.yaml',
      text: text.replace('subset: v2\n  - name: shift', 'subset: v3\n  - name: shift'),
    };
    expect(jason.text).not.toBe(text);
    const why = whyNot([jason], { ...request, headers: { 'end-user': 'jason' } });
    expect(why.outcome).toBe('cluster-not-found');
    expect(why.fixes.map((f) => [f.change, f.object.kind, f.object.name, f.result.cluster])).toEqual([
      ['edit', 'DestinationRule', 'reviews', 'outbound|9080|v3|reviews.bookinfo.svc.cluster.local'],
    ]);
    expect(why.fixes[0]?.yaml).toContain('- name: v3\n      labels:\n        version: v3\n');
    expect(whyNot(files, request).outcome).toBe('routed');
  });

  it('never suggests a change that does not route the request once applied', () => {
    // Subset v4 selects no pod: adding it to the DestinationRule would end in no-healthy-upstream.
    const text = bookinfo.text.replace('subset: v2\n  - name: shift', 'subset: v4\n  - name: shift');
    const why = whyNot([{ name: 'b.yaml', text }], {
      from: 'bookinfo/productpage-v1',
      to: 'http://reviews:9080/',
      headers: { 'end-user': 'jason' },
    });
    expect(why.outcome).toBe('cluster-not-found');
    expect(why.fixes).toEqual([]);
    expect(why.rejected).toEqual([expect.stringMatching(/subset v4 .*no-healthy-upstream/)]);
  });

  it('declares a port HTTP when its TCP protocol keeps HTTP from being routed by Host', () => {
    const text = [
      'apiVersion: v1',
      'kind: Namespace',
      'metadata: { name: shop, labels: { istio-injection: enabled } }',
      '---',
      'apiVersion: v1',
      'kind: Pod',
      'metadata: { name: sleep, namespace: shop, labels: { app: sleep } }',
      'spec: { containers: [{ name: sleep, image: curl }] }',
      '---',
      'apiVersion: v1',
      'kind: Service',
      'metadata: { name: web, namespace: shop }',
      'spec: { selector: { app: web }, ports: [{ name: http, port: 80 }] }',
      '---',
      'apiVersion: networking.istio.io/v1',
      'kind: ServiceEntry',
      'metadata: { name: api, namespace: shop }',
      'spec:',
      '  hosts: [api.example.com]',
      '  location: MESH_EXTERNAL',
      '  resolution: DNS',
      '  ports: [{ number: 80, name: tcp, protocol: TCP }]',
      '',
    ].join('\n');
    const files = [{ name: 'shop.yaml', text }];
    const request = { from: 'shop/sleep', to: 'http://api.example.com/' };
    const options = { outboundTrafficPolicy: 'REGISTRY_ONLY' as const };
    const why = whyNot(files, request, options);
    expect(why.outcome).toBe('blackhole');
    expect(why.reason).toContain('api.example.com declares port 80 as TCP');
    expect(why.fixes.map((f) => [f.change, f.object.kind, f.result.outcome, f.result.cluster])).toEqual([
      ['edit', 'ServiceEntry', 'routed', 'outbound|80||api.example.com'],
    ]);
    expect(why.fixes[0]?.yaml).toContain('- number: 80\n      name: http\n      protocol: HTTP\n');
    expect(tracedWith(files, why.fixes[0]!, request, options)).toBe('routed');
  });

  it('for a denial, names the caller the DENY rule should leave out, or the rule the ALLOW policy lacks', () => {
    const files = [scenario('authorization')];
    const denied = { from: 'foo/sleep', to: 'http://httpbin.foo:8000/admin/users' };
    const byDeny = whyNot(files, denied);
    expect(byDeny.outcome).toBe('denied');
    expect(byDeny.fixes.map((f) => [f.object.name, f.title, f.result.outcome])).toEqual([
      ['deny-admin', 'Leave cluster.local/ns/foo/sa/sleep out of rule 0 of DENY policy foo/deny-admin', 'routed'],
    ]);
    expect(byDeny.fixes[0]?.yaml).toMatch(/notPrincipals:\n\s+- cluster\.local\/ns\/foo\/sa\/sleep\n/);
    expect(tracedWith(files, byDeny.fixes[0]!, denied)).toBe('routed');

    const notAllowed = { from: 'bar/sleep', to: 'http://httpbin.foo:8000/headers' };
    const byAllow = whyNot(files, notAllowed);
    expect(byAllow.fixes.map((f) => [f.object.name, f.result.outcome])).toEqual([['allow-foo-sleep', 'routed']]);
    expect(byAllow.fixes[0]?.yaml).toMatch(/principals:\n\s+- cluster\.local\/ns\/bar\/sa\/sleep\n/);
    expect(byAllow.fixes[0]?.yaml).toMatch(/paths:\n\s+- \/headers\n/);
    expect(tracedWith(files, byAllow.fixes[0]!, notAllowed)).toBe('routed');
  });

  it('says nothing to fix for a routed request', () => {
    const why = whyNot([bookinfo], { from: 'bookinfo/productpage-v1', to: 'http://reviews:9080/' });
    expect(why).toMatchObject({ outcome: 'routed', fixes: [], rejected: [] });
  });
});

describe('why not the cluster I intended, and the smallest fix', () => {
  const bookinfo = scenario('bookinfo');
  const request = { from: 'bookinfo/productpage-v1', to: 'http://reviews:9080/' };
  const cluster = (subset: string) => `outbound|9080|${subset}|reviews.bookinfo.svc.cluster.local`;

  it('names the rule that sent reviews to v1, the header the jason rule needs for v2, and the rule edit', () => {
    const why = whyNot([bookinfo], request, {}, cluster('v2'));
    expect(why.reason).toBe(
      `VirtualService bookinfo/reviews rule http[1] (shift) matched (any request) and sent the request to ` +
        `${cluster('v1')}, not to ${cluster('v2')}.`,
    );
    expect(why.alternatives).toContain(
      `Rule http[0] (jason) of VirtualService bookinfo/reviews goes to ${cluster('v2')} ` +
        'but did not match this request.',
    );
    expect(why.requestChanges).toEqual([
      {
        title: 'Send the request with header end-user: jason: rule http[0] (jason) then matches',
        headers: { 'end-user': 'jason' },
        result: { outcome: 'routed', status: 200, cluster: cluster('v2') },
      },
    ]);
    expect(finalCluster([bookinfo], { ...request, headers: why.requestChanges?.[0]?.headers })).toBe(cluster('v2'));
    expect(why.fixes).toHaveLength(1);
    expect(why.fixes[0]).toMatchObject({
      change: 'edit',
      object: { kind: 'VirtualService', namespace: 'bookinfo', name: 'reviews' },
      result: { outcome: 'routed', cluster: cluster('v2') },
    });
    // The jason rule stays; the shift rule's weighted v1/v3 become v2 alone.
    expect(why.fixes[0]?.yaml).toMatch(
      /- name: shift\n\s+route:\n\s+- destination:\n\s+host: reviews\n\s+subset: v2\n/,
    );
    expect(why.fixes[0]?.yaml).toContain('exact: jason');
    expect(tracedWith([bookinfo], why.fixes[0]!, request)).toBe('routed');
    const pasted = bookinfo.text
      .split(/^---\n/m)
      .map((doc) =>
        doc.includes('kind: VirtualService\n') && doc.includes('name: reviews\n') ? why.fixes[0]!.yaml : doc,
      );
    expect(finalCluster([{ name: 'pasted.yaml', text: pasted.join('---\n') }], request)).toBe(cluster('v2'));
  });

  it('says when the intended cluster lost on weight, and offers no header when no rule matches on one', () => {
    const why = whyNot([bookinfo], request, {}, cluster('v3'));
    expect(why.reason).toContain(
      `that rule gives ${cluster('v3')} weight 20 of 100, and the trace follows the heaviest`,
    );
    expect(why.requestChanges).toEqual([]);
    expect(why.fixes.map((f) => f.result.cluster)).toEqual([cluster('v3')]);
  });

  it('says the request already reaches the intended cluster, and suggests nothing', () => {
    const why = whyNot([bookinfo], request, {}, cluster('v1'));
    expect(why).toMatchObject({ reason: `The request already reaches ${cluster('v1')}.`, fixes: [], rejected: [] });
  });

  it('suggests nothing for a subset no DestinationRule defines: the edit was traced and does not get there', () => {
    const why = whyNot([bookinfo], request, {}, cluster('v9'));
    expect(why.fixes).toEqual([]);
    expect(why.requestChanges).toEqual([]);
    expect(why.rejected.join(' ')).toContain('then ends cluster-not-found');
  });

  it('adds a VirtualService when none decided the route, and tells a cluster name it cannot use', () => {
    const noVirtualService = {
      name: 'bookinfo.yaml',
      text: bookinfo.text
        .split(/^---\n/m)
        .filter((doc) => !(doc.includes('kind: VirtualService\n') && doc.includes('name: reviews\n')))
        .join('---\n'),
    };
    const why = whyNot([noVirtualService], request, {}, cluster('v2'));
    expect(why.reason).toContain('no VirtualService decided its route');
    expect(why.fixes).toHaveLength(1);
    expect(why.fixes[0]).toMatchObject({
      change: 'add',
      object: { kind: 'VirtualService', namespace: 'bookinfo' },
      result: { outcome: 'routed', cluster: cluster('v2') },
    });
    expect(finalCluster([noVirtualService, { name: 'pasted.yaml', text: why.fixes[0]!.yaml }], request)).toBe(
      cluster('v2'),
    );
    expect(whyNot([bookinfo], request, {}, 'reviews-v2').reason).toContain('is not an outbound cluster name');
  });
});
