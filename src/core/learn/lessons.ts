/**
 * The numbers behind learn mode's lessons, computed on the loaded model's own tensors: the affine map on a real
 * activation histogram, symmetric against asymmetric, the cost of each bit, which tensors make good examples.
 * Same conventions as the quantizer (r = s(q − z), zero exact, ranges include 0), so a lesson's number is the
 * number the quantized model lives with.
 */
import { expectedSquaredError } from '../calib/calibrators';
import { histogramQuantile } from '../calib/histogram';
import type { Histogram } from '../calib/histogram';
import { clippedShare, fakeQuantSqnr, meanSquare } from '../analysis/views';
import { computeScaleZeroPoint, dequantizeValue, qRange } from '../quant/qparams';
import type { QType } from '../quant/qparams';
import { axisLayout, channelRanges } from '../quant/weights';

export interface AffineLesson {
  bits: number;
  symmetric: boolean;
  /** integer grid [qmin, qmax] */
  qmin: number;
  qmax: number;
  scale: number;
  zeroPoint: number;
  /** the range actually represented: s(qmin − z) … s(qmax − z) (contains the requested range's 0) */
  lo: number;
  hi: number;
  /** the largest rounding error inside the range: s / 2 */
  maxRoundingError: number;
  /** grid levels inside the data's [min, max]: the ones the tensor can use */
  levelsUsed: number;
  levels: number;
  /** share of the tensor's values outside [lo, hi] (clipped) */
  clipped: number;
  /** expected SQNR of quantize–dequantize on this tensor's distribution (dB) */
  sqnrDb: number;
}

/** The storage an activation grid uses: asymmetric in uint8, symmetric in int8 (as ONNX Runtime does). */
export function activationType(symmetric: boolean): QType {
  return symmetric ? 'int8' : 'uint8';
}

/**
 * The affine map r = s(q − z) for a chosen range and bit width, judged on a real histogram: what the grid
 * represents, how many of its levels the data can use, how much it clips and the SQNR it would leave.
 */
export function affineLesson(h: Histogram, range: { min: number; max: number }, bits: number, symmetric: boolean): AffineLesson {
  const q = qRange(activationType(symmetric), symmetric, bits);
  // Ranges include 0 (zero must be exact: padding, ReLU).
  const rmin = Math.min(0, range.min);
  const rmax = Math.max(0, range.max);
  const p = computeScaleZeroPoint(rmin, rmax, q, symmetric);
  const lo = dequantizeValue(q.qmin, p);
  const hi = dequantizeValue(q.qmax, p);
  let levelsUsed = 0;
  for (let k = q.qmin; k <= q.qmax; k++) {
    const v = dequantizeValue(k, p);
    // A level serves the data if some value rounds to it: within half a step of [min, max].
    if (v >= h.min - p.scale / 2 && v <= h.max + p.scale / 2) levelsUsed++;
  }
  const err = expectedSquaredError(h, { min: lo, max: hi }, { range: q, symmetric });
  const signal = meanSquare(h);
  return {
    bits,
    symmetric,
    qmin: q.qmin,
    qmax: q.qmax,
    scale: p.scale,
    zeroPoint: p.zeroPoint,
    lo,
    hi,
    maxRoundingError: p.scale / 2,
    levelsUsed,
    levels: q.qmax - q.qmin + 1,
    clipped: clippedShare(h, { min: lo, max: hi }),
    sqnrDb: err === 0 ? Infinity : 10 * Math.log10(signal / err),
  };
}

/**
 * A good tensor to teach the affine map and calibration on: a post-ReLU activation (nothing below 0) whose
 * largest values lie far beyond its 99.9th percentile — a long tail, where min/max wastes levels and
 * calibrators disagree. Null when the model has no such tensor; the caller then takes any.
 */
export function pickTeachingActivation(histograms: Map<string, Histogram>, exclude: Set<string> = new Set()): string | null {
  let best: string | null = null;
  let bestTail = 0;
  for (const [name, h] of histograms) {
    if (exclude.has(name) || h.total < 64 || h.min < 0 || !(h.max > 0)) continue;
    const p = histogramQuantile(h, 0.999);
    const tail = p > 0 ? h.max / p : 0;
    if (tail > bestTail) {
      bestTail = tail;
      best = name;
    }
  }
  return best;
}

/** Largest over smallest per-channel |w|max: how unlike the channels of a weight are (1 = alike). */
export function channelSpread(values: Float32Array, dims: readonly number[], axis: number): number {
  const abs = channelRanges(values, dims, axis)
    .map((r) => Math.max(Math.abs(r.min), Math.abs(r.max)))
    .filter((a) => a > 0);
  return abs.length ? Math.max(...abs) / Math.min(...abs) : 1;
}

export interface BitsPoint {
  bits: number;
  /** SQNR of the whole weight (dominated by its widest channels) */
  perTensorDb: number;
  perChannelDb: number;
  /** SQNR of the narrowest channel alone (smallest |w|max), where per-tensor hurts most */
  narrowestPerTensorDb: number;
  narrowestPerChannelDb: number;
}

/**
 * SQNR of a weight quantized per-tensor and per-channel at each bit width (symmetric int grids, as the
 * quantizer's weights): the cost of every bit removed, about 6 dB while rounding dominates. The whole-weight
 * figure hides a narrow channel (its energy is small), so the narrowest channel's own SQNR comes too.
 */
export function weightBitsSweep(values: Float32Array, dims: readonly number[], axis: number, bits: number[] = [8, 7, 6, 5, 4, 3, 2]): BitsPoint[] {
  const ranges = channelRanges(values, dims, axis);
  const absMax = ranges.map((r) => Math.max(Math.abs(r.min), Math.abs(r.max)));
  let narrow = -1;
  for (let c = 0; c < absMax.length; c++) if (absMax[c] > 0 && (narrow < 0 || absMax[c] < absMax[narrow])) narrow = c;
  const [all] = channelRanges(values, dims, null);
  const { outer, channels, inner } = axisLayout(dims, axis);
  // The narrowest channel's values, gathered, as a one-channel weight.
  const own = new Float32Array(outer * inner);
  if (narrow >= 0) for (let o = 0; o < outer; o++) own.set(values.subarray((o * channels + narrow) * inner, (o * channels + narrow + 1) * inner), o * inner);
  return bits.map((b) => {
    const range = qRange('int8', true, b);
    const pt = computeScaleZeroPoint(all.min, all.max, range, true);
    const pc = ranges.map((r) => computeScaleZeroPoint(r.min, r.max, range, true));
    return {
      bits: b,
      perTensorDb: fakeQuantSqnr(values, dims, null, [pt], range),
      perChannelDb: fakeQuantSqnr(values, dims, axis, pc, range),
      narrowestPerTensorDb: narrow < 0 ? Infinity : fakeQuantSqnr(own, [own.length], null, [pt], range),
      narrowestPerChannelDb: narrow < 0 ? Infinity : fakeQuantSqnr(own, [own.length], null, [pc[narrow]], range),
    };
  });
}

/** Expected SQNR of an activation with its min/max range at each bit width (asymmetric, as calibrated). */
export function activationBitsSweep(h: Histogram, bits: number[] = [8, 7, 6, 5, 4, 3, 2]): { bits: number; sqnrDb: number }[] {
  return bits.map((b) => ({ bits: b, sqnrDb: affineLesson(h, { min: h.min, max: h.max }, b, false).sqnrDb }));
}
