import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { computeScaleZeroPoint, dequantizeValue, qRange, quantizeValue, roundHalfEven } from './qparams';
import { channelRanges, quantizeWeights } from './weights';

const f32 = Math.fround;

describe('qRange', () => {
  it.each([
    ['int8', true, 8, -127, 127],
    ['int8', false, 8, -128, 127],
    ['uint8', false, 8, 0, 255],
    ['int8', true, 4, -7, 7],
    ['int8', false, 4, -8, 7],
    ['uint8', false, 4, 0, 15],
    ['int8', true, 2, -1, 1],
    ['int16', true, 16, -32767, 32767],
  ] as const)('%s symmetric=%s %i bits → [%i, %i]', (type, sym, bits, qmin, qmax) => {
    expect(qRange(type, sym, bits)).toEqual({ qmin, qmax });
  });
  it('refuses widths the type cannot hold', () => {
    expect(() => qRange('int8', true, 9)).toThrow(/2 to 8 bits/);
    expect(() => qRange('uint8', false, 1)).toThrow();
  });
});

describe('computeScaleZeroPoint: exact table (ORT compute_scale_zp)', () => {
  const u8 = qRange('uint8', false);
  const s8 = qRange('int8', true);
  it.each([
    // [rmin, rmax, range, symmetric, scale, zero point]
    ['all-zero tensor', 0, 0, u8, false, 1, 0],
    ['all-zero weights', 0, 0, s8, true, 1, 0],
    ['ReLU6 output', 0, 6, u8, false, f32(6 / 255), 0],
    ['input in [-1, 1]', -1, 1, u8, false, f32(2 / 255), 128],
    ['negative-only widened to include 0', -4, -1, u8, false, f32(4 / 255), 255],
    ['positive-only widened to include 0', 2, 5, u8, false, f32(5 / 255), 0],
    ['symmetric int8 is ±absmax over 254 levels', -0.5, 2, s8, true, f32(2 / 127), 0],
    ['tiny range below float32 tiny → scale 1', 0, 1e-40, u8, false, 1, 0],
    ['tiny but normal range keeps its scale', 0, 1e-30, u8, false, f32(1e-30 / 255), 0],
    ['asymmetric zero point rounds half to even', -0.5, 254.5, u8, false, 1, 0],
  ] as const)('%s', (_, rmin, rmax, range, sym, scale, zp) => {
    const p = computeScaleZeroPoint(rmin, rmax, range, sym);
    expect(p.scale).toBe(scale);
    expect(p.zeroPoint).toBe(zp);
  });
  it('uint8 symmetric puts the zero point at 128', () => {
    expect(computeScaleZeroPoint(-1, 3, qRange('uint8', false), true).zeroPoint).toBe(128);
  });
  it('rejects non-finite ranges', () => {
    expect(() => computeScaleZeroPoint(0, Infinity, u8, false)).toThrow(/not finite/);
    expect(() => computeScaleZeroPoint(NaN, 1, u8, false)).toThrow(/not finite/);
  });
});

describe('roundHalfEven matches numpy.round', () => {
  it.each([
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [-0.5, -0],
    [-1.5, -2],
    [-2.5, -2],
    [2.4999, 2],
    [-2.6, -3],
  ])('%d → %d', (x, r) => expect(roundHalfEven(x) === r || (r === 0 && roundHalfEven(x) === 0)).toBe(true));
});

const finiteF32 = fc.float({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });
const bitsArb = fc.integer({ min: 2, max: 8 });

describe('properties (fast-check)', () => {
  it('zero is exactly representable and the zero point lies in [qmin, qmax]', () => {
    fc.assert(
      fc.property(finiteF32, finiteF32, fc.boolean(), bitsArb, fc.constantFrom('int8', 'uint8') as fc.Arbitrary<'int8' | 'uint8'>, (a, b, sym, bits, type) => {
        const range = qRange(type, sym && type === 'int8', bits);
        const p = computeScaleZeroPoint(Math.min(a, b), Math.max(a, b), range, sym && type === 'int8');
        expect(p.zeroPoint).toBeGreaterThanOrEqual(range.qmin);
        expect(p.zeroPoint).toBeLessThanOrEqual(range.qmax);
        expect(dequantizeValue(quantizeValue(0, p, range), p)).toBe(0);
      }),
    );
  });

  it('|x − dq(q(x))| ≤ s/2 inside the range, levels within the b-bit range', () => {
    fc.assert(
      fc.property(finiteF32, finiteF32, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 20 }), bitsArb, fc.boolean(), (a, b, ts, bits, sym) => {
        const lo = Math.min(a, b, 0);
        const hi = Math.max(a, b, 0);
        const range = sym ? qRange('int8', true, bits) : qRange('uint8', false, bits);
        const p = computeScaleZeroPoint(lo, hi, range, sym);
        if (p.scale === 1 && hi - lo < 1e-30) return;
        const absmax = Math.max(-lo, hi);
        for (const t of ts) {
          const x = f32(sym ? -absmax + t * 2 * absmax : lo + t * (hi - lo));
          const q = quantizeValue(x, p, range);
          expect(q).toBeGreaterThanOrEqual(range.qmin);
          expect(q).toBeLessThanOrEqual(range.qmax);
          // s/2 plus float32 rounding of the quotient and of the range ends.
          expect(Math.abs(x - dequantizeValue(q, p))).toBeLessThanOrEqual(p.scale / 2 + Math.abs(x) * 1e-6 + p.scale * 1e-5);
        }
      }),
    );
  });

  // Per-channel is never worse in the guaranteed sense: every channel's scale is at most the per-tensor one,
  // so its worst-case rounding error (s/2) is too. (A coarser grid can still happen to fit one value better,
  // so the summed error is compared on real weights below, not as a property.)
  it('per-channel scales and worst-case errors never exceed per-tensor ones on the same weights', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 9 }),
        fc.array(fc.float({ min: -100, max: 100, noNaN: true }), { minLength: 54, maxLength: 54 }),
        fc.array(fc.float({ min: Math.fround(1e-3), max: 100, noNaN: true }), { minLength: 6, maxLength: 6 }),
        bitsArb,
        (channels, inner, raw, gains, bits) => {
          const values = Float32Array.from({ length: channels * inner }, (_, i) => raw[i] * gains[Math.floor(i / inner)]);
          const range = qRange('int8', true, bits);
          const pc = quantizeWeights(values, [channels, inner], 0, range, true, qRange('int8', false));
          const pt = quantizeWeights(values, [channels, inner], null, range, true, qRange('int8', false));
          const st = pt.params[0].scale;
          for (let c = 0; c < channels; c++) {
            const sc = pc.params[c].scale;
            if (sc === 1 && st !== 1) continue; // an all-zero channel: any scale is exact
            expect(sc).toBeLessThanOrEqual(st);
            for (let i = 0; i < inner; i++) {
              const k = c * inner + i;
              expect(Math.abs(values[k] - dequantizeValue(pc.q[k], pc.params[c]))).toBeLessThanOrEqual(sc / 2 + Math.abs(values[k]) * 1e-6);
            }
          }
        },
      ),
    );
  });
});

describe('channelRanges', () => {
  it('splits along an inner axis (outer × channels × inner)', () => {
    // dims [2, 3, 2]: channel c of element (o, c, i) at (o·3 + c)·2 + i
    const v = Float32Array.from({ length: 12 }, (_, i) => i);
    expect(channelRanges(v, [2, 3, 2], 1)).toEqual([
      { min: 0, max: 7 },
      { min: 2, max: 9 },
      { min: 4, max: 11 },
    ]);
    expect(channelRanges(v, [2, 3, 2], null)).toEqual([{ min: 0, max: 11 }]);
  });
});
