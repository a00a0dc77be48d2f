/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const api = process.env.TAQUILLA_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/',
  plugins: [react()],
  server: {
    proxy: {
      '/api': { target: api, changeOrigin: false },
      '/graphql/ws': { target: api.replace(/^http/, 'ws'), ws: true },
      '/graphql': { target: api },
    },
  },
  build: {
    outDir: 'dist',
    chunkSizeWarningLimit: 700,
  },
  test: {
    environment: 'jsdom',
    // e2e/ holds the browser tests (node --test, scripts/e2e.sh), not Vitest's.
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    css: false,
  },
});
