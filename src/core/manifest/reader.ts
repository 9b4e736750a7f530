import type { Diagnostic, DiagnosticCode, Severity, SourceRange } from './diagnostic.ts';
import type { LineIndex } from './lineIndex.ts';
import { isRecord, typeName, type ManifestObject } from './parse.ts';
import { fieldSpan, objectTree } from './locate.ts';
import { EMPTY_STRING_MAP, RecordMap } from './recordMap.ts';
import { findKey, findNode, type YamlNode } from './yamlTree.ts';

export type FieldPath = ReadonlyArray<string | number>;

/** `spec.http[2].route[0]`: a field path the way users and kubectl write it. */
export function formatPath(path: FieldPath): string {
  return path.reduce<string>(
    (text, step) => (typeof step === 'number' ? `${text}[${step}]` : text ? `${text}.${step}` : step),
    '',
  );
}

/**
 * Reads one object's fields with the types Kubernetes and Istio expect, reporting a wrong type or a missing
 * required field at its line and column. Reads only own properties of the parsed data.
 */
export class ObjectReader {
  constructor(
    readonly object: ManifestObject,
    private readonly lines: LineIndex,
    private readonly diagnostics: Diagnostic[],
  ) {}

  /** The parsed value at `path`, or undefined. */
  get(path: FieldPath): unknown {
    let value: unknown = this.object.value;
    for (const step of path) {
      if (typeof step === 'number') value = Array.isArray(value) ? value[step] : undefined;
      else value = isRecord(value) && Object.hasOwn(value, step) ? value[step] : undefined;
      if (value === undefined) return undefined;
    }
    return value;
  }

  /** The positioned node at `path`, read from the object's text when asked (the analysis keeps no tree). */
  node(path: FieldPath): YamlNode | undefined {
    return findNode(objectTree(this.object), path);
  }

  /** The range of the value at `path`, else of the closest enclosing field that exists, else of the whole object. */
  range(path: FieldPath): SourceRange {
    const span = fieldSpan(this.object, 'value', path, (tree) => {
      for (let length = path.length; length > 0; length--) {
        const node = length === path.length ? findNode(tree, path) : findKey(tree, path.slice(0, length));
        if (node) return node;
      }
      return undefined;
    });
    return span ? this.lines.range(span.start, span.end) : this.keyRange(['kind']);
  }

  /** The range of the key of `path` (for "this field should not be here"). */
  keyRange(path: FieldPath): SourceRange {
    const key = fieldSpan(this.object, 'key', path, (tree) => findKey(tree, path));
    if (key) return this.lines.range(key.start, key.end);
    return this.object.range;
  }

  /** The source text of a scalar as the user wrote it (for "write "1.10"" suggestions). */
  sourceText(path: FieldPath): string | undefined {
    const node = this.node(path);
    return node?.kind === 'scalar' ? node.text : undefined;
  }

  report(severity: Severity, code: DiagnosticCode, message: string, path: FieldPath, onKey = false): void {
    this.diagnostics.push({
      severity,
      code,
      message,
      file: this.object.file,
      range: onKey ? this.keyRange(path) : this.range(path),
    });
  }

  private wrongType(path: FieldPath, expected: string, value: unknown): void {
    const written = this.sourceText(path);
    const quoteHint =
      expected === 'a string' && written !== undefined && typeof value !== 'object' ? ` Quote it: "${written}".` : '';
    this.report(
      'error',
      'WRONG_TYPE',
      `${formatPath(path)} must be ${expected}, but it ` +
        `is ${typeName(value)}${written !== undefined ? ` (${written})` : ''}; kubectl rejects this ` +
        `object.${quoteHint}`,
      path,
    );
  }

  private missing(path: FieldPath, why: string | undefined): void {
    this.report(
      'error',
      'MISSING_FIELD',
      `${this.object.kind} ${this.object.name} has no ${formatPath(path)}${why ? `: ${why}` : ''}.`,
      path.slice(0, -1).length > 0 ? path.slice(0, -1) : ['kind'],
      true,
    );
  }

  string(path: FieldPath, options: { required?: string } = {}): string | undefined {
    const value = this.get(path);
    if (value === undefined || value === null) {
      if (options.required !== undefined) this.missing(path, options.required);
      return undefined;
    }
    if (typeof value !== 'string') {
      this.wrongType(path, 'a string', value);
      return undefined;
    }
    return value;
  }

  integer(path: FieldPath, options: { required?: string } = {}): number | undefined {
    const value = this.get(path);
    if (value === undefined || value === null) {
      if (options.required !== undefined) this.missing(path, options.required);
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      this.wrongType(path, 'a whole number', value);
      return undefined;
    }
    return value;
  }

  /** A port number: a whole number from 1 to 65535. */
  port(path: FieldPath, options: { required?: string } = {}): number | undefined {
    const value = this.integer(path, options);
    if (value !== undefined && (value < 1 || value > 65535)) {
      this.report('error', 'INVALID_VALUE', `${formatPath(path)} is ${value}; a port must be from 1 to 65535.`, path);
      return undefined;
    }
    return value;
  }

  /** An int-or-string field such as a Service targetPort. */
  intOrString(path: FieldPath): number | string | undefined {
    const value = this.get(path);
    if (value === undefined || value === null) return undefined;
    if ((typeof value === 'number' && Number.isInteger(value)) || typeof value === 'string') return value;
    this.wrongType(path, 'a port number or a port name', value);
    return undefined;
  }

  boolean(path: FieldPath): boolean | undefined {
    const value = this.get(path);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') {
      this.wrongType(path, 'true or false', value);
      return undefined;
    }
    return value;
  }

  /** A list; anything else is reported and read as empty. */
  list(path: FieldPath, options: { required?: string } = {}): unknown[] {
    const value = this.get(path);
    if (value === undefined || value === null) {
      if (options.required !== undefined) this.missing(path, options.required);
      return [];
    }
    if (!Array.isArray(value)) {
      this.wrongType(path, 'a list', value);
      return [];
    }
    return value;
  }

  /** A list of strings; wrong entries are reported and left out. */
  stringList(path: FieldPath, options: { required?: string } = {}): string[] {
    const result: string[] = [];
    this.list(path, options).forEach((_, index) => {
      const item = this.string([...path, index]);
      if (item !== undefined) result.push(item);
    });
    return result;
  }

  /** A map of strings (labels, annotations, selectors); values that are not strings are reported and left out. */
  stringMap(path: FieldPath): ReadonlyMap<string, string> {
    const value = this.get(path);
    if (value === undefined || value === null) return EMPTY_STRING_MAP;
    if (!isRecord(value)) {
      this.wrongType(path, 'a mapping of names to strings', value);
      return EMPTY_STRING_MAP;
    }
    const keys = Object.keys(value);
    if (keys.length === 0) return EMPTY_STRING_MAP;
    // Read in place when every value is a string (the common case); otherwise each bad value is reported.
    const view = RecordMap.over(value);
    if (view) return view;
    const result = new Map<string, string>();
    for (const key of keys) {
      const item = this.string([...path, key]);
      if (item !== undefined) result.set(key, item);
    }
    return result;
  }

  /** A mapping; anything else is reported and read as undefined. */
  mapping(path: FieldPath): Record<string, unknown> | undefined {
    const value = this.get(path);
    if (value === undefined || value === null) return undefined;
    if (!isRecord(value)) {
      this.wrongType(path, 'a mapping', value);
      return undefined;
    }
    return value;
  }
}
