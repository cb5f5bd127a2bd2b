/* global process */
// The console is plain Preact: esbuild's automatic JSX runtime does what a framework plugin would.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/console/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Inline nothing: the Content-Security-Policy allows scripts and styles from files only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  // `npm run dev -w @keysmith/console`: the pages from Vite, the API from a running service.
  server: {
    proxy: { '/v1': process.env.KEYSMITH_URL ?? 'http://127.0.0.1:8080' },
  },
});
