import { defineConfig } from 'vite';
import tailwindcss from '@tailwindcss/vite';

// JSX is compiled by esbuild itself (automatic runtime), so no React plugin is needed.
export default defineConfig({
  base: '/admin/',
  plugins: [tailwindcss()],
  esbuild: { jsx: 'automatic' },
  resolve: { alias: { '@': new URL('./src', import.meta.url).pathname } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // Keep the CSP happy: no inline scripts, no module-preload polyfill.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      output: {
        // Libraries change less often than the app: keep them in their own cached file.
        manualChunks: (id) => (id.includes('node_modules') ? 'vendor' : undefined),
      },
      onwarn(warning, warn) {
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE' || warning.code === 'INVALID_ANNOTATION') return;
        warn(warning);
      },
    },
  },
  server: {
    // ws: the records pages' realtime WebSocket.
    proxy: { '/api': { target: 'http://127.0.0.1:8000', ws: true } },
  },
});
