/** The analyzers' findings, indexed once per analysis so that each trace step looks up the ones that concern it. */
import type { Diagnostic } from '../manifest/diagnostic.ts';
import type { FindingSubject } from './context.ts';

/**
 * Findings by the object they are about, by host (which VirtualService wins) and by host and subset (an empty
 * subset).
 */
export interface FindingIndex {
  byObject: Map<string, Diagnostic[]>;
  byHost: Map<string, Diagnostic[]>;
  bySubset: Map<string, Diagnostic[]>;
}

export const objectKey = (o: { kind: string; namespace: string | undefined; name: string }): string =>
  `${o.kind}|${o.namespace ?? ''}|${o.name}`;

export const subsetKey = (host: string, subset: string): string => `${host}|${subset}`;

function add(map: Map<string, Diagnostic[]>, key: string, diagnostic: Diagnostic): void {
  const found = map.get(key);
  if (!found) map.set(key, [diagnostic]);
  else if (!found.includes(diagnostic)) found.push(diagnostic);
}

/**
 * Indexes the findings that survived de-duplication (`kept`). A finding about one subset is found only through that
 * subset: the other subsets of its DestinationRule are not affected by it.
 */
export function indexFindings(findings: readonly FindingSubject[], kept: readonly Diagnostic[]): FindingIndex {
  const index: FindingIndex = { byObject: new Map(), byHost: new Map(), bySubset: new Map() };
  const survivors = new Set(kept);
  for (const { diagnostic, object, about } of findings) {
    if (!survivors.has(diagnostic)) continue;
    if (about?.subset !== undefined) {
      add(index.bySubset, subsetKey(about.host, about.subset), diagnostic);
      continue;
    }
    add(index.byObject, objectKey(object), diagnostic);
    if (about) add(index.byHost, about.host, diagnostic);
  }
  return index;
}
