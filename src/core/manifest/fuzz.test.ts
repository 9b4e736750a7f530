import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyze, computeProxyConfig, traceRequest, type Diagnostic } from '../index.ts';
import { buildRegistry } from '../registry/registry.ts';
import { objectTree } from './locate.ts';
import { parseManifests } from './parse.ts';
import type { YamlNode } from './yamlTree.ts';

const demo = readFileSync(new URL('../../../fixtures/scenarios/demo/manifests.yaml', import.meta.url), 'utf8');

/** Every diagnostic must point inside the text it is about, with its start before its end. */
function assertRangesInside(text: string, diagnostics: readonly Diagnostic[]): void {
  const lines = text.split('\n');
  for (const d of diagnostics) {
    for (const position of [d.range.start, d.range.end]) {
      expect(position.line).toBeGreaterThanOrEqual(1);
      expect(position.line).toBeLessThanOrEqual(lines.length);
      expect(position.column).toBeGreaterThanOrEqual(1);
      expect(position.column).toBeLessThanOrEqual((lines[position.line - 1] ?? '').length + 1);
    }
    const startsFirst =
      d.range.start.line < d.range.end.line ||
      (d.range.start.line === d.range.end.line && d.range.start.column <= d.range.end.column);
    expect(startsFirst).toBe(true);
  }
}

function check(text: string): void {
  const analysis = analyze([{ name: 'fuzz.yaml', text }]);
  assertRangesInside(text, analysis.diagnostics);
}

const yamlish = fc.constantFrom(
  ...'abcxyz019 :-[]{},\'"#&*!|>%@`\n\t?'.split(''),
  'apiVersion: v1\n',
  'kind: Service\n',
  '---\n',
  '  ',
  '- ',
  'metadata:\n  name: a\n',
  '&a ',
  '*a ',
  '<<: ',
);

describe('the parser on hostile or random input (property tests)', () => {
  // 300 analyses: about 2 s alone, more on a machine shared with other jobs.
  it('never throws on arbitrary text, and every diagnostic lies inside it', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), check), { numRuns: 300 });
  }, 30_000);

  it('never throws on YAML-shaped noise', () => {
    fc.assert(
      fc.property(
        fc.array(yamlish, { maxLength: 120 }).map((parts) => parts.join('')),
        check,
      ),
      { numRuns: 400 },
    );
  });

  it('never throws on the demo with random edits (deletions, insertions, swapped lines)', () => {
    const edit = fc.record({
      at: fc.nat({ max: demo.length }),
      remove: fc.nat({ max: 40 }),
      insert: fc.string({ maxLength: 12 }),
    });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 6 }), (edits) => {
        let text = demo;
        for (const { at, remove, insert } of edits)
          text = text.slice(0, Math.min(at, text.length)) + insert + text.slice(Math.min(at, text.length) + remove);
        check(text);
      }),
      { numRuns: 150 },
    );
  });

  it('never throws on arbitrary JSON documents, objects or not', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => check(JSON.stringify(value))),
      { numRuns: 300 },
    );
  });

  it('never throws on objects with Kubernetes keys and random values of the wrong types', () => {
    const anyValue = fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 3 }),
    );
    const kind = fc.constantFrom(
      'Pod',
      'Deployment',
      'Service',
      'EndpointSlice',
      'Endpoints',
      'ConfigMap',
      'VirtualService',
      'DestinationRule',
      'ServiceEntry',
      'Sidecar',
      'Gateway',
      'PeerAuthentication',
      'AuthorizationPolicy',
      'Namespace',
      'StatefulSet',
      'Job',
      'IstioOperator',
    );
    const keys = fc.constantFrom(
      'spec',
      'status',
      'ports',
      'selector',
      'template',
      'hosts',
      'http',
      'subsets',
      'containers',
      'metadata',
      'labels',
      'annotations',
      'endpoints',
      'subsets',
      'data',
      'mesh',
      'servers',
      'egress',
      '__proto__',
      'constructor',
      'toString',
      'valueOf',
    );
    const tree: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        anyValue,
        fc.dictionary(keys, tie('node'), { maxKeys: 4 }),
        fc.array(tie('node'), { maxLength: 3 }),
      ),
    })).node;
    fc.assert(
      fc.property(kind, fc.dictionary(keys, tree, { maxKeys: 5 }), (k, body) => {
        check(JSON.stringify({ apiVersion: 'v1', kind: k, metadata: { name: 'fuzz', namespace: 'fz' }, ...body }));
      }),
      { numRuns: 400 },
    );
  });

  it('never throws when any scalar of an example is replaced by a mapping with toString and valueOf keys', () => {
    // String({toString: 1}) and `${x}` throw "Cannot convert object to primitive value"; only checked scalars may be
    // stringified.
    const hostile = '{toString: 1, valueOf: 1}';
    const scenarios = new URL('../../../fixtures/scenarios/', import.meta.url);
    // Each field (kind and path, list indexes aside) once: the examples repeat many, and every run traces a request.
    const seen = new Set<string>();
    for (const name of readdirSync(scenarios).sort()) {
      const text = readFileSync(new URL(`${name}/manifests.yaml`, scenarios), 'utf8');
      const { request } = JSON.parse(readFileSync(new URL(`${name}/example.json`, scenarios), 'utf8')) as {
        request: { from: string; to: string };
      };
      for (const object of parseManifests([{ name, text }]).objects) {
        for (const scalar of scalars(objectTree(object), object.kind)) {
          if (seen.has(scalar.field)) continue;
          seen.add(scalar.field);
          const mutated = text.slice(0, scalar.start) + hostile + text.slice(scalar.end);
          const where = `${name}:${text.slice(0, scalar.start).split('\n').length}`;
          expect(() => {
            const analysis = analyze([{ name, text: mutated }]);
            assertRangesInside(mutated, analysis.diagnostics);
            buildRegistry(analysis.model);
            traceRequest(analysis, { from: request.from, to: request.to });
            const from = analysis.model.pods.find(
              (pod) => request.from === `${pod.namespace}/${pod.owner?.name ?? pod.name}`,
            );
            if (from) computeProxyConfig(analysis, `${from.namespace}/${from.name}`);
          }, where).not.toThrow();
        }
      }
    }
  });

  it('answers well under a second for a billion-laughs document, a deep nest and a huge line', () => {
    const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 12; i++) {
      const name = String.fromCharCode(97 + i);
      const refs = Array.from({ length: 9 }, () => `*${String.fromCharCode(96 + i)}`).join(',');
      laughs.push(`${name}: &${name} [${refs}]`);
    }
    const inputs = [
      laughs.join('\n'),
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
      `${'- '.repeat(3000)}x`,
      `a: ${'x'.repeat(1_000_000)}`,
    ];
    for (const text of inputs) {
      const started = performance.now();
      const analysis = analyze([{ name: 'hostile.yaml', text }]);
      expect(performance.now() - started).toBeLessThan(1000);
      assertRangesInside(text, analysis.diagnostics);
    }
  });
});

/**
 * Every scalar value below `node` (mapping values and list items, not keys), with the field it is in (`Service
 * spec.ports[].port`).
 */
function scalars(node: YamlNode | null, field: string): Array<{ start: number; end: number; field: string }> {
  if (!node) return [];
  if (node.kind === 'scalar') return [{ start: node.start, end: node.end, field }];
  if (node.kind === 'mapping')
    return node.pairs.flatMap((pair) =>
      pair.key.kind === 'scalar' ? scalars(pair.value, `${field}.${pair.key.text}`) : [],
    );
  if (node.kind === 'sequence') return node.items.flatMap((item) => scalars(item, `${field}[]`));
  return [];
}
