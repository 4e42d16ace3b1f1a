/**
 * Plain data for the analysis panels, computed where the tensors live (the worker): histograms binned for
 * display, the quantization grid and clipping range of a weight, per-channel ranges, and what each calibrator
 * would choose for an activation. Panels only draw these.
 */
import { CALIBRATORS, calibrateRange, expectedSquaredError } from '../calib/calibrators';
import type { CalibratorId, CalibratorOptions, RangeScheme } from '../calib/calibrators';
import { binEdge, binWidth } from '../calib/histogram';
import type { Histogram } from '../calib/histogram';
import { ErrorAccumulator } from '../metrics/error';
import type { QParams, QRange } from '../quant/qparams';
import { computeScaleZeroPoint, dequantizeValue, qRange, quantizeValue } from '../quant/qparams';
import { axisLayout, channelRanges } from '../quant/weights';

/** Equal-width bins: bin i covers [lo + i·width, lo + (i+1)·width). */
export interface Bars {
  lo: number;
  width: number;
  counts: number[];
}

/** Bins values into at most `bins` equal bins spanning [min, max] of the data (the last bin includes max). */
export function binValues(values: ArrayLike<number>, bins: number): Bars {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(values.length > 0)) return { lo: 0, width: 1, counts: [] };
  if (min === max) return { lo: min - 0.5, width: 1, counts: [values.length] };
  const width = (max - min) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) counts[Math.min(bins - 1, Math.floor((values[i] - min) / width))]++;
  return { lo: min, width, counts };
}

/**
 * Merges whole bins of a calibration histogram into at most `bins` display bins: exact (no value moves to a
 * bin it was not in), trimmed to the bins that hold data.
 */
export function rebinHistogram(h: Histogram, bins: number): Bars {
  let a = 0;
  let b = h.counts.length - 1;
  while (a <= b && h.counts[a] === 0) a++;
  while (b >= a && h.counts[b] === 0) b--;
  if (a > b) return { lo: 0, width: 1, counts: [] };
  const n = b - a + 1;
  const f = Math.ceil(n / bins);
  const counts = new Array<number>(Math.ceil(n / f)).fill(0);
  for (let i = a; i <= b; i++) counts[Math.floor((i - a) / f)] += h.counts[i];
  return { lo: binEdge(h, a), width: binWidth(h) * f, counts };
}

/** Share of the histogram's values outside [min, max], interpolating linearly inside the edge bins. */
export function clippedShare(h: Histogram, r: { min: number; max: number }): number {
  if (h.total === 0) return 0;
  const w = binWidth(h);
  let out = 0;
  for (let i = 0; i < h.counts.length; i++) {
    const c = h.counts[i];
    if (!c) continue;
    // Clamp each bin to the data's exact extremes: a bin reaching past max holds no value beyond it.
    const lo = Math.max(binEdge(h, i), h.min);
    const hi = Math.min(binEdge(h, i) + w, h.max);
    const span = hi - lo;
    if (span <= 0) {
      if (lo < r.min || lo > r.max) out += c;
      continue;
    }
    const below = Math.min(Math.max(r.min - lo, 0), span);
    const above = Math.min(Math.max(hi - r.max, 0), span);
    out += (c * Math.min(span, below + above)) / span;
  }
  return out / h.total;
}

// ***** weights *****

export interface WeightView {
  weight: string;
  node: string;
  op: string;
  dims: number[];
  /** output-channel axis */
  axis: number;
  bits: number;
  symmetric: boolean;
  /** the scheme the variant uses for this weight */
  granularity: 'per-tensor' | 'per-channel';
  histogram: Bars;
  perTensor: { min: number; max: number; scale: number; zeroPoint: number; clipLo: number; clipHi: number };
  /** per output channel: value range and the per-channel scale */
  channels: { min: number[]; max: number[]; scale: number[]; levelsPerTensor: number[] };
  /** dequantized values of the per-tensor grid, when it has at most 256 levels */
  levels: number[];
  /** weight SQNR (dB) of each granularity */
  sqnrDb: { perTensor: number; perChannel: number };
  /** largest channel |w|max over the smallest non-zero one */
  spread: number;
}

function levelsUsed(values: Float32Array, dims: readonly number[], axis: number, p: QParams, range: QRange): number[] {
  const { outer, channels, inner } = axisLayout(dims, axis);
  const lo = new Array<number>(channels).fill(Infinity);
  const hi = new Array<number>(channels).fill(-Infinity);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const base = (o * channels + c) * inner;
      for (let i = 0; i < inner; i++) {
        const q = quantizeValue(values[base + i], p, range);
        if (q < lo[c]) lo[c] = q;
        if (q > hi[c]) hi[c] = q;
      }
    }
  }
  return lo.map((l, c) => (l === Infinity ? 0 : hi[c] - l + 1));
}

/** SQNR (dB) of a weight after quantize–dequantize with the given per-tensor (axis null) or per-channel parameters. */
export function fakeQuantSqnr(values: Float32Array, dims: readonly number[], axis: number | null, params: QParams[], range: QRange): number {
  const y = new Float32Array(values.length);
  const { outer, channels, inner } = axis === null ? { outer: 1, channels: 1, inner: values.length } : axisLayout(dims, axis);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const p = params[c];
      const base = (o * channels + c) * inner;
      for (let i = 0; i < inner; i++) y[base + i] = dequantizeValue(quantizeValue(values[base + i], p, range), p);
    }
  }
  const acc = new ErrorAccumulator();
  acc.add(values, y);
  return acc.sqnrDb;
}

export function weightView(
  values: Float32Array,
  dims: number[],
  meta: { weight: string; node: string; op: string; axis: number; bits: number; symmetric: boolean; granularity: 'per-tensor' | 'per-channel' },
  bins = 120,
): WeightView {
  const range = qRange('int8', meta.symmetric, meta.bits);
  const [all] = channelRanges(values, dims, null);
  const pt = computeScaleZeroPoint(all.min, all.max, range, meta.symmetric);
  const ch = channelRanges(values, dims, meta.axis);
  const pc = ch.map((r) => computeScaleZeroPoint(r.min, r.max, range, meta.symmetric));
  const absMax = ch.map((r) => Math.max(Math.abs(r.min), Math.abs(r.max))).filter((a) => a > 0);
  const nLevels = range.qmax - range.qmin + 1;
  return {
    ...meta,
    dims,
    histogram: binValues(values, bins),
    perTensor: {
      min: all.min,
      max: all.max,
      scale: pt.scale,
      zeroPoint: pt.zeroPoint,
      clipLo: dequantizeValue(range.qmin, pt),
      clipHi: dequantizeValue(range.qmax, pt),
    },
    channels: {
      min: ch.map((r) => r.min),
      max: ch.map((r) => r.max),
      scale: pc.map((p) => p.scale),
      levelsPerTensor: levelsUsed(values, dims, meta.axis, pt, range),
    },
    levels: nLevels <= 256 ? Array.from({ length: nLevels }, (_, i) => dequantizeValue(range.qmin + i, pt)) : [],
    sqnrDb: {
      perTensor: fakeQuantSqnr(values, dims, null, [pt], range),
      perChannel: fakeQuantSqnr(values, dims, meta.axis, pc, range),
    },
    spread: absMax.length ? Math.max(...absMax) / Math.min(...absMax) : 1,
  };
}

// ***** activations *****

export interface CalibratorChoice {
  calibrator: CalibratorId;
  label: string;
  min: number;
  max: number;
  /** share of calibration values outside the range */
  clipped: number;
  /** expected SQNR (dB) of quantize–dequantize on the calibration distribution */
  expectedSqnrDb: number;
}

export interface ActivationView {
  tensor: string;
  samples: number;
  values: number;
  min: number;
  max: number;
  histogram: Bars;
  choices: CalibratorChoice[];
  /** the calibrator of the run */
  chosen: CalibratorId;
  /** the range the quantized model uses (an op that shares its input's range takes that one) */
  used?: { min: number; max: number };
}

/** Mean of x² over the histogram (bin centres clamped to the exact extremes). */
export function meanSquare(h: Histogram): number {
  const w = binWidth(h);
  let s = 0;
  for (let i = 0; i < h.counts.length; i++) {
    if (!h.counts[i]) continue;
    const x = Math.min(h.max, Math.max(h.min, binEdge(h, i) + w / 2));
    s += h.counts[i] * x * x;
  }
  return h.total ? s / h.total : 0;
}

export function activationView(
  tensor: string,
  h: Histogram,
  samples: number,
  scheme: RangeScheme,
  chosen: CalibratorId,
  options?: CalibratorOptions,
  bins = 160,
): ActivationView {
  const signal = meanSquare(h);
  const choices = CALIBRATORS.map(({ id, label }) => {
    const r = calibrateRange(id, h, scheme, options);
    const err = expectedSquaredError(h, { min: Math.min(0, r.min), max: Math.max(0, r.max) }, scheme);
    return {
      calibrator: id,
      label,
      min: r.min,
      max: r.max,
      clipped: clippedShare(h, r),
      expectedSqnrDb: err === 0 ? Infinity : 10 * Math.log10(signal / err),
    };
  });
  return { tensor, samples, values: h.total, min: h.min, max: h.max, histogram: rebinHistogram(h, bins), choices, chosen };
}

/**
 * The layer (index) where a per-layer error curve first jumps: the first step down of at least `thresholdDb`
 * from the layer before it (in graph order), or else the largest step down; -1 when nothing falls.
 */
export function firstJump(sqnrDb: number[], thresholdDb = 6): number {
  let bestDrop = 0;
  let at = -1;
  for (let i = 1; i < sqnrDb.length; i++) {
    const prev = sqnrDb[i - 1];
    const v = sqnrDb[i];
    // An exact layer (Infinity) before an inexact one is where error starts: a jump.
    const drop = prev === Infinity ? (v === Infinity ? 0 : Infinity) : prev - v;
    if (!(drop > 0)) continue;
    if (drop >= thresholdDb) return i;
    if (drop > bestDrop) {
      bestDrop = drop;
      at = i;
    }
  }
  return at;
}
