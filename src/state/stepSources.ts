import {
  fieldRange,
  type ManifestFile,
  type ManifestObject,
  type ObjectSource,
  type TraceStep,
} from '../core/index.ts';

/** One object behind a step, narrowed to the rule that decided it when the step names one (`http[0]`). */
export interface StepSource {
  source: ObjectSource;
  /** The rule inside the object, as the step names it: `http[0]`, `http[1].match[0]`. */
  field: string | undefined;
}

/**
 * The objects behind a step, the VirtualService of a route step narrowed to the http rule (and match) that decided
 * it, so that a click shows the rule rather than the whole object.
 */
export function decidingSources(
  step: TraceStep,
  files: readonly ManifestFile[],
  objects: readonly ManifestObject[],
): StepSource[] {
  const fact = step.fact;
  const rule = fact.kind === 'route' && fact.by === 'match' ? fact.virtualService : undefined;
  return step.sources.map((source) => {
    if (!rule || source.kind !== 'VirtualService' || source.name !== rule.name || source.namespace !== rule.namespace)
      return { source, field: undefined };
    const path: Array<string | number> = ['spec', 'http', rule.httpIndex];
    if (rule.matchIndex !== undefined) path.push('match', rule.matchIndex);
    const object = objects.find(
      (o) =>
        o.kind === source.kind && o.name === source.name && o.namespace === source.namespace && o.file === source.file,
    );
    const range = object ? fieldRange(files, object, path) : undefined;
    const field = `http[${rule.httpIndex}]${rule.matchIndex !== undefined ? `.match[${rule.matchIndex}]` : ''}`;
    return range ? { source: { ...source, range }, field } : { source, field: undefined };
  });
}
