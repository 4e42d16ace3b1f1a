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
