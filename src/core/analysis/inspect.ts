import type { ActivationStats } from '../calib/stats';
import type { Variant } from '../engine/pipeline';
import { activationRanges } from '../engine/pipeline';
import { withExtraOutputs } from '../engine/instrument';
import type { RtTensor, SessionFactory } from '../engine/runtime';
import { logitsTensor } from '../engine/sensitivity';
import { asDistribution, topK } from '../metrics/classification';
import { sqnrDb } from '../metrics/error';
import { GraphIndex } from '../onnx/graph-index';
import { serializeModel, tensorDims, tensorToFloat32 } from '../onnx/model';
import { activationScheme } from '../quant/config';
import { QDQ_OPS } from '../quant/registry';
import { activationView, firstJump, weightView } from './views';
import type { ActivationView, WeightView } from './views';

/** A node's weight as the quantizer sees it: values, dims and the output-channel axis; null if it has none. */
export function weightOf(variant: Variant, node: string): { name: string; op: string; values: Float32Array; dims: number[]; axis: number } | null {
  const graph = variant.source.graph!;
  const n = graph.node.find((x) => x.name === node);
  const rule = n ? QDQ_OPS[n.opType] : undefined;
  if (!n || rule?.weight === undefined) return null;
  const w = new GraphIndex(graph).initializers.get(n.input[rule.weight]);
  if (!w) return null;
  const dims = tensorDims(w);
  if (dims.length < 2) return null;
  const transB = Number(n.attribute.find((a) => a.name === 'transB')?.i ?? 0);
  return { name: w.name, op: n.opType, values: tensorToFloat32(w), dims, axis: rule.weightAxis!(dims, { transB }) };
}

/** The weight view of a node of a variant (its weight as the variant quantizes it), or null if it has none. */
export function weightViewFor(variant: Variant, node: string): WeightView | null {
  const w = weightOf(variant, node);
  if (!w) return null;
  const o = variant.config.layerOverrides?.[node] ?? {};
  return weightView(w.values, w.dims, {
    weight: w.name,
    node,
    op: w.op,
    axis: w.axis,
    bits: Math.min(8, o.weightBits ?? variant.config.weightBits),
    symmetric: variant.config.weightSymmetric,
    granularity: o.weightGranularity ?? variant.config.weightGranularity,
  });
}

/** The activation view of a tensor, with the variant's scheme and calibrator; null if calibration never saw it. */
export function activationViewFor(variant: Variant, stats: ActivationStats, tensor: string): ActivationView | null {
  const h = stats.histograms.get(tensor);
  if (!h) return null;
  const c = variant.config;
  const scheme = activationScheme(c);
  const view = activationView(tensor, h, stats.samples, scheme, c.calibrator, c.calibratorOptions);
  // The range the variant really used (shared-range ops take their input's).
  const used = variant.qdq.tensors.find((t) => t.kind === 'activation' && t.name === tensor)?.range ?? activationRanges(stats, c).get(tensor);
  return used ? { ...view, used: { min: used.min, max: used.max } } : view;
}

export interface ClassScore {
  index: number;
  probability: number;
}

export interface ImageTrace {
  fp32Top5: ClassScore[];
  int8Top5: ClassScore[];
  /** SQNR (dB) of each report row's tensor on this image, in graph order */
  layers: { tensor: string; node: string; sqnrDb: number }[];
  /** index into layers where the error first jumps (≥ 6 dB down from the layer before), or -1 */
  jump: number;
  outputSqnrDb: number;
}

/** One image through FP32 and a variant: both top-5s and the error of every layer on this image alone. */
export async function traceImage(createSession: SessionFactory, variant: Variant, input: RtTensor): Promise<ImageTrace> {
  const graph = variant.reference.graph!;
  const inputName = new GraphIndex(graph).graphInputs.values().next().value as string;
  const outputName = graph.output[0].name;
  const logits = logitsTensor(variant.reference);
  const refNames = [...new Set([outputName, logits, ...variant.compare.keys()])];
  const ref = await createSession(serializeModel(withExtraOutputs(variant.reference, refNames)));
  const logitsQ = variant.compare.get(logits) ?? logits;
  const qNames = [...new Set([outputName, logitsQ, ...variant.compare.values()])];
  const q = await createSession(serializeModel(withExtraOutputs(variant.qdq.model, qNames)));
  try {
    const a = await ref.run({ [inputName]: input }, refNames);
    const b = await q.run({ [inputName]: input }, qNames);
    const top = (v: Float32Array): ClassScore[] => {
      const p = asDistribution(v);
      return topK(v, 5).map((index) => ({ index, probability: p[index] }));
    };
    const layers = variant.layers.map((l) => ({
      tensor: l.tensor,
      node: l.node,
      sqnrDb: sqnrDb(a[l.tensor].data as Float32Array, b[variant.compare.get(l.tensor)!].data as Float32Array),
    }));
    return {
      fp32Top5: top(a[outputName].data as Float32Array),
      int8Top5: top(b[outputName].data as Float32Array),
      layers,
      jump: firstJump(layers.map((l) => l.sqnrDb)),
      outputSqnrDb: sqnrDb(a[logits].data as Float32Array, b[logitsQ].data as Float32Array),
    };
  } finally {
    await ref.release();
    await q.release();
  }
}
