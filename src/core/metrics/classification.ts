/** Index of the largest value; the first one on ties, as numpy.argmax. */
export function argmax(v: ArrayLike<number>, offset = 0, length = v.length - offset): number {
  let best = 0;
  let bestV = -Infinity;
  for (let i = 0; i < length; i++) {
    const x = v[offset + i];
    if (x > bestV) {
      bestV = x;
      best = i;
    }
  }
  return best;
}

/** Indices of the k largest values, largest first (stable on ties). */
export function topK(v: ArrayLike<number>, k: number, offset = 0, length = v.length - offset): number[] {
  const idx = Array.from({ length }, (_, i) => i);
  idx.sort((a, b) => v[offset + b] - v[offset + a] || a - b);
  return idx.slice(0, k);
}

/** Counts for top-1/top-5 accuracy against labels and top-1 agreement between two models. */
export class ClassificationTally {
  n = 0;
  labelled = 0;
  top1 = 0;
  top5 = 0;

  /** `label` is the class index in the model's output space, or null when unknown. */
  add(scores: ArrayLike<number>, label: number | null): number {
    const top = topK(scores, 5);
    this.n++;
    if (label !== null) {
      this.labelled++;
      if (top[0] === label) this.top1++;
      if (top.includes(label)) this.top5++;
    }
    return top[0];
  }

  get top1Accuracy(): number | null {
    return this.labelled ? this.top1 / this.labelled : null;
  }
  get top5Accuracy(): number | null {
    return this.labelled ? this.top5 / this.labelled : null;
  }
}

/** Softmax of a score vector, or the vector itself when it already is a distribution (non-negative, sums to 1). */
export function asDistribution(v: ArrayLike<number>): Float64Array {
  let sum = 0;
  let min = Infinity;
  for (let i = 0; i < v.length; i++) {
    sum += v[i];
    if (v[i] < min) min = v[i];
  }
  const out = new Float64Array(v.length);
  if (min >= 0 && Math.abs(sum - 1) < 1e-3) {
    for (let i = 0; i < v.length; i++) out[i] = v[i] / sum;
    return out;
  }
  let max = -Infinity;
  for (let i = 0; i < v.length; i++) if (v[i] > max) max = v[i];
  let z = 0;
  for (let i = 0; i < v.length; i++) z += out[i] = Math.exp(v[i] - max);
  for (let i = 0; i < v.length; i++) out[i] /= z;
  return out;
}

/**
 * KL(P ‖ Q) in nats between the FP32 (P) and int8 (Q) output distributions. A quantized softmax output is 0
 * for most classes, which only says the value was below half a step: Q is floored at half its smallest
 * positive entry (1/510 for a uint8 softmax) instead of 0, so one rounded-away class does not read as infinite.
 */
export function klDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const P = asDistribution(p);
  const Q = asDistribution(q);
  let smallest = Infinity;
  for (let i = 0; i < Q.length; i++) if (Q[i] > 0 && Q[i] < smallest) smallest = Q[i];
  const floor = smallest === Infinity ? 1e-12 : smallest / 2;
  let kl = 0;
  for (let i = 0; i < P.length; i++) if (P[i] > 0) kl += P[i] * Math.log(P[i] / Math.max(Q[i], floor));
  return kl;
}
