import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze, computeProxyConfig, traceRequest, ztunnelConfigTables, type ManifestFile } from '../core/index.ts';
import { findSecrets, LAST_APPLIED, stripSecrets } from '../core/manifest/redact.ts';
import { toTraceOptions, toTraceRequest } from './engine.ts';
import { EXAMPLES } from './examples.ts';
import { DEFAULT_OPTIONS, EMPTY_REQUEST } from './scenarioCodec.ts';

const SECRETS = readFileSync(new URL('../../fixtures/secrets/secrets.yaml', import.meta.url), 'utf8');

/**
 * An example with a last-applied annotation on every object (as `kubectl apply` leaves them) and a file of Secrets
 * beside it.
 */
function withSecrets(files: readonly ManifestFile[]): ManifestFile[] {
  const annotate = (document: string): string =>
    /^ {2}annotations:\n/m.test(document)
      ? document.replace(/^ {2}annotations:\n/m, `  annotations:\n    ${LAST_APPLIED}: '{"secret":"applied-value"}'\n`)
      : document.replace(
          /^metadata:\n/m,
          `metadata:\n  annotations:\n    ${LAST_APPLIED}: |\n      {"kind":"x","data":{"k":"applied-value"}}\n`,
        );
  const annotated = files.map((file) => ({
    name: file.name,
    text: file.text.split('\n---\n').map(annotate).join('\n---\n'),
  }));
  // The readable documents only: stripping the broken one's values makes it read.
  return [...annotated, { name: 'secrets.yaml', text: SECRETS.slice(0, SECRETS.lastIndexOf('---\n')) }];
}

describe('stripping secrets changes no trace and no proxy config', () => {
  it('the examples as shipped hold no secret', () => {
    expect(findSecrets(EXAMPLES.flatMap((e) => e.scenario.files))).toEqual([]);
  });

  it.each(EXAMPLES.map((e) => [e.id, e] as const))('%s', (_id, example) => {
    const files = withSecrets(example.scenario.files);
    const findings = findSecrets(files);
    expect(findings.filter((f) => f.key === LAST_APPLIED).length).toBeGreaterThan(3);
    const stripped = stripSecrets(files, findings);
    expect(stripped.map((f) => f.text).join('\n')).not.toContain('applied-value');
    const before = analyze(files);
    const after = analyze(stripped);
    expect(after.diagnostics).toEqual(before.diagnostics);
    const request = toTraceRequest(example.scenario.request ?? EMPTY_REQUEST);
    if (typeof request === 'string') throw new Error(request);
    const options = toTraceOptions(example.scenario.options ?? DEFAULT_OPTIONS);
    const trace = traceRequest(after, request, options);
    expect(trace).toEqual(traceRequest(before, request, options));
    expect(trace.ok && trace.trace.outcome).toBe(example.expect.outcome);
    const pods = before.model.pods.filter((p) => p.proxy.kind !== 'none').map((p) => `${p.namespace}/${p.name}`);
    for (const pod of pods) {
      const [config, expected] = [computeProxyConfig(after, pod), computeProxyConfig(before, pod)];
      // The sidecar scope carries each object's metadata (the stripped annotation among it); the config does not.
      expect(config.ok && config.config).toEqual(expected.ok && expected.config);
    }
    expect(ztunnelConfigTables(after.model)).toEqual(ztunnelConfigTables(before.model));
  });
});
