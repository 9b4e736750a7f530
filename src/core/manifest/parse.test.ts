import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze, type Diagnostic } from '../index.ts';
import { chunksRead, PARSE_LIMITS, parseManifests } from './parse.ts';
import { validateObjects } from './validate.ts';

const demo = readFileSync(new URL('../../../fixtures/scenarios/demo/manifests.yaml', import.meta.url), 'utf8');

const parse = (text: string, name = 'test.yaml') => parseManifests([{ name, text }]);

describe('parseManifests', () => {
  it('reads every object of the demo scenario with its kind, namespace and first line', () => {
    const { objects, diagnostics } = parse(demo, 'demo.yaml');
    expect(diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(objects.map((o) => `${o.kind}/${o.namespace ?? ''}/${o.name}`)).toEqual([
      'Namespace//application',
      'Namespace//istio-system',
      'ConfigMap/istio-system/istio',
      'ServiceAccount/application/sleep',
      'Deployment/application/sleep',
      'Service/application/sleep',
      'Deployment/application/helloworld-v1',
      'Service/application/dest-svc-v1',
      'ServiceEntry/application/google',
      'Deployment/istio-system/istio-ingressgateway',
      'Service/istio-system/istio-ingressgateway',
      'Deployment/istio-system/istio-egressgateway',
      'Service/istio-system/istio-egressgateway',
    ]);
    const lines = demo.split('\n');
    for (const object of objects) {
      // Each object's range starts at its first key (`apiVersion:`), on the line the editor shows.
      expect(lines[object.range.start.line - 1]).toMatch(/^apiVersion: /);
      expect(object.file).toBe('demo.yaml');
    }
  });

  it('keeps the other documents when one has a syntax error, and points at the broken line', () => {
    const text = [
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: first',
      '---',
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: [broken',
      '---',
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: third',
    ].join('\n');
    const { objects, diagnostics } = parse(text);
    expect(objects.map((o) => o.name)).toEqual(['first', 'third']);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ severity: 'error', code: 'YAML_SYNTAX', file: 'test.yaml' });
    expect(diagnostics[0]?.range.start.line).toBeGreaterThanOrEqual(9);
    expect(diagnostics[0]?.range.start.line).toBeLessThanOrEqual(10);
  });

  it('reports a duplicate key at the second occurrence, as kubectl rejects it', () => {
    const text = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  name: b\n';
    const { objects, diagnostics } = parse(text);
    expect(objects).toEqual([]);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'YAML_DUPLICATE_KEY',
        severity: 'error',
        range: expect.objectContaining({ start: { line: 5, column: 3 } }),
        message: expect.stringContaining('duplicated mapping key "name"; it first appears at line 4, column 3.'),
      }),
    ]);
  });

  it('names a duplicate key and where it first appears, in a List entry, a flow map and after other documents', () => {
    const text =
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\nkind: List\napiVersion: v1\nitems:\n' +
      '- apiVersion: v1\n  kind: Service\n  metadata: {name: s, labels: {app: x, "app": y}}\n' +
      '- apiVersion: v1\n  kind: Service\n  metadata:\n    name: t\n  spec:\n    ports: []\n    ports: []\n';
    const messages = parse(text).diagnostics.map((d) => `${d.range.start.line}:${d.range.start.column} ${d.message}`);
    expect(messages).toEqual([expect.stringMatching(/^10:41 .*key "app"; it first appears at line 10, column 32\./)]);
    // The same text at another place in a file (read from the cache) names that place.
    const moved = parse(`# moved\n${text}`).diagnostics.map((d) => d.message);
    expect(moved).toEqual([expect.stringContaining('first appears at line 11, column 32.')]);
    const second = parse('a: 1\n---\nkind: X\nspec:\n  b: 1\n  c: 2\n  b: 3\n').diagnostics;
    expect(second.map((d) => d.message).slice(1)).toEqual([
      expect.stringContaining('"b"; it first appears at line 5, column 3.'),
    ]);
  });

  it('reads a document with custom YAML tags as kubectl does (the tag ignored), with one warning at each tag', () => {
    const text =
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: !Ref ServiceName\n  labels: !GetAtt {app: web}\n' +
      'spec:\n  ports: !Sub\n  - port: 80\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n';
    const { objects, diagnostics } = parse(text);
    expect(objects.map((o) => `${o.kind} ${o.name}`)).toEqual(['Service ServiceName', 'Namespace shop']);
    expect(objects[0]?.value).toMatchObject({ metadata: { labels: { app: 'web' } }, spec: { ports: [{ port: 80 }] } });
    expect(diagnostics.map((d) => `${d.code} ${d.range.start.line}:${d.range.start.column}`)).toEqual([
      'YAML_CUSTOM_TAG 4:9',
      'YAML_CUSTOM_TAG 5:11',
      'YAML_CUSTOM_TAG 7:10',
    ]);
    expect(diagnostics[0]?.message).toMatch(/^!Ref is a custom YAML tag .*kubectl ignores the tag/);
    expect(diagnostics[0]?.severity).toBe('warning');
    // A number after a tag stays text, as kubectl reads it: kubectl would then reject a port written so.
    expect(parse('kind: X\napiVersion: v1\nmetadata: {name: a}\nport: !Ref 80\n').objects[0]?.value).toMatchObject({
      port: '80',
    });
  });

  it('assumes the default namespace for a namespaced object without one, and none for a Namespace', () => {
    const { objects } = parse(
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n' +
        '  name: b\n',
    );
    expect(objects.map((o) => [o.name, o.namespace, o.namespaceAssumed])).toEqual([
      ['a', 'default', true],
      ['b', undefined, false],
    ]);
  });

  it('reads the items of a kind: List, each with its own position', () => {
    const text = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '- apiVersion: v1',
      '  kind: Service',
      '  metadata: {name: one, namespace: x}',
      '- apiVersion: v1',
      '  kind: Service',
      '  metadata: {name: two, namespace: x}',
    ].join('\n');
    const { objects, diagnostics } = parse(text);
    expect(diagnostics).toEqual([]);
    expect(objects.map((o) => [o.name, o.itemIndex, o.range.start.line, o.range.start.column])).toEqual([
      ['one', 0, 4, 3],
      ['two', 1, 7, 3],
    ]);
  });

  it('reads JSON, which kubectl -o json prints', () => {
    const { objects } = parse(
      '{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "j", "namespace": "n"}}',
      'svc.json',
    );
    expect(objects).toEqual([
      expect.objectContaining({ kind: 'Service', name: 'j', namespace: 'n', file: 'svc.json' }),
    ]);
  });

  it('says what is missing from an object and where', () => {
    const { objects, diagnostics } = parse(
      'apiVersion: v1\nmetadata:\n  name: x\n---\nkind: Service\nmetadata:\n  name: y\n---\napiVersion: v1\n' +
        'kind: Service\n---\n- a\n- b\n',
    );
    expect(objects).toEqual([]);
    expect(diagnostics.map((d) => [d.code, d.range.start.line])).toEqual([
      ['MISSING_KIND', 1],
      ['MISSING_API_VERSION', 5],
      ['MISSING_NAME', 10],
      ['NOT_AN_OBJECT', 12],
    ]);
  });

  it(
    'reports a kind, apiVersion or name of the wrong type at the value, and a wrong namespace type while still ' +
      'assuming default',
    () => {
      const text = [
        'apiVersion: v1', // 1
        'kind: 5',
        'metadata:',
        '  name: x',
        '---', // 5
        'apiVersion: v1',
        'kind: Service',
        'metadata:',
        '  name: 123',
        '---', // 10
        'apiVersion: 2',
        'kind: Service',
        'metadata:',
        '  name: y',
        '---', // 15
        'apiVersion: v1',
        'kind: Service',
        'metadata:',
        '  name: z',
        '  namespace: 5', // 20
      ].join('\n');
      const { objects, diagnostics } = parse(text);
      expect(
        diagnostics.map((d) => `${d.code}@${d.range.start.line}:${d.range.start.column}-${d.range.end.column}`),
      ).toEqual(['WRONG_TYPE@2:7-8', 'WRONG_TYPE@9:9-12', 'WRONG_TYPE@11:13-14', 'WRONG_TYPE@20:14-15']);
      expect(diagnostics[1]?.message).toBe(
        'metadata.name must be a string, but it is a number (123); kubectl rejects this object. Quote it: "123".',
      );
      expect(objects.map((o) => [o.name, o.namespace, o.namespaceAssumed])).toEqual([['z', 'default', true]]);
    },
  );

  it('reads documents that start with %YAML or %TAG directives', () => {
    const text = [
      '%YAML 1.2',
      '---',
      'apiVersion: v1',
      'kind: Namespace',
      'metadata:',
      '  name: a',
      '...',
      '# the next document declares a tag shorthand',
      '%TAG !k8s! tag:kubernetes.io,2024:',
      '---',
      'apiVersion: v1',
      'kind: Namespace',
      'metadata:',
      '  name: b',
    ].join('\n');
    const { objects, diagnostics } = parse(text);
    expect(diagnostics).toEqual([]);
    expect(objects.map((o) => [o.name, o.documentIndex, o.range.start.line])).toEqual([
      ['a', 0, 3],
      ['b', 1, 11],
    ]);
  });

  it('lists kinds it recognises but does not model, without failing', () => {
    const { objects, diagnostics } = parse(
      'apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata:\n  name: ef\n  namespace: istio-system\n',
    );
    expect(objects).toEqual([expect.objectContaining({ kind: 'EnvoyFilter', modelled: false })]);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        severity: 'info',
        code: 'NOT_MODELLED',
        range: expect.objectContaining({ start: { line: 2, column: 1 } }),
      }),
    ]);
  });

  it('keeps keys such as __proto__ and constructor as plain data', () => {
    const { objects } = parse(
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: constructor\n  labels:\n    __proto__: polluted\n',
    );
    expect(objects[0]?.name).toBe('constructor');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('bounds alias expansion instead of hanging', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 30; i++)
      lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
    const started = Date.now();
    const { diagnostics } = parse(lines.join('\n'));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(diagnostics.map((d) => d.code)).toContain('YAML_ALIAS_LIMIT');
  });

  it('never reports a position outside the text, even for an empty or comment-only file', () => {
    for (const text of ['', '# only a comment\n', '---\n---\n', 'a: [', ':\n']) {
      const { diagnostics } = parse(text);
      const lineCount = text.split('\n').length;
      for (const d of diagnostics) {
        expect(d.range.start.line).toBeGreaterThanOrEqual(1);
        expect(d.range.end.line).toBeLessThanOrEqual(lineCount);
      }
    }
  });
});

describe('fieldRange', () => {
  it('points at one route of a VirtualService and one hosts entry of a Sidecar', async () => {
    const { fieldRange } = await import('./locate.ts');
    const text = [
      'apiVersion: networking.istio.io/v1', // 1
      'kind: VirtualService',
      'metadata: {name: reviews, namespace: default}',
      'spec:',
      '  hosts: [reviews]', // 5
      '  http:',
      '  - match: [{headers: {end-user: {exact: jason}}}]',
      '    route: [{destination: {host: reviews, subset: v2}}]',
      '  - match: [{uri: {prefix: /api}}]',
      '    route: [{destination: {host: reviews, subset: v3}}]', // 10
      '  - route:',
      '    - destination: {host: reviews, subset: v1}',
      '---',
      'apiVersion: networking.istio.io/v1',
      'kind: Sidecar', // 15
      'metadata: {name: default, namespace: default}',
      'spec:',
      '  egress:',
      '  - hosts:',
      '    - ./*', // 20
      '    - istio-system/*',
      '',
    ].join('\n');
    const files = [{ name: 'config.yaml', text }];
    const { objects } = parseManifests(files);
    const [virtualService, sidecar] = objects;
    if (!virtualService || !sidecar) throw new Error('objects not read');
    expect(fieldRange(files, virtualService, ['spec', 'http', 2])).toEqual({
      start: { line: 11, column: 5 },
      end: { line: 12, column: 47 },
    });
    expect(fieldRange(files, sidecar, ['spec', 'egress', 0, 'hosts', 1])).toEqual({
      start: { line: 21, column: 7 },
      end: { line: 21, column: 21 },
    });
    expect(fieldRange(files, sidecar, ['spec', 'ingress'])).toBeUndefined();
  });
});

describe('hostile input', () => {
  it('reports an alias cycle and an oversized file instead of hanging or throwing', () => {
    const cycle = parse('apiVersion: v1\nkind: ConfigMap\nmetadata: &m {name: a, namespace: b, self: *m}\n');
    expect(cycle.objects).toEqual([]);
    expect(cycle.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        range: expect.objectContaining({ start: expect.objectContaining({ line: 3 }) }),
      }),
    ]);
    const huge = parse(`# ${'x'.repeat(PARSE_LIMITS.maxFileChars)}`);
    expect(huge.diagnostics).toEqual([
      expect.objectContaining({
        code: 'INPUT_TOO_LARGE',
        range: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
      }),
    ]);
    // The message gives the file's size and the cap.
    expect(huge.diagnostics[0]?.message).toContain(`(${PARSE_LIMITS.maxFileChars + 2})`);
    expect(huge.diagnostics[0]?.message).toContain(`(${PARSE_LIMITS.maxFileChars})`);
    const deep = parse(`a: ${'['.repeat(150)}${']'.repeat(150)}`);
    expect(deep.diagnostics.map((d) => d.code)).toEqual(['YAML_TOO_DEEP']);
  });
});

describe('large and real exports', () => {
  it('counts only what aliases add: a document with 100,000 keys and one with 50,000 list items are read', () => {
    const keys = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: big, namespace: default}', 'data:'];
    for (let i = 0; i < 100_000; i++) keys.push(`  key-${i}: value-${i}`);
    const mapping = parse(keys.join('\n'));
    expect(mapping.diagnostics).toEqual([]);
    expect(Object.keys(mapping.objects[0]?.value['data'] as object)).toHaveLength(100_000);
    const items = ['apiVersion: v1', 'kind: List', 'items:'];
    for (let i = 0; i < 50_000; i++) items.push(`- {apiVersion: v1, kind: ServiceAccount, metadata: {name: sa-${i}}}`);
    const list = parse(items.join('\n'));
    expect(list.diagnostics.filter((d) => d.code === 'YAML_ALIAS_LIMIT')).toEqual([]);
    expect(list.objects).toHaveLength(50_000);
    expect(list.objects[49_999]?.range.start).toEqual({ line: 50_003, column: 3 });
  }, 60_000);

  it('still reads a document whose few aliases add little, and stops one whose aliases add too much', () => {
    const small = parse(
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: b, labels: &l {app: x}, annotations: *l}\n',
    );
    expect(small.diagnostics).toEqual([]);
    expect(small.objects[0]?.value['metadata']).toMatchObject({ annotations: { app: 'x' } });
    const lines = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: a}',
      'data:',
      '  a0: &a0 [x, x, x, x, x, x, x, x]',
    ];
    for (let i = 1; i < 8; i++)
      lines.push(`  a${i}: &a${i} [${Array.from({ length: 8 }, () => `*a${i - 1}`).join(', ')}]`);
    const bomb = parse(lines.join('\n'));
    expect(bomb.objects).toEqual([]);
    expect(bomb.diagnostics).toEqual([
      expect.objectContaining({
        code: 'YAML_ALIAS_LIMIT',
        range: expect.objectContaining({ start: { line: 1, column: 1 } }),
      }),
    ]);
  });
});

describe('reading again after an edit', () => {
  const service = (name: string, extra = '') =>
    `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: default\n${extra}spec:\n  ports:\n` +
    `  - port: on\n`;

  it('reads again only the few documents around an edit, and nothing for the same text', () => {
    // 200 documents: read in small runs (one read each), of which an edit changes one.
    const text = Array.from({ length: 200 }, (_, i) => service(`s${i}`)).join('---\n');
    const start = chunksRead();
    expect(parse(text).objects).toHaveLength(200);
    const runs = chunksRead() - start;
    expect(runs).toBeGreaterThan(5);
    expect(runs).toBeLessThan(100);
    parse(text);
    expect(chunksRead()).toBe(start + runs);
    const edited = parse(text.replace('name: s120\n', 'name: s120b\n'));
    expect(chunksRead()).toBe(start + runs + 1);
    expect(edited.objects[120]?.name).toBe('s120b');
    expect(edited.objects.map((o) => o.documentIndex)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('reads the documents of a run one by one when one of them is broken', () => {
    const text = [service('a'), service('b').replace('name: b', 'name: [b'), service('c')].join('---\n');
    const { objects, diagnostics } = parse(text);
    expect(objects.map((o) => [o.name, o.documentIndex])).toEqual([
      ['a', 0],
      ['c', 2],
    ]);
    expect(diagnostics.map((d) => d.code)).toEqual(['YAML_SYNTAX']);
    // In document b (lines 10 to 17), where reading it alone puts it.
    expect(diagnostics[0]?.range.start.line).toBeGreaterThanOrEqual(13);
    expect(diagnostics[0]?.range.start.line).toBeLessThanOrEqual(17);
  });

  it('gives unchanged documents their new lines when an edit above them adds lines', () => {
    const first = [service('a'), service('b')].join('---\n');
    const second = [service('a', '  labels:\n    app: a\n    tier: web\n'), service('b')].join('---\n');
    // The lines of `port: on` (which kubectl reads as a boolean) in a text.
    const portLines = (text: string) =>
      text.split('\n').flatMap((line, index) => (line === '  - port: on' ? [index + 1] : []));
    const warnings = (text: string) => {
      const { objects, lineIndexes } = parse(text);
      const diagnostics: Diagnostic[] = [];
      validateObjects(objects, lineIndexes, diagnostics);
      return { objects, lines: diagnostics.filter((d) => d.code === 'YAML11_BOOLEAN').map((d) => d.range.start.line) };
    };
    const before = warnings(first);
    const reads = chunksRead();
    const after = warnings(second);
    // The run with the edited document is read again (and its neighbour, when the edit moves where the run ends).
    expect(chunksRead() - reads).toBeLessThanOrEqual(2);
    expect(before.lines).toEqual(portLines(first));
    expect(after.lines).toEqual(portLines(second));
    expect(after.objects[1]?.range.start.line).toBe((before.objects[1]?.range.start.line ?? 0) + 3);
  });
});

describe('YAML merge keys, as kubectl reads them', () => {
  it('merges an anchor into labels, with no WRONG_TYPE and no prototype keys', () => {
    const text = [
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: a',
      '  namespace: default',
      '  annotations: &common {team: payments, tier: web}',
      '  labels: {<<: *common, app: a}',
      'spec:',
      '  selector:',
      '    <<: *common',
      '    tier: api',
      '  ports: [{port: 80}]',
    ].join('\n');
    const analysis = analyze([{ name: 'merge.yaml', text }]);
    expect(analysis.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    const service = analysis.model.services[0];
    expect(Object.fromEntries(service?.labels ?? [])).toEqual({ team: 'payments', tier: 'web', app: 'a' });
    // A key written in the mapping wins over the merged one.
    expect(Object.fromEntries(service?.selector ?? [])).toEqual({ team: 'payments', tier: 'api' });
    const metadata = analysis.objects[0]?.value['metadata'] as Record<string, unknown>;
    const labels = metadata['labels'] as object;
    expect(Object.keys(labels).sort()).toEqual(['app', 'team', 'tier']);
    expect(Object.hasOwn(labels, '<<')).toBe(false);
  });

  it('merges a list of anchors, the earlier winning, and copies no inherited keys', () => {
    const text = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: m, namespace: default}',
      'x-base: &base {a: base, b: base}',
      'x-over: &over {a: over, c: over}',
      'x-proto: &proto {__proto__: {polluted: yes}, toString: own}',
      'data:',
      '  <<: [*over, *base, *proto]',
      '  d: own',
    ].join('\n');
    const { objects, diagnostics } = parse(text);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const data = objects[0]?.value['data'] as Record<string, unknown>;
    expect(data['a']).toBe('over');
    expect(data['b']).toBe('base');
    expect(data['c']).toBe('over');
    expect(data['d']).toBe('own');
    expect(data['toString']).toBe('own');
    expect(Object.hasOwn(data, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('a kubectl List read entry by entry', () => {
  // Entries of a realistic size (a long annotation), laid out as `kubectl get -A -o yaml` prints them.
  const entry = (name: string, port = '80') =>
    [
      '- apiVersion: v1',
      '  kind: Service',
      '  metadata:',
      '    annotations:',
      `      note: "${'x'.repeat(300)}"`,
      `    name: ${name}`,
      '    namespace: default',
      '  spec:',
      '    ports:',
      `    - port: ${port}`,
    ].join('\n');
  const list = (entries: string[]) =>
    ['apiVersion: v1', 'items:', ...entries, 'kind: List', 'metadata:', '  resourceVersion: ""', ''].join('\n');

  it('re-reads only the run of entries with the edit, and gives the others their positions', () => {
    const names = Array.from({ length: 100 }, (_, i) => `e${i}`);
    const text = list(names.map((name) => entry(name)));
    const start = chunksRead();
    const first = parse(text);
    const runs = chunksRead() - start;
    expect(runs).toBeGreaterThan(3); // read in runs of entries, not as one document
    expect(first.objects.slice(0, 3).map((o) => [o.name, o.itemIndex, o.documentIndex, o.range.start.line])).toEqual([
      ['e0', 0, 0, 3],
      ['e1', 1, 0, 13],
      ['e2', 2, 0, 23],
    ]);
    expect(first.objects.map((o) => o.itemIndex)).toEqual(names.map((_, i) => i));
    parse(text);
    expect(chunksRead()).toBe(start + runs);
    const edited = parse(list(names.map((name) => entry(name === 'e50' ? 'e50b' : name))));
    expect(chunksRead()).toBe(start + runs + 1);
    expect(edited.objects[50]?.name).toBe('e50b');
    expect(edited.objects[99]?.range.start.line).toBe(993);
  });

  it('points at fields of an entry read alone, and reports them at their line and column', async () => {
    const { fieldRange } = await import('./locate.ts');
    const text = list([entry('a'), entry('b', 'on'), entry('c')]);
    const files = [{ name: 'list.yaml', text }];
    const analysis = analyze(files);
    const b = analysis.objects[1];
    if (!b) throw new Error('not read');
    expect(fieldRange(files, b, ['metadata', 'name'])).toEqual({
      start: { line: 18, column: 11 },
      end: { line: 18, column: 12 },
    });
    expect(fieldRange(files, b, ['spec', 'ports', 0])).toEqual({
      start: { line: 22, column: 7 },
      end: { line: 22, column: 15 },
    });
    // `port: on` is reported where it is written, by validation (YAML 1.1) and by the model's reader (not a number).
    const at = (code: string) => analysis.diagnostics.find((d) => d.code === code)?.range;
    expect(at('YAML11_BOOLEAN')).toEqual({ start: { line: 22, column: 13 }, end: { line: 22, column: 15 } });
    expect(at('WRONG_TYPE')).toEqual({ start: { line: 22, column: 13 }, end: { line: 22, column: 15 } });
  });

  it('reads the whole List when an entry refers to an anchor in another entry', () => {
    const text = list([
      entry('a').replace('    namespace: default', '    namespace: &ns default'),
      entry('b').replace('    namespace: default', '    namespace: *ns'),
    ]);
    const { objects, diagnostics } = parse(text);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(objects.map((o) => `${o.namespace}/${o.name}`)).toEqual(['default/a', 'default/b']);
  });
});

describe('what an analysis keeps of the text', () => {
  it('keeps no positioned tree, and objects read together share one copy of their text, also across a worker', () => {
    const text = Array.from({ length: 40 }, (_, i) =>
      ['apiVersion: v1', 'kind: ServiceAccount', `metadata: {name: sa-${i}, namespace: default}`, ''].join('\n'),
    ).join('---\n');
    const { objects } = parse(text);
    expect(objects).toHaveLength(40);
    expect(objects.some((o) => 'node' in o)).toBe(false);
    const sharing = (list: typeof objects) => new Set(list.map((o) => o.origin.source)).size;
    expect(sharing(objects)).toBeLessThan(40);
    // structuredClone is what postMessage does: a shared source stays shared, so its text is sent once.
    expect(sharing(structuredClone(objects))).toBe(sharing(objects));
  });
});
