import { readFileSync } from 'node:fs';
import { deserialize, serialize } from 'node:v8';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as core from '../core/index.ts';
import { generateClusterExport } from '../cli/realisticExport.ts';
import { EngineSession, type EngineInput, type EngineOutput } from './engine.ts';
import { placeOf } from './leanView.ts';
import { DEFAULT_OPTIONS, EMPTY_REQUEST } from './scenarioCodec.ts';

vi.mock('../core/index.ts', async (original) => {
  const actual = await original<typeof core>();
  return { ...actual, analyze: vi.fn(actual.analyze), traceRequest: vi.fn(actual.traceRequest) };
});

const analyzeCalls = () => vi.mocked(core.analyze).mock.calls.length;
const traceCalls = () => vi.mocked(core.traceRequest).mock.calls.length;

const manifests = `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Service
metadata: {name: cart, namespace: shop}
spec:
  selector: {app: cart}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: cart-0, namespace: shop, labels: {app: cart}}
spec: {containers: [{name: cart, image: cart, ports: [{containerPort: 8080}]}]}
status: {podIP: 10.0.0.7}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: shop}
spec: {containers: [{name: app, image: curl}]}
status: {podIP: 10.0.0.8}
`;

const input = (text: string, to: string, extra: Partial<EngineInput> = {}): EngineInput => ({
  files: [{ name: 'shop.yaml', text }],
  request: { ...EMPTY_REQUEST, from: 'shop/client', to },
  options: DEFAULT_OPTIONS,
  ...extra,
});

beforeEach(() => {
  vi.mocked(core.analyze).mockClear();
  vi.mocked(core.traceRequest).mockClear();
});

describe('the engine session (what the analysis worker runs)', () => {
  it('analyses once and only traces again when the request or a what-if option changes', () => {
    const session = new EngineSession();
    const first = session.run(input(manifests, 'http://cart/'));
    expect(first.trace?.result?.ok && first.trace.result.trace.outcome).toBe('routed');
    expect(first.analysis?.pods?.map((p) => p.ref)).toEqual(['shop/cart-0', 'shop/client']);
    expect(first.trace?.source).toEqual({
      pod: { ref: 'shop/client', proxy: 'sidecar', ambient: false, dnsCapture: false },
      choices: [],
      note: undefined,
    });

    const second = session.run(input(manifests, 'http://example.com/'));
    expect(second.analysis).toBeUndefined();
    expect(second.trace?.result?.ok && second.trace.result.trace.outcome).toBe('passthrough');
    const third = session.run(
      input(manifests, 'http://example.com/', {
        options: { ...DEFAULT_OPTIONS, outboundTrafficPolicy: 'REGISTRY_ONLY' },
      }),
    );
    expect(third.trace?.result?.ok && third.trace.result.trace.outcome).toBe('blackhole');
    expect(analyzeCalls()).toBe(1);
    expect(traceCalls()).toBe(3);
  });

  it('analyses again on an edit and sends only the parts of the view that changed', () => {
    const session = new EngineSession();
    session.run(input(manifests, 'http://cart/'));
    // A comment at the end changes no object, place, pod or problem.
    const comment = session.run(input(`${manifests}# reviewed\n`, 'http://cart/'));
    expect(analyzeCalls()).toBe(2);
    expect(comment.analysis).toBeUndefined();
    // Nor the trace: the path view keeps its drawing.
    expect(comment.trace).toBeUndefined();

    const added = session.run(
      input(
        `${manifests}---\napiVersion: v1\nkind: Service\nmetadata: {name: extra, namespace: shop}\n`,
        'http://cart/',
      ),
    );
    // A new Service is a new destination to suggest.
    expect(Object.keys(added.analysis ?? {}).sort()).toEqual(['assumptions', 'ends', 'graph', 'objectCount', 'places']);
    expect(added.analysis?.ends?.destinations.map((d) => d.names[1])).toContain('extra.shop');
    expect(added.analysis?.objectCount).toBe(5);
    expect(added.analysis?.graph?.nodes.map((n) => n.id)).toContain('Service/shop/extra');
  });

  it('computes the proxy config for the pod asked for, once per analysis', () => {
    const session = new EngineSession();
    const asked = session.run(input(manifests, 'http://cart/', { proxyConfigFor: 'shop/client' }));
    expect(asked.proxyConfig?.pod).toBe('shop/client');
    const view = asked.proxyConfig?.view;
    expect(view?.ok && view.kind === 'envoy' && view.tables.clusters.rows.map((r) => r.cells[0])).toContain(
      'cart.shop.svc.cluster.local',
    );
    expect(session.run(input(manifests, 'http://other/', { proxyConfigFor: 'shop/client' })).proxyConfig).toBe(
      undefined,
    );
    const other = session.run(input(manifests, 'http://other/', { proxyConfigFor: 'shop/nobody' }));
    expect(other.proxyConfig?.view).toMatchObject({ ok: false, reason: expect.stringContaining('No pod shop/nobody') });
    const edited = session.run(input(`${manifests}# x\n`, 'http://other/', { proxyConfigFor: 'shop/nobody' }));
    expect(edited.proxyConfig?.pod).toBe('shop/nobody');
  });

  it('gives an ambient pod its ztunnel tables, and a waypoint pod its Envoy tables named as the waypoint', () => {
    const text = readFileSync(
      new URL('../../fixtures/scenarios/ambient-waypoint/manifests.yaml', import.meta.url),
      'utf8',
    );
    const session = new EngineSession();
    const first = session.run(input(text, 'http://productpage.shop:9080/', { proxyConfigFor: 'shop/sleep' }));
    expect(first.analysis?.pods?.filter((p) => p.waypoint).map((p) => [p.ref, p.waypoint])).toEqual([
      ['shop/waypoint-0', 'shop/waypoint'],
    ]);
    // A name the Proxy menu does not use still finds the pod, as the request form's source does.
    const view = first.proxyConfig?.view;
    if (!view?.ok || view.kind !== 'ztunnel') throw new Error(`expected ztunnel's tables, got ${JSON.stringify(view)}`);
    expect(view.reason).toContain('istio.io/dataplane-mode=ambient');
    expect(view.tables.workloads.headers).toEqual(['NAMESPACE', 'POD NAME', 'ADDRESS', 'NODE', 'WAYPOINT', 'PROTOCOL']);
    expect(view.tables.workloads.rows.find((r) => r.cells[1]?.startsWith('sleep-'))?.cells[5]).toBe('HBONE');
    const services = new Map(view.tables.services.rows.map((r) => [r.cells[1], r.cells[3]]));
    expect(services.get('productpage.shop.svc.cluster.local')).toBe('waypoint');
    expect(services.get('reviews.shop.svc.cluster.local')).toBe('None');
    // Every ambient pod shares the tables: computed once per analysis.
    const other = session.run(input(text, 'http://productpage.shop:9080/', { proxyConfigFor: 'shop/reviews' }));
    const again = other.proxyConfig?.view;
    expect(again?.ok && again.kind === 'ztunnel' && again.tables).toBe(view.tables);

    const waypoint = session.run(input(text, 'http://productpage.shop:9080/', { proxyConfigFor: 'shop/waypoint-0' }));
    expect(waypoint.proxyConfig?.view).toMatchObject({ ok: true, kind: 'envoy', waypoint: 'shop/waypoint' });
  });

  it('sends the rule that decided each step, with its lines (only the worker holds the YAML trees)', () => {
    const virtualService = `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: cart, namespace: shop}
spec:
  hosts: [cart]
  http:
  - match: [{uri: {prefix: /api}}]
    route: [{destination: {host: cart}}]
`;
    const output = new EngineSession().run(input(manifests + virtualService, 'http://cart/api'));
    const steps = output.trace?.result?.ok ? output.trace.result.trace.steps : [];
    const route = steps.findIndex((step) => step.kind === 'route');
    expect(route).toBeGreaterThan(0);
    const decided = output.trace?.stepSources[route]?.find((s) => s.source.kind === 'VirtualService');
    expect(decided?.field).toBe('http[0].match[0]');
    expect(decided?.source.range.start.line).toBe(30);
  });

  it('sends the main thread the findings that concern a step with that step, across the worker boundary', () => {
    const virtualService = (name: string) => `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: shop}
spec:
  hosts: [cart]
  http:
  - route: [{destination: {host: cart}}]
`;
    const output = new EngineSession().run(
      input(manifests + virtualService('cart-a') + virtualService('cart-b'), 'http://cart/'),
    );
    const sent = deserialize(serialize(output)) as EngineOutput;
    const steps = sent.trace?.result?.ok ? sent.trace.result.trace.steps : [];
    const route = steps.find((step) => step.kind === 'route');
    expect(route?.findings?.map((d) => d.code)).toEqual(['IST0109', 'IST0109']);
    expect(route?.findings?.map((d) => d.range.start.line)).toEqual([28, 36]); // the hosts line of each
    // The virtual host step has the winner among its sources: its own finding, not the ignored VirtualService's.
    expect(steps.filter((step) => step.findings).map((step) => [step.kind, step.findings?.length])).toEqual([
      ['virtualHost', 1],
      ['route', 2],
    ]);
  });

  it('keeps the line range of every drawn object for a click, and sends only the ranges when lines move', () => {
    const session = new EngineSession();
    const place = (output: EngineOutput, id: string) => {
      const index = output.analysis?.graph?.nodes.findIndex((n) => n.id === id) ?? -1;
      return output.analysis?.places ? placeOf(output.analysis.places, index) : undefined;
    };
    const first = session.run(input(manifests, 'http://cart/'));
    expect(place(first, 'Pod/shop/cart-0')).toEqual({
      file: 'shop.yaml',
      range: { start: { line: 12, column: 1 }, end: { line: 16, column: 26 } },
    });
    // Two comment lines on top move every object: their places (and the assumptions citing lines) are sent again, the
    // graph is not.
    const moved = session.run(input(`# a\n# b\n${manifests}`, 'http://cart/'));
    expect(Object.keys(moved.analysis ?? {}).sort()).toEqual(['assumptions', 'places']);
    const places = moved.analysis?.places;
    const index = first.analysis?.graph?.nodes.findIndex((n) => n.id === 'Pod/shop/cart-0') ?? -1;
    expect(places && placeOf(places, index)?.range.start.line).toBe(14);
  });

  it('sends the main thread a small message for a real 2,000-object export, and a tiny one for a new request', () => {
    const cluster = generateClusterExport(2000);
    const session = new EngineSession();
    const request = {
      ...EMPTY_REQUEST,
      from: cluster.sourcePod,
      to: `http://${cluster.serviceHost('team-0', 'app-3')}/`,
    };
    const first = session.run({
      files: [{ name: 'export.yaml', text: cluster.text }],
      request,
      options: DEFAULT_OPTIONS,
    });
    expect(first.trace?.result?.ok && first.trace.result.trace.outcome).toBe('routed');
    expect(first.analysis?.objectCount).toBe(cluster.objects);
    // The whole Analysis (objects with their positioned YAML trees, the model) took about 18 MB here.
    expect(serialize(first).length).toBeLessThan(cluster.text.length / 2);
    const next = session.run({
      files: [{ name: 'export.yaml', text: cluster.text }],
      request: { ...request, to: `http://${cluster.serviceHost('team-0', 'app-5')}/` },
      options: DEFAULT_OPTIONS,
    });
    expect(next.analysis).toBeUndefined();
    expect(serialize(next).length).toBeLessThan(30_000);
    // Reading 2,000 objects takes a few seconds on a busy machine.
  }, 60_000);
});

describe("the source pod field names what carries a pod's traffic", () => {
  it('says ambient for a pod enrolled in ambient mode, not "no sidecar"', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(new URL('../../fixtures/scenarios/ambient-l4/manifests.yaml', import.meta.url), 'utf8');
    const out = new EngineSession().run(
      input(text, 'http://productpage.shop:9080/', {
        request: { ...EMPTY_REQUEST, from: 'shop/sleep', to: 'http://productpage.shop:9080/' },
      }),
    );
    expect(out.trace?.source?.pod).toMatchObject({ proxy: 'none', ambient: true });
    expect(out.analysis?.pods?.find((p) => p.ref.startsWith('shop/sleep'))?.ambient).toBe(true);
  });
});
