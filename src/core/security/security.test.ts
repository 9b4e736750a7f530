import { describe, expect, it } from 'vitest';
import { analyze, traceRequest, type Trace, type TraceRequest } from '../index.ts';
import { doc, istio, namespace, pod, service } from '../testkit.ts';

function trace(text: string, request: Omit<TraceRequest, 'headers'> & { headers?: Record<string, string> }): Trace {
  const result = traceRequest(analyze([{ name: 'scenario.yaml', text }]), request);
  if (!result.ok) throw new Error(result.reason);
  return result.trace;
}
const summary = (t: Trace) => ({ outcome: t.outcome, status: t.status, responseFlags: t.responseFlags });

// client (sa client-sa) and reviews (HTTP) and db (TCP) in the injected namespace `app`; a plain pod in `legacy`.
const mesh = doc(
  namespace('app', { 'istio-injection': 'enabled' }),
  namespace('legacy'),
  namespace('istio-system', { 'istio-injection': 'enabled' }),
  pod('client', 'app', { labels: { app: 'client' }, ip: '10.244.0.10', serviceAccount: 'client-sa' }),
  pod('plain', 'legacy', { labels: { app: 'plain' }, ip: '10.244.0.20' }),
  service('reviews', 'app', {
    ports: [{ port: 9080, name: 'http' }],
    selector: { app: 'reviews' },
    clusterIP: '10.96.0.30',
  }),
  pod('reviews-v1', 'app', { labels: { app: 'reviews' }, ip: '10.244.1.1', ports: [{ containerPort: 9080 }] }),
  service('db', 'app', { ports: [{ port: 5432, name: 'tcp-pg' }], selector: { app: 'db' }, clusterIP: '10.96.0.31' }),
  pod('db-0', 'app', { labels: { app: 'db' }, ip: '10.244.1.5' }),
);

const policy = (name: string, app: string, body: string) =>
  istio('AuthorizationPolicy', name, 'app', `selector: {matchLabels: {app: ${app}}}\n${body}`);
const toReviews = (text: string, headers: Record<string, string> = {}) =>
  trace(text, { from: 'app/client', to: 'http://reviews:9080/', headers });
const toDb = (text: string) => trace(text, { from: 'app/client', to: 'db:5432' });

describe('AuthorizationPolicy source.serviceAccounts and trustDomains (security/authz/model/generator.go)', () => {
  it('matches serviceAccounts `ns/sa` (or `sa` in the policy namespace) against the caller identity', () => {
    const allow = (sa: string) =>
      policy('allow-sa', 'reviews', `action: ALLOW\nrules:\n- from: [{source: {serviceAccounts: ["${sa}"]}}]`);
    expect(toReviews(doc(mesh, allow('app/client-sa'))).outcome).toBe('routed');
    expect(toReviews(doc(mesh, allow('client-sa'))).outcome).toBe('routed');
    expect(summary(toReviews(doc(mesh, allow('app/other-sa'))))).toEqual({
      outcome: 'denied',
      status: 403,
      responseFlags: '-',
    });
    expect(toReviews(doc(mesh, allow('legacy/client-sa'))).outcome).toBe('denied');
    // A caller without mTLS has no identity.
    expect(
      trace(doc(mesh, allow('legacy/default')), { from: 'legacy/plain', to: 'http://reviews.app:9080/' }).outcome,
    ).toBe('denied');
    const denyOthers = policy(
      'deny-others',
      'reviews',
      'action: DENY\nrules:\n- from: [{source: {notServiceAccounts: ["app/client-sa"]}}]',
    );
    expect(toReviews(doc(mesh, denyOthers)).outcome).toBe('routed');
    expect(trace(doc(mesh, denyOthers), { from: 'legacy/plain', to: 'http://reviews.app:9080/' }).outcome).toBe(
      'denied',
    );
  });

  it('matches trustDomains on the caller identity', () => {
    const allow = (td: string) =>
      policy('allow-td', 'reviews', `action: ALLOW\nrules:\n- from: [{source: {trustDomains: ["${td}"]}}]`);
    expect(toReviews(doc(mesh, allow('cluster.local'))).outcome).toBe('routed');
    expect(toReviews(doc(mesh, allow('*.local'))).outcome).toBe('routed');
    expect(toReviews(doc(mesh, allow('other.example'))).outcome).toBe('denied');
    expect(trace(doc(mesh, allow('*')), { from: 'legacy/plain', to: 'http://reviews.app:9080/' }).outcome).toBe(
      'denied',
    );
  });

  it('supports the source.serviceAccount and source.trustDomain conditions', () => {
    const allow = (key: string, value: string) =>
      policy('allow-when', 'reviews', `action: ALLOW\nrules:\n- when: [{key: ${key}, values: ["${value}"]}]`);
    expect(toReviews(doc(mesh, allow('source.serviceAccount', 'app/client-sa'))).outcome).toBe('routed');
    expect(toReviews(doc(mesh, allow('source.serviceAccount', 'app/other'))).outcome).toBe('denied');
    expect(toReviews(doc(mesh, allow('source.trustDomain', 'cluster.local'))).outcome).toBe('routed');
    expect(toReviews(doc(mesh, allow('source.trustDomain', 'other.example'))).outcome).toBe('denied');
  });
});

describe('AuthorizationPolicy fields Meshpath does not evaluate', () => {
  it(
    'never lets an unrecognised source or operation field match everything: ALLOW does not match, DENY does, ' +
      'with a note',
    () => {
      const allow = policy(
        'allow-typo',
        'reviews',
        'action: ALLOW\nrules:\n- from: [{source: {principal: ["cluster.local/ns/app/sa/someone"]}}]',
      );
      const allowed = toReviews(doc(mesh, allow));
      expect(allowed.outcome).toBe('denied');
      expect(allowed.assumptions.some((a) => a.includes('principal') && a.includes('allow-typo'))).toBe(true);
      const deny = policy('deny-typo', 'reviews', 'action: DENY\nrules:\n- to: [{operation: {method: ["DELETE"]}}]');
      const denied = toReviews(doc(mesh, deny));
      expect(denied.outcome).toBe('denied');
      expect(denied.assumptions.some((a) => a.includes('method') && a.includes('deny-typo'))).toBe(true);
      // `value` instead of `values` in a condition, and a misspelt `from`.
      expect(
        toReviews(
          doc(
            mesh,
            policy(
              'deny-value',
              'reviews',
              'action: DENY\nrules:\n- when: [{key: "request.headers[x-user]", value: ["bob"]}]',
            ),
          ),
        ).outcome,
      ).toBe('denied');
      expect(
        toReviews(
          doc(
            mesh,
            policy('allow-form', 'reviews', 'action: ALLOW\nrules:\n- form: [{source: {namespaces: ["other"]}}]'),
          ),
        ).outcome,
      ).toBe('denied');
    },
  );

  it('treats a condition Istio supports but Meshpath cannot evaluate as unknown, with a note', () => {
    const key = 'experimental.envoy.filters.network.mysql_proxy[db.table]';
    const when = `rules:\n- when: [{key: "${key}", values: ["[update]"]}]`;
    const allowed = toReviews(doc(mesh, policy('allow-mysql', 'reviews', `action: ALLOW\n${when}`)));
    expect(allowed.outcome).toBe('denied');
    expect(allowed.assumptions.some((a) => a.includes(key))).toBe(true);
    const denied = toReviews(doc(mesh, policy('deny-mysql', 'reviews', `action: DENY\n${when}`)));
    expect(denied.outcome).toBe('denied');
    expect(denied.assumptions.some((a) => a.includes(key))).toBe(true);
  });

  it(
    'skips a rule whose condition key Istio does not know, for DENY too ' +
      '(pilot/pkg/security/authz/model/model.go: New)',
    () => {
      const t = toReviews(
        doc(
          mesh,
          policy('deny-bad-key', 'reviews', 'action: DENY\nrules:\n- when: [{key: request.method, values: ["GET"]}]'),
        ),
      );
      expect(t.outcome).toBe('routed');
      expect(t.assumptions.some((a) => a.includes('request.method'))).toBe(true);
    },
  );

  it('evaluates destination.ip against the workload address', () => {
    const deny = (ip: string) =>
      policy('deny-ip', 'reviews', `action: DENY\nrules:\n- when: [{key: destination.ip, values: ["${ip}"]}]`);
    expect(toReviews(doc(mesh, deny('10.244.1.0/24'))).outcome).toBe('denied');
    expect(toReviews(doc(mesh, deny('10.9.9.9'))).outcome).toBe('routed');
  });

  it('matches a path template as an Envoy URI template, not as a literal path', () => {
    const text = doc(
      mesh,
      policy('allow-tpl', 'reviews', 'action: ALLOW\nrules:\n- to: [{operation: {paths: ["/api/{*}/info"]}}]'),
    );
    expect(trace(text, { from: 'app/client', to: 'http://reviews:9080/api/v1/info' }).outcome).toBe('routed');
    expect(trace(text, { from: 'app/client', to: 'http://reviews:9080/api/v1/x/info' }).outcome).toBe('denied');
  });
});

describe('AuthorizationPolicy requestPrincipals: Meshpath requests carry no JWT', () => {
  it('on HTTP, requestPrincipals never matches and notRequestPrincipals always does; on TCP, DENY drops them', () => {
    expect(
      toReviews(
        doc(
          mesh,
          policy('deny-jwt', 'reviews', 'action: DENY\nrules:\n- from: [{source: {requestPrincipals: ["*"]}}]'),
        ),
      ).outcome,
    ).toBe('routed');
    expect(
      toReviews(
        doc(
          mesh,
          policy('deny-no-jwt', 'reviews', 'action: DENY\nrules:\n- from: [{source: {notRequestPrincipals: ["*"]}}]'),
        ),
      ).outcome,
    ).toBe('denied');
    expect(
      toReviews(
        doc(
          mesh,
          policy('allow-jwt', 'reviews', 'action: ALLOW\nrules:\n- from: [{source: {requestPrincipals: ["*"]}}]'),
        ),
      ).outcome,
    ).toBe('denied');
    expect(
      toReviews(
        doc(
          mesh,
          policy('allow-no-jwt', 'reviews', 'action: ALLOW\nrules:\n- from: [{source: {notRequestPrincipals: ["*"]}}]'),
        ),
      ).outcome,
    ).toBe('routed');
    expect(
      toReviews(
        doc(
          mesh,
          policy(
            'deny-claim',
            'reviews',
            'action: DENY\nrules:\n- when: [{key: "request.auth.claims[iss]", values: ["*"]}]',
          ),
        ),
      ).outcome,
    ).toBe('routed');
    // On TCP a DENY rule drops requestPrincipals, and so denies every connection.
    expect(
      toDb(doc(mesh, policy('deny-jwt', 'db', 'action: DENY\nrules:\n- from: [{source: {requestPrincipals: ["*"]}}]')))
        .outcome,
    ).toBe('denied');
  });
});

describe('AuthorizationPolicy on TCP (pilot/pkg/security/authz/builder/builder.go, model.go: checkError)', () => {
  it(
    'skips a whole ALLOW rule that uses an HTTP-only field anywhere, and keeps a DENY rule without its HTTP-only ' +
      'fields',
    () => {
      const twoTos = policy(
        'allow-db',
        'db',
        'action: ALLOW\nrules:\n- to: [{operation: {methods: ["GET"]}}, {operation: {ports: ["5432"]}}]',
      );
      expect(summary(toDb(doc(mesh, twoTos)))).toEqual({ outcome: 'denied', status: null, responseFlags: '-' });
      const headerWhen = policy(
        'allow-db',
        'db',
        'action: ALLOW\nrules:\n- from: [{source: {principals: ["cluster.local/ns/app/sa/client-sa"]}}]\n' +
          '  when: [{key: "request.headers[x-user]", values: ["bob"]}]',
      );
      expect(toDb(doc(mesh, headerWhen)).outcome).toBe('denied');
      const jwtFrom = policy(
        'allow-db',
        'db',
        'action: ALLOW\nrules:\n- from: [{source: {notRequestPrincipals: ["*"]}}, {source: {namespaces: ["app"]}}]',
      );
      expect(toDb(doc(mesh, jwtFrom)).outcome).toBe('denied');
      // Without HTTP-only fields the rule applies.
      expect(
        toDb(doc(mesh, policy('allow-db', 'db', 'action: ALLOW\nrules:\n- to: [{operation: {ports: ["5432"]}}]')))
          .outcome,
      ).toBe('routed');
      // A DENY rule is kept with its HTTP-only fields removed.
      expect(
        toDb(
          doc(
            mesh,
            policy('deny-db', 'db', 'action: DENY\nrules:\n- to: [{operation: {methods: ["GET"], ports: ["5432"]}}]'),
          ),
        ).outcome,
      ).toBe('denied');
      expect(
        toDb(
          doc(
            mesh,
            policy('deny-db', 'db', 'action: DENY\nrules:\n- to: [{operation: {methods: ["GET"], ports: ["9999"]}}]'),
          ),
        ).outcome,
      ).toBe('routed');
      expect(
        toDb(
          doc(
            mesh,
            policy(
              'deny-db',
              'db',
              'action: DENY\nrules:\n- when: [{key: "request.headers[x-user]", values: ["bob"]}]',
            ),
          ),
        ).outcome,
      ).toBe('denied');
    },
  );
});

describe('AuthorizationPolicy wildcard values (pilot/pkg/security/authz/matcher/header.go)', () => {
  it('reads a leading * as a suffix match before a trailing * as a prefix match', () => {
    const deny = policy(
      'deny-token',
      'reviews',
      'action: DENY\nrules:\n- when: [{key: "request.headers[x-token]", values: ["*-test*"]}]',
    );
    // Istio: suffix "-test*"; a prefix reading ("*-test") would wrongly match the first value.
    expect(toReviews(doc(mesh, deny), { 'x-token': '*-test-123' }).outcome).toBe('routed');
    expect(toReviews(doc(mesh, deny), { 'x-token': 'abc-test*' }).outcome).toBe('denied');
  });
});

describe('PeerAuthentication scope (pilot/pkg/security/authn/policy_applier.go: ComposePeerAuthentication)', () => {
  const monitor = doc(
    service('monitor', 'istio-system', {
      ports: [{ port: 8080, name: 'http' }],
      selector: { app: 'monitor' },
      clusterIP: '10.96.0.50',
    }),
    pod('monitor', 'istio-system', { labels: { app: 'monitor' }, ip: '10.244.2.1', ports: [{ containerPort: 8080 }] }),
  );

  it('ignores a root-namespace PeerAuthentication with a selector, even for a workload in the root namespace', () => {
    const strict = istio(
      'PeerAuthentication',
      'monitor-strict',
      'istio-system',
      'selector: {matchLabels: {app: monitor}}\nmtls: {mode: STRICT}',
    );
    expect(
      summary(trace(doc(mesh, monitor, strict), { from: 'legacy/plain', to: 'http://monitor.istio-system:8080/' })),
    ).toEqual({ outcome: 'direct', status: 200, responseFlags: '-' });
    // The same policy without a selector is mesh-wide and applies.
    const meshWide = istio('PeerAuthentication', 'default', 'istio-system', 'mtls: {mode: STRICT}');
    expect(
      trace(doc(mesh, monitor, meshWide), { from: 'legacy/plain', to: 'http://monitor.istio-system:8080/' }).outcome,
    ).toBe('mtls-failure');
  });
});
