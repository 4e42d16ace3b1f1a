import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { absHistogram } from '../../../test/arbitraries';
import { mulberry32 } from '../data/split';
import { computeScaleZeroPoint, dequantizeValue, qRange, quantizeValue } from '../quant/qparams';
import type { RangeScheme } from './calibrators';
import { CALIBRATOR_DEFAULTS, calibrateRange, entropyThreshold, expectedSquaredError, foldAbs } from './calibrators';
import type { Histogram } from './histogram';
import { addValues, binEdge, binWidth, emptyHistogram, histogramQuantile, mergeHistograms, unionHistogram } from './histogram';
import { ActivationStats } from './stats';

const hist = (...batches: number[][]) => batches.reduce<Histogram>((h, b) => addValues(h, Float32Array.from(b), 128), emptyHistogram());

/** Count of values below t, from the histogram, for t on the histogram's own bin edges. */
function countBelow(h: Histogram, t: number): number {
  let c = 0;
  for (let i = 0; i < h.counts.length; i++) if (binEdge(h, i) + binWidth(h) <= t) c += h.counts[i];
  return c;
}

function gaussian(n: number, seed: number, sigma = 1, mean = 0): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => mean + sigma * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()));
}

const f32arr = fc.array(fc.float({ min: -1000, max: 1000, noNaN: true }), { minLength: 1, maxLength: 200 });

describe('streaming histogram', () => {
  it('keeps exact min, max and total', () => {
    const h = hist([1, -2, 3], [0.5, 7]);
    expect([h.min, h.max, h.total]).toEqual([-2, 7, 5]);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(5);
  });

  it('every value lands in its own bin, on both the plain and the split counting paths (property)', () => {
    // Lengths from 1 to 600 over at most 64 bins cross the split threshold (4 values per bin); half zeros, as
    // after a ReLU, make runs of one bin.
    const values = fc.array(fc.oneof(fc.constant(0), fc.float({ min: -50, max: 50, noNaN: true })), { minLength: 1, maxLength: 600 });
    fc.assert(
      fc.property(values, fc.integer({ min: 8, max: 64 }), (xs, maxBins) => {
        const data = Float32Array.from(xs);
        const h = addValues(emptyHistogram(), data, maxBins, 1);
        const expected = new Float64Array(h.counts.length);
        for (const v of data) expected[Math.floor(v * 2 ** -h.exp) - h.first]++;
        expect([...h.counts]).toEqual([...expected]);
      }),
      { numRuns: 300 },
    );
  });

  it('coarsening puts each fine bin in the coarse bin that holds it, negative grid indices too (exact table)', () => {
    // bins −5 … 2 at width 1 (exp 0) merged with a histogram at width 4 (exp 2): coarse index floor(i / 4)
    const fine = { exp: 0, first: -5, counts: Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]), min: -5, max: 2.5, total: 36 };
    const coarse = { exp: 2, first: -1, counts: Float64Array.from([10, 20]), min: -4, max: 7, total: 30 };
    const m = mergeHistograms(fine, coarse, 64);
    expect(m.exp).toBe(2);
    expect(m.first).toBe(-2); // floor(−5 / 4)
    // −5 → −2; −4 … −1 → −1; 0 … 2 → 0; then coarse's −1 and 0; the span reaches max 7, in bin 1
    expect([...m.counts]).toEqual([1, 2 + 3 + 4 + 5 + 10, 6 + 7 + 8 + 20, 0]);
    expect(m.total).toBe(66);
  });

  it('merging per-batch histograms equals streaming all batches (property)', () => {
    fc.assert(
      fc.property(f32arr, f32arr, f32arr, (a, b, c) => {
        const streamed = hist(a, b, c);
        const merged = mergeHistograms(mergeHistograms(hist(a), hist(b), 128), hist(c), 128);
        expect(merged.total).toBe(streamed.total);
        expect(merged.min).toBe(streamed.min);
        expect(merged.max).toBe(streamed.max);
        // On the coarser of the two grids, both agree on every cumulative count.
        const coarse = merged.exp >= streamed.exp ? merged : streamed;
        for (let i = 0; i <= coarse.counts.length; i++) {
          const t = binEdge(coarse, i);
          expect(countBelow(merged, t)).toBe(countBelow(streamed, t));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('ActivationStats.merge combines per-image statistics into the statistics of all images', () => {
    const a = new ActivationStats();
    const b = new ActivationStats();
    const all = new ActivationStats();
    const x = gaussian(1000, 4);
    const y = gaussian(1000, 5, 3);
    a.observe('t', x);
    a.samples = 1;
    b.observe('t', y);
    b.observe('shape', BigInt64Array.of(1n, 2n));
    b.samples = 1;
    all.observe('t', x);
    all.observe('t', y);
    a.merge(b);
    const [m, s] = [a.histograms.get('t')!, all.histograms.get('t')!];
    expect([m.min, m.max, m.total]).toEqual([s.min, s.max, s.total]);
    expect(a.samples).toBe(2);
    expect(a.nonFloat.has('shape')).toBe(true);
    expect(calibrateRange('percentile', m, { range: qRange('uint8', false), symmetric: false })).toEqual(
      calibrateRange('percentile', s, { range: qRange('uint8', false), symmetric: false }),
    );
  });

  it('ActivationStats.merge (in place where the grid allows) equals folding mergeHistograms, and leaves its sources as they were (property)', () => {
    const batch = fc.array(fc.oneof(fc.constant(0), fc.float({ min: -20, max: 20, noNaN: true }), fc.float({ min: -300, max: 300, noNaN: true })), { minLength: 1, maxLength: 300 });
    fc.assert(
      fc.property(fc.array(batch, { minLength: 1, maxLength: 12 }), fc.constantFrom(32, 256), (batches, perImageBins) => {
        const perImage = batches.map((b) => {
          const s = new ActivationStats(perImageBins, 1);
          s.observe('t', Float32Array.from(b));
          return s;
        });
        const snapshot = (s: ActivationStats) => JSON.stringify([...s.histograms.values()].map((h) => ({ ...h, counts: [...h.counts] })));
        const before = perImage.map(snapshot);
        const merged = new ActivationStats(1024);
        for (const s of perImage) merged.merge(s);
        const folded = perImage.map((s) => s.histograms.get('t')!).reduce((a, b) => mergeHistograms(a, b, 1024));
        const m = merged.histograms.get('t')!;
        expect({ ...m, counts: [...m.counts] }).toEqual({ ...folded, counts: [...folded.counts] });
        expect(perImage.map(snapshot)).toEqual(before);
      }),
      { numRuns: 200 },
    );
  });

  it("a union's statistics (a Concat's output from its inputs') equal observing the joined values: the same counts, at the same bin width unless the first batch's parts together spanned more (property)", () => {
    // Each batch: up to three parts, ReLU-like (non-negative, a third zeros) or signed; long enough parts take the
    // WebAssembly counting path. A part may be listed twice, as in Concat(x, x).
    const value = (relu: boolean) => (relu ? fc.oneof(fc.constant(0), fc.float({ min: 0, max: 60, noNaN: true })) : fc.float({ min: -60, max: 60, noNaN: true }));
    const part = (relu: boolean) => fc.array(value(relu), { minLength: 1, maxLength: 400 });
    const batches = fc.boolean().chain((relu) =>
      fc.tuple(fc.constant(relu), fc.array(fc.array(part(relu), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 5 }), fc.constantFrom(['a', 'b'], ['a', 'b', 'c'], ['a', 'a'], ['b'])),
    );
    const span = (xs: number[]) => {
      const lo = Math.min(...xs.map(Math.fround));
      const hi = Math.max(...xs.map(Math.fround));
      return Math.max(hi - lo, Math.abs(hi), Math.abs(lo));
    };
    fc.assert(
      fc.property(batches, fc.constantFrom(32, 256), ([relu, bs, names], maxBins) => {
        const derived = new ActivationStats(maxBins);
        const direct = new ActivationStats(maxBins);
        const of = (b: number[][], n: string) => b['abc'.indexOf(n)];
        for (const b of bs) {
          for (const n of new Set(names)) derived.observe(n, Float32Array.from(of(b, n)));
          direct.observe('joined', Float32Array.from(names.flatMap((n) => of(b, n))));
        }
        derived.deriveUnion('joined', names);
        const [u, d] = [derived.histograms.get('joined')!, direct.histograms.get('joined')!];
        expect([u.min, u.max, u.total]).toEqual([d.min, d.max, d.total]);
        expect(u.exp).toBeLessThanOrEqual(d.exp);
        for (let i = 0; i <= d.counts.length; i++) expect(countBelow(u, binEdge(d, i))).toBe(countBelow(d, binEdge(d, i)));
        const first = names.map((n) => of(bs[0], n));
        if (relu || span(first.flat()) <= Math.max(...first.map(span))) expect({ ...u, counts: [...u.counts] }).toEqual({ ...d, counts: [...d.counts] });
        // the parts' own statistics are left as they were
        for (const n of new Set(names)) expect(derived.histograms.get(n)).not.toBe(u);
      }),
      { numRuns: 300 },
    );
  });

  it('a union of one part is a copy, a union with a part of another type than float is not float, and an unobserved part is an error', () => {
    const s = new ActivationStats();
    s.observe('x', Float32Array.of(1, 2, 3));
    s.observe('shape', BigInt64Array.of(1n, 3n));
    s.deriveUnion('y', ['x']);
    const [x, y] = [s.histograms.get('x')!, s.histograms.get('y')!];
    expect(y).not.toBe(x);
    expect(y.counts).not.toBe(x.counts);
    expect({ ...y, counts: [...y.counts] }).toEqual({ ...x, counts: [...x.counts] });
    s.deriveUnion('dims', ['shape', 'shape']);
    expect(s.nonFloat.has('dims')).toBe(true);
    expect(s.histograms.has('dims')).toBe(false);
    expect(() => s.deriveUnion('z', ['x', 'nowhere'])).toThrow(/z cannot be derived: nowhere was not observed/);
    expect(unionHistogram([])).toEqual(emptyHistogram());
  });

  it('never exceeds the bin budget and keeps every value in a bin', () => {
    fc.assert(
      fc.property(f32arr, f32arr, (a, b) => {
        const h = addValues(addValues(emptyHistogram(), Float32Array.from(a), 64), Float32Array.from(b), 64);
        expect(h.counts.length).toBeLessThanOrEqual(64);
        expect(binEdge(h, 0)).toBeLessThanOrEqual(h.min);
        expect(binEdge(h, h.counts.length)).toBeGreaterThan(h.max);
      }),
    );
  });

  it('quantiles of a Gaussian are within a bin of the truth', () => {
    const h = addValues(emptyHistogram(), gaussian(200_000, 1));
    expect(histogramQuantile(h, 0.5)).toBeCloseTo(0, 1);
    expect(histogramQuantile(h, 0.975)).toBeCloseTo(1.96, 1);
    expect(histogramQuantile(h, 0)).toBe(h.min);
  });

  it('folds |x| exactly on the power-of-two grid', () => {
    const h = hist([-0.75, -0.25, 0.25, 0.75, 0.75]);
    const abs = foldAbs(h);
    const w = binWidth(h);
    // every |x| lands in bin floor(|x|/w) (for negative x, the half-open edge moves: −0.25 is in (0, w])
    expect(abs.reduce((a, b) => a + b, 0)).toBe(5);
    expect(abs[Math.floor(0.75 / w)]).toBeGreaterThanOrEqual(2);
  });
});

describe('calibrators on the same statistics', () => {
  const u8: RangeScheme = { range: qRange('uint8', false), symmetric: false };
  const s8: RangeScheme = { range: qRange('int8', true), symmetric: true };
  // A post-ReLU-like activation: half-normal with a few large outliers.
  const relu = gaussian(100_000, 2).map(Math.abs);
  relu[0] = 40;
  relu[1] = 35;
  const stats = new ActivationStats();
  stats.observe('t', relu);
  const h = stats.histograms.get('t')!;

  it('MinMax is the exact observed range', () => {
    expect(calibrateRange('minmax', h, u8)).toEqual({ min: h.min, max: 40 });
  });

  it('Percentile 99.9 (two-sided) clips the outliers at the half-normal quantile', () => {
    const r = calibrateRange('percentile', h, u8, { ...CALIBRATOR_DEFAULTS, percentile: 99.9 });
    expect(r.max).toBeGreaterThan(3.1); // |N(0,1)| 99.9th percentile = 3.29
    expect(r.max).toBeLessThan(3.5);
    expect(r.min).toBeGreaterThanOrEqual(0);
  });

  it('Entropy clips far below the outliers and above the bulk', () => {
    const r = calibrateRange('entropy', h, u8);
    expect(r.max).toBeLessThan(20);
    expect(r.max).toBeGreaterThan(2.5);
  });

  it('MSE picks a range with no more expected error than MinMax, and less here', () => {
    const mse = calibrateRange('mse', h, u8);
    const eMse = expectedSquaredError(h, mse, u8);
    const eMinMax = expectedSquaredError(h, { min: h.min, max: h.max }, u8);
    expect(eMse).toBeLessThan(eMinMax);
    expect(mse.max).toBeLessThan(40);
  });

  it('the histogram estimate of quantization error matches the error on the data (within 5%)', () => {
    for (const r of [{ min: 0, max: 4 }, { min: 0, max: 40 }]) {
      const p = computeScaleZeroPoint(r.min, r.max, u8.range, false);
      let direct = 0;
      for (const x of relu) direct += (x - dequantizeValue(quantizeValue(x, p, u8.range), p)) ** 2;
      direct /= relu.length;
      expect(expectedSquaredError(h, r, u8) / direct).toBeGreaterThan(0.95);
      expect(expectedSquaredError(h, r, u8) / direct).toBeLessThan(1.05);
    }
  });

  it('Entropy is not dragged down by the zero spike of a ReLU output', () => {
    // Half the values exactly 0 (ReLU), the rest a ReLU6-like spread with a pile-up at 6.
    const r = mulberry32(9);
    const v = Float32Array.from({ length: 100_000 }, (_, i) => (i % 2 ? 0 : Math.min(6, Math.abs(r() * 4 + r() * 4 - 1))));
    const s = new ActivationStats();
    s.observe('relu6', v);
    const t = calibrateRange('entropy', s.histograms.get('relu6')!, u8);
    expect(t.max).toBeGreaterThan(5);
  });

  it('signed data gets a symmetric clipping for symmetric schemes', () => {
    const s = new ActivationStats();
    s.observe('x', gaussian(50_000, 3, 2));
    const r = calibrateRange('entropy', s.histograms.get('x')!, s8);
    expect(r.min).toBeLessThan(0);
    expect(Math.abs(r.min + r.max)).toBeLessThan(1e-9 + Math.max(Math.abs(r.min), r.max) * 0.01 + 1);
  });

  it('entropy threshold on a uniform histogram keeps all bins', () => {
    const abs = new Float64Array(512).fill(10);
    expect(entropyThreshold(abs, 1, 128)).toBeCloseTo(512.5, 6);
  });

  it('the level table picks what the per-level loop picks, or a tie (property: sparse, spiky, fractional and tiny counts)', () => {
    fc.assert(
      fc.property(absHistogram(), fc.constantFrom(64, 128, 256), fc.double({ min: 1e-6, max: 10, noNaN: true }), (abs, levels, width) => {
        const table = entropyThreshold(abs, 1, levels);
        const direct = entropyThreshold(abs, 1, levels, 'direct');
        // The table's levels are added in four sums, the loop's in one: the KLs agree to rounding, so the picks
        // are the same but where two candidates tie to ~1e-12.
        if (table !== direct) expect(Math.abs(klAt(abs, table - 0.5, levels) - klAt(abs, direct - 0.5, levels))).toBeLessThan(1e-9);
        expect(entropyThreshold(abs, width, levels)).toBe(table * width);
      }),
      { numRuns: 200 },
    );
  });

  it('skipping candidates by their lower bound never changes the pick: the same threshold as trying every one (property)', () => {
    fc.assert(
      fc.property(absHistogram(), fc.constantFrom(64, 128, 256), fc.constantFrom('auto' as const, 'direct' as const), (abs, levels, method) => {
        expect(Object.is(entropyThreshold(abs, 1, levels, method), entropyThreshold(abs, 1, levels, method, false))).toBe(true);
      }),
      { numRuns: 300 },
    );
    // and on shapes activations have: a ReLU spike, a smooth tail, a few far outliers, a flat top
    const r = mulberry32(3);
    const shapes = [
      Float64Array.from({ length: 2048 }, (_, k) => (k < 2 ? 5e4 : Math.floor(1e4 * Math.exp(-k / 300) * (0.5 + r())))),
      Float64Array.from({ length: 2048 }, (_, k) => (k > 2000 ? (k % 9 ? 0 : 1) : Math.floor(3e3 * Math.exp(-k / 60)))),
      Float64Array.from({ length: 2048 }, (_, k) => (k < 1500 ? 100 + (k % 7) : 0)),
    ];
    for (const abs of shapes) for (const levels of [128, 256]) expect(entropyThreshold(abs, 1, levels)).toBe(entropyThreshold(abs, 1, levels, 'auto', false));
  });

  it('the prefix-sum search picks what the direct KL search picks (property, sparse and spiky histograms)', () => {
    const hist = fc
      .tuple(fc.integer({ min: 130, max: 700 }), fc.integer({ min: 1, max: 1e6 }), fc.double({ min: 0, max: 0.9, noNaN: true }), fc.integer({ min: 1, max: 40 }))
      .map(([n, seed, sparsity, tail]) => {
        const r = mulberry32(seed);
        return Float64Array.from({ length: n }, (_, k) => (r() < sparsity ? 0 : Math.floor(1e4 * Math.exp((-k * tail) / n) * r())));
      });
    fc.assert(
      fc.property(hist, fc.constantFrom(128, 256), (abs, levels) => {
        const fast = entropyThreshold(abs, 1, levels);
        const direct = entropyThresholdDirect(abs, 1, levels);
        // Equal, or a tie the two summation orders break differently: both KLs equal to 1e-9.
        if (fast !== direct) expect(Math.abs(klAt(abs, fast - 0.5, levels) - klAt(abs, direct - 0.5, levels))).toBeLessThan(1e-9);
      }),
      { numRuns: 150 },
    );
  });
});

/** KL(P‖Q) of candidate i, computed directly as TensorRT describes it (the reference for the fast search). */
function klAt(abs: Float64Array, i: number, levels: number): number {
  const p = Float64Array.from(abs.subarray(0, i));
  for (let k = i; k < abs.length; k++) p[i - 1] += abs[k];
  const q = new Float64Array(i);
  const per = i / levels;
  for (let j = 0; j < levels; j++) {
    const start = Math.floor(j * per);
    const end = j === levels - 1 ? i : Math.floor((j + 1) * per);
    let sum = 0;
    let nz = 0;
    for (let k = start; k < end; k++) {
      if (abs[k] > 0) {
        sum += abs[k];
        nz++;
      }
    }
    for (let k = start; k < end; k++) if (abs[k] > 0) q[k] = sum / nz;
  }
  const pSum = p.reduce((a, b) => a + b, 0);
  const qSum = q.reduce((a, b) => a + b, 0);
  if (pSum === 0 || qSum === 0) return Infinity;
  let kl = 0;
  for (let k = 0; k < i; k++) {
    if (p[k] === 0) continue;
    const pk = p[k] / pSum;
    const qk = q[k] > 0 ? q[k] / qSum : 1e-4 / qSum;
    kl += pk * Math.log(pk / qk);
  }
  return kl;
}

function entropyThresholdDirect(abs: Float64Array, width: number, levels: number): number {
  if (abs.length <= levels) return abs.length * width;
  let best = Infinity;
  let bestI = abs.length;
  for (let i = levels; i <= abs.length; i++) {
    const kl = klAt(abs, i, levels);
    if (kl < best) {
      best = kl;
      bestI = i;
    }
  }
  return (bestI + 0.5) * width;
}
