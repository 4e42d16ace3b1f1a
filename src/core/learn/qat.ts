/**
 * Quantization-aware training, demonstrated for real on a task small enough to train in the page: a
 * multilayer perceptron classifying points of interleaved spirals. Post-training quantization (PTQ) rounds the
 * trained weights and calibrates the activation ranges afterwards; quantization-aware training (QAT) fine-tunes
 * with the rounding in the forward pass ("fake quantization") and the straight-through estimator in the
 * backward pass: the gradient of round() is taken as 1 inside the range and 0 where the value was clipped.
 *
 * Conventions as the quantizer's: weights symmetric per-tensor on 2^(b−1) − 1 levels each side, activations
 * (after ReLU) asymmetric unsigned on [0, r] with 2^b levels, zero exact. Inputs and logits stay in float.
 */
import { mulberry32 } from '../data/split';

export interface Dataset {
  /** n × 2 coordinates */
  x: Float32Array;
  y: Int32Array;
  n: number;
  classes: number;
}

/** `perClass` points on each of `classes` interleaved spiral arms of `turns` turns, with a little noise (seeded). */
export function spirals(perClass: number, classes = 3, seed = 1, turns = 1.75, noise = 0.15): Dataset {
  const r = mulberry32(seed);
  const n = perClass * classes;
  const x = new Float32Array(n * 2);
  const y = new Int32Array(n);
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < perClass; i++) {
      const k = c * perClass + i;
      const t = i / perClass;
      const angle = (c * 2 * Math.PI) / classes + t * turns * Math.PI * 2 + (r() - 0.5) * noise * 2;
      x[2 * k] = t * Math.cos(angle) + (r() - 0.5) * noise * 0.2;
      x[2 * k + 1] = t * Math.sin(angle) + (r() - 0.5) * noise * 0.2;
      y[k] = c;
    }
  }
  return { x, y, n, classes };
}

interface Dense {
  inputs: number;
  outputs: number;
  /** outputs × inputs */
  w: Float32Array;
  b: Float32Array;
}

export interface Mlp {
  layers: Dense[];
  /** calibrated or learned range top of each hidden activation (after ReLU) */
  ranges: number[];
}

/** He-initialised MLP with ReLU between layers (seeded). */
export function createMlp(sizes: number[], seed = 1): Mlp {
  const r = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const layers: Dense[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const [inputs, outputs] = [sizes[i], sizes[i + 1]];
    const w = Float32Array.from({ length: inputs * outputs }, () => gauss() * Math.sqrt(2 / inputs));
    layers.push({ inputs, outputs, w, b: new Float32Array(outputs) });
  }
  return { layers, ranges: layers.slice(0, -1).map(() => 0) };
}

export function cloneMlp(m: Mlp): Mlp {
  return { layers: m.layers.map((l) => ({ ...l, w: l.w.slice(), b: l.b.slice() })), ranges: m.ranges.slice() };
}

export interface QuantSpec {
  weightBits: number;
  activationBits: number;
  /** one scale per output neuron (row) instead of one for the whole weight */
  perChannel?: boolean;
}

/**
 * Symmetric fake quantization of a weight: round(w/s)·s with s = max|w| / (2^(b−1) − 1), over the whole weight
 * or (`rows` > 1) each of its rows.
 */
export function fakeQuantWeight(w: Float32Array, bits: number, rows = 1): Float32Array {
  const qmax = 2 ** (bits - 1) - 1;
  const out = new Float32Array(w.length);
  const per = w.length / rows;
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let i = r * per; i < (r + 1) * per; i++) m = Math.max(m, Math.abs(w[i]));
    const s = m / qmax;
    for (let i = r * per; i < (r + 1) * per; i++) out[i] = m === 0 ? 0 : Math.max(-qmax, Math.min(qmax, Math.round(w[i] / s))) * s;
  }
  return out;
}

/** Asymmetric unsigned fake quantization of a ReLU output on [0, r]: 2^b levels, zero exact. */
export function fakeQuantActivation(v: number, r: number, bits: number): number {
  if (!(r > 0)) return 0;
  const levels = 2 ** bits - 1;
  const s = r / levels;
  return Math.max(0, Math.min(levels, Math.round(v / s))) * s;
}

interface Trace {
  /** inputs of each layer (after the previous activation, quantized if so) */
  inputs: Float32Array[];
  /** pre-activation of each hidden layer (for ReLU's and the clip's gradient) */
  pre: Float32Array[];
  logits: Float32Array;
}

/** Forward pass of a batch (rows of x); with `q`, weights and hidden activations fake-quantized. */
function forward(m: Mlp, x: Float32Array, rows: number, q: QuantSpec | null, weights: Float32Array[]): Trace {
  const inputs: Float32Array[] = [];
  const pre: Float32Array[] = [];
  let a = x;
  for (let li = 0; li < m.layers.length; li++) {
    const l = m.layers[li];
    const w = weights[li];
    inputs.push(a);
    const z = new Float32Array(rows * l.outputs);
    for (let n = 0; n < rows; n++) {
      for (let o = 0; o < l.outputs; o++) {
        let s = l.b[o];
        const wo = o * l.inputs;
        const an = n * l.inputs;
        for (let i = 0; i < l.inputs; i++) s += w[wo + i] * a[an + i];
        z[n * l.outputs + o] = s;
      }
    }
    if (li === m.layers.length - 1) return { inputs, pre, logits: z };
    pre.push(z);
    const next = new Float32Array(z.length);
    const r = m.ranges[li];
    for (let k = 0; k < z.length; k++) {
      const v = z[k] > 0 ? z[k] : 0;
      next[k] = q ? fakeQuantActivation(v, r, q.activationBits) : v;
    }
    a = next;
  }
  throw new Error('An MLP needs at least one layer.');
}

function effectiveWeights(m: Mlp, q: QuantSpec | null): Float32Array[] {
  return m.layers.map((l) => (q ? fakeQuantWeight(l.w, q.weightBits, q.perChannel ? l.outputs : 1) : l.w));
}

/** Share of the dataset classified correctly (argmax of the logits), quantized with `q` or in float. */
export function accuracy(m: Mlp, d: Dataset, q: QuantSpec | null = null): number {
  const t = forward(m, d.x, d.n, q, effectiveWeights(m, q));
  const k = d.classes;
  let right = 0;
  for (let n = 0; n < d.n; n++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (t.logits[n * k + c] > t.logits[n * k + best]) best = c;
    if (best === d.y[n]) right++;
  }
  return right / d.n;
}

/** PTQ's calibration: each hidden activation's range is the largest value it takes on the data (MinMax). */
export function calibrateRanges(m: Mlp, d: Dataset): void {
  const t = forward(m, d.x, d.n, null, effectiveWeights(m, null));
  m.ranges = t.pre.map((z) => z.reduce((a, v) => Math.max(a, v), 0));
}

export interface TrainOptions {
  epochs: number;
  batch?: number;
  learningRate?: number;
  /** fake quantization during training (QAT); null trains in float */
  quant?: QuantSpec | null;
  seed?: number;
  /** called after each epoch; return false to stop */
  onEpoch?: (epoch: number, loss: number) => boolean | void;
}

/**
 * Adam on softmax cross-entropy. With `quant`, the forward pass uses fake-quantized weights and activations;
 * the backward pass is the straight-through estimator: gradients reach the float weights as if rounding were
 * the identity, and are zero where an activation was clipped above its range. The ranges follow the batches'
 * largest activations (an exponential moving average, as TensorFlow's QAT does).
 */
export function train(m: Mlp, d: Dataset, o: TrainOptions): number {
  const batch = o.batch ?? 64;
  const lr = o.learningRate ?? 0.01;
  const q = o.quant ?? null;
  const rand = mulberry32(o.seed ?? 7);
  const moments = m.layers.map((l) => ({ mw: new Float32Array(l.w.length), vw: new Float32Array(l.w.length), mb: new Float32Array(l.b.length), vb: new Float32Array(l.b.length) }));
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  let step = 0;
  let loss = 0;
  const order = Int32Array.from({ length: d.n }, (_, i) => i);
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = d.n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    loss = 0;
    for (let start = 0; start < d.n; start += batch) {
      const rows = Math.min(batch, d.n - start);
      const x = new Float32Array(rows * 2);
      const y = new Int32Array(rows);
      for (let r = 0; r < rows; r++) {
        const k = order[start + r];
        x[2 * r] = d.x[2 * k];
        x[2 * r + 1] = d.x[2 * k + 1];
        y[r] = d.y[k];
      }
      if (q) {
        // Ranges from this batch's float activations, smoothed.
        const t0 = forward(m, x, rows, null, effectiveWeights(m, q));
        t0.pre.forEach((z, li) => {
          const top = z.reduce((a, v) => Math.max(a, v), 0);
          m.ranges[li] = m.ranges[li] > 0 ? 0.9 * m.ranges[li] + 0.1 * top : top;
        });
      }
      const weights = effectiveWeights(m, q);
      const t = forward(m, x, rows, q, weights);
      // Softmax cross-entropy gradient on the logits.
      const k = d.classes;
      let g = new Float32Array(rows * k);
      for (let r = 0; r < rows; r++) {
        let mx = -Infinity;
        for (let c = 0; c < k; c++) mx = Math.max(mx, t.logits[r * k + c]);
        let sum = 0;
        for (let c = 0; c < k; c++) sum += Math.exp(t.logits[r * k + c] - mx);
        for (let c = 0; c < k; c++) {
          const p = Math.exp(t.logits[r * k + c] - mx) / sum;
          g[r * k + c] = (p - (c === y[r] ? 1 : 0)) / rows;
          if (c === y[r]) loss -= Math.log(Math.max(p, 1e-12));
        }
      }
      step++;
      for (let li = m.layers.length - 1; li >= 0; li--) {
        const l = m.layers[li];
        const a = t.inputs[li];
        const gw = new Float32Array(l.w.length);
        const gb = new Float32Array(l.b.length);
        const ga = new Float32Array(rows * l.inputs);
        for (let r = 0; r < rows; r++) {
          for (let oo = 0; oo < l.outputs; oo++) {
            const go = g[r * l.outputs + oo];
            if (go === 0) continue;
            gb[oo] += go;
            const wo = oo * l.inputs;
            for (let i = 0; i < l.inputs; i++) {
              gw[wo + i] += go * a[r * l.inputs + i];
              ga[r * l.inputs + i] += go * weights[li][wo + i];
            }
          }
        }
        if (li > 0) {
          // Through ReLU (and, with QAT, the straight-through clip of the activation's range).
          const z = t.pre[li - 1];
          const top = m.ranges[li - 1];
          for (let k2 = 0; k2 < ga.length; k2++) if (z[k2] <= 0 || (q && z[k2] > top)) ga[k2] = 0;
          g = ga;
        }
        const mo = moments[li];
        const c1 = 1 - b1 ** step;
        const c2 = 1 - b2 ** step;
        const update = (p: Float32Array, grad: Float32Array, m1: Float32Array, v: Float32Array) => {
          for (let i = 0; i < p.length; i++) {
            m1[i] = b1 * m1[i] + (1 - b1) * grad[i];
            v[i] = b2 * v[i] + (1 - b2) * grad[i] * grad[i];
            p[i] -= (lr * (m1[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
          }
        };
        update(l.w, gw, mo.mw, mo.vw);
        update(l.b, gb, mo.mb, mo.vb);
      }
    }
    loss /= d.n;
    if (o.onEpoch?.(epoch, loss) === false) break;
  }
  return loss;
}

export interface QatResult {
  bits: number;
  ptq: number;
  qat: number;
  /** QAT's training loss per epoch */
  losses: number[];
}

export interface QatExperiment {
  fp32: number;
  fp32Losses: number[];
  results: QatResult[];
  /** what was trained, for the page */
  setup: { hidden: number[]; trainPoints: number; testPoints: number; epochs: number; qatEpochs: number };
}

/**
 * The lesson's experiment: an MLP (2 → 64 → 64 → 3) trained in float on 3 spiral arms, then quantized at each
 * bit width (weights per-channel and activations both at that width) by PTQ (round, calibrate ranges by
 * MinMax) and by QAT (PTQ's model fine-tuned with fake quantization), accuracy on held-out points.
 * Seeded: the same numbers on every machine. `onProgress(done, total)` counts epochs; returning false stops.
 */
export function qatExperiment(bits: number[] = [4, 2], onProgress: (done: number, total: number) => boolean | void = () => {}): QatExperiment | null {
  const setup = { hidden: [64, 64], trainPoints: 600, testPoints: 600, epochs: 100, qatEpochs: 100 };
  const trainSet = spirals(setup.trainPoints / 3, 3, 1, 0.75);
  const test = spirals(setup.testPoints / 3, 3, 2, 0.75);
  const total = setup.epochs + bits.length * setup.qatEpochs;
  let done = 0;
  let stopped = false;
  const tick = (losses: number[]) => (_: number, loss: number) => {
    losses.push(loss);
    if (onProgress(++done, total) === false) stopped = true;
    return !stopped;
  };
  const m = createMlp([2, ...setup.hidden, 3], 3);
  const fp32Losses: number[] = [];
  train(m, trainSet, { epochs: setup.epochs, learningRate: 0.01, onEpoch: tick(fp32Losses) });
  if (stopped) return null;
  const results: QatResult[] = [];
  for (const b of bits) {
    const q = { weightBits: b, activationBits: b, perChannel: true };
    const p = cloneMlp(m);
    calibrateRanges(p, trainSet);
    const ptq = accuracy(p, test, q);
    const losses: number[] = [];
    train(p, trainSet, { epochs: setup.qatEpochs, learningRate: 0.003, quant: q, onEpoch: tick(losses) });
    if (stopped) return null;
    results.push({ bits: b, ptq, qat: accuracy(p, test, q), losses });
  }
  return { fp32: accuracy(m, test), fp32Losses, results, setup };
}
