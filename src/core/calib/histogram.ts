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
  const f = 2 ** (exp - h.exp);
  const first = Math.floor(h.first / f);
  const last = Math.floor((h.first + h.counts.length - 1) / f);
  const counts = new Float64Array(last - first + 1);
  for (let i = 0; i < h.counts.length; i++) counts[Math.floor((h.first + i) / f) - first] += h.counts[i];
  return { ...h, exp, first, counts };
}

/** Re-span to grid indices [first, last] at the same width (which must cover the current bins). */
function respan(h: Histogram, first: number, last: number): Histogram {
  if (h.counts.length && first === h.first && last === h.first + h.counts.length - 1) return h;
  const counts = new Float64Array(last - first + 1);
  counts.set(h.counts, h.first - first);
  return { ...h, first, counts };
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
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
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
  const inv = 2 ** -exp;
  const counts = out.counts;
  const first = out.first;
  for (let i = 0; i < data.length; i++) counts[Math.floor(data[i] * inv) - first]++;
  return out;
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
