import { create } from '@bufbuild/protobuf';

import type { ModelProto, NodeProto, TensorProto } from '../src/core/onnx/model';
import { ModelProtoSchema, ValueInfoProtoSchema } from '../src/core/onnx/proto/onnx_pb';

/** A float32 tensor value description for a graph input or output; -1 is a dynamic dim. */
export function floatValue(name: string, dims: number[]) {
  return create(ValueInfoProtoSchema, {
    name,
    type: {
      value: {
        case: 'tensorType',
        value: { elemType: 1, shape: { dim: dims.map((d) => ({ value: d < 0 ? { case: 'dimParam' as const, value: 'N' } : { case: 'dimValue' as const, value: BigInt(d) } })) } },
      },
    },
  });
}

/** A small opset-13 model for tests, built the way an exporter would write it. */
export function tinyModel(nodes: NodeProto[], initializers: TensorProto[], inputs: [string, number[]][], outputs: [string, number[]][]): ModelProto {
  return create(ModelProtoSchema, {
    irVersion: 8n,
    producerName: 'quantscope-tests',
    opsetImport: [{ domain: '', version: 13n }],
    graph: {
      name: 'tiny',
      node: nodes,
      initializer: initializers,
      input: inputs.map(([n, d]) => floatValue(n, d)),
      output: outputs.map(([n, d]) => floatValue(n, d)),
    },
  });
}
