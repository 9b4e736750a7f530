import demoManifests from '../../fixtures/scenarios/demo/manifests.yaml?raw';
import { DEFAULT_OPTIONS, EMPTY_REQUEST, type Scenario } from './scenarioCodec.ts';

/** The built-in scenarios of the examples menu. The first one opens on a first visit. */
export interface Example {
  id: string;
  title: string;
  description: string;
  scenario: Scenario;
}

export const EXAMPLES: readonly Example[] = [
  {
    id: 'demo',
    title: 'sleep → helloworld (demo)',
    description: 'The application namespace: a sleep client, helloworld behind dest-svc-v1 (7777 → 5678), the istio-system gateways and a ServiceEntry for google.com.',
    scenario: {
      files: [{ name: 'demo.yaml', text: demoManifests }],
      request: { ...EMPTY_REQUEST, from: 'application/sleep', to: 'http://dest-svc-v1:7777/' },
      options: DEFAULT_OPTIONS,
    },
  },
];

export const DEFAULT_EXAMPLE: Example = EXAMPLES[0] as Example;

export function findExample(id: string): Example | undefined {
  return EXAMPLES.find((example) => example.id === id);
}
