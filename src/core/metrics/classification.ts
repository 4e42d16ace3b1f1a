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

/** Whether a vector already is a probability distribution: non-negative and summing to 1. */
function isDistribution(v: ArrayLike<number>): boolean {
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    if (v[i] < 0) return false;
    sum += v[i];
  }
  return Math.abs(sum - 1) < 1e-3;
}

/** The vector normalised to sum 1 (probabilities), or its softmax (scores). */
export function asDistribution(v: ArrayLike<number>, probabilities = isDistribution(v)): Float64Array {
  const out = new Float64Array(v.length);
  if (probabilities) {
    let sum = 0;
    for (let i = 0; i < v.length; i++) sum += v[i];
    for (let i = 0; i < v.length; i++) out[i] = sum > 0 ? v[i] / sum : 1 / v.length;
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
 * KL(P ‖ Q) in nats between the FP32 (P) and int8 (Q) output distributions. Whether the outputs are
 * probabilities or scores is decided from the FP32 output: a quantized softmax no longer sums to exactly 1, and
 * must not be mistaken for scores. Q is 0 for most classes of a quantized softmax, which only says the value
 * was below half a step: those classes share the mass the rounding took away (1 − ΣQ, when positive; else
 * half Q's smallest positive entry each), and Q is normalised after, so the result is never negative (it was,
 * on SqueezeNet's softmax, when zeros were floored without renormalising).
 */
export function klDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const probabilities = isDistribution(p);
  const P = asDistribution(p, probabilities);
  const Q = probabilities ? Float64Array.from(q, (v) => (v > 0 ? v : 0)) : asDistribution(q, false);
  let sum = 0;
  let zeros = 0;
  let smallest = Infinity;
  for (let i = 0; i < Q.length; i++) {
    sum += Q[i];
    if (Q[i] === 0) zeros++;
    else if (Q[i] < smallest) smallest = Q[i];
  }
  if (zeros) {
    const missing = probabilities && sum < 1 ? (1 - sum) / zeros : 0;
    const fill = missing > 0 ? missing : smallest === Infinity ? 1 / Q.length : smallest / 2;
    for (let i = 0; i < Q.length; i++) if (Q[i] === 0) Q[i] = fill;
    sum += fill * zeros;
  }
  let kl = 0;
  for (let i = 0; i < P.length; i++) if (P[i] > 0) kl += P[i] * Math.log((P[i] * sum) / Q[i]);
  return kl;
}
