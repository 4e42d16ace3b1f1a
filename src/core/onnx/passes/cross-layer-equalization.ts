import { GraphIndex } from '../graph-index';
import { attrInt, makeNode, makeTensor, tensorDims, tensorToFloat32, tensorToNumbers } from '../model';
import type { GraphProto, NodeProto, TensorProto } from '../model';

export interface EqualizedPair {
  first: string;
  second: string;
  /** how the activation between them was kept exact */
  activation: 'none' | 'Relu' | 'Relu+Min';
  /** range spread max(r)/min(r) over the first layer's output channels, before and after */
  spreadBefore: number;
  spreadAfter: number;
}

interface Chain {
  conv1: NodeProto;
  conv2: NodeProto;
  relu?: NodeProto;
  /** Min with a per-channel cap (ReLU6 after equalisation), or the Clip that becomes one */
  cap?: NodeProto;
}

const isConv = (n?: NodeProto): n is NodeProto => !!n && n.opType === 'Conv' && !n.domain;

/**
 * Cross-layer equalisation (Nagel et al., "Data-Free Quantization Through Weight Equalization and Bias
 * Correction", ICCV 2019). For Conv₁ → (ReLU) → Conv₂, scaling output channel i of Conv₁ by 1/sᵢ and the
 * matching input channel of Conv₂ by sᵢ leaves the function unchanged, since ReLU(x/s) = ReLU(x)/s for s > 0.
 * With rᵢ the largest |w| of each side, sᵢ = √(r₁ᵢ / r₂ᵢ) makes both sides' ranges √(r₁ᵢ r₂ᵢ).
 *
 * ReLU6 = min(max(x, 0), 6) is not scale-equivariant; it stays exact as Relu followed by Min with the
 * per-channel cap 6/sᵢ (replacing it by a plain ReLU, as the paper does, changes the FP32 model).
 * Handles plain and depthwise Conv₁ and Conv₂; repeats `sweeps` times over the chain so each layer is
 * balanced against both neighbours. Mutates `graph`.
 */
export function crossLayerEqualization(graph: GraphProto, sweeps = 8): EqualizedPair[] {
  const summary = new Map<string, EqualizedPair>();
  for (let sweep = 0; sweep < sweeps; sweep++) {
    const index = new GraphIndex(graph);
    const chains = findChains(graph, index);
    if (!chains.length) break;
    for (const chain of chains) {
      const pair = equalize(graph, new GraphIndex(graph), chain);
      if (!pair) continue;
      const key = `${pair.first}→${pair.second}`;
      const prev = summary.get(key);
      summary.set(key, prev ? { ...pair, spreadBefore: prev.spreadBefore } : pair);
    }
  }
  // Clip bounds no Clip reads any more.
  const used = new Set(graph.node.flatMap((n) => n.input));
  graph.initializer = graph.initializer.filter((t) => used.has(t.name) || graph.input.some((i) => i.name === t.name));
  return [...summary.values()];
}

function soleConsumer(index: GraphIndex, tensor: string): NodeProto | undefined {
  const c = index.consumersOf(tensor);
  return c.length === 1 && !index.graphOutputs.has(tensor) ? c[0] : undefined;
}

function constValue(index: GraphIndex, name: string | undefined): number[] | undefined {
  const t = name ? index.initializers.get(name) : undefined;
  return t ? tensorToNumbers(t) : undefined;
}

function findChains(graph: GraphProto, index: GraphIndex): Chain[] {
  const chains: Chain[] = [];
  for (const conv1 of graph.node) {
    if (!isConv(conv1) || !index.initializers.has(conv1.input[1])) continue;
    let next = soleConsumer(index, conv1.output[0]);
    const chain: Partial<Chain> = { conv1 };
    if (next?.opType === 'Relu') {
      chain.relu = next;
      next = soleConsumer(index, next.output[0]);
      if (next?.opType === 'Min' && index.initializers.has(next.input[1])) {
        chain.cap = next;
        next = soleConsumer(index, next.output[0]);
      }
    } else if (next?.opType === 'Clip') {
      const lo = constValue(index, next.input[1]);
      const hi = constValue(index, next.input[2]);
      if (!lo || lo[0] !== 0 || !hi || hi.length !== 1) continue;
      chain.cap = next;
      next = soleConsumer(index, next.output[0]);
    }
    if (!isConv(next) || !index.initializers.has(next.input[1])) continue;
    chain.conv2 = next;
    chains.push(chain as Chain);
  }
  return chains;
}

function absMaxPerChannel(w: Float32Array, channels: number, axis: 0 | 1, dims: number[]): Float64Array {
  const r = new Float64Array(channels);
  const inner = dims.slice(2).reduce((a, b) => a * b, 1);
  const d1 = dims[1];
  for (let o = 0; o < dims[0]; o++) {
    for (let i = 0; i < d1; i++) {
      const c = axis === 0 ? o : i;
      const base = (o * d1 + i) * inner;
      for (let k = 0; k < inner; k++) {
        const v = Math.abs(w[base + k]);
        if (v > r[c]) r[c] = v;
      }
    }
  }
  return r;
}

function spread(r: Float64Array): number {
  let lo = Infinity;
  let hi = 0;
  for (const v of r) {
    if (v > 0 && v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo === Infinity ? 1 : hi / lo;
}

function equalize(graph: GraphProto, index: GraphIndex, { conv1, conv2, relu, cap }: Chain): EqualizedPair | undefined {
  const w1t = index.initializers.get(conv1.input[1])!;
  const w2t = index.initializers.get(conv2.input[1])!;
  // Weights shared with another node cannot be rescaled for this pair alone.
  if (index.consumersOf(w1t.name).length !== 1 || index.consumersOf(w2t.name).length !== 1) return undefined;
  const d1 = tensorDims(w1t);
  const d2 = tensorDims(w2t);
  const channels = d1[0];
  const group2 = attrInt(conv2, 'group', 1);
  const depthwise2 = group2 === channels && d2[1] === 1 && d2[0] === channels;
  if (!depthwise2 && (group2 !== 1 || d2[1] !== channels)) return undefined;

  const w1 = tensorToFloat32(w1t);
  const w2 = tensorToFloat32(w2t);
  const r1 = absMaxPerChannel(w1, channels, 0, d1);
  const r2 = absMaxPerChannel(w2, channels, depthwise2 ? 0 : 1, d2);
  const s = new Float64Array(channels);
  for (let i = 0; i < channels; i++) s[i] = r1[i] > 0 && r2[i] > 0 ? Math.sqrt(r1[i] / r2[i]) : 1;

  // Conv₁: output channel i scaled by 1/sᵢ (weights and bias).
  const inner1 = w1.length / channels;
  const nw1 = new Float32Array(w1.length);
  for (let i = 0; i < channels; i++) for (let k = 0; k < inner1; k++) nw1[i * inner1 + k] = w1[i * inner1 + k] / s[i];
  const replace = (t: TensorProto) => {
    graph.initializer = graph.initializer.map((x) => (x.name === t.name ? t : x));
  };
  replace(makeTensor(w1t.name, d1, nw1));
  const b1t = conv1.input[2] ? index.initializers.get(conv1.input[2]) : undefined;
  if (b1t) {
    if (index.consumersOf(b1t.name).length !== 1) return undefined;
    const b1 = tensorToFloat32(b1t);
    replace(makeTensor(b1t.name, [channels], Float32Array.from(b1, (v, i) => v / s[i])));
  }
  // Conv₂: input channel i scaled by sᵢ.
  const nw2 = new Float32Array(w2.length);
  const inner2 = d2.slice(2).reduce((a, b) => a * b, 1);
  for (let o = 0; o < d2[0]; o++) {
    for (let i = 0; i < d2[1]; i++) {
      const c = depthwise2 ? o : i;
      const base = (o * d2[1] + i) * inner2;
      for (let k = 0; k < inner2; k++) nw2[base + k] = w2[base + k] * s[c];
    }
  }
  replace(makeTensor(w2t.name, d2, nw2));

  let activation: EqualizedPair['activation'] = relu ? 'Relu' : 'none';
  if (cap) {
    activation = 'Relu+Min';
    let caps: Float32Array;
    let capNode = cap;
    if (cap.opType === 'Clip') {
      // ReLU6 → Relu + Min(x, cap) with a per-channel cap, broadcast over [C, 1, 1].
      const hi = constValue(index, cap.input[2])![0];
      caps = new Float32Array(channels).fill(hi);
      const reluOut = `${cap.output[0]}_relu`;
      const capName = `${cap.name || cap.output[0]}_cap`;
      const reluNode = makeNode('Relu', [cap.input[0]], [reluOut], `${cap.name || cap.output[0]}_relu`);
      capNode = makeNode('Min', [reluOut, capName], [cap.output[0]], cap.name || `${cap.output[0]}_min`);
      const at = graph.node.indexOf(cap);
      graph.node.splice(at, 1, reluNode, capNode);
      graph.initializer.push(makeTensor(capName, [channels, 1, 1], caps));
    } else {
      const c = tensorToFloat32(index.initializers.get(cap.input[1])!);
      caps = c.length === channels ? c : new Float32Array(channels).fill(c[0]);
    }
    const capT = graph.initializer.find((t) => t.name === capNode.input[1])!;
    replace(makeTensor(capT.name, [channels, 1, 1], Float32Array.from(caps, (v, i) => v / s[i])));
  }
  const r1After = absMaxPerChannel(nw1, channels, 0, d1);
  return { first: conv1.name, second: conv2.name, activation, spreadBefore: spread(r1), spreadAfter: spread(r1After) };
}
