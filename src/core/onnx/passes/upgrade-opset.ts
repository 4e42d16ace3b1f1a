import { OnnxError } from '../errors';
import { attrFloat, attrInt, attrInts, defaultOpset, getAttr, makeAttrInt, makeNode, makeTensor } from '../model';
import type { ModelProto, NodeProto, TensorProto } from '../model';

export const TARGET_OPSET = 13;

/**
 * Rewrites a model of an older default opset to opset 13, the first where DequantizeLinear takes an `axis`
 * (needed for per-channel weights). Only the ops whose signature changed between opset 7 and 13 need work:
 * attributes that became inputs (Clip, Slice, Pad, Squeeze, Unsqueeze, Split, ReduceSum) and Softmax-family
 * ops, whose opset-13 form no longer flattens the input to 2-D.
 */
export function upgradeOpset(model: ModelProto, target = TARGET_OPSET): { from: number; to: number; rewritten: number } {
  const from = defaultOpset(model);
  const graph = model.graph!;
  if (from >= target) return { from, to: from, rewritten: 0 };
  if (from < 7) {
    throw new OnnxError(
      `The model uses ONNX opset ${from}; Quantscope reads opset 7 and newer. Export it again with a recent framework.`,
    );
  }
  const added: TensorProto[] = [];
  const out: NodeProto[] = [];
  let rewritten = 0;
  const constName = (node: NodeProto, what: string) => `${node.name || node.output[0]}_${what}`;
  const int64Input = (node: NodeProto, what: string, values: number[]) => {
    const name = constName(node, what);
    added.push(makeTensor(name, [values.length], BigInt64Array.from(values.map(BigInt))));
    return name;
  };
  const dropAttrs = (node: NodeProto, names: string[]) => {
    node.attribute = node.attribute.filter((a) => !names.includes(a.name));
  };

  for (const node of graph.node) {
    if (node.domain && node.domain !== 'ai.onnx') {
      out.push(node);
      continue;
    }
    switch (node.opType) {
      case 'Clip':
        if (from < 11 && target >= 11) {
          const min = getAttr(node, 'min') ? attrFloat(node, 'min', 0) : undefined;
          const max = getAttr(node, 'max') ? attrFloat(node, 'max', 0) : undefined;
          const inputs = [node.input[0], '', ''];
          if (min !== undefined) {
            inputs[1] = constName(node, 'min');
            added.push(makeTensor(inputs[1], [], Float32Array.of(min)));
          }
          if (max !== undefined) {
            inputs[2] = constName(node, 'max');
            added.push(makeTensor(inputs[2], [], Float32Array.of(max)));
          }
          while (inputs.length > 1 && inputs[inputs.length - 1] === '') inputs.pop();
          node.input = inputs;
          dropAttrs(node, ['min', 'max']);
          rewritten++;
        }
        out.push(node);
        break;
      case 'Slice':
        if (from < 10 && target >= 10) {
          const starts = attrInts(node, 'starts') ?? [];
          const ends = attrInts(node, 'ends') ?? [];
          const axes = attrInts(node, 'axes');
          node.input = [node.input[0], int64Input(node, 'starts', starts), int64Input(node, 'ends', ends)];
          if (axes) node.input.push(int64Input(node, 'axes', axes));
          dropAttrs(node, ['starts', 'ends', 'axes']);
          rewritten++;
        }
        out.push(node);
        break;
      case 'Pad':
        if (from < 11 && target >= 11) {
          const pads = attrInts(node, 'pads') ?? [];
          const value = attrFloat(node, 'value', 0);
          const valueName = constName(node, 'value');
          added.push(makeTensor(valueName, [], Float32Array.of(value)));
          node.input = [node.input[0], int64Input(node, 'pads', pads), valueName];
          dropAttrs(node, ['pads', 'value']);
          rewritten++;
        }
        out.push(node);
        break;
      case 'Squeeze':
      case 'Unsqueeze':
      case 'ReduceSum':
      case 'Split':
      case 'ReduceMean':
      case 'ReduceMax':
      case 'ReduceMin':
      case 'ReduceProd':
      case 'ReduceL1':
      case 'ReduceL2':
      case 'ReduceLogSum':
      case 'ReduceLogSumExp':
      case 'ReduceSumSquare': {
        // Squeeze/Unsqueeze/ReduceSum/Split took these as inputs from opset 13, the other Reduce ops from 18.
        const changedAt = ['Squeeze', 'Unsqueeze', 'ReduceSum', 'Split'].includes(node.opType) ? 13 : 18;
        const attrName = node.opType === 'Split' ? 'split' : 'axes';
        const values = from < changedAt && target >= changedAt ? attrInts(node, attrName) : undefined;
        if (values) {
          node.input = [node.input[0], int64Input(node, attrName, values)];
          dropAttrs(node, [attrName]);
          rewritten++;
        }
        out.push(node);
        break;
      }
      case 'Softmax':
      case 'LogSoftmax':
      case 'Hardmax': {
        // Before opset 13: y = reshape(softmax(flatten(x, axis)), shape(x)). With axis = -1 both agree;
        // otherwise spell the old meaning out with Flatten/Reshape, which is exact for every rank.
        const axis = attrInt(node, 'axis', 1);
        if (axis === -1 || from >= 13) {
          out.push(node);
          break;
        }
        const base = node.name || node.output[0];
        const shape = `${base}_input_shape`;
        const flat = `${base}_flattened`;
        const soft = `${base}_2d`;
        out.push(makeNode('Shape', [node.input[0]], [shape], `${base}_shape`));
        out.push(makeNode('Flatten', [node.input[0]], [flat], `${base}_flatten`, [makeAttrInt('axis', axis)]));
        out.push(makeNode(node.opType, [flat], [soft], node.name, [makeAttrInt('axis', -1)]));
        out.push(makeNode('Reshape', [soft, shape], [node.output[0]], `${base}_reshape`));
        rewritten++;
        break;
      }
      case 'BatchNormalization':
        // 'spatial' (opset < 9) and 'is_test' (< 7) are gone in opset 13; spatial=1 is the only form we run.
        if (getAttr(node, 'spatial') && attrInt(node, 'spatial', 1) !== 1) {
          throw new OnnxError(`BatchNormalization '${node.name}' uses spatial=0, which opset 13 cannot express.`);
        }
        dropAttrs(node, ['spatial', 'is_test', 'consumed_inputs']);
        out.push(node);
        break;
      case 'Upsample':
        throw new OnnxError(
          `Node '${node.name}' is an Upsample, which was removed in opset 10. Export the model with opset 11 or newer (it becomes Resize).`,
        );
      case 'Resize':
        if (from < 11) {
          throw new OnnxError(
            `Resize '${node.name}' uses the opset-10 form, which Quantscope cannot upgrade. Export the model with opset 11 or newer.`,
          );
        }
        out.push(node);
        break;
      default:
        out.push(node);
    }
  }
  graph.node = out;
  graph.initializer.push(...added);
  for (const o of model.opsetImport) if (o.domain === '' || o.domain === 'ai.onnx') o.version = BigInt(target);
  const ir = target >= 21 ? 10n : 7n;
  if (model.irVersion < ir) model.irVersion = ir;
  return { from, to: target, rewritten };
}
