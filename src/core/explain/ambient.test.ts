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
});
