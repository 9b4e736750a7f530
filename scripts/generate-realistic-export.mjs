// Writes fixtures/exports/realistic-cluster.yaml, a `kubectl get -A -o yaml`-style List of a few hundred objects, with
// the generator the benchmark and the large-input tests use (src/cli/realisticExport.ts, loaded through Vite).
// Deterministic; run it again to regenerate.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const { module } = await runnerImport(`${root}src/cli/realisticExport.ts`, {
  root,
  configFile: false,
  logLevel: 'warn',
});
const text = module.fixtureClusterExport();
writeFileSync(new URL('../fixtures/exports/realistic-cluster.yaml', import.meta.url), text);
console.log(`wrote ${text.length} characters`);
