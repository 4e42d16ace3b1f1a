import { readFileSync } from 'node:fs';

import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';

import { compileKernels } from '../../../scripts/kernels-compile';
import { absHistogram } from '../../../test/arbitraries';
import { binsSquaredError, calibrateRange, entropyThreshold, expectedSquaredError, mseRange } from '../calib/calibrators';
import type { Histogram } from '../calib/histogram';
import { addValues, emptyHistogram } from '../calib/histogram';
import { mulberry32 } from '../data/split';
import { qRange } from '../quant/qparams';
import { resampleRgb } from '../data/resize';
import { useWasmKernels, wasmKernels } from './kernels';

// The WebAssembly kernels must give exactly what their JavaScript twins give: every test below runs one
// computation both ways and compares bit for bit.
function both<T>(f: () => T): { js: T; wasm: T } {
  useWasmKernels(false);
  const js = f();
  useWasmKernels(true);
  const wasm = f();
  return { js, wasm };
}

const plain = (h: Histogram) => ({ ...h, counts: [...h.counts] });

afterEach(() => useWasmKernels(true));

describe('WebAssembly kernels', () => {
  it('load here (Node has WebAssembly SIMD), and kernels-wasm.ts is the current kernels.wat compiled', async () => {
    expect(wasmKernels()).not.toBeNull();
    const committed = readFileSync(new URL('./kernels-wasm.ts', import.meta.url), 'utf8');
    expect(committed, 'run npm run build:kernels').toBe(await compileKernels());
  });

  it('memory past what WebAssembly can address is refused with null (callers fall back), and the kernels still work', () => {
    const k = wasmKernels()!;
    expect(k.reserve(5 * 2 ** 30)).toBeNull();
    const data = Float32Array.from({ length: 1000 }, (_, i) => (i % 7) - 3);
    const { js, wasm } = both(() => plain(addValues(emptyHistogram(), data, 64, 1)));
    expect(wasm).toEqual(js);
  });

  it('turned off, callers get null (and use the JavaScript loops)', () => {
    useWasmKernels(false);
    expect(wasmKernels()).toBeNull();
  });

  it('histograms: identical extent, grid and counts to the JavaScript loops, streaming batch after batch (property)', () => {
    // Long enough for the kernels (≥ 256 values), with ReLU-like zeros, −0, NaN, tiny and offset values.
    const value = fc.oneof(
      { weight: 4, arbitrary: fc.float({ min: -100, max: 100, noNaN: true }) },
      { weight: 2, arbitrary: fc.constantFrom(0, -0) },
      { weight: 1, arbitrary: fc.constant(Number.NaN) },
      { weight: 1, arbitrary: fc.float({ min: Math.fround(-1e-30), max: Math.fround(1e-30), noNaN: true }) },
      { weight: 1, arbitrary: fc.float({ min: 1000, max: 1001, noNaN: true }) },
    );
    const batch = fc.array(value, { minLength: 200, maxLength: 1500 });
    fc.assert(
      fc.property(fc.array(batch, { minLength: 1, maxLength: 3 }), fc.constantFrom(16, 128, 2048), fc.constantFrom(1, 4), (batches, maxBins, headroom) => {
        const run = () => plain(batches.reduce((h, b) => addValues(h, Float32Array.from(b), maxBins, headroom), emptyHistogram()));
        const { js, wasm } = both(run);
        expect(wasm).toEqual(js);
      }),
      { numRuns: 150 },
    );
  });

  it('histogram counting without NaN (the kernel counts only then): identical for sparse and zero-heavy data, any length (property)', () => {
    // A batch with a NaN is counted by the JavaScript loop, so these have none. Zero-heavy batches take the
    // kernel's zero detour (over 15% zeros), the others its plain loop; lengths not a multiple of 16 its tail.
    const value = (zeros: number) =>
      fc.oneof(
        { weight: 6, arbitrary: fc.float({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true }) },
        { weight: zeros, arbitrary: fc.constantFrom(0, -0) },
        { weight: 1, arbitrary: fc.float({ min: Math.fround(-1e-30), max: Math.fround(1e-30), noNaN: true }) },
        { weight: 1, arbitrary: fc.float({ min: 1000, max: 1001, noNaN: true }) },
      );
    // Each batch scaled and shifted: later ones fit the histogram's span, or widen it at either end.
    const batch = fc
      .tuple(fc.integer({ min: 0, max: 6 }), fc.constantFrom(1, 1, 0.25, 4), fc.constantFrom(0, 0, -50, 50))
      .chain(([zeros, scale, shift]) => fc.array(value(zeros).map((x) => (x === 0 ? x : x * scale + shift)), { minLength: 256, maxLength: 1200 }));
    fc.assert(
      fc.property(fc.array(batch, { minLength: 1, maxLength: 3 }), fc.constantFrom(16, 128, 2048), fc.constantFrom(1, 4), (batches, maxBins, headroom) => {
        const run = () => plain(batches.reduce((h, b) => addValues(h, Float32Array.from(b), maxBins, headroom), emptyHistogram()));
        const { js, wasm } = both(run);
        expect(wasm).toEqual(js);
        expect(wasm.total).toBe(batches.reduce((a, b) => a + b.length, 0));
      }),
      { numRuns: 150 },
    );
  });

  it('a histogram streamed batch after batch: batches inside its span, widening it at either end, merging bins (exact table)', () => {
    // Each step must give what the JavaScript loop gives.
    const ramp = (n: number, lo: number, hi: number) => Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
    const batches: [string, number[]][] = [
      ['first batch', ramp(1000, 0, 1)],
      ['inside the span', ramp(700, 0.1, 0.9)],
      ['up to the span\'s last bin', ramp(700, 0, 1.0004)],
      ['past its top', ramp(700, 0.5, 1.5)],
      ['below its bottom', ramp(700, -0.5, 0.2)],
      ['zero-heavy, inside', [...Array<number>(600).fill(0), ...ramp(300, -0.4, 1.4)]],
      ['with a NaN (counted by the loop)', [...ramp(500, 0, 1), Number.NaN]],
      ['inside again', ramp(700, -0.3, 1.3)],
      ['far past it (bins merge)', ramp(700, -40, 90)],
    ];
    const stream = () => {
      const steps: ReturnType<typeof plain>[] = [];
      batches.reduce((h, [, b]) => {
        const next = addValues(h, Float32Array.from(b), 2048, 4);
        steps.push(plain(next));
        return next;
      }, emptyHistogram());
      return steps;
    };
    const { js, wasm } = both(stream);
    for (const [i, [what]] of batches.entries()) expect(wasm[i], what).toEqual(js[i]);
  });

  it('histogram counting: the kernel bins in f32 yet agrees where that is delicate (exact table)', () => {
    // Each case: values of one batch, maxBins; the JavaScript loop (f64) is the reference.
    const tiny = 2 ** -149; // the smallest f32
    const cases: [string, number[], number][] = [
      // wide bins (2^100 and more): a tiny negative value times 2^-e underflows to −0 in f32, yet is bin −1
      ['tiny negatives under huge bins', [-tiny, -1e-40, 1e38, -3e38, 0, ...Array<number>(300).fill(2.5e37)], 64],
      // fine bins (2^-126 and less): inv = 2^126 and more is past f32's normal range, so the loop counts
      ['bins finer than f32 allows', [tiny, 2 * tiny, 0, -tiny, ...Array<number>(300).fill(5 * tiny)], 16],
      // a value on every bin edge, negative and positive, and −0 among zeros
      ['bin edges', Array.from({ length: 400 }, (_, i) => (i % 2 ? 1 : -1) * (i % 64) * 0.25 + (i % 5 === 0 ? -0 : 0)), 512],
      // far from zero: the grid's first index is large
      ['offset data', Array.from({ length: 500 }, (_, i) => 123456 + i / 64), 2048],
      // every value one bin: one long run, zero-heavy (all zeros) and not
      ['all zeros', Array<number>(1000).fill(0), 128],
      ['one value', Array<number>(1000).fill(3.25), 128],
    ];
    for (const [what, values, maxBins] of cases) {
      const { js, wasm } = both(() => plain(addValues(emptyHistogram(), Float32Array.from(values), maxBins, 1)));
      expect(wasm, what).toEqual(js);
      expect(wasm.counts.reduce((a, b) => a + b, 0), what).toBe(values.length);
    }
  });

  it('histograms of real-sized tensors: identical, and every value counted once', () => {
    const data = new Float32Array(300_000);
    let s = 7;
    for (let i = 0; i < data.length; i++) {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      const g = (s / 0x7fffffff - 0.5) * 6;
      data[i] = g > 0 ? g : 0; // a ReLU's output: half zeros
    }
    const { js, wasm } = both(() => plain(addValues(emptyHistogram(), data, 2048, 1)));
    expect(wasm).toEqual(js);
    expect(wasm.counts.reduce((a, b) => a + b, 0)).toBe(data.length);
  });

  it('resampling: identical bytes to the JavaScript passes for RGB and RGBA, any crop, odd and even sizes (property)', () => {
    const job = fc
      .record({ w: fc.integer({ min: 1, max: 48 }), h: fc.integer({ min: 1, max: 48 }), channels: fc.constantFrom(3 as const, 4 as const) })
      .chain(({ w, h, channels }) =>
        fc.record({
          w: fc.constant(w),
          h: fc.constant(h),
          channels: fc.constant(channels),
          pixels: fc.uint8Array({ minLength: w * h * channels, maxLength: w * h * channels }),
          sx: fc.double({ min: 0, max: w - 1, noNaN: true }),
          sy: fc.double({ min: 0, max: h - 1, noNaN: true }),
          outW: fc.integer({ min: 1, max: 40 }),
          outH: fc.integer({ min: 1, max: 40 }),
        }),
      );
    fc.assert(
      fc.property(job, ({ w, h, channels, pixels, sx, sy, outW, outH }) => {
        const rect = { sx, sy, sw: w - sx, sh: h - sy };
        const { js, wasm } = both(() => [...resampleRgb(pixels, w, h, channels, rect, outW, outH)]);
        expect(wasm).toEqual(js);
      }),
      { numRuns: 200 },
    );
  });

  it('resampling a photo-sized image: identical bytes', () => {
    const w = 500;
    const h = 375;
    const rgba = Uint8ClampedArray.from({ length: w * h * 4 }, (_, i) => (i * 7919 + (i >> 9) * 31) & 255);
    const rect = { sx: 31.25, sy: 23.5, sw: 437.5, sh: 328 };
    const { js, wasm } = both(() => [...resampleRgb(rgba, w, h, 4, rect, 224, 224)]);
    expect(wasm).toEqual(js);
  });

  it('entropy search: the same threshold as the JavaScript search, its levels summed in the same order (property)', () => {
    fc.assert(
      fc.property(absHistogram(), fc.constantFrom(64, 128, 256), fc.double({ min: 1e-6, max: 10, noNaN: true }), (abs, levels, width) => {
        const { js, wasm } = both(() => entropyThreshold(abs, width, levels));
        expect(Object.is(wasm, js)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('MSE search: skipping candidates whose clipped bins alone err more than the best never changes the pick (property, both paths)', () => {
    const value = fc.oneof(fc.float({ min: -50, max: 50, noNaN: true }), fc.constantFrom(0, 0.1, -3, 6), fc.float({ min: 0, max: Math.fround(1e-3), noNaN: true }));
    const scheme = fc.constantFrom(
      { range: qRange('uint8', false), symmetric: false },
      { range: qRange('int8', true), symmetric: true },
      { range: qRange('int8', false, 4), symmetric: false },
      { range: qRange('int8', true, 2), symmetric: true },
    );
    const options = { percentile: 99.999, percentileTwoSided: true, mseCandidates: 128 };
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 3000 }), fc.constantFrom(64, 2048), scheme, (data, maxBins, sch) => {
        const h = addValues(emptyHistogram(), Float32Array.from(data), maxBins, 1);
        const pruned = both(() => mseRange(h, sch, options));
        const every = both(() => mseRange(h, sch, options, false));
        expect(pruned.js).toEqual(every.js);
        expect(pruned.wasm).toEqual(every.wasm);
      }),
      { numRuns: 300 },
    );
  });

  it('MSE search: the same range as the JavaScript search for asymmetric, symmetric and low-bit schemes (property)', () => {
    const value = fc.oneof(fc.float({ min: -50, max: 50, noNaN: true }), fc.constantFrom(0, 0.1, -3), fc.float({ min: 0, max: Math.fround(1e-3), noNaN: true }));
    const scheme = fc.constantFrom(
      { range: qRange('uint8', false), symmetric: false },
      { range: qRange('int8', true), symmetric: true },
      { range: qRange('int8', false, 4), symmetric: false },
      { range: qRange('int8', true, 2), symmetric: true },
    );
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 3000 }), fc.constantFrom(64, 2048), scheme, (data, maxBins, sch) => {
        const h = addValues(emptyHistogram(), Float32Array.from(data), maxBins, 1);
        const { js, wasm } = both(() => calibrateRange('mse', h, sch, { percentile: 99.999, percentileTwoSided: true, mseCandidates: 128 }));
        expect(wasm).toEqual(js);
        // and the sums themselves, bit for bit, for the full range and one clipped to half
        const half = { min: h.min / 2, max: h.max / 2 };
        const sums = both(() => [expectedSquaredError(h, { min: h.min, max: h.max }, sch), expectedSquaredError(h, half, sch)]);
        expect(sums.wasm).toEqual(sums.js);
      }),
      { numRuns: 150 },
    );
  });

  it('MSE sum: the same bits as the JavaScript sum for any values and counts, so the same summation order (property)', () => {
    // Histogram bin centres lie on a power-of-two grid, so their sums are often exact in any order; arbitrary
    // doubles and fractional counts are not, which is what tells a reordered sum apart.
    const scheme = fc.constantFrom({ range: qRange('uint8', false), symmetric: false }, { range: qRange('int8', true, 3), symmetric: true });
    let differed = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 70 }), fc.integer(), scheme, fc.double({ min: 0.05, max: 1, noNaN: true }), (n, seed, sch, clip) => {
        const random = mulberry32(seed);
        const xs = Float64Array.from({ length: n }, () => 80 * random() - 40);
        const cs = Float64Array.from({ length: n }, () => 1e6 * random());
        const r = { min: -30 * clip, max: 30 * clip };
        const { js, wasm } = both(() => binsSquaredError(xs, cs, r, sch));
        expect(Object.is(wasm, js)).toBe(true);
        // the order matters for these inputs: summing in index order instead gives other bits for some of them
        let plain = 0;
        const parts = both(() => [...xs.keys()].map((k) => binsSquaredError(xs.subarray(k, k + 1), cs.subarray(k, k + 1), r, sch))).js;
        for (const p of parts) plain += p;
        if (!Object.is(plain, js)) differed++;
      }),
      { numRuns: 300 },
    );
    expect(differed).toBeGreaterThan(10);
  });
});
