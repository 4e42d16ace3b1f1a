// npm run bench: throughput and overhead figures measured side by side in one run (no assertions).
// Node part (onnxruntime-node) on the ../shared ImageNet models; the bundle's initial JS size from dist/.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { collectStatistics, buildVariant } from '../src/core/engine/pipeline';
import { nodeOutputs, withExtraOutputs } from '../src/core/engine/instrument';
import type { RtTensor } from '../src/core/engine/runtime';
import { parseModel, serializeModel } from '../src/core/onnx/model';
import { normalizeModel } from '../src/core/onnx/normalize';
import { defaultQuantConfig } from '../src/core/quant/config';
import { nodeSessionFactory } from '../src/node/ort-node';
import { HAVE_SHARED, SHARED_MODELS, SKIP_REASON, readShared, referenceCalibration } from '../test/shared-data';

const N = Number(process.env.BENCH_IMAGES ?? 64);

async function timeRuns(run: (x: RtTensor) => Promise<unknown>, inputs: RtTensor[]): Promise<number> {
  await run(inputs[0]); // warm-up
  const t = performance.now();
  for (const x of inputs) await run(x);
  return (performance.now() - t) / 1000;
}

async function* iterate<T>(xs: T[]) {
  yield* xs;
}

const rows: string[][] = [];
const row = (...c: (string | number)[]) => rows.push(c.map(String));

if (!HAVE_SHARED) console.log(`Model benchmarks skipped: ${SKIP_REASON}`);
for (const m of HAVE_SHARED ? SHARED_MODELS : []) {
  const model = parseModel(readShared('models', m.file));
  normalizeModel(model);
  const inputs = [...referenceCalibration(m, N)];
  const inputName = model.graph!.input[0].name;
  const out = model.graph!.output[0].name;
  const fused = nodeSessionFactory({ fused: true });
  const reference = nodeSessionFactory({ fused: false });

  const fp32 = await fused(serializeModel(model));
  const tFp32 = await timeRuns((x) => fp32.run({ [inputName]: x }, [out]), inputs);
  await fp32.release();

  // Calibration: a bare run that fetches every activation, against collectStatistics (same run + histograms).
  const names = nodeOutputs(model);
  const inst = await fused(serializeModel(withExtraOutputs(model, names)));
  const tBare = await timeRuns((x) => inst.run({ [inputName]: x }, names), inputs);
  await inst.release();
  const t0 = performance.now();
  const stats = await collectStatistics(fused, model, iterate(inputs), inputs.length);
  const tStats = (performance.now() - t0) / 1000;

  for (const g of ['per-tensor', 'per-channel'] as const) {
    const v = buildVariant(g, model, stats, { ...defaultQuantConfig, weightGranularity: g });
    for (const [label, factory] of [['int8 fused kernels', fused], ['int8 reference QDQ', reference]] as const) {
      const s = await factory(v.bytes);
      const t = await timeRuns((x) => s.run({ [inputName]: x }, [out]), inputs);
      await s.release();
      row(m.id, `${label}, ${g}`, (N / t).toFixed(1), (tFp32 / t).toFixed(2));
    }
  }
  row(m.id, 'FP32', (N / tFp32).toFixed(1), '1.00');
  row(m.id, 'calibration: bare run with all activations', (N / tBare).toFixed(1), (tFp32 / tBare).toFixed(2));
  row(m.id, `calibration with statistics (× bare: ${(tStats / tBare).toFixed(2)})`, (N / tStats).toFixed(1), (tFp32 / tStats).toFixed(2));
}

console.log(`\nonnxruntime-node, 2 threads, batch 1, ${N} images each (BENCH_IMAGES to change)\n`);
console.log('| model | what | images/s | × FP32 speed |\n|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);

const dist = 'dist/assets';
if (existsSync(dist)) {
  const html = readFileSync('dist/index.html', 'utf8');
  const initial = [...html.matchAll(/(?:src|href)="\/assets\/([^"]+\.(?:js|css))"/g)].map((x) => x[1]);
  const gz = initial.reduce((a, f) => a + gzipSync(readFileSync(join(dist, f))).length, 0);
  const worker = readdirSync(dist).filter((f) => f.startsWith('engine.worker') && f.endsWith('.js'));
  const wgz = worker.reduce((a, f) => a + gzipSync(readFileSync(join(dist, f))).length, 0);
  console.log(`\nInitial JS+CSS of the page (gzip): ${(gz / 1024).toFixed(1)} KB (${initial.join(', ')}); engine worker (loaded on first use): ${(wgz / 1024).toFixed(1)} KB gzip.`);
} else {
  console.log('\nRun `npm run build` first for the bundle size.');
}
