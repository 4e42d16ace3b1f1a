/**
 * What the lessons show, taken from a quantized variant and its calibration statistics: an activation (its
 * histogram and what each calibrator makes of it) and a weight (its channels at every bit width). By default the
 * tensors that teach best — a long-tailed post-ReLU activation, the (depthwise) weight whose channels differ most — and any
 * other of the model's on request.
 */
import type { Histogram } from '../calib/histogram';
import type { ActivationStats } from '../calib/stats';
import type { Variant } from '../engine/pipeline';
import { activationViewFor, weightOf, weightViewFor } from '../analysis/inspect';
import type { ActivationView, WeightView } from '../analysis/views';
import { activationBitsSweep, channelSpread, pickTeachingActivation, weightBitsSweep } from './lessons';
import type { BitsPoint } from './lessons';

export interface ActivationMaterial {
  tensor: string;
  /** the layer writing it, and its op (with a fused activation, e.g. "Conv + Relu") */
  node: string;
  op: string;
  /** every layer output calibration saw, in graph order */
  candidates: { tensor: string; node: string; op: string }[];
  histogram: Histogram;
  samples: number;
  view: ActivationView;
  bits: { bits: number; sqnrDb: number }[];
}

export interface WeightMaterial {
  node: string;
  op: string;
  depthwise: boolean;
  /** every layer with a weight, in graph order, with its channel spread */
  candidates: { node: string; op: string; spread: number; depthwise: boolean }[];
  view: WeightView;
  sweep: BitsPoint[];
}

const opLabel = (l: { op: string; fused?: string; depthwise?: boolean }) => `${l.op}${l.depthwise ? ' (depthwise)' : ''}${l.fused ? ` + ${l.fused}` : ''}`;

export function activationMaterial(variant: Variant, stats: ActivationStats, tensor?: string): ActivationMaterial | null {
  const candidates = variant.layers.filter((l) => stats.histograms.has(l.tensor)).map((l) => ({ tensor: l.tensor, node: l.node, op: opLabel(l) }));
  if (!candidates.length) return null;
  const histograms = (cs: typeof candidates) => new Map(cs.map((c) => [c.tensor, stats.histograms.get(c.tensor)!]));
  const mine = histograms(candidates);
  // By default an activation after a ReLU (or a clipping ReLU6), not a softmax output: non-negative too, but
  // not what the lessons are about.
  const afterRelu = histograms(candidates.filter((c) => /Relu|Clip/.test(c.op)));
  const name = tensor && mine.has(tensor) ? tensor : (pickTeachingActivation(afterRelu) ?? pickTeachingActivation(mine) ?? candidates[0].tensor);
  const view = activationViewFor(variant, stats, name)!;
  const c = candidates.find((x) => x.tensor === name)!;
  const histogram = mine.get(name)!;
  return { tensor: name, node: c.node, op: c.op, candidates, histogram, samples: stats.samples, view, bits: activationBitsSweep(histogram) };
}

export function weightMaterial(variant: Variant, node?: string): WeightMaterial | null {
  const candidates: WeightMaterial['candidates'] = [];
  const weights = new Map<string, NonNullable<ReturnType<typeof weightOf>>>();
  for (const l of variant.layers) {
    const w = weights.has(l.node) ? undefined : weightOf(variant, l.node);
    if (!w) continue;
    weights.set(l.node, w);
    candidates.push({ node: l.node, op: opLabel(l), spread: channelSpread(w.values, w.dims, w.axis), depthwise: !!l.depthwise });
  }
  if (!candidates.length) return null;
  // By default the depthwise layer whose channels differ most (where per-tensor fails), else any layer's.
  const depthwise = candidates.filter((c) => c.depthwise);
  const widest = (xs: typeof candidates) => xs.reduce((a, b) => (b.spread > a.spread ? b : a));
  const chosen = candidates.find((c) => c.node === node) ?? widest(depthwise.length ? depthwise : candidates);
  const w = weights.get(chosen.node)!;
  return {
    node: chosen.node,
    op: chosen.op,
    depthwise: chosen.depthwise,
    candidates,
    view: weightViewFor(variant, chosen.node)!,
    sweep: weightBitsSweep(w.values, w.dims, w.axis),
  };
}
