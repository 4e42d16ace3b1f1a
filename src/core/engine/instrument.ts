import { create } from '@bufbuild/protobuf';

import { cloneModel } from '../onnx/model';
import type { ModelProto } from '../onnx/model';
import { ValueInfoProtoSchema } from '../onnx/proto/onnx_pb';

/**
 * A copy of the model that also returns the named intermediate tensors. onnxruntime needs only the names:
 * types and shapes are inferred.
 */
export function withExtraOutputs(model: ModelProto, names: Iterable<string>): ModelProto {
  const copy = cloneModel(model);
  const graph = copy.graph!;
  const have = new Set(graph.output.map((o) => o.name));
  for (const n of names) {
    if (have.has(n)) continue;
    graph.output.push(create(ValueInfoProtoSchema, { name: n }));
    have.add(n);
  }
  return copy;
}

/** Every tensor a node writes, in graph order: what calibration observes. */
export function nodeOutputs(model: ModelProto): string[] {
  const out: string[] = [];
  for (const n of model.graph!.node) for (const o of n.output) if (o) out.push(o);
  return out;
}

/**
 * Ops whose output holds exactly the values of their inputs, rearranged: a Concat all its inputs', the others
 * their first input's. Their statistics are their inputs' merged, so a pass that observes the inputs need not
 * fetch and count the output (SqueezeNet: the fire modules' Concats hold a third of the values calibration
 * collects).
 */
const VALUE_PRESERVING: Record<string, 'all' | 'first'> = {
  Concat: 'all',
  Reshape: 'first',
  Flatten: 'first',
  Squeeze: 'first',
  Unsqueeze: 'first',
  Transpose: 'first',
  Identity: 'first',
};

/** What a pass over `wanted` fetches from the runtime, and which tensors it derives from others (output → parts). */
export interface PassPlan {
  fetch: string[];
  derived: Map<string, string[]>;
}

/**
 * Splits the node outputs a pass collects (`wanted`, in graph order) into those it fetches and those it derives
 * from other collected tensors (`input`: the graph input, when the pass observes it). A derived tensor's parts
 * are fetched, or derived before it in `derived`'s order.
 */
export function planPass(model: ModelProto, wanted: readonly string[], input: string | null): PassPlan {
  const collected = new Set(wanted);
  if (input !== null) collected.add(input);
  const derived = new Map<string, string[]>();
  // parts of a derivation: written by an earlier node (then already decided), or in a graph out of order by a
  // later one, which must then be fetched
  const parts = new Set<string>();
  for (const node of model.graph!.node) {
    const kind = VALUE_PRESERVING[node.opType];
    const out = node.output[0];
    if (!kind || !out || !collected.has(out) || out === input || parts.has(out)) continue;
    const from = kind === 'all' ? node.input : node.input.slice(0, 1);
    if (from.length && from.every((p) => p && p !== out && collected.has(p))) {
      derived.set(out, [...from]);
      for (const p of from) parts.add(p);
    }
  }
  return { fetch: wanted.filter((n) => !derived.has(n)), derived };
}
