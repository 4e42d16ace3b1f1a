import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { fakeQuantActivation, fakeQuantWeight, qatExperiment } from './qat';

describe('fake quantization', () => {
  it('2-bit weights are ternary: −s, 0, s with s = max|w| (per tensor, or per row)', () => {
    expect([...fakeQuantWeight(Float32Array.of(-1, -0.4, 0.2, 0.6), 2)]).toEqual([-1, -0, 0, 1]);
    const rows = fakeQuantWeight(Float32Array.of(1, 0.4, 0.01, -0.006), 2, 2);
    expect(rows[0]).toBe(1);
    expect(rows[1]).toBe(0);
    expect(rows[2]).toBeCloseTo(0.01, 9);
    expect(rows[3]).toBeCloseTo(-0.01, 9);
  });

  it('activations land on 2^b levels of [0, r], zero exact, clipped above r (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: -10, max: 10, noNaN: true }), fc.double({ min: 0.01, max: 8, noNaN: true }), fc.integer({ min: 2, max: 8 }), (v, r, b) => {
        const q = fakeQuantActivation(v, r, b);
        const s = r / (2 ** b - 1);
        expect(q).toBeGreaterThanOrEqual(0);
        expect(q).toBeLessThanOrEqual(r + 1e-9);
        expect(Math.abs(q / s - Math.round(q / s))).toBeLessThan(1e-6);
        if (v >= 0 && v <= r) expect(Math.abs(q - v)).toBeLessThanOrEqual(s / 2 + 1e-9);
      }),
    );
    expect(fakeQuantActivation(0, 3, 2)).toBe(0);
  });
});

describe('the QAT lesson’s experiment', () => {
  it('at 4 bits PTQ keeps the float accuracy; at 2 bits PTQ collapses and QAT recovers most of it', () => {
    const e = qatExperiment([4, 2])!;
    const [b4, b2] = e.results;
    console.log(`QAT lesson: FP32 ${e.fp32}, W4A4 PTQ ${b4.ptq} QAT ${b4.qat}, W2A2 PTQ ${b2.ptq} QAT ${b2.qat}`);
    expect(e.fp32).toBeGreaterThan(0.95);
    expect(b4.ptq).toBeGreaterThan(e.fp32 - 0.05);
    expect(b2.ptq).toBeLessThan(0.6);
    expect(b2.qat - b2.ptq).toBeGreaterThan(0.3);
    expect(b2.losses).toHaveLength(e.setup.qatEpochs);
  }, 120_000);

  it('stops when asked, with no result', () => {
    expect(qatExperiment([2], (done) => done < 3)).toBeNull();
  });
});
