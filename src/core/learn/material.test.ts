import { describe, expect, it } from 'vitest';

import { ocrClassifier, stripeImages } from '../../../test/ocr-fixture';
import { nodeSessionFactory } from '../../node/ort-node';
import { defaultQuantConfig } from '../quant/config';
import { buildVariant, collectStatistics } from '../engine/pipeline';
import { activationMaterial, weightMaterial } from './material';

describe('the lessons’ material, taken from a real model (PP-OCR classifier)', async () => {
  const model = ocrClassifier();
  const inputs = stripeImages(9)(4);
  const stats = await collectStatistics(nodeSessionFactory(), model, (async function* () { yield* inputs; })(), inputs.length);
  const variant = buildVariant('per-channel', model, stats, { ...defaultQuantConfig, weightGranularity: 'per-channel' });

  it('by default a post-ReLU activation with its histogram, views and bit sweep; another one on request', () => {
    const a = activationMaterial(variant, stats)!;
    expect(a.op).toMatch(/Relu|Clip/);
    expect(a.histogram.min).toBeGreaterThanOrEqual(0);
    expect(a.samples).toBe(4);
    expect(a.view.choices.map((c) => c.calibrator)).toEqual(['minmax', 'percentile', 'entropy', 'mse']);
    expect(a.bits.map((b) => b.bits)).toEqual([8, 7, 6, 5, 4, 3, 2]);
    const other = a.candidates.find((c) => c.tensor !== a.tensor)!;
    const b = activationMaterial(variant, stats, other.tensor)!;
    expect(b.tensor).toBe(other.tensor);
    expect(b.histogram).not.toBe(a.histogram);
    // A name the model does not have falls back to the default.
    expect(activationMaterial(variant, stats, 'no such tensor')!.tensor).toBe(a.tensor);
  });

  it('by default the depthwise weight whose channels differ most, with per-channel never worse on its narrowest channel', () => {
    const w = weightMaterial(variant)!;
    const depthwise = w.candidates.filter((c) => c.depthwise);
    expect(depthwise.length).toBeGreaterThan(0);
    expect(w.depthwise).toBe(true);
    expect(w.view.spread).toBeCloseTo(Math.max(...depthwise.map((c) => c.spread)), 6);
    for (const p of w.sweep) expect(p.narrowestPerChannelDb).toBeGreaterThanOrEqual(p.narrowestPerTensorDb - 1e-9);
    const first = w.candidates[0];
    expect(weightMaterial(variant, first.node)!.node).toBe(first.node);
  });
});
