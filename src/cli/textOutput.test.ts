import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './main.ts';

function tempFile(name: string, content: string | Uint8Array): string {
  const path = join(mkdtempSync(join(tmpdir(), 'meshpath-')), name);
  writeFileSync(path, content);
  return path;
}

const SLEEP =
  'apiVersion: v1\nkind: Pod\nmetadata:\n  name: sleep\n  namespace: default\n' +
  '  annotations: {sidecar.istio.io/status: "{}"}\n  labels: {app: sleep}\n' +
  'spec:\n  containers: [{name: c, image: x}]\n';

describe('text that is not what it seems, in the meshpath command', () => {
  it('reports bytes that are not UTF-8 at their line and column, and still reads the rest', () => {
    const bytes = new Uint8Array([
      ...new TextEncoder().encode('apiVersion: v1\nkind: Service\nmetadata:\n  name: caf'),
      0xe9,
      ...new TextEncoder().encode('\n  namespace: shop\n'),
    ]);
    const file = tempFile('latin1.yaml', bytes);
    const text = runCli(['check', '-f', file]);
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toContain(`${file}:4:12 error Byte 0xE9 here is not UTF-8 (shown as \uFFFD)`);
    expect(text.stdout).toContain('Service                shop/caf\uFFFD');
    const json = JSON.parse(runCli(['check', '-f', file, '--json']).stdout) as { diagnostics: unknown[] };
    expect(json.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'INVALID_UTF8', file, line: 4, column: 12 }),
    );
    // From standard input too (read as bytes).
    const stdin = runCli(['check', '-f', '-'], () => bytes);
    expect(stdin.stdout).toContain('<stdin>:4:12 error Byte 0xE9 here is not UTF-8');
    const trace = runCli(['trace', '-f', file, '-f', tempFile('sleep.yaml', SLEEP), '--from', 'sleep', '--to', 'x']);
    expect(trace.stderr).toContain(`meshpath trace: ${file}:4:12 Byte 0xE9 here is not UTF-8`);
  });

  it('prints bidi and zero-width characters in names and hosts escaped; JSON readers get them as written', () => {
    const name = 'rev\u202Eoc.elgoog';
    const host = 'api\u200B.example.com';
    const file = tempFile(
      'tricky.yaml',
      `${SLEEP}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: "${name}"\n  namespace: default\n` +
        `spec:\n  ports: [{port: 80}]\n---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\n` +
        `metadata: {name: se}\nspec:\n  hosts: ["${host}"]\n  ports: [{number: 80, name: http, protocol: HTTP}]\n`,
    );
    const check = runCli(['check', '-f', file]);
    expect(check.stdout).toContain('default/rev\\u202Eoc.elgoog');
    expect(check.stdout).not.toMatch(/[\u202E\u200B]/);
    const trace = runCli(['trace', '-f', file, '--from', 'sleep', '--to', `http://${host}/`]);
    expect(trace.exitCode).toBe(0);
    expect(trace.stdout).toContain('api\\u200B.example.com');
    expect(trace.stdout).not.toMatch(/[\u202E\u200B]/);
    // In --json the escape is JSON's own: the raw output has no invisible character, the parsed value is exact.
    const raw = runCli(['check', '-f', file, '--json']).stdout;
    expect(raw).not.toMatch(/[\u202E\u200B]/);
    const json = JSON.parse(raw) as { objects: Array<{ name: string }> };
    expect(json.objects.map((o) => o.name)).toContain(name);
  });
});
