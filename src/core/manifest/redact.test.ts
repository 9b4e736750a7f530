import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseManifests, type ManifestFile } from './parse.ts';
import { findSecrets, LAST_APPLIED, REDACTED, stripSecrets, type SecretFinding } from './redact.ts';

// Secrets in a Secret, a List, block scalars, a flow map, an anchor, beside a ConfigMap, and in a broken document.
const SECRETS = readFileSync(new URL('../../../fixtures/secrets/secrets.yaml', import.meta.url), 'utf8');
const SECRET_VALUES = [
  'aHVudGVyMg==',
  'c2Vj',
  'cmV0',
  'admin-user',
  's3cr3t-token',
  'LS0tLS1CRUdJTi',
  'BQUklWQVRFIEtFWS0tLS0t',
  'Y2EtY2VydGlmaWNhdGU=',
  'broken-applied',
  'YnJva2VuLXB3',
  'unclosed',
];

describe('finding secrets in manifests', () => {
  const files: ManifestFile[] = [{ name: 'secrets.yaml', text: SECRETS }];
  const findings = findSecrets(files);

  it('lists each Secret data and stringData key and each last-applied annotation, with its line', () => {
    expect(findings.map((f) => `${f.range.start.line} ${f.object} ${f.field}.${f.key}`)).toEqual([
      `9 Secret shop/db last-applied-configuration.${LAST_APPLIED}`,
      '11 Secret shop/db data.password',
      '12 Secret shop/db data.multi',
      '14 Secret shop/db stringData.user',
      '14 Secret shop/db stringData.token',
      '24 Secret shop/tls data.tls.key',
      '26 Secret shop/tls data.ca.crt',
      `39 a document with a YAML error last-applied-configuration.${LAST_APPLIED}`,
      '41 a document with a YAML error data.pw',
      '42 a document with a YAML error data.bad',
    ]);
  });

  it('strips every value, keeps every other byte and every line where it was', () => {
    const [stripped] = stripSecrets(files, findings);
    const text = stripped?.text ?? '';
    for (const value of SECRET_VALUES) expect(text).not.toContain(value);
    expect(text).toContain('mode: not-a-secret');
    const before = SECRETS.split('\n');
    const after = text.split('\n');
    expect(after.length).toBe(before.length);
    const touched = new Set(findings.flatMap((f) => range(f.range.start.line, f.range.end.line)));
    before.forEach((line, i) => {
      if (!touched.has(i + 1)) expect(after[i]).toBe(line);
    });
    // Keys, comments and block scalar headers stay.
    expect(after[10]).toBe(`  password: ${REDACTED}  # base64 of the password`);
    expect(after[13]).toBe(`stringData: {user: ${REDACTED}, token: ${REDACTED}}`);
    expect(after[22]).toBe('    tls.key: >-');
    expect(after[23]).toBe(`      ${REDACTED}`);
    expect(after[24]).toBe('');
    expect(after[25]).toBe(`    ca.crt: &ca ${REDACTED}`);
    // Nothing more to find; the readable documents read as the same objects (the broken one now reads too).
    expect(findSecrets([{ name: 'secrets.yaml', text }])).toEqual([]);
    const read = (f: ManifestFile[]) =>
      parseManifests(f).objects.map((o) => `${o.kind} ${o.name} ${o.range.start.line}`);
    expect(read([{ name: 'secrets.yaml', text }])).toEqual([...read(files), 'Secret broken 34']);
  });

  it('keeps Windows line ends and finds nothing where there is no secret', () => {
    const crlf = SECRETS.replaceAll('\n', '\r\n');
    const found = findSecrets([{ name: 'w.yaml', text: crlf }]);
    expect(found.length).toBe(findings.length);
    const text = stripSecrets([{ name: 'w.yaml', text: crlf }], found)[0]?.text ?? '';
    expect(text.split('\r\n').length).toBe(crlf.split('\r\n').length);
    expect(text.replaceAll('\r\n', '')).not.toContain('\n');
    for (const value of SECRET_VALUES) expect(text).not.toContain(value);
    const plain: ManifestFile[] = [{ name: 'p.yaml', text: 'kind: ConfigMap\ndata:\n  a: b\n---\nkind: Secret\n' }];
    expect(findSecrets(plain)).toEqual([]);
    expect(stripSecrets(plain, [])).toEqual(plain);
  });

  it('finds the Secret and the eleven last-applied annotations of a kubectl export (a List)', () => {
    const text = readFileSync(new URL('../../../fixtures/exports/realistic-cluster.yaml', import.meta.url), 'utf8');
    const found = findSecrets([{ name: 'export.yaml', text }]);
    expect(found.filter((f) => f.field === 'last-applied-configuration').length).toBe(11);
    expect(found.filter((f) => f.field === 'data').map((f) => `${f.object} ${f.key}`)).toContain(
      'Secret istio-system/istio-ca-secret ca-cert.pem',
    );
    // A large List is read entry by entry; read whole (a word in its shell makes it so), it gives the same findings.
    const whole = findSecrets([{ name: 'export.yaml', text: `# Secret\n${text}` }]);
    const where = (f: SecretFinding, shift: number) =>
      `${f.range.start.line - shift}:${f.range.start.column} ${f.object} ${f.field} ${f.key}`;
    expect(whole.map((f) => where(f, 1))).toEqual(found.map((f) => where(f, 0)));
  });

  it('never throws on text that is not YAML', () => {
    for (const text of ['kind: Secret\ndata:\n  a: "x', 'kind: Secret\n\tdata: {', '- - -\n', '\u0000', 'Secret: [}']) {
      const found = findSecrets([{ name: 'x', text }]);
      expect(() => stripSecrets([{ name: 'x', text }], found)).not.toThrow();
    }
    expect(findSecrets([{ name: 'x', text: 'kind: Secret\ndata:\n  a: "x' }]).map((f) => f.key)).toEqual(['a']);
  });
});

describe('finding and stripping secrets on random edits (property test)', () => {
  it('never throws, keeps the line count, strips every value found, and finds nothing more after', () => {
    const edit = fc.record({
      at: fc.nat({ max: SECRETS.length }),
      remove: fc.nat({ max: 30 }),
      insert: fc.constantFrom(
        '',
        ' ',
        '\n',
        '- ',
        ': ',
        '{',
        '}',
        '[',
        '"',
        "'",
        '|\n',
        '>-\n',
        '---\n',
        '#',
        '\t',
        '&a ',
        '*a',
      ),
    });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 5 }), (edits) => {
        let text = SECRETS;
        for (const { at, remove, insert } of edits)
          text = text.slice(0, Math.min(at, text.length)) + insert + text.slice(Math.min(at, text.length) + remove);
        const files = [{ name: 'f.yaml', text }];
        const found = findSecrets(files);
        const stripped = stripSecrets(files, found)[0]?.text ?? '';
        expect(stripped.split('\n').length).toBe(text.split('\n').length);
        // A value may also appear outside every span found (a broken document's "value" can be a line such as
        // `apiVersion: v1`): the stripped text holds it no more often than the text with the found spans blanked.
        let blanked = text;
        for (const f of found) blanked = blanked.slice(0, f.start) + ' '.repeat(f.end - f.start) + blanked.slice(f.end);
        for (const f of found) {
          const value = text.slice(f.start, f.end).trim();
          if (value.length > 12 && !value.includes(REDACTED))
            expect(occurrences(stripped, value)).toBeLessThanOrEqual(occurrences(blanked, value));
        }
      }),
      { numRuns: 300 },
    );
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function occurrences(text: string, value: string): number {
  let count = 0;
  for (let at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + 1)) count++;
  return count;
}
