/**
 * Which ops are quantized and how, as a table (op type → rule), after onnxruntime's QDQ registry.
 *  - activations: input indices that carry float activations to be quantized (-1 = all inputs)
 *  - weight / bias: input index of a weight initializer and its bias
 *  - weightAxis: the output-channel axis of the weight, for per-channel scales
 *  - removable: an activation that can be dropped when its output is quantized (exact for uint8 with z = 0)
 *  - fixedOutputRange: the output's range is known without calibration
 */
export interface OpRule {
  activations: number[];
  weight?: number;
  bias?: number;
  weightAxis?: (weightDims: number[], attrs: { transB: number }) => number;
  removable?: boolean;
  fixedOutputRange?: [number, number];
}

const data0: OpRule = { activations: [0] };

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
  MaxPool: data0,
  AveragePool: data0,
  GlobalAveragePool: data0,
  Reshape: data0,
  Flatten: data0,
  Squeeze: data0,
  Unsqueeze: data0,
  Transpose: data0,
  Resize: data0,
  Slice: data0,
  Split: data0,
  Pad: data0,
  Gather: data0,
  Sigmoid: data0,
  HardSigmoid: data0,
  LeakyRelu: data0,
  Softmax: { activations: [0], fixedOutputRange: [0, 1] },
};
