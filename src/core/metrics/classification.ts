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
