import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { OCR_MODELS } from '../../../test/shared-data';
import { nodeSessionFactory } from '../../node/ort-node';
import { addValues, emptyHistogram } from '../calib/histogram';
import { mulberry32 } from '../data/split';
import { buildVariant, collectStatistics, activationRanges } from '../engine/pipeline';
import { measureSensitivity, rankSensitivity, sensitivityConfigs } from '../engine/sensitivity';
import { cloneModel, parseModel } from '../onnx/model';
import { normalizeModel } from '../onnx/normalize';
import { fixInputDims } from '../onnx/passes/fix-input-dims';
import { defaultQuantConfig } from '../quant/config';
import type { QuantConfig } from '../quant/config';
import { buildQdqModel } from '../quant/qdq';
import { qRange } from '../quant/qparams';
import { activationView, binValues, clippedShare, firstJump, rebinHistogram, weightView } from './views';

const finite = fc.float({ min: -1e4, max: 1e4, noNaN: true, noDefaultInfinity: true });

describe('display binning', () => {
  it('binValues keeps every value, spans [min, max]', () => {
    fc.assert(
      fc.property(fc.array(finite, { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 64 }), (xs, bins) => {
        const b = binValues(Float32Array.from(xs), bins);
        expect(b.counts.reduce((a, c) => a + c, 0)).toBe(xs.length);
        expect(b.counts.length).toBeLessThanOrEqual(bins);
        expect(b.lo).toBeLessThanOrEqual(Math.min(...Float32Array.from(xs)));
      }),
    );
  });

  it('rebinHistogram merges whole bins: same total, at most the asked number of bins, inside the data span', () => {
    fc.assert(
      fc.property(fc.array(finite, { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 200 }), (xs, bins) => {
        const data = Float32Array.from(xs);
        const h = addValues(emptyHistogram(), data, 1024);
        const r = rebinHistogram(h, bins);
        expect(r.counts.reduce((a, c) => a + c, 0)).toBe(xs.length);
        expect(r.counts.length).toBeLessThanOrEqual(bins);
        expect(r.lo).toBeLessThanOrEqual(h.min);
        expect(r.lo + r.width * r.counts.length).toBeGreaterThan(h.max);
      }),
    );
  });

  it('clippedShare: 0 for the full range, 1 for a range outside the data, monotone as the range shrinks', () => {
    fc.assert(
      fc.property(fc.array(finite, { minLength: 2, maxLength: 300 }), fc.double({ min: 0, max: 1, noNaN: true }), (xs, a) => {
        const h = addValues(emptyHistogram(), Float32Array.from(xs), 512);
        expect(clippedShare(h, { min: h.min, max: h.max })).toBeCloseTo(0, 12);
        if (h.max > h.min) {
          const mid = (h.min + h.max) / 2;
          const half = (h.max - h.min) / 2;
          const wide = clippedShare(h, { min: mid - half * a, max: mid + half * a });
          const narrow = clippedShare(h, { min: mid - half * a * 0.5, max: mid + half * a * 0.5 });
          expect(narrow).toBeGreaterThanOrEqual(wide - 1e-12);
        }
      }),
    );
    const h = addValues(emptyHistogram(), Float32Array.from([1, 2, 3, 4]), 64);
    expect(clippedShare(h, { min: 10, max: 20 })).toBe(1);
  });
});

describe('firstJump', () => {
  it.each([
    [[40, 38, 30, 29], 2], // first step of ≥ 6 dB
    [[40, 39, 37, 36], 2], // none ≥ 6: the largest step
    [[30, 31, 32], -1], // nothing falls
    [[Infinity, Infinity, 20, 19], 2], // exact until layer 2
    [[25], -1],
    [[], -1],
  ])('%j → %i', (xs, at) => expect(firstJump(xs)).toBe(at));
});

describe('weightView', () => {
  // A depthwise-like weight [8, 1, 3, 3]: channel c spans ±10^(c/2), 3.5 decades from first to last.
  const dims = [8, 1, 3, 3];
  const r = mulberry32(3);
  const w = Float32Array.from({ length: 72 }, (_, i) => (r() * 2 - 1) * 10 ** (Math.floor(i / 9) / 2));
  const v = weightView(w, dims, { weight: 'w', node: 'dw', op: 'Conv', axis: 0, bits: 8, symmetric: true, granularity: 'per-tensor' });

  it('per-channel ranges span the decades; the spread says so', () => {
    expect(v.channels.max.length).toBe(8);
    expect(v.spread).toBeGreaterThan(1000);
    expect(v.spread).toBeLessThan(1e5);
  });

  it('per-tensor leaves the smallest channel a handful of levels; per-channel error is far lower', () => {
    expect(v.channels.levelsPerTensor[0]).toBeLessThanOrEqual(3);
    expect(v.channels.levelsPerTensor[7]).toBeGreaterThan(100);
    expect(v.sqnrDb.perChannel).toBeGreaterThan(v.sqnrDb.perTensor);
  });

  it('the per-tensor grid is symmetric int8: 255 levels, clip range ±max|w|', () => {
    expect(v.levels.length).toBe(255);
    const m = Math.max(...w.map(Math.abs));
    expect(v.perTensor.clipHi).toBeCloseTo(m, 5);
    expect(v.perTensor.clipLo).toBeCloseTo(-m, 5);
    expect(v.histogram.counts.reduce((a, c) => a + c, 0)).toBe(72);
  });
});

describe('activationView', () => {
  // ReLU-like data with a long tail: percentile and MSE clip some of it, MinMax none.
  const r = mulberry32(5);
  const data = Float32Array.from({ length: 200_000 }, () => Math.max(0, -Math.log(r()) - 0.5));
  data[0] = 60;
  const h = addValues(emptyHistogram(), data);
  const view = activationView('t', h, 10, { range: qRange('uint8', false), symmetric: false }, 'minmax');
  const by = Object.fromEntries(view.choices.map((c) => [c.calibrator, c]));

  it('MinMax clips nothing and spans the data; the others clip the outlier', () => {
    expect(by.minmax.clipped).toBe(0);
    expect(by.minmax.max).toBe(60);
    expect(by.percentile.max).toBeLessThan(60);
    expect(by.percentile.clipped).toBeGreaterThan(0);
    expect(by.percentile.clipped).toBeLessThan(1e-4);
  });

  it('MSE chooses the range with the best expected SQNR of all four', () => {
    const best = Math.max(...view.choices.map((c) => c.expectedSqnrDb));
    expect(by.mse.expectedSqnrDb).toBeCloseTo(best, 6);
    expect(by.mse.expectedSqnrDb).toBeGreaterThan(by.minmax.expectedSqnrDb);
  });
});

describe('rankSensitivity', () => {
  const score = (agreement: number, outputSqnrDb: number) => ({ agreement, outputSqnrDb });
  const layer = (node: string, allBut: ReturnType<typeof score>) => ({
    tensor: node, node, op: 'Conv', isolatedSqnrDb: { both: 30, weights: 35, activations: 32 }, onlyThis: score(1, 30), allBut,
  });
  it('orders layers by what keeping each in float gains on the output (SQNR, then agreement)', () => {
    const ranked = rankSensitivity({
      variantId: 'v', samples: 10, complete: true, all: score(0.5, 3),
      layers: [layer('a', score(0.6, 4)), layer('b', score(0.9, 12)), layer('c', score(0.7, 4)), layer('d', score(0.4, 1))],
    });
    expect(ranked.map((l) => l.node)).toEqual(['b', 'c', 'a', 'd']);
    expect(ranked[0].gain.agreement).toBeCloseTo(0.4, 12);
    expect(ranked[0].gain.outputSqnrDb).toBe(9);
    expect(ranked[3].gain.outputSqnrDb).toBe(-2);
  });
});

describe('sensitivity on the PP-OCR classifier', async () => {
  const CLS = join(OCR_MODELS, 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
  const DIMS = [1, 3, 48, 192];
  const model = parseModel(new Uint8Array(readFileSync(CLS)));
  normalizeModel(model);
  fixInputDims(model.graph!, 'x', DIMS.slice(1));
  const rnd = mulberry32(11);
  const inputs = Array.from({ length: 4 }, () => {
    const a = rnd() * 6;
    const data = Float32Array.from({ length: 3 * 48 * 192 }, (_, i) => Math.sin((a * (i % 192)) / 30) * 0.8 + (rnd() - 0.5) * 0.2);
    return { data, dims: DIMS };
  });
  const session = nodeSessionFactory({ fused: false });
  const stats = await collectStatistics(session, model, (async function* () { yield* inputs; })(), inputs.length);
  const config: QuantConfig = { ...defaultQuantConfig, weightGranularity: 'per-tensor' };
  const variant = buildVariant('per-tensor', model, stats, config);
  const convRow = variant.layers.find((l) => l.op === 'Conv')!;

  it('builds one-layer models: weights only, activations only, both; and all-but-one', () => {
    const c = sensitivityConfigs(model, config, convRow);
    const build = (q: typeof config) => buildQdqModel(cloneModel(model), activationRanges(stats, q), q, stats.nonFloat);
    const kinds = (q: typeof config) => {
      const t = build(q).tensors;
      return { weights: t.filter((x) => x.kind === 'weight').length, activations: t.filter((x) => x.kind === 'activation').length };
    };
    expect(kinds(c.weights)).toEqual({ weights: 1, activations: 0 });
    // "Weights left in float" are a 16-bit stand-in (ORT mis-executes float weights between Q/DQ).
    expect(build(c.activations).tensors.filter((x) => x.kind === 'weight').map((x) => x.dtype)).toEqual(['int16']);
    expect(kinds(c.activations).activations).toBeGreaterThanOrEqual(1);
    expect(kinds(c.both).weights).toBe(1);
    const all = kinds(config);
    expect(kinds(c.allBut).weights).toBe(all.weights - 1);
  });

  it('measures every layer: isolated errors finite and additive, a ranking by gain', async () => {
    const progress: number[] = [];
    const res = await measureSensitivity(session, variant, stats, inputs, { onProgress: (d) => progress.push(d) });
    expect(res.complete).toBe(true);
    // Every row but those that only move values (MaxPool, Reshape...: no error of their own).
    expect(res.layers.length).toBe(variant.layers.filter((l) => !['MaxPool', 'Reshape', 'Flatten'].includes(l.op)).length);
    expect(progress.at(-1)).toBe(inputs.length * (2 + res.layers.reduce((n, l) => n + (['Conv', 'MatMul', 'Gemm'].includes(l.op) ? 4 : 2), 0)));
    for (const l of res.layers.filter((x) => x.op === 'Add')) expect(l.isolatedSqnrDb.weights).toBeNaN();
    const convs = res.layers.filter((l) => l.op === 'Conv');
    for (const l of convs) {
      expect(Number.isFinite(l.isolatedSqnrDb.weights)).toBe(true);
      expect(Number.isFinite(l.isolatedSqnrDb.both)).toBe(true);
    }
    // Weight and input rounding are independent noises: the noise power of "both" is close to the sum of
    // the two parts (within a factor 2) on nearly every conv, which checks that each mode quantizes what it says.
    const power = (db: number) => 10 ** (-db / 10);
    const additive = convs.filter((l) => {
      const ratio = power(l.isolatedSqnrDb.both) / (power(l.isolatedSqnrDb.weights) + power(l.isolatedSqnrDb.activations));
      return ratio > 0.5 && ratio < 2;
    });
    expect(additive.length / convs.length).toBeGreaterThan(0.9);
    for (let i = 1; i < res.layers.length; i++) expect(Number.isNaN(res.layers[i].allBut.outputSqnrDb)).toBe(false);
  }, 120_000);

  it('cancelling returns the layers measured so far', async () => {
    let layers = 0;
    const signal = { get aborted() { return layers >= 2; } };
    const res = await measureSensitivity(session, variant, stats, inputs, { signal, onLayer: (p) => (layers = p.layers.length) });
    expect(res.complete).toBe(false);
    expect(res.layers.length).toBe(2);
  }, 60_000);

  it('a cancelled measurement resumes where it stopped and ends with what one uninterrupted pass gives', async () => {
    const two = inputs.slice(0, 2);
    const full = await measureSensitivity(session, variant, stats, two);
    let layers = 0;
    const part = await measureSensitivity(session, variant, stats, two, { signal: { get aborted() { return layers >= 3; } }, onLayer: (p) => (layers = p.layers.length) });
    expect(part.layers.length).toBe(3);
    const progress: number[] = [];
    const seen: number[] = [];
    const res = await measureSensitivity(session, variant, stats, two, { resume: part, onProgress: (d) => progress.push(d), onLayer: (p) => seen.push(p.layers.length) });
    expect(res.complete).toBe(true);
    expect(res).toEqual(full);
    // Only the rest is run: the FP32 pass and 4 or 2 models for each layer not measured yet.
    const rest = full.layers.slice(3).reduce((n, l) => n + (['Conv', 'MatMul', 'Gemm'].includes(l.op) ? 4 : 2), 0);
    expect(progress.at(-1)).toBe(two.length * (1 + rest));
    expect(seen[0]).toBe(4);
    // A partial result of other images is not reused: everything is measured again.
    const other = await measureSensitivity(session, variant, stats, inputs.slice(0, 1), { resume: part, signal: { get aborted() { return seen.length > 0; } } });
    expect(other.layers.length).toBe(0);
  }, 180_000);
});

describe('layoutGraph', () => {
  it('lays out the PP-OCR classifier top to bottom: every edge goes down, no two nodes overlap', async () => {
    const { layoutGraph } = await import('./graph');
    const model = parseModel(new Uint8Array(readFileSync(join(OCR_MODELS, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'))));
    normalizeModel(model);
    const g = layoutGraph(model);
    expect(g.nodes.length).toBe(model.graph!.node.length);
    const at = new Map(g.nodes.map((n) => [n.name, n]));
    for (const e of g.edges) expect(at.get(e.to)!.y).toBeGreaterThan(at.get(e.from)!.y);
    for (const a of g.nodes) for (const b of g.nodes) {
      if (a === b) continue;
      const overlap = Math.abs(a.x - b.x) < (a.width + b.width) / 2 && Math.abs(a.y - b.y) < (a.height + b.height) / 2;
      expect(overlap).toBe(false);
    }
    expect(g.edges.every((e) => e.points.length >= 2)).toBe(true);
  });
});
