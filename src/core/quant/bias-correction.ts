import type { Progress } from '../engine/pipeline';
import { withExtraOutputs } from '../engine/instrument';
import type { Cancel, RtTensor, SessionFactory } from '../engine/runtime';
import { throwIfAborted } from '../engine/runtime';
import { GraphIndex } from '../onnx/graph-index';
import { attrInt, attrInts, attrString, cloneModel, DataType, makeTensor, serializeModel, tensorDims, tensorToFloat32 } from '../onnx/model';
import type { ModelProto, NodeProto } from '../onnx/model';
import type { QuantConfig } from './config';
import { dequantizeValue, qRange } from './qparams';
import { quantizeWeights } from './weights';

export interface BiasShift {
  node: string;
  /** largest |E[W̃x] − E[Wx]| over the output channels */
  maxShift: number;
}

interface ConvGeometry {
  node: NodeProto;
  group: number;
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  /** top, left padding */
  pads: [number, number];
}

export function geometry(node: NodeProto, wDims: number[]): ConvGeometry | undefined {
  if (wDims.length !== 4) return undefined; // 2-D convolutions only
  const autoPad = attrString(node, 'auto_pad');
  if (autoPad && autoPad !== 'NOTSET' && autoPad !== 'VALID') return undefined;
  const pads = attrInts(node, 'pads') ?? [0, 0, 0, 0];
  const strides = attrInts(node, 'strides') ?? [1, 1];
  const dil = attrInts(node, 'dilations') ?? [1, 1];
  return {
    node,
    group: attrInt(node, 'group', 1),
    kernel: [wDims[2], wDims[3]],
    strides: [strides[0], strides[1]],
    dilations: [dil[0], dil[1]],
    pads: [pads[0], pads[1]],
  };
}

/**
 * Mean over the output positions of the (zero-padded) input seen at each kernel offset:
 *
 *   M[ci, kh, kw] = mean over (h, w) of x[ci, h·sₕ + kh·dₕ − pₜ, w·s_w + kw·d_w − pₗ]   (0 outside)
 *
 * so that for any kernel K the mean of the convolution output is Σ K[co, ci, kh, kw] · M[ci, kh, kw] exactly,
 * padding included.
 */
export function windowMeans(x: Float32Array, dims: number[], outH: number, outW: number, g: ConvGeometry, into: Float64Array): void {
  const [, C, H, W] = dims;
  const [kH, kW] = g.kernel;
  for (let c = 0; c < C; c++) {
    const plane = c * H * W;
    for (let kh = 0; kh < kH; kh++) {
      for (let kw = 0; kw < kW; kw++) {
        let sum = 0;
        for (let h = 0; h < outH; h++) {
          const y = h * g.strides[0] + kh * g.dilations[0] - g.pads[0];
          if (y < 0 || y >= H) continue;
          const row = plane + y * W;
          for (let w = 0; w < outW; w++) {
            const xx = w * g.strides[1] + kw * g.dilations[1] - g.pads[1];
            if (xx >= 0 && xx < W) sum += x[row + xx];
          }
        }
        into[(c * kH + kh) * kW + kw] += sum / (outH * outW);
      }
    }
  }
}

/** Per-conv window means of the FP32 input over the calibration images: what bias correction needs of the data. */
export interface ConvInputMeans {
  convs: { g: ConvGeometry; means: Float64Array; n: number }[];
}

/**
 * Measures E[x] for every 2-D Conv of `fp32`, per input channel and kernel offset, over the calibration
 * images. It depends on the FP32 model and the data only, so one measurement serves every configuration.
 */
export async function measureConvInputMeans(
  createSession: SessionFactory,
  fp32: ModelProto,
  samples: AsyncIterable<RtTensor>,
  { onProgress = () => {}, signal, total = 0 }: { onProgress?: Progress; signal?: Cancel; total?: number } = {},
): Promise<ConvInputMeans> {
  const index = new GraphIndex(fp32.graph!);
  const inputName = index.graphInputs.values().next().value as string;
  const convs: ConvInputMeans['convs'] = [];
  for (const node of fp32.graph!.node) {
    if (node.opType !== 'Conv' || node.domain) continue;
    const w = index.initializers.get(node.input[1]);
    if (!w || w.dataType !== DataType.FLOAT) continue;
    const g = geometry(node, tensorDims(w));
    if (g) convs.push({ g, means: new Float64Array(0), n: 0 });
  }
  const fetch = [...new Set(convs.flatMap((c) => [c.g.node.input[0], c.g.node.output[0]]))];
  const session = await createSession(serializeModel(withExtraOutputs(fp32, fetch)));
  try {
    let done = 0;
    for await (const x of samples) {
      throwIfAborted(signal);
      const out = await session.run({ [inputName]: x }, fetch);
      for (const c of convs) {
        const inp = out[c.g.node.input[0]];
        const o = out[c.g.node.output[0]];
        if (inp.dims.length !== 4 || inp.dims[0] !== 1) continue;
        if (c.means.length === 0) c.means = new Float64Array(inp.dims[1] * c.g.kernel[0] * c.g.kernel[1]);
        windowMeans(inp.data as Float32Array, inp.dims, o.dims[2], o.dims[3], c.g, c.means);
        c.n++;
      }
      onProgress(++done, total);
    }
  } finally {
    await session.release();
  }
  return { convs };
}

/**
 * Empirical bias correction (Nagel et al. 2019, §4.2). Quantizing weights, W̃ = W + ε, shifts the expected
 * output of a layer by E[W̃x] − E[Wx] = ε·E[x], which does not average out. With E[x] measured per input
 * channel and kernel offset (so padding is exact), the shift is subtracted from the bias. Returns a copy of
 * `fp32` with corrected biases; the activation ranges of the uncorrected model still apply.
 */
export function applyBiasCorrection(fp32: ModelProto, config: QuantConfig, measured: ConvInputMeans): { model: ModelProto; shifts: BiasShift[] } {
  const overrides = config.layerOverrides ?? {};
  // Layers kept in FP32 (or whose weights stay float) have no weight error to correct.
  const excluded = new Set([
    ...config.excludeNodes,
    ...Object.keys(overrides).filter((k) => overrides[k].keepFp32 || overrides[k].quantizeWeights === false),
  ]);
  const convs = measured.convs.filter((c) => !excluded.has(c.g.node.name));
  const model = cloneModel(fp32);
  const graph = model.graph!;
  const mIndex = new GraphIndex(graph);
  const shifts: BiasShift[] = [];
  for (const c of convs) {
    if (!c.n) continue;
    const conv = graph.node.find((n) => n.name === c.g.node.name && n.opType === 'Conv' && n.output[0] === c.g.node.output[0]);
    if (!conv) continue;
    const wT = mIndex.initializers.get(conv.input[1])!;
    const dims = tensorDims(wT);
    const w = tensorToFloat32(wT);
    const o = overrides[conv.name] ?? {};
    const axis = (o.weightGranularity ?? config.weightGranularity) === 'per-channel' ? 0 : null;
    const wRange = qRange('int8', config.weightSymmetric, Math.min(8, o.weightBits ?? config.weightBits));
    const q = quantizeWeights(w, dims, axis, wRange, config.weightSymmetric, qRange('int8', false));
    const [outC, inPerGroup, kH, kW] = dims;
    const perOut = inPerGroup * kH * kW;
    const outPerGroup = outC / c.g.group;
    const shift = new Float64Array(outC);
    for (let o = 0; o < outC; o++) {
      const p = q.params[axis === null ? 0 : o];
      const ciBase = Math.floor(o / outPerGroup) * inPerGroup;
      let s = 0;
      for (let i = 0; i < perOut; i++) {
        const k = o * perOut + i;
        const eps = dequantizeValue(q.q[k], p) - w[k];
        const ci = ciBase + Math.floor(i / (kH * kW));
        s += eps * c.means[ci * kH * kW + (i % (kH * kW))];
      }
      shift[o] = s / c.n;
    }
    const biasName = conv.input[2] || `${conv.name || conv.output[0]}_bias`;
    const old = mIndex.initializers.get(biasName);
    if (old && mIndex.consumersOf(biasName).length !== 1) continue; // a shared bias stays
    const bias = old ? tensorToFloat32(old) : new Float32Array(outC);
    const t = makeTensor(biasName, [outC], Float32Array.from(bias, (b, o) => b - shift[o]));
    if (old) graph.initializer = graph.initializer.map((x) => (x.name === biasName ? t : x));
    else {
      graph.initializer.push(t);
      conv.input[2] = biasName;
    }
    shifts.push({ node: conv.name, maxShift: shift.reduce((m, v) => Math.max(m, Math.abs(v)), 0) });
  }
  return { model, shifts };
}

/** Measure and apply in one go, for a single configuration. */
export async function biasCorrection(
  createSession: SessionFactory,
  fp32: ModelProto,
  config: QuantConfig,
  samples: AsyncIterable<RtTensor>,
  options: { onProgress?: Progress; signal?: Cancel; total?: number } = {},
): Promise<{ model: ModelProto; shifts: BiasShift[] }> {
  return applyBiasCorrection(fp32, config, await measureConvInputMeans(createSession, fp32, samples, options));
}
