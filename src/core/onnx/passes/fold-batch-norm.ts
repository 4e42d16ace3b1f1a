import { GraphIndex } from '../graph-index';
import { attrFloat, makeTensor, tensorDims, tensorToFloat32 } from '../model';
import type { GraphProto, TensorProto } from '../model';

export interface FoldedBatchNorm {
  conv: string;
  batchNorm: string;
}

export interface BatchNormParams {
  gamma: Float32Array;
  beta: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  eps: number;
}

/**
 * The folding of one Conv's weights (output channel first) and bias: k = γ / √(σ² + ε) per output channel,
 * w' = w·k, b' = (b − μ)·k + β; computed in float64 and rounded once, as numpy-based folders do.
 */
export function foldChannels(weights: Float32Array, outC: number, bias: Float32Array, p: BatchNormParams) {
  const per = weights.length / outC;
  const k = new Float64Array(outC);
  const w = new Float32Array(weights.length);
  const b = new Float32Array(outC);
  for (let o = 0; o < outC; o++) {
    k[o] = p.gamma[o] / Math.sqrt(p.variance[o] + p.eps);
    for (let i = 0; i < per; i++) w[o * per + i] = weights[o * per + i] * k[o];
    b[o] = (bias[o] - p.mean[o]) * k[o] + p.beta[o];
  }
  return { k, weights: w, bias: b };
}

/**
 * Folds a BatchNormalization that directly follows a Conv into the Conv's weights and bias:
 *
 *   w'[o] = w[o] · γ[o] / √(σ²[o] + ε)
 *   b'[o] = (b[o] − μ[o]) · γ[o] / √(σ²[o] + ε) + β[o]
 *
 * The Conv then writes the BatchNormalization's output tensor. Applies only where the Conv's output feeds
 * nothing else and every parameter is an initializer; returns the pairs that were folded.
 */
export function foldBatchNorm(graph: GraphProto): FoldedBatchNorm[] {
  const index = new GraphIndex(graph);
  const folded: FoldedBatchNorm[] = [];
  const removed = new Set<object>();
  const replaced = new Map<string, TensorProto>();
  const usage = (name: string) => index.consumersOf(name).length;
  for (const bn of graph.node) {
    if (bn.opType !== 'BatchNormalization' || bn.domain) continue;
    const conv = index.producer.get(bn.input[0]);
    if (!conv || conv.opType !== 'Conv' || conv.domain) continue;
    if (usage(conv.output[0]) !== 1 || index.graphOutputs.has(conv.output[0])) continue;
    if (bn.output.slice(1).some((o) => o)) continue; // training-mode outputs
    const params = bn.input.slice(1, 5).map((n) => index.initializers.get(n));
    const w = index.initializers.get(conv.input[1]);
    const b = conv.input[2] ? index.initializers.get(conv.input[2]) : undefined;
    if (params.some((p) => !p) || !w || (conv.input[2] && !b)) continue;
    // Shared weights would be changed for another consumer too.
    if (usage(conv.input[1]) !== 1 || (conv.input[2] && usage(conv.input[2]) !== 1)) continue;

    const [gamma, beta, mean, variance] = params.map((p) => tensorToFloat32(p!));
    const eps = attrFloat(bn, 'epsilon', 1e-5);
    const wDims = tensorDims(w);
    const outC = wDims[0];
    const weights = tensorToFloat32(replaced.get(w.name) ?? w);
    const bias = b ? tensorToFloat32(b) : new Float32Array(outC);
    const { weights: newW, bias: newB } = foldChannels(weights, outC, bias, { gamma, beta, mean, variance, eps });
    const biasName = b ? b.name : `${conv.name || conv.output[0]}_folded_bias`;
    replaced.set(w.name, makeTensor(w.name, wDims, newW));
    replaced.set(biasName, makeTensor(biasName, [outC], newB));
    conv.input = [conv.input[0], conv.input[1], biasName];
    conv.output = [bn.output[0]];
    removed.add(bn);
    folded.push({ conv: conv.name, batchNorm: bn.name });
  }
  if (!folded.length) return folded;
  graph.node = graph.node.filter((n) => !removed.has(n));
  graph.initializer = graph.initializer.map((t) => replaced.get(t.name) ?? t);
  for (const [name, t] of replaced) if (!graph.initializer.some((x) => x.name === name)) graph.initializer.push(t);
  // BN parameters nobody reads any more are dropped.
  const used = new Set(graph.node.flatMap((n) => n.input));
  const inputs = new Set(graph.input.map((i) => i.name));
  graph.initializer = graph.initializer.filter((t) => used.has(t.name) || inputs.has(t.name));
  return folded;
}
