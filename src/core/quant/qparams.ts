/**
 * Scale and zero point of the affine map r = s · (q − z), computed exactly as onnxruntime's
 * `quant_utils.compute_scale_zp` does (float32 range, float64 scale arithmetic, numpy's round-half-to-even,
 * scale stored as float32), so our parameters equal ORT's bit for bit on the same ranges.
 */

export type QType = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32';

export interface QRange {
  qmin: number;
  qmax: number;
}

export interface QParams {
  scale: number;
  zeroPoint: number;
}

/** Smallest positive normal float32; ORT treats a smaller scale as "no range" (scale 1, zero point 0). */
export const FLOAT32_TINY = 1.1754943508222875e-38;

/**
 * Integer range of a type at a bit width. Symmetric signed ranges drop the most negative level
 * (int8: −127..127), as ORT's ONNX_INT_TYPE_SYMMETRIC_RANGE; below the type's width the range is narrowed to
 * `bits` (e.g. int8 at 4 bits: −7..7 symmetric, −8..7 otherwise; uint8 at 4 bits: 0..15).
 */
export function qRange(type: QType, symmetric: boolean, bits?: number): QRange {
  const width = { int8: 8, uint8: 8, int16: 16, uint16: 16, int32: 32 }[type];
  const b = bits ?? width;
  if (!Number.isInteger(b) || b < 2 || b > width) {
    throw new RangeError(`A ${type} tensor cannot hold ${bits}-bit values; choose 2 to ${width} bits.`);
  }
  if (type === 'uint8' || type === 'uint16') return { qmin: 0, qmax: 2 ** b - 1 };
  const half = 2 ** (b - 1);
  return symmetric ? { qmin: -(half - 1), qmax: half - 1 } : { qmin: -half, qmax: half - 1 };
}

/** numpy.round: round half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * r = s · (q − z). The range is widened to include 0 (so 0 is exactly representable); symmetric makes it
 * ±max(|rmin|, |rmax|) and puts z at the middle of [qmin, qmax].
 */
export function computeScaleZeroPoint(
  rmin: number,
  rmax: number,
  { qmin, qmax }: QRange,
  symmetric: boolean,
): QParams {
  if (qmin > 0 || qmax < 0) throw new RangeError(`qmin ${qmin} and qmax ${qmax} must satisfy qmin <= 0 <= qmax.`);
  if (!Number.isFinite(rmin) || !Number.isFinite(rmax)) {
    throw new RangeError(`Cannot quantize the range [${rmin}, ${rmax}]: it is not finite.`);
  }
  let lo = Math.fround(Math.min(Math.fround(rmin), 0));
  let hi = Math.fround(Math.max(Math.fround(rmax), 0));
  if (symmetric) {
    const absmax = Math.max(Math.abs(lo), Math.abs(hi));
    lo = -absmax;
    hi = absmax;
  }
  const scale = Math.fround(hi - lo) / (qmax - qmin);
  if (scale < FLOAT32_TINY) return { scale: 1, zeroPoint: 0 };
  const zeroPoint = symmetric ? roundHalfEven((qmin + qmax) / 2) : roundHalfEven(qmin - lo / scale);
  return { scale: Math.fround(scale), zeroPoint };
}

/** q = clamp(round(x / s) + z, qmin, qmax), with x / s in float32 as ORT's quantize_nparray. */
export function quantizeValue(x: number, { scale, zeroPoint }: QParams, { qmin, qmax }: QRange): number {
  const q = roundHalfEven(Math.fround(Math.fround(x) / scale)) + zeroPoint;
  return q < qmin ? qmin : q > qmax ? qmax : q;
}

export function dequantizeValue(q: number, { scale, zeroPoint }: QParams): number {
  return Math.fround(scale * (q - zeroPoint));
}
