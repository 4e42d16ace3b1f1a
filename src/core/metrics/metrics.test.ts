import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { argmax, ClassificationTally, klDivergence, topK } from './classification';
import { ErrorAccumulator, sqnrDb } from './error';

describe('error metrics', () => {
  it('SQNR, MSE, cosine and max |error| on an exact table', () => {
    const acc = new ErrorAccumulator();
    acc.add(Float32Array.of(1, 1), Float32Array.of(1, 0));
    expect(acc.sqnrDb).toBeCloseTo(10 * Math.log10(2), 12);
    expect(acc.mse).toBe(0.5);
    expect(acc.maxAbs).toBe(1);
    expect(acc.cosine).toBeCloseTo(1 / Math.sqrt(2), 12);
    expect(sqnrDb(Float32Array.of(3, 4), Float32Array.of(3, 4))).toBe(Infinity);
    expect(() => acc.add(Float32Array.of(1), Float32Array.of(1, 2))).toThrow(/1 and 2 values/);
  });
  it('accumulates over samples as one long tensor', () => {
    const a = new ErrorAccumulator();
    a.add(Float32Array.of(1, 2), Float32Array.of(1, 1));
    a.add(Float32Array.of(3), Float32Array.of(2));
    expect(a.sqnrDb).toBeCloseTo(sqnrDb(Float32Array.of(1, 2, 3), Float32Array.of(1, 1, 2)), 12);
  });
});

describe('classification', () => {
  it('argmax and top-k take the first index on ties, as numpy', () => {
    expect(argmax([0.2, 0.5, 0.5])).toBe(1);
    expect(topK([0.2, 0.5, 0.5, 0.1], 3)).toEqual([1, 2, 0]);
  });
  it('tallies top-1 and top-5 against labels, skipping unlabelled samples', () => {
    const t = new ClassificationTally();
    t.add([0.1, 0.9, 0, 0, 0, 0], 1);
    t.add([0.9, 0.1, 0, 0, 0, 0], 1);
    t.add([0.9, 0.1, 0, 0, 0, 0], null);
    expect([t.n, t.labelled, t.top1Accuracy, t.top5Accuracy]).toEqual([3, 2, 0.5, 1]);
  });
});

describe('output KL divergence', () => {
  it('is 0 for equal outputs, positive otherwise, and finite when int8 rounds a class to 0', () => {
    expect(klDivergence([0.7, 0.2, 0.1], [0.7, 0.2, 0.1])).toBeCloseTo(0, 12);
    expect(klDivergence([0.7, 0.2, 0.1], [0.6, 0.3, 0.1])).toBeGreaterThan(0);
    const k = klDivergence([0.996, 0.003, 0.001], [252 / 255, 3 / 255, 0]);
    expect(Number.isFinite(k)).toBe(true);
    expect(k).toBeLessThan(0.01);
    // a uint8 softmax over 1001 classes no longer sums to 1: still a distribution, not scores
    const fp = Array.from({ length: 1001 }, (_, i) => (i === 5 ? 0.9 : 0.1 / 1000));
    const q8 = fp.map((v) => Math.round(v * 255) / 255);
    expect(Math.abs(q8.reduce((a, b) => a + b, 0) - 1)).toBeGreaterThan(1e-3);
    expect(klDivergence(fp, q8)).toBeLessThan(0.01); // the rounded-away mass is where P has it
    expect(klDivergence(fp, q8)).toBeGreaterThanOrEqual(-1e-12);
    // logits are turned into probabilities first
    expect(klDivergence([2, 1, 0], [2, 1, 0])).toBeCloseTo(0, 12);
  });

  it('is never negative: softmax outputs against their uint8 quantization, and logits against noisy logits (property)', () => {
    const logits = fc.array(fc.double({ min: -20, max: 20, noNaN: true }), { minLength: 2, maxLength: 60 });
    fc.assert(
      fc.property(logits, fc.integer({ min: 1, max: 255 }), fc.double({ min: 0, max: 3, noNaN: true }), (z, levels, noise) => {
        const max = Math.max(...z);
        const e = z.map((v) => Math.exp(v - max));
        const total = e.reduce((a, b) => a + b, 0);
        const p = e.map((v) => v / total);
        const q = p.map((v) => Math.round(v * levels) / levels);
        expect(klDivergence(p, q)).toBeGreaterThanOrEqual(-1e-12); // Gibbs: ≥ 0, up to rounding
        const zq = z.map((v, i) => v + noise * Math.sin(i * 7.1));
        expect(klDivergence(z, zq)).toBeGreaterThanOrEqual(-1e-12);
      }),
      { numRuns: 300 },
    );
  });
});
