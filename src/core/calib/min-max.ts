import type { TensorRange } from '../quant/qdq';

/**
 * Running min and max of every tensor, one batch at a time. Two collectors merge by taking the wider range,
 * so per-image statistics can be combined into any subset without running the model again.
 */
export class MinMaxCollector {
  readonly ranges = new Map<string, TensorRange>();
  readonly nonFloat = new Set<string>();
  /** number of samples (images) seen */
  samples = 0;

  observe(name: string, data: ArrayLike<number> | BigInt64Array): void {
    if (!(data instanceof Float32Array)) {
      this.nonFloat.add(name);
      return;
    }
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (data.length === 0) return;
    const r = this.ranges.get(name);
    if (!r) this.ranges.set(name, { min, max });
    else {
      if (min < r.min) r.min = min;
      if (max > r.max) r.max = max;
    }
  }

  merge(other: MinMaxCollector): void {
    for (const [name, o] of other.ranges) {
      const r = this.ranges.get(name);
      if (!r) this.ranges.set(name, { ...o });
      else {
        r.min = Math.min(r.min, o.min);
        r.max = Math.max(r.max, o.max);
      }
    }
    for (const n of other.nonFloat) this.nonFloat.add(n);
    this.samples += other.samples;
  }
}
