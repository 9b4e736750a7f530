import type { Diagnostic } from './diagnostic.ts';
import { KNOWN_KIND_NAMES, kindInfo } from './kinds.ts';
import type { LineIndex } from './lineIndex.ts';
import type { ManifestObject } from './parse.ts';
import { ObjectReader } from './reader.ts';
import { YAML11_BOOLEANS, YAML11_OCTAL, YAML11_SEXAGESIMAL } from './yamlTree.ts';

/** Damerau-Levenshtein distance (optimal string alignment), for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i * cols + j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The known kind closest to a misspelled one, if it is close enough to be a typo. */
export function suggestKind(kind: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of KNOWN_KIND_NAMES) {
    const distance = name.toLowerCase() === kind.toLowerCase() ? 0 : editDistance(kind, name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  if (!best) return undefined;
  return best.distance <= Math.max(1, Math.min(3, Math.floor(best.name.length / 4))) ? best.name : undefined;
}

// Kubernetes object names (k8s.io/apimachinery/pkg/util/validation: IsDNS1123Subdomain, IsDNS1123Label,
// IsDNS1035Label).
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

function nameProblem(kind: string, name: string): string | undefined {
  if (kind === 'Namespace') {
    if (name.length > 63 || !DNS1123_LABEL.test(name))
      return (
        'a namespace name must be at most 63 lowercase letters, digits or "-", starting and ending with a letter ' +
        'or digit (RFC 1123 label)'
      );
  } else if (kind === 'Service') {
    if (name.length > 63 || !DNS1035_LABEL.test(name))
      return (
        'a Service name must be at most 63 lowercase letters, digits or "-", starting with a letter and ending ' +
        'with a letter or digit (RFC 1035 label), because it becomes a DNS name'
      );
  } else if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    return (
      'a name must be lowercase letters, digits, "-" or ".", starting and ending with a letter or digit, at most ' +
      '253 characters (RFC 1123 subdomain)'
    );
  }
  return undefined;
}

/**
 * Plain scalars that kubectl (YAML 1.1) reads differently from YAML 1.2, which Meshpath and most modern tools use.
 * kubectl would apply something other than what the user sees. The parser lists them while reading.
 */
function reportYaml11(object: ManifestObject, lines: LineIndex, diagnostics: Diagnostic[]): void {
  const hits = object.origin.yaml11;
  if (!hits) return;
  const { source, offset } = object.origin;
  const { text } = source;
  for (let i = 0; i + 1 < hits.length; i += 2) {
    const start = hits[i] ?? 0;
    const end = hits[i + 1] ?? start;
    const written = text.slice(start, end);
    const range = lines.range(offset + start, offset + end);
    const file = object.file;
    if (YAML11_BOOLEANS.test(written)) {
      diagnostics.push({
        severity: 'warning',
        code: 'YAML11_BOOLEAN',
        message:
          `kubectl reads ${written} as the boolean ${/^(y|yes|on)$/i.test(written)} (YAML 1.1), not the text ` +
          `"${written}". Quote it ("${written}") if you mean the text, or write ${/^(y|yes|on)$/i.test(written)}.`,
        file,
        range,
      });
    } else if (YAML11_OCTAL.test(written) && /[0-9]/.test(written.slice(1))) {
      const octal = Number.parseInt(written.replace(/_/g, ''), 8);
      diagnostics.push({
        severity: 'warning',
        code: 'YAML11_NUMBER',
        message:
          `kubectl reads ${written} as the octal number ${octal} (YAML 1.1); YAML 1.2 ` +
          `reads ${Number.parseInt(written.replace(/_/g, ''), 10)}. Quote it ("${written}") for text, or ` +
          `write ${octal} or 0o${written.replace(/^[-+]?0+/, '')}.`,
        file,
        range,
      });
    } else if (YAML11_SEXAGESIMAL.test(written)) {
      diagnostics.push({
        severity: 'warning',
        code: 'YAML11_NUMBER',
        message:
          `kubectl reads ${written} as a base-60 number (YAML 1.1), not the text "${written}". Quote it ` +
          `("${written}").`,
        file,
        range,
      });
    }
  }
}

/**
 * Checks every object's identity: a kind the cluster serves under this apiVersion, a valid name, YAML 1.1 pitfalls,
 * duplicates.
 */
export function validateObjects(
  objects: readonly ManifestObject[],
  lineIndexes: ReadonlyMap<string, LineIndex>,
  diagnostics: Diagnostic[],
): void {
  const seen = new Map<string, ManifestObject>();
  const unknownKinds = new Map<string, { first: ManifestObject; count: number }>();
  for (const object of objects) {
    const lines = lineIndexes.get(object.file);
    if (!lines) continue;
    const reader = new ObjectReader(object, lines, diagnostics);
    const info = kindInfo(object.kind, object.apiVersion);

    if (!info) {
      const suggestion = suggestKind(object.kind);
      const istioGroup = /\.istio\.io\//.test(object.apiVersion);
      if (suggestion) {
        reader.report(
          'warning',
          'UNKNOWN_KIND',
          `Unknown kind ${object.kind}: did you mean ${suggestion}? This object is listed but not used.`,
          ['kind'],
        );
      } else if (istioGroup) {
        reader.report(
          'warning',
          'UNKNOWN_KIND',
          `${object.apiVersion} has no kind ${object.kind}. This object is listed but not used.`,
          ['kind'],
        );
      } else {
        // Said once per kind, not per object: an export with thousands of custom resources stays readable.
        const key = `${object.apiVersion.split('/')[0]}|${object.kind}`;
        const known = unknownKinds.get(key);
        if (known) known.count++;
        else unknownKinds.set(key, { first: object, count: 1 });
      }
    } else if (info.apiVersions && !info.apiVersions.includes(object.apiVersion)) {
      reader.report(
        'warning',
        'UNKNOWN_API_VERSION',
        `${object.kind} is served as ${info.apiVersions.join(', ')}, not ${object.apiVersion}: a cluster would ` +
          `reject this object. Meshpath reads it anyway.`,
        ['apiVersion'],
      );
    }

    if (object.name !== '' && reader.get(['metadata', 'name']) !== undefined) {
      const problem = nameProblem(object.kind, object.name);
      if (problem)
        reader.report('error', 'INVALID_NAME', `Invalid name "${object.name}": ${problem}.`, ['metadata', 'name']);
    }
    if (object.namespace !== undefined && !object.namespaceAssumed) {
      const problem = nameProblem('Namespace', object.namespace);
      if (problem)
        reader.report('error', 'INVALID_NAME', `Invalid namespace "${object.namespace}": ${problem}.`, [
          'metadata',
          'namespace',
        ]);
    }

    reportYaml11(object, lines, diagnostics);

    const identity = `${object.apiVersion.split('/')[0]}|${object.kind}|${object.namespace ?? ''}|${object.name}`;
    const earlier = seen.get(identity);
    if (earlier) {
      reader.report(
        'warning',
        'DUPLICATE_OBJECT',
        `${object.kind} ${object.namespace ? `${object.namespace}/` : ''}${object.name} is also defined ` +
          `at ${earlier.file}:${earlier.range.start.line}; ` +
          'this later one is used, as kubectl apply would leave it.',
        ['metadata', 'name'],
      );
    }
    seen.set(identity, object);
  }
  for (const { first, count } of unknownKinds.values()) reportUnknownKind(first, count, lineIndexes, diagnostics);
}

/** One note per kind Meshpath does not know (a custom resource, a kind of another tool), at its first object. */
function reportUnknownKind(
  first: ManifestObject,
  count: number,
  lineIndexes: ReadonlyMap<string, LineIndex>,
  diagnostics: Diagnostic[],
): void {
  const lines = lineIndexes.get(first.file);
  if (!lines) return;
  const what =
    count === 1 ? 'this object is listed but not used' : `${count} objects are listed but not used; this is the first`;
  new ObjectReader(first, lines, diagnostics).report(
    'info',
    'UNKNOWN_KIND',
    `Meshpath does not know the kind ${first.kind} (${first.apiVersion}): ${what}.`,
    ['kind'],
  );
}
