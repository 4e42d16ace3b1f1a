import { align16, wasmKernelsWith } from '../kernels/kernels';
import type { Kernels } from '../kernels/kernels';

/**
 * A streaming histogram whose bins lie on a power-of-two grid: bin k covers [k·w, (k+1)·w) with w = 2^e.
 * New data outside the current span widens it by whole bins; when more than `maxBins` would be needed the
 * bin width doubles (neighbouring bins merge). Because every histogram's grid is a coarsening of the same
 * lattice, any two merge exactly, so per-image histograms combine into any subset without re-running a model
 * (ORT's HistogramCollector widens by whole bins for the same reason).
 */
export interface Histogram {
  /** log2 of the bin width */
  exp: number;
  /** grid index of counts[0] */
  first: number;
  counts: Float64Array;
  /** exact extremes and count of the data seen */
  min: number;
  max: number;
  total: number;
}

export const DEFAULT_MAX_BINS = 8192;

export function emptyHistogram(): Histogram {
  return { exp: 0, first: 0, counts: new Float64Array(0), min: Infinity, max: -Infinity, total: 0 };
}

export function binWidth(h: Histogram): number {
  return 2 ** h.exp;
}

/** Lower edge of bin i. */
export function binEdge(h: Histogram, i: number): number {
  return (h.first + i) * binWidth(h);
}

/** Coarsen to bin width 2^exp (exp ≥ h.exp): grid index k becomes floor(k / 2^(exp − h.exp)). */
function coarsen(h: Histogram, exp: number): Histogram {
  if (exp <= h.exp || h.counts.length === 0) return { ...h, exp: Math.max(exp, h.exp) };
  const k = exp - h.exp;
  const f = 2 ** k;
  const first = Math.floor(h.first / f);
  const last = Math.floor((h.first + h.counts.length - 1) / f);
  const counts = new Float64Array(last - first + 1);
  if (smallGrid(h, k)) for (let i = 0; i < h.counts.length; i++) counts[((h.first + i) >> k) - first] += h.counts[i];
  else for (let i = 0; i < h.counts.length; i++) counts[Math.floor((h.first + i) / f) - first] += h.counts[i];
  return { ...h, exp, first, counts };
}

/** Re-span to grid indices [first, last] at the same width (which must cover the current bins). */
function respan(h: Histogram, first: number, last: number): Histogram {
  if (h.counts.length && first === h.first && last === h.first + h.counts.length - 1) return h;
  const counts = new Float64Array(last - first + 1);
  counts.set(h.counts, h.first - first);
  return { ...h, first, counts };
}

/**
 * Whether a histogram's grid indices fit 32-bit integers (always, in practice) so that a coarsening by 2^k bins
 * can shift instead of dividing: `i >> k` is Math.floor(i / 2^k) for negative indices too. Merging the curve's
 * per-image histograms spent most of its time in that division.
 */
function smallGrid(h: Histogram, k: number): boolean {
  return k < 31 && Math.abs(h.first) < 2 ** 30 && Math.abs(h.first + h.counts.length) < 2 ** 30;
}

function spanFor(lo: number, hi: number, exp: number): [number, number] {
  const w = 2 ** exp;
  return [Math.floor(lo / w), Math.floor(hi / w)];
}

/** Adds values to a histogram; returns the (possibly re-allocated) histogram. */
/**
 * `headroom`: a first batch spans about maxBins / headroom bins, leaving room to grow before bins merge; a
 * histogram that will see one batch only (per-image statistics) passes 1 and keeps every bin for resolution.
 */
export function addValues(h: Histogram, data: Float32Array, maxBins = DEFAULT_MAX_BINS, headroom = 4): Histogram {
  // The WebAssembly kernels (same results, ~3× faster) take a copy of the data after the count array and its
  // 16 scratch slots.
  const at = align16(4 * (maxBins + COUNT_SCRATCH));
  const got = data.length >= WASM_MIN ? wasmKernelsWith(at + 4 * data.length) : null;
  let wasm = got?.wasm ?? null;
  let zeros = 0;
  if (got && wasm) {
    new Float32Array(got.memory, at, data.length).set(data);
    wasm.k.extent(at, data.length);
    extentLo = wasm.k.lo.value as number;
    extentHi = wasm.k.hi.value as number;
    zeros = wasm.k.zeros.value as number;
    if (wasm.k.nan.value !== 0) wasm = null; // the kernel's counting assumes no NaN: the JavaScript loop skips them
  } else extent(data);
  // −0 and 0 are one extreme (which one a scan meets first depends on its order)
  const lo = extentLo === 0 ? 0 : extentLo;
  const hi = extentHi === 0 ? 0 : extentHi;
  if (!(lo <= hi)) return h; // empty, or NaN only
  const newMin = Math.min(h.min, lo);
  const newMax = Math.max(h.max, hi);
  let exp = h.total === 0 ? initialExp(newMin, newMax, maxBins / headroom) : h.exp;
  let [a, b] = spanFor(newMin, newMax, exp);
  while (b - a + 1 > maxBins) {
    exp++;
    [a, b] = spanFor(newMin, newMax, exp);
  }
  let out = h.total === 0 ? { ...h, exp, first: a, counts: new Float64Array(b - a + 1) } : respan(coarsen(h, exp), a, b);
  out = { ...out, min: newMin, max: newMax, total: h.total + data.length };
  // The kernel bins in f32: the bin width must be a normal f32 and the grid indices small (always, in practice).
  if (wasm && Math.abs(exp) <= 126 && Math.abs(out.first) < 2 ** 22) binWasm(wasm, out.counts, at, data.length, 2 ** -exp, out.first, zeros > ZERO_HEAVY * data.length);
  else binInto(out.counts, data, 2 ** -exp, out.first);
  return out;
}

/** Below this many values the copy into WebAssembly memory is not worth it. */
const WASM_MIN = 256;
/** i32 slots after the kernel's count array that its zero-heavy loop scribbles on */
const COUNT_SCRATCH = 16;
/**
 * Above this share of zeros the kernel counts them apart (a ReLU's output). On MobileNet's and SqueezeNet's
 * activations any threshold from 10% to 30% gave 0.8 ns a value; never taking the detour, SqueezeNet's (a
 * third zeros) took 1.2, always taking it, MobileNet's (an eighth) 1.0.
 */
const ZERO_HEAVY = 0.15;

/** binInto on the WebAssembly kernel, the data already at byte `at` of its memory (see kernels.wat's count). */
function binWasm(wasm: Kernels, counts: Float64Array, at: number, n: number, inv: number, first: number, zeroHeavy: boolean) {
  const m = counts.length;
  const bins = new Int32Array(wasm.k.memory.buffer, 0, m);
  bins.fill(0);
  wasm.k.count(0, m, at, n, inv, first, zeroHeavy ? 1 : 0);
  for (let k = 0; k < m; k++) counts[k] += bins[k];
}

/** Below this many values per bin array a plain loop is as fast as the split one (no scratch to clear). */
const SPLIT_MIN = 4;

// Each hot loop is a function of its own that returns right after it: V8 compiles a long loop while it runs
// (on-stack replacement), and code after the loop that has never run yet would throw that code away on every
// call (it did: calibration ran 3× slower).

let extentLo = Infinity;
let extentHi = -Infinity;

/**
 * Sets extentLo/extentHi to the min and max of the values (NaN ignored; Infinity, -Infinity when there are
 * none). Not returned as [lo, hi]: with the array literal after the loop V8 never kept the loop's compiled code
 * (7.8 ns a value instead of 1.6).
 */
function extent(data: Float32Array) {
  let lo = Infinity;
  let hi = -Infinity;
  const n = data.length;
  for (let i = 0; i < n; i++) {
    const v = data[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  extentLo = lo;
  extentHi = hi;
}

/**
 * counts[floor(v·inv) − first] += 1 for every v (all in range). Calibration spends much of its time here
 * (MobileNet: 2.5 M values an image), and a plain loop stalls when consecutive values fall in one bin — half
 * of a ReLU's outputs are 0 — because each increment waits for the previous store. Four interleaved count
 * arrays break that chain (≈2× faster here); the sums are exact either way.
 */
function binInto(counts: Float64Array, data: Float32Array, inv: number, first: number) {
  const m = counts.length;
  if (data.length < SPLIT_MIN * m) {
    countPlain(counts, data, 0, inv, first);
    return;
  }
  const split = scratch(4 * m);
  const end = countSplit(split, m, data, inv, first);
  countPlain(split, data, end, inv, first);
  sumSplit(counts, split);
}

function countPlain(counts: Float64Array | Int32Array, data: Float32Array, from: number, inv: number, first: number) {
  for (let i = from; i < data.length; i++) counts[Math.floor(data[i] * inv) - first]++;
}

/** Counts groups of four values into four arrays of m bins; returns where the last whole group ended. */
function countSplit(split: Int32Array, m: number, data: Float32Array, inv: number, first: number): number {
  const n = data.length - 3;
  const m2 = 2 * m;
  const m3 = 3 * m;
  let i = 0;
  for (; i < n; i += 4) {
    split[Math.floor(data[i] * inv) - first]++;
    split[m + Math.floor(data[i + 1] * inv) - first]++;
    split[m2 + Math.floor(data[i + 2] * inv) - first]++;
    split[m3 + Math.floor(data[i + 3] * inv) - first]++;
  }
  return i;
}

function sumSplit(counts: Float64Array, split: Int32Array) {
  const m = counts.length;
  for (let k = 0; k < m; k++) counts[k] += split[k] + split[m + k] + split[2 * m + k] + split[3 * m + k];
}

let scratchBuffer = new Int32Array(0);

/** A zeroed Int32Array of n counts (reused between calls: one tensor is binned at a time). */
function scratch(n: number): Int32Array {
  if (scratchBuffer.length < n) scratchBuffer = new Int32Array(n);
  const s = scratchBuffer.subarray(0, n);
  s.fill(0);
  return s;
}

/** Bin width for a first batch: the finest power of two at which the span takes about `bins` bins. */
function initialExp(lo: number, hi: number, bins: number): number {
  const span = Math.max(hi - lo, Math.abs(hi), Math.abs(lo), 1e-30);
  return Math.floor(Math.log2(span / bins));
}

export function mergeHistograms(a: Histogram, b: Histogram, maxBins = DEFAULT_MAX_BINS): Histogram {
  if (a.total === 0) return b;
  if (b.total === 0) return a;
  let exp = Math.max(a.exp, b.exp);
  const lo = Math.min(a.min, b.min);
  const hi = Math.max(a.max, b.max);
  let [s, e] = spanFor(lo, hi, exp);
  while (e - s + 1 > maxBins) {
    exp++;
    [s, e] = spanFor(lo, hi, exp);
  }
  const x = respan(coarsen(a, exp), s, e);
  const y = respan(coarsen(b, exp), s, e);
  const counts = new Float64Array(x.counts.length);
  for (let i = 0; i < counts.length; i++) counts[i] = x.counts[i] + y.counts[i];
  return { exp, first: s, counts, min: lo, max: hi, total: a.total + b.total };
}

/**
 * The histogram of the values of all `parts` together: their merge (a Concat's output holds exactly its inputs'
 * values, a Reshape's its input's), always a new object. On the shared lattice its counts are the ones
 * observing the joined values would give, at the bin width observing them would pick or a finer one. The width
 * is the same unless the parts' first batch together spanned more than any one part did (values of both signs
 * spread across parts; never a ReLU's outputs): a first batch's width follows its extent, later ones only grow
 * it to fit `maxBins`, and both are the same for the parts' merge.
 */
export function unionHistogram(parts: Histogram[], maxBins = DEFAULT_MAX_BINS): Histogram {
  let h = emptyHistogram();
  for (const p of parts) h = mergeHistograms(h, p, maxBins);
  return parts.includes(h) ? { ...h, counts: h.counts.slice() } : h;
}

/**
 * Adds b into a in place when the merge would keep a's grid (same bin width and bins: b lies within a's span
 * at a's width, and is no finer); returns whether it did. What mergeHistograms(a, b) returns then, without
 * allocating (merging 100 per-image histograms of every tensor allocated ~1 GB).
 */
export function mergeInPlace(a: Histogram, b: Histogram): boolean {
  if (a.total === 0 || b.total === 0 || b.exp > a.exp) return b.total === 0;
  const [s, e] = spanFor(Math.min(a.min, b.min), Math.max(a.max, b.max), a.exp);
  if (s !== a.first || e !== a.first + a.counts.length - 1) return false;
  const k = a.exp - b.exp;
  const { counts } = a;
  if (smallGrid(b, k)) {
    for (let i = 0; i < b.counts.length; i++) {
      const c = b.counts[i];
      if (c !== 0) counts[((b.first + i) >> k) - s] += c;
    }
  } else {
    const f = 2 ** k;
    for (let i = 0; i < b.counts.length; i++) {
      const c = b.counts[i];
      if (c !== 0) counts[Math.floor((b.first + i) / f) - s] += c;
    }
  }
  a.min = Math.min(a.min, b.min);
  a.max = Math.max(a.max, b.max);
  a.total += b.total;
  return true;
}

/**
 * Value below which a fraction q of the data lies, interpolating linearly inside the bin and clamped to the
 * exact min/max.
 */
export function histogramQuantile(h: Histogram, q: number): number {
  if (h.total === 0) return 0;
  if (q <= 0) return h.min;
  if (q >= 1) return h.max;
  const target = q * h.total;
  let cum = 0;
  for (let i = 0; i < h.counts.length; i++) {
    const c = h.counts[i];
    if (cum + c >= target && c > 0) {
      const v = binEdge(h, i) + ((target - cum) / c) * binWidth(h);
      return Math.min(h.max, Math.max(h.min, v));
    }
    cum += c;
  }
  return h.max;
}
