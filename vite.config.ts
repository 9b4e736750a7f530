import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The app is fully static: everything it loads (Monaco, its worker, Cytoscape) is bundled; nothing comes from a CDN.
export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    chunkSizeWarningLimit: 5000,
  },
  preview: { host: '127.0.0.1', port: 4173 },
  server: { host: '127.0.0.1', port: 5173 },
});
