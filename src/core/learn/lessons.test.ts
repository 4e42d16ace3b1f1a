import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { addValues, emptyHistogram } from '../calib/histogram';
import { mulberry32 } from '../data/split';
import { dequantizeValue } from '../quant/qparams';
import { activationBitsSweep, affineLesson, channelSpread, pickTeachingActivation, weightBitsSweep } from './lessons';

const uniform = (n: number, lo: number, hi: number, seed = 1) => {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
};
const hist = (x: Float32Array) => addValues(emptyHistogram(), x);

describe('the affine map on a histogram', () => {
  const u = hist(uniform(200_000, 0, 6));

  it('8-bit asymmetric over [0, 6]: s = 6/255, z = 0, every level used, nothing clipped, SQNR as the uniform-noise formula', () => {
    const a = affineLesson(u, { min: 0, max: 6 }, 8, false);
    expect(a.scale).toBeCloseTo(6 / 255, 9);
    expect(a.zeroPoint).toBe(0);
    expect([a.qmin, a.qmax, a.levels, a.levelsUsed]).toEqual([0, 255, 256, 256]);
    expect(a.clipped).toBe(0);
    expect(a.maxRoundingError).toBeCloseTo(3 / 255, 9);
    // E[x²] = 12 for U(0, 6); rounding noise s²/12: 10·log10(12 / (s²/12)) = 54.2 dB.
    expect(a.sqnrDb).toBeCloseTo(10 * Math.log10(12 / ((6 / 255) ** 2 / 12)), 0);
  });

  it('symmetric int8 after a ReLU leaves the negative half unused: half the levels, about 6 dB less', () => {
    const asym = affineLesson(u, { min: 0, max: 6 }, 8, false);
    const sym = affineLesson(u, { min: 0, max: 6 }, 8, true);
    expect([sym.qmin, sym.qmax]).toEqual([-127, 127]);
    expect(sym.scale).toBeCloseTo(6 / 127, 9);
    expect(sym.levelsUsed).toBe(128);
    expect(asym.sqnrDb - sym.sqnrDb).toBeGreaterThan(5.7);
    expect(asym.sqnrDb - sym.sqnrDb).toBeLessThan(6.4);
  });

  it('a range narrower than the data clips the rest: [0, 3] of U(0, 6) clips half', () => {
    const a = affineLesson(u, { min: 0, max: 3 }, 8, false);
    expect(a.clipped).toBeGreaterThan(0.49);
    expect(a.clipped).toBeLessThan(0.51);
    expect(a.sqnrDb).toBeLessThan(10);
  });

  it('zero is exact and the range contains it, at every width and range (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: -50, max: 50, noNaN: true }), fc.double({ min: 1e-3, max: 50, noNaN: true }), fc.integer({ min: 2, max: 8 }), fc.boolean(), (a, w, bits, sym) => {
        const l = affineLesson(u, { min: a, max: a + w }, bits, sym);
        expect(dequantizeValue(l.zeroPoint, l)).toBe(0);
        expect(l.lo).toBeLessThanOrEqual(0);
        expect(l.hi).toBeGreaterThanOrEqual(0);
        expect(l.levelsUsed).toBeLessThanOrEqual(l.levels);
        expect(l.levels).toBe(l.qmax - l.qmin + 1);
      }),
      { numRuns: 200 },
    );
  });

  it('each bit removed costs SQNR: about 6 dB a bit at 8 → 5 bits with the min/max range', () => {
    const s = activationBitsSweep(u);
    for (let i = 1; i < s.length; i++) expect(s[i].sqnrDb).toBeLessThan(s[i - 1].sqnrDb);
    for (let i = 1; i <= 3; i++) {
      expect(s[i - 1].sqnrDb - s[i].sqnrDb).toBeGreaterThan(5.5);
      expect(s[i - 1].sqnrDb - s[i].sqnrDb).toBeLessThan(6.5);
    }
  });
});

describe('per-tensor against per-channel weights', () => {
  // Two output channels of 100 weights: one in ±1, one in ±0.01 (a spread of 100×, as MobileNet's depthwise layers).
  const values = new Float32Array(200);
  const r = uniform(200, -1, 1, 7);
  for (let i = 0; i < 200; i++) values[i] = i < 100 ? r[i] : r[i] * 0.01;
  const dims = [2, 100];

  it('the spread is the ratio of the channels’ |w|max', () => {
    expect(channelSpread(values, dims, 0)).toBeGreaterThan(80);
    expect(channelSpread(values, dims, 0)).toBeLessThan(120);
    expect(channelSpread(Float32Array.of(1, -2, 0, 0), [2, 2], 0)).toBe(1); // a zero channel does not count
  });

  it('per-channel keeps the small channel; per-tensor leaves it a level or two, which the whole-weight SQNR hides', () => {
    const [b8] = weightBitsSweep(values, dims, 0, [8]);
    // Whole weight: both about the same (the wide channel holds nearly all the energy).
    expect(Math.abs(b8.perChannelDb - b8.perTensorDb)).toBeLessThan(4);
    // The narrow channel: per-tensor steps of 1/127 against values within ±0.01 (≈ 2.5 levels) → about 8 dB;
    // per-channel ≈ 42 dB.
    expect(b8.narrowestPerChannelDb).toBeGreaterThan(35);
    expect(b8.narrowestPerTensorDb).toBeLessThan(12);
    // At 2 bits per-tensor rounds the narrow channel to zero: SQNR 0 dB exactly.
    const [b2] = weightBitsSweep(values, dims, 0, [2]);
    expect(b2.narrowestPerTensorDb).toBeCloseTo(0, 9);
    expect(b2.narrowestPerChannelDb).toBeGreaterThan(0);
  });
});

describe('choosing a tensor to teach with', () => {
  it('picks the post-ReLU tensor with the longest tail; skips signed tensors and tiny ones', () => {
    const tail = uniform(10_000, 0, 1, 3);
    tail[0] = 40;
    const m = new Map([
      ['signed', hist(uniform(10_000, -5, 50, 2))],
      ['flat', hist(uniform(10_000, 0, 1, 4))],
      ['tail', hist(tail)],
      ['tiny', hist(Float32Array.of(0, 1000))],
    ]);
    expect(pickTeachingActivation(m)).toBe('tail');
    expect(pickTeachingActivation(m, new Set(['tail']))).toBe('flat');
    expect(pickTeachingActivation(new Map([['signed', m.get('signed')!]]))).toBeNull();
  });
});
