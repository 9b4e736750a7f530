import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze, traceRequest, type Analysis, type Trace } from '../index.ts';
import { doc, istio, namespace, pod, service } from '../testkit.ts';
import { meshEnds } from './ends.ts';
import { directDestination, reverseRequest } from './reverse.ts';
import { DestinationFilter, destinationText, dialableNames, preferredName } from './suggest.ts';

const scenario = (name: string): Analysis =>
  analyze([
    {
      name: 'manifests.yaml',
      text: readFileSync(new URL(`../../../fixtures/scenarios/${name}/manifests.yaml`, import.meta.url), 'utf8'),
    },
  ]);

function traced(analysis: Analysis, from: string, to: string): Trace {
  const result = traceRequest(analysis, { from, to });
  if (!result.ok) throw new Error(result.reason);
  return result.trace;
}

describe('meshEnds', () => {
  it('lists each Bookinfo Service under its three names with ports, a hint and a ready pod', () => {
    const { destinations, sources } = meshEnds(scenario('bookinfo').model);
    const reviews = destinations.find((d) => d.names[0] === 'reviews');
    expect(reviews).toMatchObject({
      names: ['reviews', 'reviews.bookinfo', 'reviews.bookinfo.svc.cluster.local'],
      kind: 'Service',
      ports: [{ port: 9080, protocol: 'http', name: 'http' }],
      hint: 'Service bookinfo/reviews · 9080 http',
      // The VirtualService for reviews names the same host: a click on it traces there too.
      objects: ['Service/bookinfo/reviews', 'VirtualService/bookinfo/reviews'],
    });
    expect(reviews?.readyPod).toMatch(/^bookinfo\/reviews-v1-/);
    // Bookinfo has Deployments only: each stands for the pod made from its template.
    const productpage = sources.find((s) => s.objects.includes('Deployment/bookinfo/productpage-v1'));
    expect(productpage?.pod).toMatch(/^bookinfo\/productpage-v1-/);
    // Its name is made up: the field gets the workload, which finds the same pod.
    expect(productpage?.ref).toBe('bookinfo/productpage-v1');
  });

  it('lists ServiceEntry hosts, VirtualService hosts no Service has, and skips wildcards', () => {
    const text = doc(
      namespace('shop'),
      pod('web', 'shop', { labels: { app: 'web' }, ports: [{ containerPort: 8080 }, { containerPort: 9090 }] }),
      service('web', 'shop', {
        selector: { app: 'web' },
        ports: [
          { port: 80, name: 'http' },
          { port: 9090, name: 'grpc-api' },
          { port: 5432, name: 'tcp-db' },
        ],
      }),
      istio(
        'ServiceEntry',
        'corp',
        'shop',
        'hosts: [db.corp.internal, "*.corp.example"]\n' +
          'ports: [{number: 5432, name: tcp, protocol: TCP}]\nresolution: DNS',
      ),
      istio('VirtualService', 'legacy', 'shop', 'hosts: [legacy]\nhttp: [{route: [{destination: {host: web}}]}]'),
    );
    const { destinations } = meshEnds(analyze([{ name: 'm.yaml', text }]).model);
    // Services in istiod's order: all of one second, so by name, a ServiceEntry's being its hostname.
    expect(destinations.map((d) => `${d.kind} ${d.names.join(' ')}`)).toEqual([
      'ServiceEntry db.corp.internal',
      'Service web web.shop web.shop.svc.cluster.local',
      'VirtualService legacy legacy.shop.svc.cluster.local',
    ]);
    expect(destinations[0]?.hint).toBe('ServiceEntry shop/corp · 5432 tcp · external');
    expect(destinations[1]?.hint).toBe('Service shop/web · 80 http, 9090 grpc, 5432 tcp');
  });

  it('lists a host served at an Istio Gateway with the gateway pod a request to it arrives at', () => {
    const end = meshEnds(scenario('ingress-gateway').model).destinations.find((d) => d.kind === 'Gateway');
    expect(end).toMatchObject({
      names: ['yuya.example.com'],
      objects: ['VirtualService/application/yuya', 'Gateway/application/yuya-gateway'],
      ports: [{ port: 80, protocol: 'http' }],
    });
    expect(end?.gatewayPods).toEqual([expect.stringMatching(/^istio-system\/istio-ingressgateway-/)]);
    expect(end?.gatewaySource).toBe('istio-system/istio-ingressgateway');
  });

  it('lists an HTTPRoute hostname at a Gateway API gateway, on the route and the Gateway', () => {
    const end = meshEnds(scenario('gateway-api-ingress').model).destinations.find((d) => d.kind === 'Gateway');
    expect(end).toMatchObject({
      names: ['httpbin.example.com'],
      objects: ['HTTPRoute/application/httpbin', 'Gateway/istio-ingress/gateway'],
      label: 'HTTPRoute application/httpbin, Gateway istio-ingress/gateway',
    });
    expect(end?.gatewayPods).toEqual([expect.stringMatching(/^istio-ingress\/gateway-istio-/)]);
    // Traced from that pod, the host arrives at the gateway, and the route's path decides.
    const from = end?.gatewayPods[0] ?? '';
    const url = destinationText('httpbin.example.com', end?.ports[0]);
    expect(url).toBe('http://httpbin.example.com/');
    const analysis = scenario('gateway-api-ingress');
    expect(traced(analysis, from, url).status).toBe(404);
    expect(traced(analysis, from, `${url}headers`).outcome).toBe('routed');
  });

  it('does not crash on broken input', () => {
    const text = 'kind: Service\nmetadata: {name: x}\nspec: {ports: [{port: "a"}]}\n---\nkind: VirtualService\nspec: 3';
    expect(() => meshEnds(analyze([{ name: 'm.yaml', text }]).model)).not.toThrow();
  });
});

describe('destination suggestions', () => {
  const { destinations } = meshEnds(scenario('ingress-gateway').model);

  it('offers short names only from the Service’s own namespace, where they resolve', () => {
    const names = (ns: string) => dialableNames(destinations, ns).map((n) => n.name);
    expect(names('application')).toContain('sleep');
    expect(names('istio-system')).not.toContain('sleep');
    expect(names('istio-system')).toContain('sleep.application');
    const sleep = destinations.find((d) => d.names[0] === 'sleep');
    expect(sleep && preferredName(sleep, 'application')).toBe('sleep');
    expect(sleep && preferredName(sleep, 'istio-system')).toBe('sleep.application');
  });

  it('ranks names that start with the query first, one line per port, and fills in a URL for HTTP ports', () => {
    const filter = new DestinationFilter(destinations, dialableNames(destinations, 'application'));
    const { suggestions } = filter.suggest('goo');
    expect(suggestions.map((s) => [s.text, s.hint])).toEqual([
      ['http://google.com/', 'ServiceEntry application/google · 80 http'],
      ['google.com:443', 'ServiceEntry application/google · 443 tls'],
    ]);
    // A scheme or port typed before the name does not stop the match.
    expect(filter.suggest('http://dest').suggestions[0]?.text).toBe('http://dest-svc-v1:7777/');
    expect(filter.suggest('svc-v1').suggestions[0]?.name).toBe('dest-svc-v1');
  });

  it('filters a longer query from the last matches only, and caps the list', () => {
    const many = Array.from({ length: 2000 }, (_, i) => ({
      names: [`svc-${i}`, `svc-${i}.ns`, `svc-${i}.ns.svc.cluster.local`],
      namespace: 'ns',
      kind: 'Service' as const,
      objects: [],
      ports: [{ port: 80, protocol: 'http', name: 'http' }],
      gatewayPods: [],
      label: `Service ns/svc-${i}`,
      hint: '',
      readyPod: undefined,
    }));
    const filter = new DestinationFilter(many, dialableNames(many, 'ns'));
    const first = filter.suggest('svc-1');
    expect(filter.scanned).toBe(6000);
    expect(first.suggestions).toHaveLength(50);
    expect(first.truncated).toBe(true);
    // svc-1, svc-10…19, svc-100…199, svc-1000…1999, three names each.
    expect(first.total).toBe(3333);
    const next = filter.suggest('svc-19');
    expect(filter.scanned).toBe(3333);
    expect(next.total).toBe(333);
    expect(filter.suggest('svc-1999.ns.svc').truncated).toBe(false);
    expect(next.suggestions[0]?.text).toBe('http://svc-19/');
    // Deleting a character starts again from every name.
    filter.suggest('svc-');
    expect(filter.scanned).toBe(6000);
  });
});

describe('reversing a trace', () => {
  it('Bookinfo productpage → reviews, reversed: from the reviews pod reached back to productpage', () => {
    const analysis = scenario('bookinfo');
    const { destinations } = meshEnds(analysis.model);
    const forward = traced(analysis, 'bookinfo/productpage-v1', 'http://reviews:9080/reviews/0');
    const reached = forward.hops.at(-1)?.proxy ?? '';
    expect(reached).toMatch(/^bookinfo\/reviews-v/);
    const back = reverseRequest(analysis.model, forward, destinations);
    // The pod was made from its Deployment's template: the workload names it.
    expect(back).toMatchObject({ ok: true, to: 'http://productpage:9080/' });
    expect(reached.startsWith(`${back.ok ? back.from : '?'}-`)).toBe(true);
    const trace = traced(analysis, back.ok ? back.from : '', back.ok ? back.to : '');
    expect(trace.outcome).toBe('routed');
    expect(trace.request.from).toBe(reached);
    expect(trace.hops.at(-1)?.proxy).toBe(forward.request.from);
  });

  it('starts from a ready pod of the Service asked for when the request reached no pod', () => {
    const analysis = scenario('bookinfo');
    const forward = traced(analysis, 'bookinfo/productpage-v1', 'http://ratings:9080/mysql');
    expect(forward.status).toBe(503);
    const back = reverseRequest(analysis.model, forward, meshEnds(analysis.model).destinations);
    expect(back).toMatchObject({ ok: true, from: 'bookinfo/ratings-v1' });
    expect(back.ok && back.note).toContain('reached no pod');
  });

  it('calls the old source’s address when no Service selects it, and says why it cannot reverse', () => {
    const text = doc(
      namespace('a', { 'istio-injection': 'enabled' }),
      pod('client', 'a', { labels: { app: 'client' }, ip: '10.0.0.5', ports: [{ containerPort: 8080 }] }),
      pod('server', 'a', { labels: { app: 'server' }, ip: '10.0.0.6' }),
      service('server', 'a', { selector: { app: 'server' }, ports: [{ port: 80, name: 'http' }] }),
    );
    const analysis = analyze([{ name: 'm.yaml', text }]);
    const ends = meshEnds(analysis.model).destinations;
    const back = reverseRequest(analysis.model, traced(analysis, 'a/client', 'http://server/'), ends);
    expect(back).toMatchObject({ ok: true, from: 'a/server', to: '10.0.0.5:8080' });
    const external = reverseRequest(analysis.model, traced(analysis, 'a/client', 'http://example.org/'), ends);
    expect(external).toMatchObject({ ok: false });
  });

  it('sends the same request straight to one endpoint, keeping scheme and path', () => {
    expect(directDestination({ protocol: 'http', path: '/reviews/0' }, '10.1.2.3:9080')).toBe(
      'http://10.1.2.3:9080/reviews/0',
    );
    expect(directDestination({ protocol: 'tcp', path: '/' }, '10.1.2.3:5432')).toBe('tcp://10.1.2.3:5432');
    const analysis = scenario('bookinfo');
    const forward = traced(analysis, 'bookinfo/productpage-v1', 'http://reviews:9080/reviews/0');
    const endpoint = forward.hops.find((h) => h.endpoint)?.endpoint ?? '';
    const direct = traced(analysis, 'bookinfo/productpage-v1', directDestination(forward.request, endpoint));
    expect(direct.request.path).toBe('/reviews/0');
    expect(direct.hops.at(-1)?.proxy).toBe(forward.hops.at(-1)?.proxy);
  });
});
