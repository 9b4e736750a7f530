import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze, problemsNaming, traceRequest } from '../index.ts';

const demo = readFileSync(new URL('../../../fixtures/scenarios/demo/manifests.yaml', import.meta.url), 'utf8');

describe('a failure next to the problem that may cause it', () => {
  it('names the skipped Service document when the request fails to resolve its name', () => {
    // A tab indents one line of the Service: YAML rejects the document, and with it the Service.
    const broken = demo.replace('  selector:\n    app: helloworld\n    version: v1', '  selector:\n\tapp: helloworld');
    expect(broken).not.toBe(demo);
    const files = [{ name: 'demo.yaml', text: broken }];
    const analysis = analyze(files);
    const trace = traceRequest(analysis, { from: 'application/sleep', to: 'http://dest-svc-v1:7777/' });
    expect(trace.ok && trace.trace.outcome).not.toBe('routed');
    const related = problemsNaming(files, analysis.diagnostics, ['dest-svc-v1']);
    expect(related).toHaveLength(1);
    expect(related[0]?.code).toBe('YAML_SYNTAX');
    expect(related[0]?.message).toContain('This document is skipped');
    expect(problemsNaming(files, analysis.diagnostics, ['dest-svc-v'])).toEqual([]);
    expect(problemsNaming(files, analysis.diagnostics, ['helloworld-v1'])).toEqual([]);
  });

  it('finds nothing without errors, and reads only the document of the error', () => {
    const files = [{ name: 'demo.yaml', text: demo }];
    expect(problemsNaming(files, analyze(files).diagnostics, ['dest-svc-v1'])).toEqual([]);
    const text = 'apiVersion: v1\nkind: Service\nmetadata: {name: svc-a}\n---\nkind: [\nname: svc-b\n';
    const other = [{ name: 'x.yaml', text }];
    const diagnostics = analyze(other).diagnostics;
    expect(problemsNaming(other, diagnostics, ['svc-a'])).toEqual([]);
    expect(problemsNaming(other, diagnostics, ['svc-b'])).toHaveLength(1);
  });
});
