import { DataType, getAttr, valueElemType } from './model';
import type { ModelProto, NodeProto } from './model';

// Element types of a graph's tensors, read from the graph alone (no run): the graph's inputs and initializers
// carry theirs, and each op's outputs follow from its inputs' and attributes' by the rules below. An op this
// table does not know, or a tensor whose inputs are unknown, stays unknown: callers treat unknown as "ask the
// runtime", never as float or not. A model's shape arithmetic (Shape → Gather → Concat → Reshape, in int64)
// is what this is for: telling it from the activations before any image has run.

/** Ops whose every output has their first input's type (elementwise, movement, pooling, normalisation...). */
const LIKE_FIRST_INPUT = new Set([
  'Abs', 'Acos', 'Acosh', 'Add', 'Asin', 'Asinh', 'Atan', 'Atanh', 'AveragePool', 'BatchNormalization', 'Ceil', 'Celu',
  'Clip', 'Concat', 'Conv', 'ConvTranspose', 'Cos', 'Cosh', 'CumSum', 'DepthToSpace', 'Div', 'Einsum', 'Elu',
  'Erf', 'Exp', 'Expand', 'Flatten', 'Floor', 'Gather', 'GatherElements', 'GatherND', 'Gelu', 'Gemm', 'GlobalAveragePool',
  'GlobalMaxPool', 'HardSigmoid', 'HardSwish', 'Hardmax', 'Identity', 'InstanceNormalization', 'LayerNormalization',
  'LeakyRelu', 'Log', 'LogSoftmax', 'LpNormalization', 'LRN', 'MatMul', 'Max', 'Mean', 'Min', 'Mish', 'Mod', 'Mul', 'Neg',
  'Pad', 'Pow', 'PRelu', 'Reciprocal', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceMax', 'ReduceMean',
  'ReduceMin', 'ReduceProd', 'ReduceSum', 'ReduceSumSquare', 'Relu', 'Reshape', 'Resize', 'Round', 'ScatterElements',
  'ScatterND', 'Selu', 'Shrink', 'Sigmoid', 'Sign', 'Sin', 'Sinh', 'Slice', 'Softmax', 'Softplus', 'Softsign',
  'SpaceToDepth', 'Split', 'Sqrt', 'Squeeze', 'Sub', 'Sum', 'Tan', 'Tanh', 'ThresholdedRelu', 'Tile', 'Transpose',
  'Trilu', 'Unsqueeze', 'Upsample',
]);

const BOOLEAN = new Set(['Equal', 'Greater', 'GreaterOrEqual', 'Less', 'LessOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf']);
const INT64 = new Set(['Shape', 'Size', 'NonZero', 'ArgMax', 'ArgMin']);

/** The output types of one node given its inputs' (undefined: unknown). */
function outputTypes(n: NodeProto, typeOf: (name: string) => number | undefined): (number | undefined)[] {
  const first = typeOf(n.input[0] ?? '');
  const all = (t: number | undefined) => n.output.map(() => t);
  if (n.domain && n.domain !== 'ai.onnx') return all(undefined);
  if (LIKE_FIRST_INPUT.has(n.opType)) return all(first);
  if (INT64.has(n.opType)) return all(DataType.INT64);
  if (BOOLEAN.has(n.opType)) return all(DataType.BOOL);
  switch (n.opType) {
    case 'Cast': {
      const to = getAttr(n, 'to');
      return all(to ? Number(to.i) : undefined);
    }
    case 'CastLike':
      return all(typeOf(n.input[1] ?? ''));
    case 'Where':
      return all(typeOf(n.input[1] ?? ''));
    case 'Range':
      return all(first);
    case 'Dropout':
      // the output, then its mask
      return n.output.map((_, i) => (i === 0 ? first : DataType.BOOL));
    case 'MaxPool':
    case 'TopK':
      // the values, then their indices
      return n.output.map((_, i) => (i === 0 ? first : DataType.INT64));
    case 'ConstantOfShape': {
      const value = getAttr(n, 'value')?.t;
      return all(value ? value.dataType : DataType.FLOAT);
    }
    case 'Constant': {
      const a = n.attribute[0];
      if (!a) return all(undefined);
      if (a.t) return all(a.t.dataType);
      if (a.name === 'value_float' || a.name === 'value_floats') return all(DataType.FLOAT);
      if (a.name === 'value_int' || a.name === 'value_ints') return all(DataType.INT64);
      return all(undefined);
    }
    case 'DequantizeLinear':
      return all(typeOf(n.input[1] ?? ''));
    case 'QuantizeLinear':
      if (n.input[2]) return all(typeOf(n.input[2]));
      return all(getAttr(n, 'output_dtype') ? Number(getAttr(n, 'output_dtype')!.i) || undefined : DataType.UINT8);
    default:
      return all(undefined);
  }
}

/** Every tensor's element type that the graph determines (graph inputs, initializers, then node by node). */
export function inferElemTypes(model: ModelProto): Map<string, number> {
  const graph = model.graph!;
  const types = new Map<string, number>();
  for (const t of graph.initializer) types.set(t.name, t.dataType);
  for (const v of graph.input) {
    const t = valueElemType(v);
    if (t && !types.has(v.name)) types.set(v.name, t);
  }
  // Nodes in any order: sweep until nothing new is learned (once, for a graph in topological order).
  for (let changed = true; changed; ) {
    changed = false;
    for (const n of graph.node) {
      if (n.output.every((o) => !o || types.has(o))) continue;
      const out = outputTypes(n, (name) => types.get(name));
      n.output.forEach((o, i) => {
        const t = out[i];
        if (o && t && !types.has(o)) {
          types.set(o, t);
          changed = true;
        }
      });
    }
  }
  return types;
}

/** The node outputs the graph says are not 32-bit float (shape arithmetic, indices, masks). */
export function nonFloatOutputs(model: ModelProto): Set<string> {
  const types = inferElemTypes(model);
  const out = new Set<string>();
  for (const n of model.graph!.node) {
    for (const o of n.output) {
      const t = types.get(o);
      if (o && t !== undefined && t !== DataType.FLOAT) out.add(o);
    }
  }
  return out;
}
