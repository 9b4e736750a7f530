import { defineConfig } from 'vite';

// Bundles the `meshpath` command and the benchmark (src/cli) with the same core the app uses, for Node.
export default defineConfig({
  publicDir: false,
  build: {
    ssr: true,
    outDir: 'dist-cli',
    target: 'node20',
    emptyOutDir: true,
    sourcemap: true,
    rollupOptions: {
      input: { meshpath: 'src/cli/main.ts', bench: 'src/cli/bench.ts' },
      output: { entryFileNames: '[name].js', format: 'es' },
    },
  },
  ssr: { noExternal: true },
});
