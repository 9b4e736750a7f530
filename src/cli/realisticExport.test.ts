import { describe, expect, it } from 'vitest';
import { analyze } from '../core/index.ts';
import { parseManifests } from '../core/manifest/parse.ts';
import { exportAsDocuments, exportAsList, realisticObjects } from './realisticExport.ts';

describe('realistic exports', () => {
  it('reads a generated export as documents and as a List, with the same objects and no error', () => {
    const objects = realisticObjects(200);
    const documents = analyze([{ name: 'export.yaml', text: exportAsDocuments(objects) }]);
    const list = analyze([{ name: 'export.yaml', text: exportAsList(objects) }]);
    expect(documents.objects).toHaveLength(200);
    expect(list.objects.map((o) => `${o.kind}/${o.namespace}/${o.name}`)).toEqual(
      documents.objects.map((o) => `${o.kind}/${o.namespace}/${o.name}`),
    );
    expect(documents.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(list.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(documents.model.pods.filter((pod) => pod.proxy.kind === 'sidecar').length).toBeGreaterThan(20);
  });

  it('reads a 20,000-object kind: List with no alias diagnostic', () => {
    const text = exportAsList(realisticObjects(20_000));
    const { objects, diagnostics } = parseManifests([{ name: 'cluster.yaml', text }]);
    expect(objects).toHaveLength(20_000);
    expect(diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    const last = objects[objects.length - 1];
    // The last item's range is where its text is.
    expect(text.split('\n')[(last?.range.start.line ?? 0) - 1]).toMatch(/^- apiVersion: |^- addressType: /);
  }, 60_000);
});
