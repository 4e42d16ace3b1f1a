// npm run bench: throughput and overhead figures measured side by side in one run (no assertions).
// Node part (onnxruntime-node) on the ../shared ImageNet models; the bundle's initial JS size from dist/.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { ActivationStats } from '../src/core/calib/stats';
import type { CalibratorId } from '../src/core/calib/calibrators';
import { collectPerImageStatistics, doublingSizes, permutation } from '../src/core/engine/calibration-curve';
import { collectStatistics, buildVariant } from '../src/core/engine/pipeline';
import { qRange } from '../src/core/quant/qparams';
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
const curveRows: string[] = [];
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
  // The calibration-size curve's statistics (per-image pass, then for 3 draws every subset merged and its
  // ranges computed by 4 calibrators) against one calibration on all N images with the 4 calibrators' ranges.
  const calibrators: CalibratorId[] = ['minmax', 'percentile', 'entropy', 'mse'];
  const scheme = { range: qRange('uint8', false), symmetric: false };
  const t1 = performance.now();
  const once = await collectStatistics(fused, model, iterate(inputs), inputs.length);
  for (const c of calibrators) once.rangesFor(c, scheme);
  const tOnce = (performance.now() - t1) / 1000;
  const t2 = performance.now();
  const perImage = await collectPerImageStatistics(fused, model, iterate(inputs), inputs.length);
  const tPer = (performance.now() - t2) / 1000;
  let points = 0;
  for (let draw = 0; draw < 3; draw++) {
    const order = permutation(N, 1 + draw);
    const merged = new ActivationStats();
    let used = 0;
    for (const size of doublingSizes(N)) {
      if (size === N && draw > 0) continue;
      while (used < size) merged.merge(perImage[order[used++]]);
      for (const c of calibrators) merged.rangesFor(c, scheme);
      points += calibrators.length;
    }
  }
  const tCurve = (performance.now() - t2) / 1000;
  curveRows.push(
    `| ${m.id} | ${tOnce.toFixed(1)} s | ${tPer.toFixed(1)} s | ${tCurve.toFixed(1)} s (${points} points) | ${(tCurve / tOnce).toFixed(2)}× |`,
  );
  row(m.id, 'FP32', (N / tFp32).toFixed(1), '1.00');
  row(m.id, 'calibration: bare run with all activations', (N / tBare).toFixed(1), (tFp32 / tBare).toFixed(2));
  row(m.id, `calibration with statistics (× bare: ${(tStats / tBare).toFixed(2)})`, (N / tStats).toFixed(1), (tFp32 / tStats).toFixed(2));
}

console.log(`\nonnxruntime-node, 2 threads, batch 1, ${N} images each (BENCH_IMAGES to change)\n`);
console.log('| model | what | images/s | × FP32 speed |\n|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
if (curveRows.length) {
  console.log(`\nCalibration-size curve statistics vs one calibration on the same ${N} images (both with the ranges of 4 calibrators; evaluations excluded)\n`);
  console.log('| model | one calibration | per-image pass | curve statistics in total | × one calibration |\n|---|---|---|---|---|');
  for (const r of curveRows) console.log(r);
}

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
