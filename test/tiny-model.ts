import { create } from '@bufbuild/protobuf';

import type { ModelProto, NodeProto, TensorProto } from '../src/core/onnx/model';
import { makeAttrInt, makeNode, makeTensor, serializeModel } from '../src/core/onnx/model';
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

/** A 1000-class "classifier" on 32×32 RGB (a 1×1 Conv, global average pool, flatten): ImageNet-shaped output, tiny. */
export function tinyClassifier(): Buffer {
  const w = Float32Array.from({ length: 1000 * 3 }, (_, i) => Math.sin(i));
  const m = tinyModel(
    [
      makeNode('Conv', ['x', 'w'], ['c'], 'classifier'),
      makeNode('GlobalAveragePool', ['c'], ['g'], 'gap'),
      makeNode('Flatten', ['g'], ['f'], 'flat', [makeAttrInt('axis', 1)]),
    ],
    [makeTensor('w', [1000, 3, 1, 1], w)],
    [['x', [-1, 3, 32, 32]]],
    [['f', [-1, 1000]]],
  );
  return Buffer.from(serializeModel(m));
}
