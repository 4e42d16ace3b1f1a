import type { QParams, QRange } from './qparams';
import { computeScaleZeroPoint, quantizeValue, roundHalfEven } from './qparams';

export interface QuantizedWeight {
  /** quantized levels, in the tensor's own layout */
  q: Int32Array;
  /** one entry per tensor, or one per channel along `axis` */
  params: QParams[];
  axis: number | null;
}

/**
 * Split a tensor of `dims` along `axis` into (outer, channels, inner) so channel c of element
 * (o, c, i) is at index (o · channels + c) · inner + i.
 *
 *   dims = [d0 … d(axis−1)] [d(axis)] [d(axis+1) …]
 *            outer            channels   inner
 */
export function axisLayout(dims: readonly number[], axis: number): { outer: number; channels: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= dims[i];
  for (let i = axis + 1; i < dims.length; i++) inner *= dims[i];
  return { outer, channels: dims[axis], inner };
}

/** Min and max per channel along `axis` (or of the whole tensor when axis is null), in float32. */
export function channelRanges(values: Float32Array, dims: readonly number[], axis: number | null): { min: number; max: number }[] {
  if (axis === null) {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return [values.length ? { min, max } : { min: 0, max: 0 }];
  }
  const { outer, channels, inner } = axisLayout(dims, axis);
  const out = Array.from({ length: channels }, () => ({ min: Infinity, max: -Infinity }));
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const r = out[c];
      const base = (o * channels + c) * inner;
      for (let i = 0; i < inner; i++) {
        const v = values[base + i];
        if (v < r.min) r.min = v;
        if (v > r.max) r.max = v;
      }
    }
  }
  return out.map((r) => (r.min === Infinity ? { min: 0, max: 0 } : r));
}

/** Quantize a weight tensor per tensor (axis null) or per channel along `axis`. */
export function quantizeWeights(
  values: Float32Array,
  dims: readonly number[],
  axis: number | null,
  range: QRange,
  symmetric: boolean,
  storage: QRange = range,
): QuantizedWeight {
  const params = channelRanges(values, dims, axis).map((r) => computeScaleZeroPoint(r.min, r.max, range, symmetric));
  const q = new Int32Array(values.length);
  const { outer, channels, inner } = axis === null ? { outer: 1, channels: 1, inner: values.length } : axisLayout(dims, axis);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const p = params[c];
      const base = (o * channels + c) * inner;
      for (let i = 0; i < inner; i++) q[base + i] = quantizeValue(values[base + i], p, storage);
    }
  }
  return { q, params, axis };
}

const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;

/**
 * Bias as int32 with scale = input scale × weight scale (per channel when the weights are), zero point 0,
 * so the Conv/Gemm accumulator adds it directly. Products and quotients in float32, as ORT.
 */
export function quantizeBias(bias: Float32Array, inputScale: number, weightParams: QParams[]): { q: Int32Array; scales: number[] } {
  const scales = weightParams.map((p) => Math.fround(Math.fround(inputScale) * p.scale));
  const q = new Int32Array(bias.length);
  for (let i = 0; i < bias.length; i++) {
    const s = scales.length === 1 ? scales[0] : scales[i];
    const v = roundHalfEven(Math.fround(bias[i] / s));
    q[i] = v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : v;
  }
  return { q, scales };
}
