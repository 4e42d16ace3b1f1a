import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';

import { main, parseLayerOverrides } from '../src/cli/main';
import { writeImages } from './images';
import { HAVE_SHARED, OCR_MODELS, SHARED, SKIP_REASON } from './shared-data';

const CLS = join(OCR_MODELS, 'ch_ppocr_mobile_v2.0_cls_infer.onnx');

describe('CLI: quantscope quantize', () => {
  it('quantizes the PP-OCR classifier from a folder and writes a model ORT runs and a full report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quantscope-cli-'));
    await writeImages(join(dir, 'images'), 12);
    const out = join(dir, 'cls.int8.onnx');
    const report = join(dir, 'report.json');
    const code = await main(['quantize', '--model', CLS, '--calib', join(dir, 'images'), '--calib-count', '6', '--calibrator', 'percentile', '--out', out, '--report', report, '--quiet']);
    expect(code).toBe(0);
    expect(existsSync(out)).toBe(true);
    const r = JSON.parse(readFileSync(report, 'utf8'));
    expect(r.images).toMatchObject({ calibration: 6, evaluation: 6 });
    expect(r.fp32.top1).toBeNull(); // no labels in these names
    expect(r.int8.agreement_top1).toBeGreaterThanOrEqual(0);
    expect(r.int8.agreement_top1).toBeLessThanOrEqual(1);
    expect(r.size_bytes.int8).toBeLessThan(r.size_bytes.fp32);
    expect(r.config.calibrator).toBe('percentile');
    expect(r.per_layer.length).toBeGreaterThan(40);
    expect(r.per_layer[0]).toEqual(expect.objectContaining({ name: expect.any(String), op: 'Conv', sqnr_db: expect.any(Number) }));
    const w = r.tensors.find((t: { kind: string }) => t.kind === 'weight');
    expect(w).toEqual(expect.objectContaining({ dtype: 'int8', axis: 0, scale: expect.any(Array), zero_point: expect.any(Array) }));
    // The written model is a standard QDQ model onnxruntime-node loads and runs.
    const s = await ort.InferenceSession.create(out);
    const y = await s.run({ x: new ort.Tensor('float32', new Float32Array(3 * 48 * 192), [1, 3, 48, 192]) });
    expect(y[s.outputNames[0]].dims).toEqual([1, 2]);
    await s.release();
  });

  it('parses per-layer overrides', () => {
    expect(parseLayerOverrides(['conv1=w4:per-tensor', 'fc=fp32', 'conv1=a6'], ['conv1', 'fc'])).toEqual({
      conv1: { weightBits: 4, weightGranularity: 'per-tensor', activationBits: 6 },
      fc: { keepFp32: true },
    });
    expect(() => parseLayerOverrides(['nope=w4'], ['conv1'])).toThrow(/not a node of the model/);
    expect(() => parseLayerOverrides(['conv1=w9'], ['conv1'])).toThrow(/not one of/);
  });

  it('says what is wrong with bad arguments', async () => {
    await expect(main(['quantize', '--calib', '.', '--out', 'x.onnx'])).rejects.toThrow(/--model is required/);
    await expect(main(['quantize', '--model', CLS, '--calib', '.', '--out', 'x', '--calibrator', 'magic'])).rejects.toThrow(/--calibrator must be one of/);
    await expect(main(['quantize', '--model', CLS, '--calib', '.', '--out', 'x', '--w-bits', '32'])).rejects.toThrow(/--w-bits must be a whole number from 2 to 16/);
  });

  it.skipIf(!HAVE_SHARED)('MobileNet v1 0.25 on ImageNet sample images: labels from synsets, 1001-class offset, per-tensor collapse', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quantscope-cli-'));
    const report = join(dir, 'r.json');
    await main(['quantize', '--model', join(SHARED, 'models', 'mobilenet_v1_0.25_224.onnx'), '--calib', join(SHARED, 'images', 'imagenet-sample'), '--calib-count', '50', '--eval-count', '100', '--weights', 'per-tensor', '--out', join(dir, 'm.onnx'), '--report', report, '--quiet']);
    const r = JSON.parse(readFileSync(report, 'utf8'));
    console.log(`CLI MobileNet per-tensor: FP32 top-1 ${r.fp32.top1}, int8 top-1 ${r.int8.top1}, agreement ${r.int8.agreement_top1}`);
    expect(r.fp32.top1).toBeGreaterThan(0.4);
    expect(r.int8.agreement_top1).toBeLessThan(0.15);
  });
});

if (!HAVE_SHARED) console.log(`SKIPPED CLI MobileNet test: ${SKIP_REASON}`);
