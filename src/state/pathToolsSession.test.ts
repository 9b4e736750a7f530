import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyze, traceRequest, type ManifestFile, type TraceOptions, type TraceRequest } from '../core/index.ts';
import { PathToolsSession } from './pathToolsSession.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const scenario = (name: string): ManifestFile => ({
  name: `${name}.yaml`,
  text: readFileSync(`${root}fixtures/scenarios/${name}/manifests.yaml`, 'utf8'),
});

function whyNot(session: PathToolsSession, files: ManifestFile[], request: TraceRequest, options: TraceOptions = {}) {
  const out = session.run({ kind: 'whyNot', files, request, options });
  if (out.kind !== 'whyNot' || typeof out.result === 'string') throw new Error('no explanation');
  return out.result;
}

describe('the path tools session (what the path tools worker runs)', () => {
  // "Apply in a copy" opens the fix as a new tab after the user's files: an edited object then stands beside the
  // original, and the later one must be the one used, as the re-trace in the core assumed.
  it.each([
    ['registry-only', { from: 'application/sleep', to: 'http://github.com/' }, {}, 'add'],
    ['allow-any', { from: 'application/sleep', to: 'http://github.com/' }, {}, 'add'],
    ['sidecar-egress-gotcha', { from: 'team-a/sleep', to: 'http://payments.team-b:8080/' }, {}, 'edit'],
    ['authorization', { from: 'foo/sleep', to: 'http://httpbin.foo:8000/admin/users' }, {}, 'edit'],
    ['authorization', { from: 'bar/sleep', to: 'http://httpbin.foo:8000/headers' }, {}, 'edit'],
  ] as const)('a fix for %s opened in its own file gives the verified result', (name, request, options, change) => {
    const files = [scenario(name)];
    const why = whyNot(new PathToolsSession(), files, request, options);
    const fix = why.fixes[0];
    expect(fix?.change).toBe(change);
    if (!fix) return;
    const copy = [...files, { name: 'meshpath-fix.yaml', text: `# a comment on top\n${fix.yaml}` }];
    const traced = traceRequest(analyze(copy), request, options);
    expect(traced.ok && [traced.trace.outcome, traced.trace.status]).toEqual([fix.result.outcome, fix.result.status]);
  });

  it('leaves tests files out of the manifests it analyses', () => {
    const files = [
      scenario('registry-only'),
      { name: 't.yaml', text: 'tests:\n  - name: x\n    from: a/b\n    to: c\n    expect: { outcome: routed }\n' },
    ];
    const why = whyNot(new PathToolsSession(), files, { from: 'application/sleep', to: 'http://github.com/' });
    expect(why.outcome).toBe('blackhole');
    expect(why.fixes).toHaveLength(1);
  });

  it('compares the request in two workspaces: the step where the paths part, and the objects behind it', () => {
    const before = [scenario('registry-only')];
    const session = new PathToolsSession();
    const request = { from: 'application/sleep', to: 'http://github.com/' };
    const fix = whyNot(session, before, request).fixes[0];
    if (!fix) throw new Error('no fix');
    const after = [...before, { name: 'meshpath-fix.yaml', text: fix.yaml }];
    const out = session.run({ kind: 'compare', before, after, request, options: {} });
    if (out.kind !== 'compare') throw new Error('not a comparison');
    const { diff, before: left, after: right } = out.result;
    expect(diff.changed).toBe(true);
    expect(diff.before).toMatchObject({ outcome: 'blackhole' });
    expect(diff.after).toMatchObject({ outcome: 'routed', cluster: 'outbound|80||github.com' });
    const step = diff.divergence?.step ?? 0;
    expect(step).toBeGreaterThan(1);
    expect(typeof left !== 'string' && typeof right !== 'string').toBe(true);
    if (typeof left === 'string' || typeof right === 'string') return;
    // Up to the divergence both sides took the same steps (their details may name what else is there); there they part.
    const titles = (steps: typeof left) => steps.map((s) => `${s.kind} ${s.title}`);
    expect(titles(left).slice(0, step - 1)).toEqual(titles(right).slice(0, step - 1));
    expect(titles(left)[step - 1]).not.toEqual(titles(right)[step - 1]);
    expect(diff.divergence?.objects).toEqual([
      expect.objectContaining({ kind: 'ServiceEntry', name: 'github-com', change: 'added', file: 'meshpath-fix.yaml' }),
    ]);
  });

  it('says why a request cannot be traced on a side, rather than failing', () => {
    const session = new PathToolsSession();
    const out = session.run({
      kind: 'compare',
      before: [{ name: 'empty.yaml', text: '' }],
      after: [scenario('registry-only')],
      request: { from: 'application/sleep', to: 'http://github.com/' },
      options: {},
    });
    if (out.kind !== 'compare') throw new Error('not a comparison');
    expect(typeof out.result.before).toBe('string');
    expect(Array.isArray(out.result.after)).toBe(true);
    expect(out.result.diff.changed).toBe(true);
  });
});
