import { describe, expect, it } from 'vitest';
import { analyze, traceRequest } from '../index.ts';
import { doc, istio, namespace, pod, service } from '../testkit.ts';
import { findings } from './testkit.ts';

const mesh = doc(
  namespace('app', { 'istio-injection': 'enabled' }),
  service('reviews', 'app', { ports: [{ port: 9080, name: 'http', targetPort: 9080 }], selector: { app: 'reviews' } }),
  pod('reviews-v1', 'app', {
    labels: { app: 'reviews', version: 'v1' },
    ip: '10.244.1.1',
    ports: [{ containerPort: 9080, name: 'web' }],
  }),
  pod('client', 'app', { labels: { app: 'client' }, ip: '10.244.1.9' }),
);
const dr = (subsets: string) => istio('DestinationRule', 'reviews', 'app', `host: reviews\nsubsets:\n${subsets}`);
const route = (body: string) => istio('VirtualService', 'reviews', 'app', `hosts: [reviews]\nhttp:\n${body}`);

describe('subsets without endpoints (destinationrule/subset.go)', () => {
  it('reports nothing when every subset has a pod', () => {
    expect(findings(doc(mesh, dr('- {name: v1, labels: {version: v1}}')), ['IST0173'])).toEqual([]);
  });

  it('a subset no pod matches: a warning, an error once a route sends to it (and the trace gives 503 UH)', () => {
    const subsets = dr('- {name: v1, labels: {version: v1}}\n- {name: v2, labels: {version: v2}}');
    expect(findings(doc(mesh, subsets), ['IST0173']).map((f) => [f.severity, f.at])).toEqual([
      ['warning', '{version: v2}}'],
    ]);
    const text = doc(mesh, subsets, route('- route:\n  - destination: {host: reviews, subset: v2}'));
    expect(findings(text, ['IST0173']).map((f) => f.severity)).toEqual(['error']);
    const result = traceRequest(analyze([{ name: 's.yaml', text }]), {
      from: 'app/client',
      to: 'http://reviews:9080/',
    });
    if (!result.ok) throw new Error(result.reason);
    expect(result.trace).toMatchObject({ status: 503, responseFlags: 'UH' });
  });

  it('ServiceEntry subsets are checked against its endpoints labels', () => {
    const se = istio(
      'ServiceEntry',
      'db',
      'app',
      'hosts: [db.internal]\nports: [{number: 5432, name: tcp, protocol: TCP}]\nresolution: STATIC\n' +
        'endpoints: [{address: 10.0.0.1, labels: {zone: a}}]',
    );
    const rule = (zone: string) =>
      istio('DestinationRule', 'db', 'app', `host: db.internal\nsubsets:\n- {name: z, labels: {zone: ${zone}}}`);
    expect(findings(doc(mesh, se, rule('a')), ['IST0173'])).toEqual([]);
    expect(findings(doc(mesh, se, rule('b')), ['IST0173'])).toHaveLength(1);
  });
});

describe('weights (route/route.go: translateRoute uses them as relative weights)', () => {
  it('reports nothing for weights that add up to 100', () => {
    const body =
      '- route:\n  - destination: {host: reviews, subset: v1}\n    weight: 80\n' +
      '  - destination: {host: reviews, subset: v1}\n    weight: 20';
    expect(findings(doc(mesh, dr('- {name: v1, labels: {version: v1}}'), route(body)), ['WEIGHTS_NOT_100'])).toEqual(
      [],
    );
  });

  it('gives the real split when they do not, and names a destination without weight that istiod drops', () => {
    const found = findings(
      doc(
        mesh,
        route(
          [
            '- route:',
            '  - destination: {host: reviews}',
            '    weight: 80',
            '  - destination: {host: ratings}',
            '    weight: 30',
            '- route:',
            '  - destination: {host: reviews}',
            '    weight: 50',
            '  - destination: {host: ratings}',
            '- route:',
            '  - destination: {host: reviews}',
            '    weight: 888',
          ].join('\n'),
        ),
      ),
      ['WEIGHTS_NOT_100'],
    );
    expect(found.map((f) => [f.severity, f.message])).toEqual([
      ['warning', expect.stringContaining('add up to 110, not 100') as string],
      ['warning', expect.stringContaining('ratings has no weight') as string],
      ['info', 'weight 888 is ignored: with a single destination, reviews gets all the traffic.'],
    ]);
    expect(found[0]?.message).toContain('reviews 72.7%, ratings 27.3%');
  });
});

describe('rules no request reaches (validation.go: analyzeUnreachableHTTPRules)', () => {
  it('reports nothing for distinct matches before a catch-all', () => {
    const body =
      '- match: [{uri: {prefix: /a}}]\n  route: [{destination: {host: reviews}}]\n' +
      '- route: [{destination: {host: reviews}}]';
    expect(findings(doc(mesh, route(body)), ['IST0130', 'IST0131'])).toEqual([]);
  });

  it('a rule after a catch-all, a rule whose matches all came before, and one repeated match', () => {
    const body = [
      '- name: a',
      '  match: [{uri: {prefix: /a}}, {headers: {x: {exact: "1"}}}]',
      '  route: [{destination: {host: reviews}}]',
      '- name: b',
      '  match: [{uri: {prefix: /a}}]',
      '  route: [{destination: {host: reviews}}]',
      '- name: c',
      '  match: [{uri: {prefix: /a}}, {uri: {prefix: /c}}]',
      '  route: [{destination: {host: reviews}}]',
      '- route: [{destination: {host: reviews}}]',
      '- name: late',
      '  match: [{uri: {prefix: /late}}]',
      '  route: [{destination: {host: reviews}}]',
    ].join('\n');
    expect(findings(doc(mesh, route(body)), ['IST0130', 'IST0131']).map((f) => [f.code, f.message])).toEqual([
      ['IST0130', 'Rule b (http[1]) is never used: earlier rules have all its matches.'],
      ['IST0131', 'This match of c (http[2]) is never used: a (http[0]) has the same match and comes first.'],
      ['IST0130', 'Rule late (http[4]) is never used: http[3] before it matches every request.'],
    ]);
  });
});

describe('Service ports (service/portname.go) and targetPorts', () => {
  it('reports nothing for named protocols and a targetPort name a pod declares', () => {
    const text = doc(
      mesh,
      service('web', 'app', {
        ports: [{ port: 80, name: 'http-web', targetPort: 'web' }],
        selector: { app: 'reviews' },
      }),
    );
    expect(findings(text, ['IST0118', 'TARGET_PORT_NOT_FOUND', 'TARGET_PORT_INVALID'])).toEqual([]);
  });

  it('a port name without a protocol (info), a targetPort name no pod has, a quoted number', () => {
    const text = doc(
      mesh,
      service('web', 'app', {
        ports: [
          { port: 80, name: 'web', targetPort: 'http' },
          { port: 81, name: 'http-b', targetPort: '"8080"' },
          { port: 3306, name: 'db' },
        ],
        selector: { app: 'reviews' },
      }),
    );
    expect(
      findings(text, ['IST0118', 'TARGET_PORT_NOT_FOUND', 'TARGET_PORT_INVALID']).map((f) => [
        f.code,
        f.severity,
        f.at,
      ]),
    ).toEqual([
      [
        'IST0118',
        'info',
        'web, targetPort: http}, {port: 81, name: http-b, targetPort: "8080"}, {port: 3306, name: db}]',
      ],
      [
        'TARGET_PORT_NOT_FOUND',
        'warning',
        'http}, {port: 81, name: http-b, targetPort: "8080"}, {port: 3306, name: db}]',
      ],
      ['TARGET_PORT_INVALID', 'error', '"8080"}, {port: 3306, name: db}]'],
    ]);
  });
});

describe('Services sharing a workload and a target port (deployment/services.go)', () => {
  it('reports different service ports for one target port, once per workload', () => {
    const twin = (port: number) =>
      service('reviews-alias', 'app', {
        ports: [{ port, name: 'http', targetPort: 9080 }],
        selector: { app: 'reviews' },
      });
    expect(findings(doc(mesh, twin(9080)), ['IST0137'])).toEqual([]);
    const found = findings(doc(mesh, twin(80)), ['IST0137']);
    expect(found.map((f) => [f.severity, f.at])).toEqual([
      ['warning', 'reviews-v1, namespace: app, labels: {app: "reviews", version: "v1"}, annotations: {}}'],
    ]);
    expect(found[0]?.message).toContain('send targetPort 9080 from different service ports (80, 9080)');
  });
});

describe('subset labels istiod adds to endpoints itself', () => {
  it('a subset on a locality or node label is not reported: istiod adds those labels (AugmentLabels)', () => {
    const zone = dr('- {name: east, labels: {topology.kubernetes.io/zone: us-east-1a}}');
    expect(findings(doc(mesh, zone), ['IST0173'])).toEqual([]);
  });
});
