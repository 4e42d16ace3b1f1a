import { OnnxError } from '../errors';
import { makeTensor } from '../model';
import type { GraphProto, TensorProto } from '../model';

/**
 * Constant nodes become initializers of the same name, so weights written as Constant (PaddlePaddle and
 * older PyTorch exports do this) are seen, folded and quantized like any other weight.
 */
export function constantsToInitializers(graph: GraphProto): number {
  const kept = [];
  let count = 0;
  for (const node of graph.node) {
    if (node.opType !== 'Constant' || (node.domain !== '' && node.domain !== 'ai.onnx')) {
      kept.push(node);
      continue;
    }
    const out = node.output[0];
    const attr = node.attribute[0];
    let tensor: TensorProto;
    switch (attr?.name) {
      case 'value':
        if (!attr.t) throw new OnnxError(`Constant node '${node.name}' has an empty 'value' attribute.`);
        tensor = attr.t;
        tensor.name = out;
        break;
      case 'value_float':
        tensor = makeTensor(out, [], Float32Array.of(attr.f));
        break;
      case 'value_floats':
        tensor = makeTensor(out, [attr.floats.length], Float32Array.from(attr.floats));
        break;
      case 'value_int':
        tensor = makeTensor(out, [], BigInt64Array.of(attr.i));
        break;
      case 'value_ints':
        tensor = makeTensor(out, [attr.ints.length], BigInt64Array.from(attr.ints));
        break;
      default:
        // sparse_value and string constants are left to the runtime.
        kept.push(node);
        continue;
    }
    graph.initializer.push(tensor);
    count++;
  }
  graph.node = kept;
  return count;
}
