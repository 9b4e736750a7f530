import { dump } from 'js-yaml';

/** Plain data as block YAML, for snippets a user pastes into a manifest. */
export function dumpYaml(value: unknown): string {
  return dump(value, { lineWidth: -1, noRefs: true });
}
