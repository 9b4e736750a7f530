import type { ManifestFile } from '../core/index.ts';
import type { MeshOptions, RequestInput, Scenario } from './scenarioCodec.ts';
import { replacesEverything } from './textChange.ts';

/** A next step an example suggests: a change of request or options, one click, with the outcome it leads to. */
export interface TryNext {
  label: string;
  request?: Partial<RequestInput>;
  options?: Partial<MeshOptions>;
  /** Checked by the unit tests, like the example's own outcome. */
  expect: { outcome: string; status: number | null };
}

/** The built-in scenarios of the examples menu, read from fixtures/scenarios/<name>/ (the same files the tests use). */
export interface Example {
  id: string;
  aliases: string[];
  order: number;
  title: string;
  description: string;
  scenario: Scenario;
  /**
   * What the example shows, checked by the unit and browser tests; `diagnostics`: the codes of warnings the example is
   * about (a route that is not attached), expected and shown.
   */
  expect: { outcome: string; status: number | null; cluster?: string; diagnostics?: string[] };
  tryNext: TryNext[];
}

interface ExampleFile {
  id: string;
  order: number;
  aliases?: string[];
  title: string;
  description: string;
  request: RequestInput;
  options: MeshOptions;
  expect: Example['expect'];
  tryNext?: TryNext[];
}

const definitions = import.meta.glob<ExampleFile>('../../fixtures/scenarios/*/example.json', {
  eager: true,
  import: 'default',
});
const manifests = import.meta.glob<string>('../../fixtures/scenarios/*/manifests.yaml', {
  eager: true,
  query: '?raw',
  import: 'default',
});

export const EXAMPLES: readonly Example[] = Object.entries(definitions)
  .map(([path, file]) => {
    const folder = path.replace(/\/example\.json$/, '');
    const text = manifests[`${folder}/manifests.yaml`] ?? '';
    return {
      id: file.id,
      aliases: file.aliases ?? [],
      order: file.order,
      title: file.title,
      description: file.description,
      scenario: {
        files: [{ name: `${folder.split('/').pop() ?? file.id}.yaml`, text }],
        request: file.request,
        options: file.options,
      },
      expect: file.expect,
      tryNext: file.tryNext ?? [],
    };
  })
  .sort((a, b) => a.order - b.order);

export const DEFAULT_EXAMPLE: Example = EXAMPLES[0] as Example;

export function findExample(id: string): Example | undefined {
  return EXAMPLES.find((example) => example.id === id || example.aliases.includes(id));
}

/** The example whose manifests are open (its file is one of the tabs), so its story stays at hand after opening it. */
/**
 * The example on screen: its file is open and still holds the example (edited, perhaps), not text pasted over all of
 * it.
 */
export function openExample(files: readonly ManifestFile[]): Example | undefined {
  return EXAMPLES.find((example) => {
    const original = example.scenario.files[0];
    const open = original && files.find((f) => f.name === original.name);
    return open !== undefined && original !== undefined && !replacesEverything(original.text, open.text);
  });
}
