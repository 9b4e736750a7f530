// Fidelity against Istio's route actions (pilot/pkg/networking/core/route/route.go: translateRoute, redirect with
// derivePort, TranslateFault; the istio.io VirtualService reference examples) and Envoy's answers to them: redirect
// Location and code, direct responses, fault aborts and delays, weights of 0, and destinations with no cluster.
import { describe, expect, it } from 'vitest';
import { doc, istio, namespace, pod, service, simulateScenario } from '../testkit.ts';

const base = doc(
  namespace('default', { 'istio-injection': 'enabled' }),
  namespace('istio-system'),
  pod('c', 'default', { labels: { app: 'c' }, ip: '10.1.0.1' }),
  pod('ratings', 'default', { labels: { app: 'ratings' }, ip: '10.1.0.3' }),
  service('ratings', 'default', {
    clusterIP: '10.96.0.3',
    ports: [{ port: 9080, name: 'http' }],
    selector: { app: 'ratings' },
  }),
);
const vs = (http: string) => istio('VirtualService', 'ratings', 'default', `hosts: [ratings]\nhttp:\n${http}`);
function run(text: string, to: string) {
  const t = simulateScenario(text, { from: 'default/c', to });
  const end = t.steps.at(-1)?.fact;
  return {
    outcome: t.outcome,
    status: t.status,
    flags: t.responseFlags,
    cluster: t.hops[0]?.cluster,
    end: end?.kind === 'outcome' ? end.end : undefined,
  };
}

describe('redirects', () => {
  it('uri and authority: 301 to the new host and path', () => {
    const text = doc(
      base,
      vs(
        '- match: [{uri: {exact: /v1/getProductRatings}}]\n' +
          '  redirect: {uri: /v1/bookRatings, authority: newratings.default.svc.cluster.local}',
      ),
    );
    expect(run(text, 'http://ratings:9080/v1/getProductRatings')).toMatchObject({
      outcome: 'redirect',
      status: 301,
      end: { reason: 'REDIRECT', location: 'http://newratings.default.svc.cluster.local/v1/bookRatings' },
    });
  });
  it('redirectCode 302 keeps the Host with its port', () => {
    expect(run(doc(base, vs('- redirect: {uri: /x, redirectCode: 302}')), 'http://ratings:9080/a')).toMatchObject({
      status: 302,
      end: { location: 'http://ratings:9080/x' },
    });
  });
  it('scheme and port: the path and query are kept', () => {
    expect(run(doc(base, vs('- redirect: {scheme: https, port: 8443}')), 'http://ratings:9080/a?q=1')).toMatchObject({
      status: 301,
      end: { location: 'https://ratings:8443/a?q=1' },
    });
  });
  it('derivePort FROM_PROTOCOL_DEFAULT sets no port: Envoy keeps a non-default request port', () => {
    const text = doc(base, vs('- redirect: {scheme: https, derivePort: FROM_PROTOCOL_DEFAULT}'));
    expect(run(text, 'http://ratings:9080/a')).toMatchObject({ end: { location: 'https://ratings:9080/a' } });
  });
});

describe('direct responses and faults', () => {
  it('directResponse answers its status without an upstream', () => {
    expect(
      run(doc(base, vs('- directResponse: {status: 503, body: {string: "unknown"}}')), 'http://ratings:9080/a'),
    ).toMatchObject({ outcome: 'direct-response', status: 503, cluster: undefined });
  });
  it('fault abort at 100%: the status with flag FI', () => {
    const text = doc(
      base,
      vs('- fault: {abort: {httpStatus: 400, percentage: {value: 100}}}\n  route: [{destination: {host: ratings}}]'),
    );
    expect(run(text, 'http://ratings:9080/a')).toMatchObject({ outcome: 'fault', status: 400, flags: 'FI' });
  });
  it('fault abort without a percentage aborts every request', () => {
    const text = doc(base, vs('- fault: {abort: {httpStatus: 400}}\n  route: [{destination: {host: ratings}}]'));
    expect(run(text, 'http://ratings:9080/a')).toMatchObject({ outcome: 'fault', status: 400 });
  });
  it('fault abort at 0.1%: the likely path is the route', () => {
    const text = doc(
      base,
      vs('- fault: {abort: {httpStatus: 400, percentage: {value: 0.1}}}\n  route: [{destination: {host: ratings}}]'),
    );
    expect(run(text, 'http://ratings:9080/a')).toMatchObject({ outcome: 'routed', status: 200 });
  });
  it('a gRPC abort answers HTTP 200 with the grpc-status, flag FI, without an upstream', () => {
    const text = doc(
      base,
      vs(
        '- fault: {abort: {grpcStatus: UNAVAILABLE, percentage: {value: 100}}}\n' +
          '  route: [{destination: {host: ratings}}]',
      ),
    );
    expect(run(text, 'http://ratings:9080/a')).toMatchObject({
      outcome: 'fault',
      status: 200,
      flags: 'FI',
      cluster: undefined,
    });
  });
  it('a delay only: routed, with flag DI', () => {
    const text = doc(
      base,
      vs('- fault: {delay: {fixedDelay: 5s, percentage: {value: 100}}}\n  route: [{destination: {host: ratings}}]'),
    );
    expect(run(text, 'http://ratings:9080/a')).toMatchObject({ outcome: 'routed', status: 200, flags: 'DI' });
  });
});

describe('destinations', () => {
  it('a rewrite keeps the destination', () => {
    const text = doc(
      base,
      vs(
        '- match: [{uri: {prefix: /ratings}}]\n  rewrite: {uri: /v1/bookRatings}\n' +
          '  route: [{destination: {host: ratings}}]',
      ),
    );
    expect(run(text, 'http://ratings:9080/ratings/1')).toMatchObject({
      outcome: 'routed',
      cluster: 'outbound|9080||ratings.default.svc.cluster.local',
    });
  });
  it('a destination with weight 0 is never chosen', () => {
    const text = doc(
      base,
      istio(
        'DestinationRule',
        'r',
        'default',
        'host: ratings\nsubsets:\n- name: v1\n  labels: {app: ratings}\n- name: v2\n  labels: {version: v2}',
      ),
      vs(
        '- route:\n  - destination: {host: ratings, subset: v2}\n    weight: 0\n' +
          '  - destination: {host: ratings, subset: v1}\n    weight: 100',
      ),
    );
    expect(run(text, 'http://ratings:9080/a')).toMatchObject({
      outcome: 'routed',
      cluster: 'outbound|9080|v1|ratings.default.svc.cluster.local',
    });
  });
  it('a destination without port on a multi-port service takes the listener port: no such cluster, 503 NC', () => {
    const text = doc(
      base,
      service('multi', 'default', {
        clusterIP: '10.96.0.9',
        ports: [
          { port: 80, name: 'http' },
          { port: 81, name: 'http2' },
        ],
        selector: { app: 'ratings' },
      }),
      vs('- route: [{destination: {host: multi}}]'),
    );
    expect(run(text, 'http://ratings:9080/a')).toMatchObject({
      outcome: 'cluster-not-found',
      status: 503,
      flags: 'NC',
      cluster: 'outbound|9080||multi.default.svc.cluster.local',
    });
  });
  it('a destination port the service does not have: 503 NC', () => {
    expect(
      run(doc(base, vs('- route: [{destination: {host: ratings, port: {number: 9999}}}]')), 'http://ratings:9080/a'),
    ).toMatchObject({ outcome: 'cluster-not-found', cluster: 'outbound|9999||ratings.default.svc.cluster.local' });
  });
  it('a destination host no registry knows: 503 NC', () => {
    expect(
      run(doc(base, vs('- route: [{destination: {host: nope.default.svc.cluster.local}}]')), 'http://ratings:9080/a'),
    ).toMatchObject({ outcome: 'cluster-not-found', status: 503, flags: 'NC' });
  });
  it('a mirror to an unknown host does not change the answer', () => {
    const text = doc(base, vs('- route: [{destination: {host: ratings}}]\n  mirror: {host: nope}'));
    expect(run(text, 'http://ratings:9080/a')).toMatchObject({ outcome: 'routed', status: 200 });
  });
});
