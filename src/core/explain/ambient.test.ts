import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze, traceRequest } from '../index.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/scenarios/${name}/manifests.yaml`, import.meta.url), 'utf8');

function words(name: string, to: string, extra = '') {
  const files = [{ name: 'scenario.yaml', text: fixture(name) + extra }];
  const result = traceRequest(analyze(files), { from: 'shop/sleep', to });
  if (!result.ok) throw new Error(result.reason);
  return result.trace;
}

describe('ambient steps in words', () => {
  it('says a missing waypoint is bypassed silently, and which label named it', () => {
    const t = words('ambient-waypoint-missing', 'http://productpage.shop:9080/');
    const destination = t.steps.find((s) => s.title.startsWith('Destination'));
    expect(destination?.detail).toContain(
      "its namespace's istio.io/use-waypoint label names the waypoint shop/waypoint",
    );
    expect(destination?.detail).toContain('does not exist');
    expect(destination?.detail).toContain('bypasses it');
  });

  it('names the HBONE port and says the waypoint routes by the Service address, not the Host header', () => {
    const t = words('ambient-waypoint', 'http://productpage.shop:9080/');
    expect(t.steps.filter((s) => s.kind === 'hbone').map((s) => s.title)).toEqual([
      expect.stringMatching(/^HBONE → \S+:15008$/),
      expect.stringMatching(/^HBONE → \S+:15008$/),
    ]);
    expect(t.steps.find((s) => s.kind === 'waypoint')?.detail).toContain('not by the Host header');
    expect(t.steps.at(-1)?.detail).toContain("The destination's ztunnel hands the connection to shop/productpage");
  });

  it('names the Sidecar an ambient client has, which ztunnel does not read', () => {
    const sidecar =
      '\n---\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: shop}\n' +
      'spec:\n  egress: [{hosts: ["./nothing.example.com"]}]\n';
    const t = words('ambient-waypoint', 'http://productpage.shop:9080/', sidecar);
    expect(t.assumptions.join(' ')).toContain('ztunnel does not read Sidecar shop/default');
  });

  it('says a selector L7 policy went to ztunnel, which cannot see HTTP, and how to attach it instead', () => {
    const t = words('ambient-l7-policy-selector', 'http://reviews.shop:9080/');
    const denial = t.steps.find((s) => s.kind === 'authorization' && s.proxy?.startsWith('ztunnel@'));
    expect(denial?.detail).toContain('uses HTTP attributes (to.operation.methods), which ztunnel cannot see');
    expect(denial?.detail).toContain('attach the policy to it with targetRefs');
    expect(t.steps.at(-1)?.detail).toContain(
      "the destination's ztunnel refuses the connection, so the proxy in front of it answers 503 UF. ztunnel sees " +
        'no HTTP: the HTTP rules of shop/reviews-read-only',
    );
  });

  it('words the waypoint chain, its 403 and what a sidecar client does', () => {
    const files = [{ name: 'scenario.yaml', text: fixture('ambient-l7-policy-selector') }];
    const del = traceRequest(analyze(files), { from: 'shop/sleep', to: 'http://ratings.shop:9080/', method: 'DELETE' });
    if (!del.ok) throw new Error(del.reason);
    expect(del.trace.steps.find((s) => s.kind === 'waypoint')?.title).toBe(
      'Waypoint shop/waypoint: chain inbound-vip|9080|http|ratings.shop.svc.cluster.local',
    );
    const denial = del.trace.steps.find((s) => s.kind === 'authorization' && s.proxy?.startsWith('shop/waypoint'));
    expect(denial?.title).toBe('Denied by AuthorizationPolicy');
    expect(denial?.detail).toMatch(/^At the waypoint: .*targetRefs/);
    expect(del.trace.steps.at(-1)?.detail).toContain('the waypoint answers 403 RBAC: access denied');
    const sidecarClient =
      '\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: web, labels: {istio-injection: enabled}}\n---\n' +
      'apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: web}\n' +
      'spec: {containers: [{name: app, image: web}]}\n' +
      'status: {phase: Running, podIP: 10.244.9.9, conditions: [{type: Ready, status: "True"}]}\n';
    const fromSidecar = traceRequest(analyze([{ name: 's.yaml', text: fixture('ambient-waypoint') + sidecarClient }]), {
      from: 'web/web',
      to: 'http://productpage.shop:9080/',
    });
    if (!fromSidecar.ok) throw new Error(fromSidecar.reason);
    expect(fromSidecar.trace.steps.find((s) => s.kind === 'waypointBypass')?.detail).toContain(
      'istiod gives waypoint endpoints only to ingress and east-west gateways',
    );
  });
});
