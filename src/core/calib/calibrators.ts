import type { QRange } from '../quant/qparams';
import { computeScaleZeroPoint, roundHalfEven } from '../quant/qparams';
import type { TensorRange } from '../quant/qdq';
import { wasmKernelsWith } from '../kernels/kernels';
import type { Kernels } from '../kernels/kernels';
import type { Histogram } from './histogram';
import { binEdge, binWidth, histogramQuantile } from './histogram';

export type CalibratorId = 'minmax' | 'percentile' | 'entropy' | 'mse';

export interface CalibratorOptions {
  /** percentile of the data kept inside the range, e.g. 99.999 */
  percentile: number;
  /** two-sided: clip both tails at (100 − p) and p; one-sided: clip |x| at its p-th percentile */
  percentileTwoSided: boolean;
  /** candidate clipping ranges the MSE search tries */
  mseCandidates: number;
}

/** The defaults, in one place (ORT: percentile 99.999; TensorRT: entropy over |x|). */
export const CALIBRATOR_DEFAULTS: CalibratorOptions = {
  percentile: 99.999,
  percentileTwoSided: true,
  mseCandidates: 128,
};

export const CALIBRATORS: { id: CalibratorId; label: string; description: string }[] = [
  { id: 'minmax', label: 'MinMax', description: 'the full observed range: nothing is clipped, outliers stretch the grid' },
  { id: 'percentile', label: 'Percentile', description: 'clips the rarest values (default 99.999th percentile)' },
  { id: 'entropy', label: 'Entropy (KL)', description: "TensorRT's method: the clipping threshold whose quantized distribution loses the least information (KL divergence)" },
  { id: 'mse', label: 'MSE', description: 'the clipping range that minimises the expected quantize–dequantize squared error' },
];

/** The scheme a range will be quantized with: calibrators that optimise error need to know it. */
export interface RangeScheme {
  range: QRange;
  symmetric: boolean;
}

/**
 * |x| histogram folded from a value histogram. On the power-of-two grid bin k = −j−1 covers
 * [−(j+1)w, −jw), i.e. |x| in (jw, (j+1)w]: folding is exact.
 */
export function foldAbs(h: Histogram): Float64Array {
  const lastIdx = h.first + h.counts.length - 1;
  const n = Math.max(lastIdx + 1, -h.first);
  const out = new Float64Array(Math.max(n, 1));
  for (let i = 0; i < h.counts.length; i++) {
    const k = h.first + i;
    out[k >= 0 ? k : -k - 1] += h.counts[i];
  }
  return out;
}

function percentileRange(h: Histogram, o: CalibratorOptions): TensorRange {
  const p = o.percentile / 100;
  if (o.percentileTwoSided) return { min: histogramQuantile(h, 1 - p), max: histogramQuantile(h, p) };
  const abs = foldAbs(h);
  const w = binWidth(h);
  const target = p * h.total;
  let cum = 0;
  let t = Math.max(Math.abs(h.min), Math.abs(h.max));
  for (let j = 0; j < abs.length; j++) {
    if (cum + abs[j] >= target && abs[j] > 0) {
      t = Math.min(t, j * w + ((target - cum) / abs[j]) * w);
      break;
    }
    cum += abs[j];
  }
  return h.min >= 0 ? { min: Math.max(0, h.min), max: t } : { min: -t, max: t };
}

/**
 * TensorRT's entropy calibration (Migacz, "8-bit Inference with TensorRT", 2017), on the |x| histogram:
 *
 *   for each candidate threshold bin i ≥ L (L = number of quantization levels over [0, t]):
 *     P = hist[0 … i−1], with the outliers Σ hist[i …] added to P[i−1]
 *     Q = hist[0 … i−1] merged into L bins, each spread evenly back over its non-empty source bins
 *     KL(P ‖ Q)
 *   t = (i + 0.5) · w for the i with the smallest KL
 *
 * L is the levels of the target scheme: 128 for int8 symmetric (|x| uses half the grid), 256 for uint8 over a
 * non-negative tensor.
 */
export function entropyThreshold(abs: Float64Array, width: number, levels: number, method: 'auto' | 'direct' = 'auto', prune = true): number {
  const n = abs.length;
  if (n <= levels) return n * width;
  // Prefix sums make each candidate cost O(levels) instead of O(i): over a level's non-empty bins k (all with
  // p_k = a_k > 0 and q_k = v = S/nz), Σ p_k/P · ln((p_k/P)/(q_k/Q)) = (Σ a ln a − S ln v + S ln(Q/P)) / P,
  // with S, nz and Σ a ln a read from prefix sums. Only bin i−1, which also holds the outliers, is done alone.
  const A = new Float64Array(n + 1);
  const ALA = new Float64Array(n + 1);
  const NZ = new Int32Array(n + 1);
  /** each bin's a ln a (0 for an empty one) */
  const aLnA = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const a = abs[k];
    aLnA[k] = a > 0 ? a * Math.log(a) : 0;
    A[k + 1] = A[k] + a;
    ALA[k + 1] = ALA[k] + aLnA[k];
    NZ[k + 1] = NZ[k] + (a > 0 ? 1 : 0);
  }
  const total = A[n];
  // A level of candidate i spans bins [⌊j·i/L⌋, ⌊(j+1)·i/L⌋): at most ⌈n/L⌉ of them, so with many levels there
  // are far fewer distinct levels (start, width) than candidates × levels (MobileNet, L = 256: 16 K against
  // 460 K). Each one's S·ln v is then computed once, with the same operations: the same bits, ~25× fewer logs.
  // The table is filled as candidates need it: candidate i's levels are ⌊i/L⌋ or ⌊i/L⌋ + 1 bins wide and end
  // by bin i, so a width's entries are filled up to the largest candidate tried that has it, and widths only
  // skipped candidates have are never computed.
  const maxWidth = Math.ceil(n / levels);
  let table: Float64Array | null = null;
  let wasm: Kernels | null = null;
  /** per width, the starts below this are filled */
  const filled = new Int32Array(maxWidth + 2);
  if (method === 'auto' && maxWidth < levels) {
    // Built straight into the kernels' memory when they run here.
    const got = wasmKernelsWith(8 * n * maxWidth);
    wasm = got?.wasm ?? null;
    table = got ? new Float64Array(got.memory, 0, n * maxWidth) : new Float64Array(n * maxWidth);
  }
  let bestKl = Infinity;
  let bestI = n;
  // Candidate i's KL, or nothing when it cannot beat the best so far. Over its first L − 1 levels, Σ S ln v never
  // exceeds Σ a ln a over their bins (the log-sum inequality): with that in place of the levels' sum, the KL is
  // a lower bound read from prefix sums in O(1). A candidate whose bound is above the best KL found (by far more
  // than rounding) is skipped without its levels: the same pick as trying every candidate.
  const consider = (i: number) => {
    const Q = A[i];
    if (total === 0 || Q === 0) return;
    const P = total;
    const last = abs[i - 1];
    const lastLnLast = aLnA[i - 1];
    // Summed over the levels, the Σ a ln a and S ln(Q/P) parts telescope to prefix sums (bin i−1 excluded):
    // only Σ S ln v needs the levels, one logarithm each.
    const head = ALA[i] - lastLnLast + (Q - last) * Math.log(Q / P);
    // the last level [s, i), which also holds bin i − 1: its mean v, and its S ln v without that bin
    const s = Math.floor((levels - 1) * (i / levels));
    const nzLast = NZ[i] - NZ[s];
    const vLast = nzLast !== 0 ? (A[i] - A[s]) / nzLast : 0;
    const sLast = A[i] - A[s] - (last > 0 ? last : 0);
    const lastTerm = nzLast !== 0 && sLast > 0 ? sLast * Math.log(vLast) : 0;
    const pLast = last + (total - Q);
    let outlier = 0;
    if (pLast > 0) {
      const pk = pLast / P;
      // A bin P has but Q lacks (only the outlier bin can be such): smooth with a tiny mass, as TensorRT does.
      const qk = last > 0 ? vLast / Q : 1e-4 / Q;
      outlier = pk * Math.log(pk / qk);
    }
    const bound = (head - (ALA[s] + lastTerm)) / P + outlier;
    if (prune && bound - bestKl > (1e-9 * (Math.abs(head) + Math.abs(ALA[s]) + Math.abs(lastTerm))) / P) return;
    if (table) {
      const w = Math.floor(i / levels);
      for (let width = w; width <= w + 1 && width <= maxWidth; width++) {
        if (filled[width] <= i - width) filled[width] = fillLevels(A, NZ, maxWidth, table, width, filled[width], i - width + 1);
      }
    }
    const sLnV = table ? levelsSLnVTable(table, maxWidth, A, NZ, i, levels, last, wasm) : levelsSLnV(A, NZ, i, levels, last);
    let kl = (head - sLnV) / P;
    if (pLast > 0) kl += outlier;
    // the smallest i among equal KLs, as a scan upwards keeps
    if (kl < bestKl || (kl === bestKl && i < bestI)) {
      bestKl = kl;
      bestI = i;
    }
  };
  // The best is often a candidate whose levels change width next (i = kL − 1, kL) or the whole histogram (i = n):
  // those first, so the bound skips the most, then every other one. The widest first: a narrow candidate the
  // bound skips needs no table entries of its widths.
  const early = (i: number) => i === n || i % levels === 0 || i % levels === levels - 1;
  for (let i = n; i >= levels; i--) if (early(i)) consider(i);
  for (let i = levels; i <= n; i++) if (!early(i)) consider(i);
  return (bestI + 0.5) * width;
}

/**
 * The |x| histogram redistributed onto `bins` equal bins over [0, max|x|] (each fine bin's count split by
 * overlap), the fixed resolution TensorRT's search assumes.
 */
export function rebinAbs(h: Histogram, bins: number): { counts: Float64Array; width: number } {
  const abs = foldAbs(h);
  const w = binWidth(h);
  const top = Math.max(Math.abs(h.min), Math.abs(h.max));
  const width = top / bins || 1;
  const counts = new Float64Array(bins);
  for (let j = 0; j < abs.length; j++) {
    const c = abs[j];
    if (c === 0) continue;
    const a = j * w;
    const b = Math.min((j + 1) * w, top);
    if (b <= a) {
      counts[bins - 1] += c;
      continue;
    }
    let k = Math.min(bins - 1, Math.floor(a / width));
    let lo = a;
    while (lo < b && k < bins) {
      const hi = Math.min(b, (k + 1) * width);
      counts[k] += (c * (hi - lo)) / (b - a);
      lo = hi;
      k++;
    }
  }
  return { counts, width };
}

/**
 * Σ over the levels of candidate i of S·ln v (S: the level's count without bin i−1, v = its count with it over
 * its non-empty bins). The entropy search's inner loop: a function of its own so V8 compiles it once.
 */
function levelsSLnV(A: Float64Array, NZ: Int32Array, i: number, levels: number, last: number): number {
  const per = i / levels;
  let sum = 0;
  let start = 0;
  for (let j = 0; j < levels; j++) {
    const end = j === levels - 1 ? i : Math.floor((j + 1) * per);
    const nz = NZ[end] - NZ[start];
    if (nz !== 0) {
      let S = A[end] - A[start];
      const v = S / nz;
      if (j === levels - 1 && last > 0) S -= last;
      if (S > 0) sum += S * Math.log(v);
    }
    start = end;
  }
  return sum;
}

/**
 * S·ln v of the levels [s, s + w) of one width w ≤ maxWidth, for starts s from `from` up to `to`, at
 * s·maxWidth + w − 1 = s·(maxWidth − 1) + (s + w) − 1 (0 for a level without data). Returns `to`.
 */
function fillLevels(A: Float64Array, NZ: Int32Array, maxWidth: number, table: Float64Array, w: number, from: number, to: number): number {
  for (let s = from; s < to; s++) {
    const nz = NZ[s + w] - NZ[s];
    const S = A[s + w] - A[s];
    table[s * maxWidth + w - 1] = nz !== 0 && S > 0 ? S * Math.log(S / nz) : 0;
  }
  return to;
}

/**
 * levelsSLnV with every level but the last read from the table (the last holds bin i−1, which is taken out of
 * its S). The levels are added into four sums, level j into sum j mod 4, then (s0 + s1) + (s2 + s3): the adds do
 * not wait for each other (kernels.wat's levelsum adds in this order too, so both give the same bits).
 */
function levelsSLnVTable(table: Float64Array, maxWidth: number, A: Float64Array, NZ: Int32Array, i: number, levels: number, last: number, wasm: Kernels | null): number {
  const stride = maxWidth - 1;
  const shift = 31 - Math.clz32(levels);
  let sum: number;
  let start = 0;
  if (wasm && levels === 1 << shift) {
    // ⌊(j+1)·i/L⌋ is an exact shift when L is a power of two
    sum = wasm.k.levelsum(0, stride, i, levels, shift);
    start = wasm.k.start.value as number;
  } else {
    const per = i / levels;
    const sums = [0, 0, 0, 0];
    for (let j = 0; j < levels - 1; j++) {
      const end = Math.floor((j + 1) * per);
      sums[j & 3] += table[start * stride + end - 1];
      start = end;
    }
    sum = sums[0] + sums[1] + (sums[2] + sums[3]);
  }
  const nz = NZ[i] - NZ[start];
  if (nz !== 0) {
    let S = A[i] - A[start];
    const v = S / nz;
    if (last > 0) S -= last;
    if (S > 0) sum += S * Math.log(v);
  }
  return sum;
}

export const ENTROPY_BINS = 2048;

/** Levels of the entropy search over |x|: the whole grid for a non-negative tensor on an asymmetric scheme, else half. */
export function entropyLevels(h: Histogram, scheme: RangeScheme): number {
  return Math.max(2, Math.round((scheme.range.qmax - scheme.range.qmin + 1) / (h.min >= 0 && !scheme.symmetric ? 1 : 2)));
}

function entropyRange(h: Histogram, scheme: RangeScheme): TensorRange {
  const oneSided = h.min >= 0;
  const levels = entropyLevels(h, scheme);
  const { counts, width } = rebinAbs(h, ENTROPY_BINS);
  // NOTE: the exact zeros of a ReLU output pile up in bin 0. Q spreads each level's mass evenly over its
  // bins, so that spike alone makes every wide level look bad and drags the threshold far down (on MobileNet
  // v1 a ReLU6 output [0, 6] was clipped to 1.5). As NVIDIA's pytorch-quantization does, bin 0 takes the
  // count of bin 1 for the search.
  if (counts.length > 1) counts[0] = counts[1];
  const t = Math.min(entropyThreshold(counts, width, levels), Math.max(Math.abs(h.min), Math.abs(h.max)));
  return oneSided ? { min: Math.max(0, h.min), max: t } : { min: Math.max(h.min, -t), max: Math.min(h.max, t) };
}

/** The non-empty bins of a histogram: their centres (clamped to the data's range) and counts. */
function binCentres(h: Histogram): { xs: Float64Array; cs: Float64Array } {
  const w = binWidth(h);
  let n = 0;
  for (let i = 0; i < h.counts.length; i++) if (h.counts[i] !== 0) n++;
  const xs = new Float64Array(n);
  const cs = new Float64Array(n);
  n = 0;
  for (let i = 0; i < h.counts.length; i++) {
    const c = h.counts[i];
    if (c === 0) continue;
    xs[n] = Math.min(h.max, Math.max(h.min, binEdge(h, i) + w / 2));
    cs[n++] = c;
  }
  return { xs, cs };
}

/**
 * Σ c·(x − dq(q(x)))² over bin centres, quantizing exactly as `quantizeValue` / `dequantizeValue` do; with `wasm`
 * (the bins copied in by binsInWasm) the same sum by kernels.wat's sqerr.
 */
function squaredErrorSum(xs: Float64Array, cs: Float64Array, r: TensorRange, scheme: RangeScheme, wasm: Kernels | null = null): number {
  const { scale, zeroPoint } = computeScaleZeroPoint(r.min, r.max, scheme.range, scheme.symmetric);
  const { qmin, qmax } = scheme.range;
  if (wasm) return wasm.k.sqerr(0, 8 * xs.length, xs.length, scale, zeroPoint, qmin, qmax);
  // Two sums, bin k into sum k mod 2 (sqerr's order): the adds do not wait for each other.
  const err = [0, 0];
  for (let k = 0; k < xs.length; k++) {
    const x = xs[k];
    let q = roundHalfEven(Math.fround(Math.fround(x) / scale)) + zeroPoint;
    q = q < qmin ? qmin : q > qmax ? qmax : q;
    const d = x - Math.fround(scale * (q - zeroPoint));
    err[k & 1] += cs[k] * d * d;
  }
  return err[0] + err[1];
}

/** Σ c·(x − dq(q(x)))² over values xs with counts cs: the WebAssembly kernel where it runs, else its JavaScript twin. */
export function binsSquaredError(xs: Float64Array, cs: Float64Array, r: TensorRange, scheme: RangeScheme): number {
  return squaredErrorSum(xs, cs, r, scheme, binsInWasm(xs, cs));
}

/** Expected squared quantize–dequantize error of the histogram's data under a range, per value. */
export function expectedSquaredError(h: Histogram, r: TensorRange, scheme: RangeScheme): number {
  const { xs, cs } = binCentres(h);
  return binsSquaredError(xs, cs, r, scheme) / h.total;
}

/** The WebAssembly kernels with a histogram's bin centres and counts copied in (xs at 0, cs after them), or null. */
function binsInWasm(xs: Float64Array, cs: Float64Array): Kernels | null {
  const got = wasmKernelsWith(16 * xs.length);
  if (!got) return null;
  new Float64Array(got.memory, 0, xs.length).set(xs);
  new Float64Array(got.memory, 8 * xs.length, cs.length).set(cs);
  return got.wasm;
}

/**
 * Lower bounds of a range's squared error from the clipped bins alone: a value past the grid's top end dqHi (or
 * bottom end dqLo) is quantized to that end, so Σ c·(x − dqHi)² over the bins above it (and likewise below)
 * is part of the error, read from prefix sums of c, c·x and c·x² with a binary search for the ends.
 */
class ClippedError {
  private readonly c0: Float64Array;
  private readonly c1: Float64Array;
  private readonly c2: Float64Array;
  /** Σ c·|x|: with c0 and c2, the size of the rounding a bound may carry */
  private readonly abs1: number;

  constructor(private readonly xs: Float64Array, cs: Float64Array) {
    const n = xs.length;
    this.c0 = new Float64Array(n + 1);
    this.c1 = new Float64Array(n + 1);
    this.c2 = new Float64Array(n + 1);
    let abs1 = 0;
    for (let k = 0; k < n; k++) {
      const x = xs[k];
      const c = cs[k];
      this.c0[k + 1] = this.c0[k] + c;
      this.c1[k + 1] = this.c1[k] + c * x;
      this.c2[k + 1] = this.c2[k] + c * x * x;
      abs1 += c * Math.abs(x);
    }
    this.abs1 = abs1;
  }

  /** The first bin whose centre is above t, or at least t with `orEqual` (xs ascend). */
  private firstAbove(t: number, orEqual: boolean): number {
    let lo = 0;
    let hi = this.xs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.xs[mid] > t || (orEqual && this.xs[mid] === t)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /**
   * The bound for a range's grid and its margin: the bound less the margin is at most the exact squared error
   * (the moments cancel, so the margin covers their rounding many times over).
   */
  bound(r: TensorRange, scheme: RangeScheme): { bound: number; margin: number } {
    const { scale, zeroPoint } = computeScaleZeroPoint(r.min, r.max, scheme.range, scheme.symmetric);
    const top = Math.fround(scale * (scheme.range.qmax - zeroPoint));
    const bottom = Math.fround(scale * (scheme.range.qmin - zeroPoint));
    const n = this.xs.length;
    const { c0, c1, c2 } = this;
    // bins [a, n) are above the top, bins [0, b) below the bottom
    const a = this.firstAbove(top, false);
    const b = this.firstAbove(bottom, true);
    const above = c2[n] - c2[a] - 2 * top * (c1[n] - c1[a]) + top * top * (c0[n] - c0[a]);
    const below = c2[b] - 2 * bottom * c1[b] + bottom * bottom * c0[b];
    const t = Math.max(Math.abs(top), Math.abs(bottom));
    return { bound: Math.max(0, above) + Math.max(0, below), margin: 1e-10 * (c2[n] + 2 * t * this.abs1 + t * t * c0[n]) };
  }
}

/**
 * Shrinks the range toward 0 by factors α ∈ (0, 1] and keeps the one with the least expected error. A candidate
 * whose clipped bins alone (ClippedError) err more than the best so far is skipped without its sum: the same
 * pick as trying every one.
 */
export function mseRange(h: Histogram, scheme: RangeScheme, o: CalibratorOptions, prune = true): TensorRange {
  const { xs, cs } = binCentres(h);
  // Every candidate's sum in WebAssembly (kernels.wat's sqerr, the same f32 and f64 steps) once the bins are copied in.
  const wasm = binsInWasm(xs, cs);
  const clipped = prune ? new ClippedError(xs, cs) : null;
  const full = { min: Math.min(0, h.min), max: Math.max(0, h.max) };
  let best = full;
  let bestErr = squaredErrorSum(xs, cs, full, scheme, wasm);
  for (let k = 1; k < o.mseCandidates; k++) {
    const a = 1 - k / o.mseCandidates;
    const r = { min: full.min * a, max: full.max * a };
    if (clipped) {
      const { bound, margin } = clipped.bound(r, scheme);
      if (bound - margin > bestErr) continue;
    }
    const e = squaredErrorSum(xs, cs, r, scheme, wasm);
    if (e < bestErr) {
      bestErr = e;
      best = r;
    }
  }
  return best;
}

/** The range a calibrator picks for one tensor from its collected histogram; no model run needed. */
export function calibrateRange(id: CalibratorId, h: Histogram, scheme: RangeScheme, o: CalibratorOptions = CALIBRATOR_DEFAULTS): TensorRange {
  if (h.total === 0) return { min: 0, max: 0 };
  switch (id) {
    case 'minmax':
      return { min: h.min, max: h.max };
    case 'percentile':
      return percentileRange(h, o);
    case 'entropy':
      return entropyRange(h, scheme);
    case 'mse':
      return mseRange(h, scheme, o);
  }
}
