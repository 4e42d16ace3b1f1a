/**
 * Which ops are quantized and how, as a table (op type → rule), after onnxruntime's QDQ registry.
 *  - activations: input indices that carry float activations to be quantized (-1 = all inputs)
 *  - weight / bias: input index of a weight initializer and its bias
 *  - weightAxis: the output-channel axis of the weight, for per-channel scales
 *  - removable: an activation that can be dropped when its output is quantized (exact for uint8 with z = 0)
 *  - fixedOutputRange: the output's range is known without calibration
 *  - sharesInputRange: the output only moves or selects input values, so it reuses the input's range
 *    (ORT's QDQDirect8BitOp: quantize_output_same_as_input)
 */
export interface OpRule {
  activations: number[];
  weight?: number;
  bias?: number;
  weightAxis?: (weightDims: number[], attrs: { transB: number }) => number;
  removable?: boolean;
  fixedOutputRange?: [number, number];
  sharesInputRange?: boolean;
}

const data0: OpRule = { activations: [0] };
const same: OpRule = { activations: [0], sharesInputRange: true };

export const QDQ_OPS: Record<string, OpRule> = {
  Conv: { activations: [0], weight: 1, bias: 2, weightAxis: () => 0 },
  ConvTranspose: { activations: [0], weight: 1, bias: 2, weightAxis: () => 1 },
  Gemm: { activations: [0], weight: 1, bias: 2, weightAxis: (_d, { transB }) => (transB ? 0 : 1) },
  MatMul: { activations: [0, 1], weight: 1, weightAxis: (d) => d.length - 1 },
  Add: { activations: [-1] },
  Mul: { activations: [-1] },
  Concat: { activations: [-1] },
  Relu: { activations: [0], removable: true },
  Clip: { activations: [0], removable: true },
  MaxPool: same,
  AveragePool: same,
  GlobalAveragePool: data0,
  Reshape: same,
  Flatten: same,
  Squeeze: same,
  Unsqueeze: same,
  Transpose: same,
  Resize: data0,
  Slice: same,
  Split: same,
  Pad: data0,
  Gather: same,
  Sigmoid: data0,
  HardSigmoid: data0,
  LeakyRelu: data0,
  Softmax: { activations: [0], fixedOutputRange: [0, 1] },
};
