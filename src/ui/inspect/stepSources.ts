import {
  fieldRange,
  type ManifestFile,
  type ManifestObject,
  type ObjectSource,
  type TraceStep,
} from '../../core/index.ts';

/** One object behind a step, narrowed to the rule that decided it when the step names one (`http[0]`). */
export interface StepSource {
  source: ObjectSource;
  /** The rule inside the object, as the step names it: `http[0]`, `http[1].match[0]`, `tcp[0]`, `tls[2]`. */
  field: string | undefined;
}

/** `http[1].match[0]` and the like, as route steps name the VirtualService rule they took. */
const RULE = /\b(http|tcp|tls)\[(\d+)\](?:\.match\[(\d+)\])?/;

/**
 * The objects behind a step, the one the step's rule belongs to narrowed to that rule's lines, so that a click shows
 * the rule rather than the whole object. The trace names the rule in its words only (the step's detail): this reads
 * it from there until the step carries the rule's field path with its source.
 */
export function decidingSources(
  step: TraceStep,
  files: readonly ManifestFile[],
  objects: readonly ManifestObject[],
): StepSource[] {
  const rule = RULE.exec(step.detail) ?? RULE.exec(step.title);
  return step.sources.map((source) => {
    if (!rule || source.kind !== 'VirtualService') return { source, field: undefined };
    const [text, section = '', index = '0', match] = rule;
    const path: Array<string | number> = ['spec', section, Number(index)];
    if (match !== undefined) path.push('match', Number(match));
    const object = objects.find(
      (o) =>
        o.kind === source.kind && o.name === source.name && o.namespace === source.namespace && o.file === source.file,
    );
    const range = object ? fieldRange(files, object, path) : undefined;
    return range ? { source: { ...source, range }, field: text } : { source, field: undefined };
  });
}
