import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from './main.ts';

const scenarios = fileURLToPath(new URL('../../fixtures/scenarios/', import.meta.url));

describe('meshpath check and kinds Meshpath does not know', () => {
  it('lists each unknown kind once as a note, in text and in --json, without failing the check', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'meshpath-kinds-')), 'export.yaml');
    const certificate = (name: string) =>
      `apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: ${name}\n  namespace: shop\n`;
    writeFileSync(
      file,
      [
        'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n',
        certificate('web'),
        certificate('api'),
        'apiVersion: example.com/v1\nkind: FooBar\nmetadata:\n  name: one\n',
      ].join('---\n'),
    );
    const text = runCli(['check', '-f', file]);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain(
      `${file}:7:7 info Meshpath does not know the kind Certificate (cert-manager.io/v1): 2 objects are listed ` +
        'but not used; this is the first. [UNKNOWN_KIND]',
    );
    expect(text.stdout).toContain(
      `${file}:19:7 info Meshpath does not know the kind FooBar (example.com/v1): this object is listed but not ` +
        'used. [UNKNOWN_KIND]',
    );
    expect(text.stdout).toMatch(/0 errors, 0 warnings, 2 notes\n$/);
    const json = JSON.parse(runCli(['check', '-f', file, '--json']).stdout) as { diagnostics: unknown[] };
    expect(json.diagnostics).toEqual([
      expect.objectContaining({ severity: 'info', code: 'UNKNOWN_KIND', line: 7, column: 7 }),
      expect.objectContaining({ severity: 'info', code: 'UNKNOWN_KIND', line: 19, column: 7 }),
    ]);
  });

  it('adds nothing to the examples, which use only kinds Meshpath knows', () => {
    for (const name of readdirSync(scenarios)) {
      const file = join(scenarios, name, 'manifests.yaml');
      const json = JSON.parse(runCli(['check', '-f', file, '--json']).stdout) as {
        diagnostics: Array<{ code: string }>;
      };
      expect(
        json.diagnostics.filter((d) => d.code === 'UNKNOWN_KIND'),
        name,
      ).toEqual([]);
    }
  });
});
