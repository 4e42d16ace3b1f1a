/**
 * Separable Lanczos-3 resampling with antialiasing, as PIL's Image.resize(LANCZOS): when shrinking by a
 * factor k the kernel is stretched by k, so every source pixel contributes. Used by the browser worker and
 * the CLI alike, so both feed the model the same tensor for the same decoded image.
 *
 *   out(x) = Σⱼ L((j + ½ − c) / k) · in(j) / Σⱼ L(…),   c = (x + ½) · s + x₀,  k = max(s, 1),  s = srcSize / outSize
 *   L(t) = sinc(t) · sinc(t / 3) for |t| < 3
 */
function lanczos(t: number): number {
  if (t === 0) return 1;
  if (t <= -3 || t >= 3) return 0;
  const pt = Math.PI * t;
  return (3 * Math.sin(pt) * Math.sin(pt / 3)) / (pt * pt);
}

interface Taps {
  start: Int32Array;
  count: Int32Array;
  weights: Float32Array;
  maxTaps: number;
}

/** Filter taps mapping the source span [x0, x0 + span) onto `out` samples of an axis of `size` pixels. */
function taps(size: number, x0: number, span: number, out: number): Taps {
  const scale = span / out;
  const k = Math.max(scale, 1);
  const support = 3 * k;
  const maxTaps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(out);
  const count = new Int32Array(out);
  const weights = new Float32Array(out * maxTaps);
  for (let x = 0; x < out; x++) {
    const center = x0 + (x + 0.5) * scale;
    const lo = Math.max(0, Math.floor(center - support));
    const hi = Math.min(size, Math.ceil(center + support));
    let sum = 0;
    const n = Math.min(hi - lo, maxTaps);
    for (let j = 0; j < n; j++) {
      const w = lanczos((lo + j + 0.5 - center) / k);
      weights[x * maxTaps + j] = w;
      sum += w;
    }
    if (sum !== 0) for (let j = 0; j < n; j++) weights[x * maxTaps + j] /= sum;
    start[x] = lo;
    count[x] = n;
  }
  return { start, count, weights, maxTaps };
}

/**
 * Resample the source rectangle (sx, sy, sw, sh) of an image with `channels` interleaved channels
 * (3 = RGB, 4 = RGBA; alpha is dropped) to an outW × outH RGB image.
 */
export function resampleRgb(
  src: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  channels: 3 | 4,
  rect: { sx: number; sy: number; sw: number; sh: number },
  outW: number,
  outH: number,
): Uint8Array {
  if (src.length < width * height * channels) throw new RangeError(`Image data holds ${src.length} bytes, not ${width}×${height}×${channels}.`);
  const h = taps(width, rect.sx, rect.sw, outW);
  const v = taps(height, rect.sy, rect.sh, outH);
  // Horizontal pass over the rows the vertical pass needs, in float.
  const rowLo = v.start[0];
  const rowHi = v.start[outH - 1] + v.count[outH - 1];
  const mid = new Float32Array((rowHi - rowLo) * outW * 3);
  for (let y = rowLo; y < rowHi; y++) {
    const rowBase = y * width * channels;
    const midBase = (y - rowLo) * outW * 3;
    for (let x = 0; x < outW; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      const s0 = h.start[x];
      const wBase = x * h.maxTaps;
      for (let j = 0; j < h.count[x]; j++) {
        const w = h.weights[wBase + j];
        const p = rowBase + (s0 + j) * channels;
        r += w * src[p];
        g += w * src[p + 1];
        b += w * src[p + 2];
      }
      mid[midBase + x * 3] = r;
      mid[midBase + x * 3 + 1] = g;
      mid[midBase + x * 3 + 2] = b;
    }
  }
  const out = new Uint8Array(outW * outH * 3);
  const rowLen = outW * 3;
  for (let y = 0; y < outH; y++) {
    const s0 = v.start[y] - rowLo;
    const wBase = y * v.maxTaps;
    const o = y * rowLen;
    for (let i = 0; i < rowLen; i++) {
      let acc = 0;
      for (let j = 0; j < v.count[y]; j++) acc += v.weights[wBase + j] * mid[(s0 + j) * rowLen + i];
      out[o + i] = acc <= 0 ? 0 : acc >= 255 ? 255 : Math.round(acc);
    }
  }
  return out;
}
