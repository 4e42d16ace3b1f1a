import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { tinyModel } from '../../../test/tiny-model';
import { HAVE_SHARED, OCR_MODELS, SHARED_MODELS, SKIP_REASON, readShared, referenceCalibration } from '../../../test/shared-data';
import { nodeSessionFactory } from '../../node/ort-node';
import { imagenetClassFromPath } from '../data/labels';
import { mulberry32 } from '../data/split';
import { prepareVariants } from '../engine/experiment';
import { evaluate } from '../engine/pipeline';
import type { RtTensor } from '../engine/runtime';
import { cloneModel, makeAttrInts, makeNode, makeTensor, parseModel, serializeModel } from '../onnx/model';
import { normalizeModel } from '../onnx/normalize';
import { crossLayerEqualization } from '../onnx/passes/cross-layer-equalization';
import { fixInputDims } from '../onnx/passes/fix-input-dims';
import { geometry, windowMeans } from './bias-correction';
import { defaultQuantConfig } from './config';

const reference = nodeSessionFactory({ fused: false });
const CLS = join(OCR_MODELS, 'ch_ppocr_mobile_v2.0_cls_infer.onnx');

function noise(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

async function outputs(model: Uint8Array, input: string, xs: RtTensor[], out: string) {
  const s = await reference(model);
  const res = [];
  for (const x of xs) res.push((await s.run({ [input]: x }, [out]))[out].data as Float32Array);
  await s.release();
  return res;
}

describe('cross-layer equalisation leaves the FP32 model exact', () => {
  it('PP-OCR classifier (hard-swish MobileNetV3 blocks): outputs equal, weight ranges evened out', async () => {
    const model = parseModel(new Uint8Array(readFileSync(CLS)));
    normalizeModel(model);
    fixInputDims(model.graph!, 'x', [3, 48, 192]);
    const eq = cloneModel(model);
    const pairs = crossLayerEqualization(eq.graph!);
    expect(pairs.length).toBeGreaterThan(0);
    // Each layer is balanced against both neighbours, so one pair's spread may grow a little while the
    // chain as a whole evens out.
    const logMean = (k: 'spreadBefore' | 'spreadAfter') => pairs.reduce((a, p) => a + Math.log(p[k]), 0) / pairs.length;
    expect(logMean('spreadAfter')).toBeLessThan(logMean('spreadBefore'));
    const xs = [1, 2, 3].map((s) => ({ data: noise(3 * 48 * 192, s), dims: [1, 3, 48, 192] }));
    const a = await outputs(serializeModel(model), 'x', xs, 'softmax_0.tmp_0');
    const b = await outputs(serializeModel(eq), 'x', xs, 'softmax_0.tmp_0');
    let worst = 0;
    a.forEach((v, i) => v.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - b[i][j])))));
    expect(worst).toBeLessThan(1e-4);
  });

  it.skipIf(!HAVE_SHARED)('MobileNet v1 0.25 (ReLU6 kept as Relu + per-channel Min): identical predictions on 50 images', async () => {
    const m = SHARED_MODELS[0];
    const model = parseModel(readShared('models', m.file));
    normalizeModel(model);
    const eq = cloneModel(model);
    const pairs = crossLayerEqualization(eq.graph!);
    expect(pairs.length).toBe(26);
    expect(pairs.every((p) => p.activation === 'Relu+Min')).toBe(true);
    const dw = pairs.find((p) => p.second === 'n1_depthwise_conv_2d')!;
    console.log(`CLE n0→n1: channel range spread ${dw.spreadBefore.toFixed(1)}× → ${dw.spreadAfter.toFixed(1)}×`);
    expect(dw.spreadAfter).toBeLessThan(dw.spreadBefore / 2);
    const xs = [...referenceCalibration(m, 50)];
    const a = await outputs(serializeModel(model), 'input', xs, 'output');
    const b = await outputs(serializeModel(eq), 'input', xs, 'output');
    const argmax = (v: Float32Array) => v.indexOf(Math.max(...v));
    expect(a.map(argmax)).toEqual(b.map(argmax));
    let worst = 0;
    a.forEach((v, i) => v.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - b[i][j])))));
    expect(worst).toBeLessThan(1e-5);
  });
});

describe('bias correction', () => {
  it('Σ K·M over window means equals the mean of the convolution output exactly (padding and stride included)', async () => {
    // A 3×3, stride-2, pad-1 conv on a 2×9×7 input: the border windows see zeros.
    const W = noise(3 * 2 * 9, 7);
    const node = makeNode('Conv', ['x', 'w'], ['y'], 'c', [
      makeAttrInts('kernel_shape', [3, 3]),
      makeAttrInts('strides', [2, 2]),
      makeAttrInts('pads', [1, 1, 1, 1]),
    ]);
    const g = geometry(node, [3, 2, 3, 3])!;
    expect(g.strides).toEqual([2, 2]);
    expect(g.pads).toEqual([1, 1]);
    const model = tinyModel([node], [makeTensor('w', [3, 2, 3, 3], W)], [['x', [1, 2, 9, 7]]], [['y', [1, 3, 5, 4]]]);
    const x = { data: noise(2 * 9 * 7, 8), dims: [1, 2, 9, 7] };
    const s = await reference(serializeModel(model));
    const y = await s.run({ x }, ['y']);
    await s.release();
    const [, C, H, Wd] = y.y.dims;
    const M = new Float64Array(2 * 9);
    windowMeans(x.data, x.dims, H, Wd, g, M);
    for (let o = 0; o < C; o++) {
      let predicted = 0;
      for (let i = 0; i < 18; i++) predicted += W[o * 18 + i] * M[i];
      const plane = (y.y.data as Float32Array).subarray(o * H * Wd, (o + 1) * H * Wd);
      const measured = plane.reduce((a, b) => a + b, 0) / plane.length;
      expect(predicted).toBeCloseTo(measured, 5);
    }
  });

  it.skipIf(!HAVE_SHARED)('MobileNet v1 0.25: CLE lifts per-tensor int8 from collapse, bias correction lifts it further', async () => {
    const m = SHARED_MODELS[0];
    const files = new TextDecoder().decode(readShared('reference', 'ort-quantize-static', m.id, 'calib200_files.txt')).trim().split('\n');
    const all = [...referenceCalibration(m, 160)];
    const model = parseModel(readShared('models', m.file));
    normalizeModel(model);
    const pt = { ...defaultQuantConfig, weightGranularity: 'per-tensor' as const };
    const prep = await prepareVariants(
      reference,
      model,
      [
        { id: 'pt', config: pt },
        { id: 'pt+cle', config: pt, cle: true },
        { id: 'pt+cle+bc', config: pt, cle: true, biasCorrection: true },
      ],
      async function* () {
        yield* all.slice(0, 100);
      },
      100,
    );
    const ev = await evaluate(
      reference,
      model,
      prep.variants,
      (async function* () {
        for (let i = 100; i < 160; i++) yield { tensor: all[i], label: imagenetClassFromPath(files[i])! + 1 };
      })(),
      60,
      { sqnrSamples: 4 },
    );
    const [plain, cle, bc] = ev.variants;
    console.log(`MobileNet per-tensor agreement on 60 images: ${plain.agreementTop1} → CLE ${cle.agreementTop1} → CLE+BC ${bc.agreementTop1}`);
    expect(plain.agreementTop1).toBeLessThan(0.1);
    expect(cle.agreementTop1).toBeGreaterThan(0.4);
    expect(bc.agreementTop1).toBeGreaterThan(cle.agreementTop1);
    expect(prep.biasShifts['pt+cle+bc'].length).toBe(28);
  });
});

if (!HAVE_SHARED) console.log(`SKIPPED MobileNet DFQ tests: ${SKIP_REASON}`);
