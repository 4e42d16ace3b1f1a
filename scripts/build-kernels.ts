// Compiles src/core/kernels/kernels.wat to kernels-wasm.ts (the module's bytes, base64), which is committed so
// that neither the app nor its tests need wabt at run time; a unit test recompiles and compares.
// Usage: npm run build:kernels (-- --check to only compare)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { compileKernels } from './kernels-compile';

const out = fileURLToPath(new URL('../src/core/kernels/kernels-wasm.ts', import.meta.url));
const text = await compileKernels();
if (process.argv.includes('--check')) {
  if (readFileSync(out, 'utf8') !== text) {
    console.error('kernels-wasm.ts is out of date: run npm run build:kernels');
    process.exit(1);
  }
} else {
  writeFileSync(out, text);
  console.log(`wrote ${out}`);
}
