import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/**
 * The Content-Security-Policy the app runs under: everything from the page's own origin, workers from blob: URLs
 * (Monaco), inline styles (Monaco and Cytoscape set them), images from data:/blob: (PNG export). `frame-ancestors`
 * only works as a header, so the meta tag leaves it out.
 */
const CSP_META = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
const CSP_HEADER = `${CSP_META}; frame-ancestors 'none'`;

const SECURITY_HEADERS = {
  'Content-Security-Policy': CSP_HEADER,
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
};

/** Puts the policy into the built index.html (not the dev server's, whose React refresh preamble is an inline script). */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'meshpath-csp',
    apply: 'build',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP_META }, injectTo: 'head-prepend' },
      { tag: 'meta', attrs: { name: 'referrer', content: 'no-referrer' }, injectTo: 'head-prepend' },
    ],
  };
}

// The app is fully static: everything it loads (Monaco, its worker, Cytoscape) is bundled; nothing comes from a CDN.
export default defineConfig({
  plugins: [react(), contentSecurityPolicy()],
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    chunkSizeWarningLimit: 5000,
  },
  preview: { host: '127.0.0.1', port: 4173, headers: SECURITY_HEADERS },
  server: { host: '127.0.0.1', port: 5173 },
});
