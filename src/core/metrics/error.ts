/**
 * Accumulates the error between a reference tensor x (FP32) and its approximation y (int8 model) over
 * many samples. SQNR = 10·log10(Σx² / Σ(x − y)²) in dB: +6 dB is roughly one more bit.
 */
export class ErrorAccumulator {
  signal = 0;
  noise = 0;
  count = 0;
  maxAbs = 0;
  dot = 0;
  normY = 0;

  add(x: Float32Array, y: Float32Array): void {
    if (x.length !== y.length) throw new RangeError(`Cannot compare tensors of ${x.length} and ${y.length} values.`);
    let s = 0;
    let n = 0;
    let d = 0;
    let yy = 0;
    let m = this.maxAbs;
    for (let i = 0; i < x.length; i++) {
      const a = x[i];
      const b = y[i];
      const e = a - b;
      s += a * a;
      n += e * e;
      d += a * b;
      yy += b * b;
      const ae = e < 0 ? -e : e;
      if (ae > m) m = ae;
    }
    this.signal += s;
    this.noise += n;
    this.dot += d;
    this.normY += yy;
    this.count += x.length;
    this.maxAbs = m;
  }

  /** dB; Infinity when the approximation is exact, -Infinity... never: a zero signal with noise gives -Infinity. */
  get sqnrDb(): number {
    if (this.noise === 0) return Infinity;
    if (this.signal === 0) return -Infinity;
    return 10 * Math.log10(this.signal / this.noise);
  }

  get mse(): number {
    return this.count ? this.noise / this.count : 0;
  }

  get cosine(): number {
    const den = Math.sqrt(this.signal * this.normY);
    return den === 0 ? (this.signal === this.normY ? 1 : 0) : this.dot / den;
  }
}

export function sqnrDb(x: Float32Array, y: Float32Array): number {
  const acc = new ErrorAccumulator();
  acc.add(x, y);
  return acc.sqnrDb;
}
