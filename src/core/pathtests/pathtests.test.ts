import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyze } from '../index.ts';
import { defaultRequests, diffMarkdown, diffRequests } from './diff.ts';
import { junitXml } from './junit.ts';
import { firstDifference, runPathTests } from './run.ts';
import { parseFieldPath, parseTestsFile } from './testsFile.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => ({ name: path, text: readFileSync(`${root}${path}`, 'utf8') });
const bookinfo = read('fixtures/scenarios/bookinfo/manifests.yaml');

function tests(text: string) {
  const parsed = parseTestsFile({ name: 'tests.yaml', text });
  if (!parsed.ok) throw new Error(parsed.diagnostics.map((d) => d.message).join('\n'));
  return parsed.tests;
}

describe('the tests file', () => {
  it('reads requests, options and expectations, with the line of each expected field', () => {
    const [test] = tests(
      [
        'tests:',
        '  - name: a',
        '    from: shop/frontend',
        '    to: http://checkout:8080/cart',
        '    port: 8080',
        '    headers: { x-beta: true }',
        '    options: { outboundTrafficPolicy: REGISTRY_ONLY, dnsCapture: true }',
        '    expect:',
        '      outcome: [blackhole, denied]',
        '      hops[1].cluster: x',
      ].join('\n'),
    );
    expect(test?.request).toMatchObject({ from: 'shop/frontend', port: 8080, headers: { 'x-beta': 'true' } });
    expect(test?.options).toEqual({ outboundTrafficPolicy: 'REGISTRY_ONLY', dnsCapture: true });
    expect(test?.expect.map((e) => [e.field, e.path, e.range.start.line, e.range.start.column])).toEqual([
      ['outcome', ['outcome'], 9, 16],
      ['hops[1].cluster', ['hops', 1, 'cluster'], 10, 24],
    ]);
  });

  it.each([
    ['tests: nope', 1, 8, 'A tests file is a mapping'],
    ['tests:\n  - name: a\n    from: x\n    expect: { outcome: routed }', 2, 5, 'needs "to"'],
    ['tests:\n  - name: a\n    from: x\n    to: y\n    expect: { colour: red }', 5, 15, 'Cannot assert "colour"'],
    ['tests:\n  - name: a\n    from: x\n    to: y\n    port: 70000\n    expect: { outcome: routed }', 5, 11, '"port"'],
    ['tests:\n  - name: a\n    form: x\n    to: y\n    expect: { outcome: routed }', 3, 5, 'Unknown field "form"'],
    ['tests:\n  - name: a\n    from: x\n    to: y\n    expect: {}', 5, 13, 'needs "expect"'],
    ['tests:\n  - name: [a\n', 3, 1, 'YAML syntax error'],
    [
      'tests:\n  - name: a\n    from: x\n    to: y\n    options: { dnsCapture: maybe }\n' +
        '    expect: { outcome: routed }',
      5,
      28,
      'dnsCapture',
    ],
  ])('an unusable file says where: %j', (text, line, column, message) => {
    const parsed = parseTestsFile({ name: 'tests.yaml', text });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.diagnostics[0]?.message).toContain(message);
    expect(parsed.diagnostics[0]?.range.start).toEqual({ line, column });
  });

  it('refuses two tests with the same name (JUnit reports would merge them)', () => {
    const text = 'tests:\n' + '  - { name: a, from: x, to: y, expect: { outcome: routed } }\n'.repeat(2);
    const parsed = parseTestsFile({ name: 't.yaml', text });
    expect(parsed.ok ? [] : parsed.diagnostics.map((d) => [d.message, d.range.start.line])).toEqual([
      ['Two tests are named "a": give each its own name.', 3],
    ]);
  });

  it('reads field paths as users write them, and nothing else', () => {
    expect(parseFieldPath('hops[0].route')).toEqual(['hops', 0, 'route']);
    expect(parseFieldPath('dns.answers[1]')).toEqual(['dns', 'answers', 1]);
    for (const bad of ['', '.a', 'a.', 'a..b', '[0]', 'a[x]', 'a b']) expect(parseFieldPath(bad)).toBeUndefined();
  });
});

describe('comparing a trace with what a test expects', () => {
  it('takes a list against one value as "one of", a list against a list item by item, a mapping as partial', () => {
    expect(firstDifference(['blackhole', 'denied'], 'denied')).toBeUndefined();
    expect(firstDifference(['blackhole', 'denied'], 'passthrough')).toMatchObject({ actual: 'passthrough' });
    expect(firstDifference(['10.0.0.1'], ['10.0.0.1'])).toBeUndefined();
    expect(firstDifference(['10.0.0.1'], ['10.0.0.1', '10.0.0.2'])).toBeDefined();
    expect(firstDifference({ a: 1 }, { a: 1, b: 2 })).toBeUndefined();
    expect(firstDifference([{ a: 1 }, { a: 2 }], [{ a: 1 }, { a: 3 }], ['hops'])).toMatchObject({
      path: ['hops', 1, 'a'],
    });
    expect(firstDifference(200, '200')).toBeUndefined();
    expect(firstDifference(null, 503)).toBeDefined();
    expect(firstDifference('x', undefined)).toEqual({ path: [], expected: 'x', actual: null });
  });
});

describe('running path tests on Bookinfo', () => {
  const analysis = analyze([bookinfo]);
  const run = (text: string) => runPathTests(() => analysis, tests(text));

  it('passes every test of the Bookinfo tests file', () => {
    const results = runPathTests(() => analysis, tests(read('fixtures/pathtests/bookinfo.tests.yaml').text));
    expect(results.map((r) => [r.name, r.status, r.failures])).toEqual(results.map((r) => [r.name, 'passed', []]));
    expect(results).toHaveLength(4);
  });

  it('names the first differing field and the step that decided it', () => {
    const [result] = run(
      'tests:\n  - name: mysql\n    from: bookinfo/productpage-v1\n    to: http://ratings:9080/mysql\n' +
        '    expect: { outcome: routed, cluster: "outbound|9080|v1|ratings.bookinfo.svc.cluster.local" }',
    );
    expect(result?.status).toBe('failed');
    expect(result?.failures.map((f) => [f.at, f.expected, f.actual, f.step?.kind])).toEqual([
      ['outcome', 'routed', 'no-healthy-upstream', 'cluster'],
      [
        'cluster',
        'outbound|9080|v1|ratings.bookinfo.svc.cluster.local',
        'outbound|9080|v2-mysql|ratings.bookinfo.svc.cluster.local',
        'cluster',
      ],
    ]);
  });

  it("points a hop field at that hop's step, and a missing hop at the end", () => {
    const [result] = run(
      'tests:\n  - name: r\n    from: bookinfo/productpage-v1\n    to: http://reviews:9080/\n' +
        '    expect:\n      hops[0].route: jason\n      hops[5].cluster: x',
    );
    expect(result?.failures.map((f) => [f.at, f.actual, f.step?.kind, f.step?.proxy])).toEqual([
      ['hops[0].route', 'shift', 'route', expect.stringMatching(/^bookinfo\/productpage-v1-/)],
      ['hops[5].cluster', null, 'outcome', undefined],
    ]);
  });

  it('reports a request that cannot be traced as an error, not a pass', () => {
    const [result] = run(
      'tests:\n  - name: ghost\n    from: nowhere/ghost\n    to: reviews\n    expect: { outcome: routed }',
    );
    expect(result?.status).toBe('error');
    expect(result?.error).toMatch(/ghost/);
  });

  it('writes JUnit XML with one testcase per test, failures and errors counted, text escaped', () => {
    const results = run(
      'tests:\n' +
        '  - { name: "ok <1> & \\"2\\"", from: bookinfo/productpage-v1, to: reviews:9080, ' +
        'expect: { outcome: routed } }\n' +
        '  - { name: bad, from: bookinfo/productpage-v1, to: reviews:9080, expect: { status: 404 } }\n' +
        '  - { name: err, from: x/y, to: reviews:9080, expect: { status: 404 } }\n',
    );
    const xml = junitXml(results, 'tests.yaml');
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites /);
    expect(xml).toContain('<testsuite name="tests.yaml" tests="3" failures="1" errors="1" skipped="0"');
    expect(xml).toContain('<testcase name="ok &lt;1&gt; &amp; &quot;2&quot;"');
    expect(xml).toMatch(/<failure message="status: expected 404, got 200[^"]*" type="PathMismatch">/);
    expect(xml).toMatch(/<error message="[^"]+" type="TraceError">/);
    expect(wellFormed(xml)).toBe(true);
  });
});

/** Tags open and close in order, and no raw < or & outside markup: enough to know a CI parser reads it. */
function wellFormed(xml: string): boolean {
  const stack: string[] = [];
  const body = xml.replace(/^<\?xml[^>]*\?>/, '');
  for (const m of body.matchAll(
    /<(\/?)([A-Za-z]+)((?:\s+[a-z]+="[^"<]*")*)\s*(\/?)>|<|&(?!(?:amp|lt|gt|quot|apos);)/g,
  )) {
    if (m[2] === undefined) return false;
    if (m[1]) {
      if (stack.pop() !== m[2]) return false;
    } else if (!m[4]) stack.push(m[2]);
  }
  return stack.length === 0;
}

describe('before and after', () => {
  const before = analyze([bookinfo]);
  const changedText = bookinfo.text.replace('subset: v1\n      weight: 80', 'subset: v4\n      weight: 80');
  const after = analyze([{ name: 'after.yaml', text: changedText }]);

  it('finds the requests whose outcome changed, where the paths part, and the object that changed', () => {
    expect(changedText).not.toBe(bookinfo.text);
    const { requests, omitted } = defaultRequests([before, after]);
    expect(omitted).toBe(0);
    // Six workloads, four Services with one port each.
    expect(requests).toHaveLength(24);
    const diffs = diffRequests(before, after, requests);
    const changed = diffs.filter((d) => d.changed);
    expect(changed.map((d) => d.request.to)).toEqual(Array(6).fill('reviews.bookinfo'));
    const first = changed[0];
    expect(first?.before).toMatchObject({
      outcome: 'routed',
      cluster: 'outbound|9080|v1|reviews.bookinfo.svc.cluster.local',
    });
    expect(first?.after).toMatchObject({ outcome: 'cluster-not-found', status: 503, responseFlags: 'NC' });
    expect(first?.divergence?.before?.kind).toBe('route');
    expect(first?.divergence?.after?.title).toContain('v4');
    expect(first?.divergence?.objects).toEqual([
      expect.objectContaining({
        kind: 'VirtualService',
        namespace: 'bookinfo',
        name: 'reviews',
        change: 'changed',
        file: 'after.yaml',
      }),
    ]);
    const markdown = diffMarkdown(diffs, 0);
    expect(markdown).toContain('### Meshpath: 6 of 24 requests change');
    expect(markdown).toContain(
      '`cluster-not-found 503 NC via outbound\\|9080\\|v4\\|reviews.bookinfo.svc.cluster.local`',
    );
  });

  it('names an added object as the cause when it appears only after', () => {
    const extra = {
      name: 'deny.yaml',
      text: [
        'apiVersion: security.istio.io/v1',
        'kind: AuthorizationPolicy',
        'metadata: { name: deny-all, namespace: bookinfo }',
        'spec:',
        '  selector: { matchLabels: { app: ratings } }',
        '  action: DENY',
        '  rules: [{}]',
      ].join('\n'),
    };
    const withDeny = analyze([bookinfo, extra]);
    const [d] = diffRequests(before, withDeny, [
      { name: 'ratings', request: { from: 'bookinfo/reviews-v1', to: 'http://ratings:9080/' }, options: {} },
    ]);
    expect(d?.after).toMatchObject({ outcome: 'denied', status: 403 });
    expect(d?.divergence?.objects.map((o) => [o.kind, o.name, o.change])).toEqual([
      ['AuthorizationPolicy', 'deny-all', 'added'],
    ]);
  });

  it('stops at the limit and counts what it left out', () => {
    const { requests, omitted } = defaultRequests([before], 10);
    expect(requests).toHaveLength(10);
    expect(omitted).toBe(14);
  });

  it('says nothing changed for the same manifests', () => {
    const diffs = diffRequests(before, analyze([bookinfo]), defaultRequests([before]).requests);
    expect(diffs.filter((d) => d.changed)).toEqual([]);
    expect(diffMarkdown(diffs, 0)).toContain('No request changes');
  });
});
