/**
 * Batch-norm folding, shown on the model as it was loaded (before the workbench folded it): for a Conv
 * followed by BatchNormalization, each output channel's weights are multiplied by k = γ / √(σ² + ε) and its
 * bias becomes (b − μ)·k + β. The lesson's point: k differs per channel, so folding can spread the channels'
 * weight ranges apart — exactly what per-tensor quantization cannot take.
 */
import { GraphIndex } from '../onnx/graph-index';
import { constantsToInitializers } from '../onnx/passes/constants-to-initializers';
import { eliminateIdentity } from '../onnx/passes/eliminate-identity';
import { foldChannels } from '../onnx/passes/fold-batch-norm';
import type { BatchNormParams } from '../onnx/passes/fold-batch-norm';
import { attrFloat, tensorDims, tensorToFloat32 } from '../onnx/model';
import type { ModelProto } from '../onnx/model';
import { channelSpread } from './lessons';

export interface BnPair {
  conv: string;
  batchNorm: string;
  spreadBefore: number;
  spreadAfter: number;
}

export interface BnFoldLesson {
  pair: BnPair;
  /** every foldable pair, in graph order */
  candidates: BnPair[];
  epsilon: number;
  /** per output channel */
  gamma: number[];
  beta: number[];
  mean: number[];
  variance: number[];
  k: number[];
  absMaxBefore: number[];
  absMaxAfter: number[];
  biasBefore: number[];
  biasAfter: number[];
}

interface Found {
  pair: BnPair;
  params: BatchNormParams;
  w: Float32Array;
  b: Float32Array;
  folded: ReturnType<typeof foldChannels>;
}

/** The Conv + BN pairs of a model as exported, each folded as the workbench folds; `model` is a fresh parse. */
function foldable(model: ModelProto): Found[] {
  const graph = model.graph!;
  // As the workbench prepares a model before folding: parameters held in Constant nodes, Identity ops between.
  constantsToInitializers(graph);
  eliminateIdentity(graph);
  const index = new GraphIndex(graph);
  const out: Found[] = [];
  for (const bn of graph.node) {
    if (bn.opType !== 'BatchNormalization' || bn.domain) continue;
    const conv = index.producer.get(bn.input[0]);
    if (!conv || conv.opType !== 'Conv' || conv.domain) continue;
    const tensors = bn.input.slice(1, 5).map((n) => index.initializers.get(n));
    const w = index.initializers.get(conv.input[1]);
    if (tensors.some((p) => !p) || !w) continue;
    const dims = tensorDims(w);
    const bias = conv.input[2] ? index.initializers.get(conv.input[2]) : undefined;
    const values = tensorToFloat32(w);
    const b = bias ? tensorToFloat32(bias) : new Float32Array(dims[0]);
    const [gamma, beta, mean, variance] = tensors.map((p) => tensorToFloat32(p!));
    const params = { gamma, beta, mean, variance, eps: attrFloat(bn, 'epsilon', 1e-5) };
    const folded = foldChannels(values, dims[0], b, params);
    out.push({
      pair: { conv: conv.name || conv.output[0], batchNorm: bn.name || bn.output[0], spreadBefore: channelSpread(values, dims, 0), spreadAfter: channelSpread(folded.weights, dims, 0) },
      params,
      w: values,
      b,
      folded,
    });
  }
  return out;
}

/** max |w| of each of `outC` channels (output channel first). */
function channelAbsMax(w: Float32Array, outC: number): number[] {
  const per = w.length / outC;
  return Array.from({ length: outC }, (_, o) => {
    let m = 0;
    for (let i = 0; i < per; i++) m = Math.max(m, Math.abs(w[o * per + i]));
    return m;
  });
}

/**
 * The folding of one Conv + BatchNormalization pair of the model as loaded (by default the one whose folding
 * spreads the channels most); null when the model has none (it was folded before export, or never had any).
 * Mutates `original` (pass a fresh parse).
 */
export function bnFoldLesson(original: ModelProto, conv?: string): BnFoldLesson | null {
  const all = foldable(original);
  if (!all.length) return null;
  const f = all.find((x) => x.pair.conv === conv) ?? all.reduce((a, x) => (x.pair.spreadAfter / x.pair.spreadBefore > a.pair.spreadAfter / a.pair.spreadBefore ? x : a));
  const { gamma, beta, mean, variance, eps } = f.params;
  const outC = f.b.length;
  return {
    pair: f.pair,
    candidates: all.map((x) => x.pair),
    epsilon: eps,
    gamma: [...gamma],
    beta: [...beta],
    mean: [...mean],
    variance: [...variance],
    k: [...f.folded.k],
    absMaxBefore: channelAbsMax(f.w, outC),
    absMaxAfter: channelAbsMax(f.folded.weights, outC),
    biasBefore: [...f.b],
    biasAfter: [...f.folded.bias],
  };
}
