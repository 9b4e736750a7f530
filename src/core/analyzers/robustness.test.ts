import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyze } from '../index.ts';
import { doc, namespace, pod, service } from '../testkit.ts';

const KINDS = [
  ['networking.istio.io/v1', 'VirtualService'],
  ['networking.istio.io/v1', 'DestinationRule'],
  ['networking.istio.io/v1', 'Gateway'],
  ['networking.istio.io/v1', 'ServiceEntry'],
  ['networking.istio.io/v1', 'Sidecar'],
  ['networking.istio.io/v1', 'WorkloadEntry'],
  ['security.istio.io/v1', 'AuthorizationPolicy'],
  ['security.istio.io/v1', 'PeerAuthentication'],
] as const;

// The field names the analyzers read, and values of every wrong shape, including keys that exist on Object.prototype.
const key = fc.constantFrom(
  'hosts',
  'gateways',
  'http',
  'tcp',
  'tls',
  'route',
  'destination',
  'host',
  'subset',
  'port',
  'number',
  'weight',
  'match',
  'mirror',
  'mirrors',
  'delegate',
  'name',
  'namespace',
  'subsets',
  'labels',
  'trafficPolicy',
  'mode',
  'portLevelSettings',
  'exportTo',
  'selector',
  'matchLabels',
  'workloadSelector',
  'servers',
  'bind',
  'egress',
  'outboundTrafficPolicy',
  'ports',
  'protocol',
  'resolution',
  'addresses',
  'endpoints',
  'rules',
  'from',
  'to',
  'when',
  'source',
  'operation',
  'namespaces',
  'key',
  'values',
  'action',
  'mtls',
  'portLevelMtls',
  'toString',
  'constructor',
);
const value = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(
      'reviews',
      '*',
      '*.local',
      'a/b',
      './*',
      '~/x',
      'DISABLE',
      'STRICT',
      'NONE',
      'TCP',
      'HTTP',
      '',
      '8080',
    ),
    fc.integer({ min: -2, max: 70000 }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(key, tie('node'), { maxKeys: 4 }),
  ),
})).node;

const mesh = doc(
  namespace('app', { 'istio-injection': 'enabled' }),
  service('reviews', 'app', { ports: [{ port: 9080, name: 'http', targetPort: 'web' }], selector: { app: 'reviews' } }),
  pod('reviews-1', 'app', { labels: { app: 'reviews' }, ports: [{ containerPort: 9080, name: 'web' }] }),
);

describe('the analyzers on config of every wrong shape (property test)', () => {
  it('never throw, and every finding points inside the text', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...KINDS), fc.dictionary(key, value, { maxKeys: 6 })), { maxLength: 6 }),
        (objects) => {
          const text = doc(
            mesh,
            ...objects.map(
              ([[apiVersion, kind], spec], i) =>
                `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: {name: o${i}, namespace: app}\n` +
                `spec: ${JSON.stringify(spec)}`,
            ),
          );
          const lines = text.split('\n');
          for (const d of analyze([{ name: 'f.yaml', text }]).diagnostics) {
            expect(d.range.start.line).toBeGreaterThanOrEqual(1);
            expect(d.range.start.line).toBeLessThanOrEqual(lines.length);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

/** Config that triggers every analyzer, as plain data, so each field can be replaced by a value of the wrong shape. */
const BASE: Array<[string, string, Record<string, unknown>]> = [
  [
    'networking.istio.io/v1',
    'VirtualService',
    {
      hosts: ['reviews', 'shop.example.com'],
      gateways: ['gw', 'mesh'],
      exportTo: ['.'],
      http: [
        {
          name: 'a',
          match: [{ uri: { prefix: '/a' } }],
          route: [
            { destination: { host: 'reviews', subset: 'v9', port: { number: 1 } }, weight: 30 },
            { destination: { host: 'nope' }, weight: 30 },
          ],
          mirror: { host: 'x' },
          mirrors: [{ destination: { host: 'y' } }],
        },
        { match: [{ uri: { prefix: '/a' } }], delegate: { name: 'd', namespace: 'app' } },
        { route: [{ destination: { host: 'reviews' }, weight: 888 }] },
      ],
      tcp: [{ route: [{ destination: { host: 'reviews' } }, { destination: { host: 'reviews' } }] }],
    },
  ],
  [
    'networking.istio.io/v1',
    'VirtualService',
    { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }] }] },
  ],
  [
    'networking.istio.io/v1',
    'DestinationRule',
    {
      host: 'reviews',
      exportTo: ['*'],
      trafficPolicy: {
        tls: { mode: 'DISABLE' },
        portLevelSettings: [{ port: { number: 9080 }, tls: { mode: 'SIMPLE' } }],
      },
      subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { tls: { mode: 'DISABLE' } } }],
    },
  ],
  ['networking.istio.io/v1', 'DestinationRule', { host: '*.local', subsets: [{ name: 'v1', labels: { a: 'b' } }] }],
  [
    'networking.istio.io/v1',
    'Gateway',
    {
      selector: { istio: 'ingressgateway' },
      servers: [
        {
          port: { number: 443, name: 'https', protocol: 'HTTPS' },
          hosts: ['*/a.example.com'],
          tls: { mode: 'SIMPLE' },
          bind: '0.0.0.0',
        },
        { port: { number: 443 }, hosts: ['a.example.com'], tls: {} },
      ],
    },
  ],
  [
    'networking.istio.io/v1',
    'ServiceEntry',
    {
      hosts: ['reviews.app.svc.cluster.local', 'db.internal'],
      resolution: 'NONE',
      ports: [
        { number: 5432, name: 'p', protocol: 'TCP' },
        { number: 80, name: 'h', protocol: 'HTTP' },
      ],
      workloadSelector: { labels: { app: 'reviews' } },
      endpoints: [{ address: '1.1.1.1', labels: { a: 'b' } }],
    },
  ],
  [
    'networking.istio.io/v1',
    'Sidecar',
    {
      workloadSelector: { labels: { app: 'reviews' } },
      egress: [{ hosts: ['./reviews', '*/x.example.com', '~/y', 'app/*.local'] }],
      outboundTrafficPolicy: { mode: 'ALLOW_ANY' },
    },
  ],
  ['networking.istio.io/v1', 'Sidecar', { egress: [{ hosts: ['./*'] }] }],
  [
    'security.istio.io/v1',
    'AuthorizationPolicy',
    {
      selector: { matchLabels: { app: 'reviews' } },
      action: 'DENY',
      rules: [
        {
          from: [{ source: { namespaces: ['x*', 'nope'], requestPrincipals: ['*'] } }],
          to: [{ operation: { methods: ['GET'], ports: ['9080'] } }],
          when: [{ key: 'request.headers[x]', values: ['1'] }],
        },
      ],
    },
  ],
  ['security.istio.io/v1', 'AuthorizationPolicy', {}],
  [
    'security.istio.io/v1',
    'PeerAuthentication',
    {
      selector: { matchLabels: { app: 'reviews' } },
      mtls: { mode: 'STRICT' },
      portLevelMtls: { 9080: { mode: 'STRICT' } },
    },
  ],
];

function leafPaths(value: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(value)) return [path, ...value.flatMap((v, i) => leafPaths(v, [...path, i]))];
  if (typeof value === 'object' && value !== null)
    return [path, ...Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...path, k]))];
  return [path];
}

function replaced(value: unknown, path: ReadonlyArray<string | number>, by: unknown): unknown {
  if (path.length === 0) return by;
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? replaced(v, rest, by) : v));
  const record = value as Record<string, unknown>;
  return { ...record, [String(head)]: replaced(record[String(head)], rest, by) };
}

describe('the analyzers with any one field of the wrong shape', () => {
  it('never throw', () => {
    const hostile: unknown[] = [{ toString: 1, valueOf: 1 }, [[]], 'x'];
    let runs = 0;
    BASE.forEach(([, , spec], index) => {
      for (const path of leafPaths(spec).filter((p) => p.length > 0))
        for (const by of hostile) {
          const text = doc(
            mesh,
            ...BASE.map(
              ([apiVersion, kind, s], i) =>
                `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: {name: o${i}, namespace: app}\n` +
                `spec: ${JSON.stringify(i === index ? replaced(s, path, by) : s)}`,
            ),
          );
          expect(() => analyze([{ name: 'f.yaml', text }])).not.toThrow();
          runs++;
        }
    });
    expect(runs).toBeGreaterThan(200);
  }, 60_000);
});
