import { create } from '@bufbuild/protobuf';

import { GraphIndex, topologicalSort } from '../onnx/graph-index';
import { upgradeOpset } from '../onnx/passes/upgrade-opset';
import { StringStringEntryProtoSchema } from '../onnx/proto/onnx_pb';
import {
  DataType,
  makeAttrInt,
  makeNode,
  makeTensor,
  tensorDims,
  tensorToFloat32,
  tensorToNumbers,
} from '../onnx/model';
import type { ModelProto, NodeProto, TensorProto } from '../onnx/model';
import { activationStorage } from './config';
import type { QuantConfig } from './config';
import type { QParams, QRange, QType } from './qparams';
import { computeScaleZeroPoint, qRange, quantizeValue } from './qparams';
import { QDQ_OPS } from './registry';
import { quantizeBias, quantizeWeights } from './weights';

export interface TensorRange {
  min: number;
  max: number;
}

/** One quantized tensor of the QDQ model: its parameters in the one internal form every view reads. */
export interface QuantizedTensor {
  /** tensor name in the FP32 model */
  name: string;
  kind: 'activation' | 'weight' | 'bias';
  dtype: QType;
  scale: number[];
  zeroPoint: number[];
  axis: number | null;
  /** calibrated range (activations) or value range (weights, per tensor) */
  range?: TensorRange;
  /** levels actually usable, for bit widths below the storage type */
  qmin: number;
  qmax: number;
}

export interface FusedActivation {
  producer: string;
  producerOp: string;
  activation: string;
  activationOp: string;
}

export interface QdqResult {
  model: ModelProto;
  tensors: QuantizedTensor[];
  fused: FusedActivation[];
  /** activation tensors that would be quantized but have no calibrated range */
  uncalibrated: string[];
  /** FP32 activation → the tensor that carries its dequantized value in this model (<t>_DequantizeLinear_Output, or t for a graph output) */
  dequantized: Map<string, string>;
}

/** The tensor of a QDQ model that stands for FP32 tensor t: its dequantized carrier where t is quantized, else t. */
export function carrierOf(q: Pick<QdqResult, 'dequantized'>, t: string): string {
  return q.dequantized.get(t) ?? t;
}

const Q_SUFFIX = '_QuantizeLinear_Output';
const DQ_SUFFIX = '_DequantizeLinear_Output';

function zeroPointArray(type: QType, values: number[]) {
  switch (type) {
    case 'uint8':
      return Uint8Array.from(values);
    case 'int8':
      return Int8Array.from(values);
    case 'int16':
      return Int16Array.from(values);
    case 'uint16':
      return Uint16Array.from(values);
    case 'int32':
      return Int32Array.from(values);
  }
}

/**
 * Build a QDQ model in ONNX Runtime's layout: QuantizeLinear → DequantizeLinear pairs on the activations
 * that quantized ops read and write, DequantizeLinear on int8 weights and int32 biases, and Relu/Clip dropped
 * where the following QuantizeLinear already clamps exactly as they would. ORT then fuses each
 * DQ → Conv → Q group into QLinearConv. `model` is changed in place: pass a clone.
 */
export function buildQdqModel(
  model: ModelProto,
  ranges: ReadonlyMap<string, TensorRange>,
  config: QuantConfig,
  /** tensors seen in calibration that are not float (shape arithmetic): never quantized */
  nonFloat: ReadonlySet<string> = new Set(),
): QdqResult {
  const graph = model.graph!;
  const overrides = config.layerOverrides ?? {};
  const excluded = new Set([...config.excludeNodes, ...Object.keys(overrides).filter((k) => overrides[k].keepFp32)]);
  const tensors: QuantizedTensor[] = [];
  const fused: FusedActivation[] = [];
  const uncalibrated = new Set<string>();

  /** Storage type of an activation at a bit width: 16 bits need uint16/int16 (QuantizeLinear-21). */
  const aTypeFor = (bits: number): QType => activationStorage(config, bits);
  const aRange = qRange(aTypeFor(config.activationBits), config.activationSymmetric, config.activationBits);
  const actBitsOf = (node: NodeProto | undefined) => (node && overrides[node.name]?.activationBits) ?? config.activationBits;
  /** activation levels of a layer's output, with its override */
  const aRangeFor = (node: NodeProto | undefined) => {
    const bits = actBitsOf(node);
    return bits === config.activationBits ? aRange : qRange(aTypeFor(bits), config.activationSymmetric, bits);
  };
  const wideWeights = (bits: number) => bits > 8;
  // NOTE: onnxruntime 1.30 miscomputes a Conv whose weight and input are both 16-bit QDQ once it optimises
  // the graph (output SQNR −2 dB on the PP-OCR classifier; exact with optimisation disabled). Refuse it.
  if (config.weightBits > 8 && config.activationBits > 8) {
    throw new RangeError(
      'ONNX Runtime 1.30 computes wrong results when both weights and activations are 16-bit QDQ. Use 16-bit weights with 8-bit activations, or the other way round.',
    );
  }
  /** Relu → Min(per-channel cap) after a quantized op: ReLU6 kept exact by equalisation, left in float */
  const passThrough = new Set<NodeProto>();
  const isQuantized = (n: NodeProto) => !n.domain && QDQ_OPS[n.opType] !== undefined && !excluded.has(n.name) && !passThrough.has(n);
  {
    const index = new GraphIndex(graph);
    for (const relu of graph.node) {
      if (relu.opType !== 'Relu') continue;
      const next = index.consumersOf(relu.output[0]);
      if (next.length === 1 && next[0].opType === 'Min' && index.initializers.has(next[0].input[1])) passThrough.add(relu);
    }
  }
  const activationParams = (r: TensorRange, range: QRange = aRange) => computeScaleZeroPoint(r.min, r.max, range, config.activationSymmetric);

  // ***** 1. drop Relu/Clip whose clamp the output QuantizeLinear reproduces exactly *****
  {
    const index = new GraphIndex(graph);
    const removed = new Set<NodeProto>();
    for (const act of graph.node) {
      const rule = QDQ_OPS[act.opType];
      if (!rule?.removable || !isQuantized(act)) continue;
      const out = act.output[0];
      const r = ranges.get(out);
      const producer = index.producer.get(act.input[0]);
      if (!r || !producer || !isQuantized(producer) || removed.has(producer)) continue;
      if (overrides[producer.name]?.quantizeActivations === false || overrides[act.name]?.quantizeActivations === false) continue;
      if (index.consumersOf(act.input[0]).length !== 1 || index.graphOutputs.has(act.input[0])) continue;
      // Only a QuantizeLinear that will exist can clamp: the output must be quantized (read by a quantized op or
      // leaving the graph), else dropping the activation changes the model (e.g. its consumer is kept in FP32).
      if (!index.graphOutputs.has(out) && !index.consumersOf(out).some(isQuantized)) continue;
      // Q(clamp(x, lo, hi)) = Q(x) for every x exactly when Q already sends lo to qmin and hi to qmax
      // (Q is monotonic and saturates): true for Relu and ReLU6 with an asymmetric range starting at 0.
      const layerRange = aRangeFor(producer);
      const p = activationParams(r, layerRange);
      let lo = 0;
      let hi = Infinity;
      if (act.opType === 'Clip') {
        const loT = act.input[1] ? index.initializers.get(act.input[1]) : undefined;
        const hiT = act.input[2] ? index.initializers.get(act.input[2]) : undefined;
        if ((act.input[1] && !loT) || (act.input[2] && !hiT)) continue;
        lo = loT ? tensorToNumbers(loT)[0] : -Infinity;
        hi = hiT ? tensorToNumbers(hiT)[0] : Infinity;
      }
      const qLo = lo === -Infinity ? layerRange.qmin : quantizeValue(lo, p, layerRange);
      const qHi = hi === Infinity ? layerRange.qmax : quantizeValue(hi, p, layerRange);
      if (qLo !== layerRange.qmin || qHi !== layerRange.qmax) continue;
      producer.output = producer.output.map((o) => (o === act.input[0] ? out : o));
      removed.add(act);
      fused.push({ producer: producer.name, producerOp: producer.opType, activation: act.name, activationOp: act.opType });
    }
    graph.node = graph.node.filter((n) => !removed.has(n));
  }

  const index = new GraphIndex(graph);
  const names = new Set<string>([
    ...graph.initializer.map((t) => t.name),
    ...graph.input.map((v) => v.name),
    ...graph.node.flatMap((n) => [...n.input, ...n.output]),
  ]);
  const unique = (base: string) => {
    let name = base;
    for (let i = 1; names.has(name); i++) name = `${base}_${i}`;
    names.add(name);
    return name;
  };
  const newNodes: NodeProto[] = [];
  const newInits: TensorProto[] = [];

  // ***** 2. activations: which tensors, then one Q → DQ pair each *****
  const actParams = new Map<string, QParams>();
  const actRanges = new Map<string, QRange>();
  const actTypes = new Map<string, QType>();
  // Activations only: initializers are weights or constants, and integer tensors carry shapes.
  const floatTensor = (name: string) => !index.initializers.has(name) && !nonFloat.has(name);
  const wanted: string[] = [];
  const want = (t: string) => {
    if (!t || !floatTensor(t) || actParams.has(t) || wanted.includes(t)) return;
    wanted.push(t);
  };
  for (const n of graph.node) {
    if (!isQuantized(n) || overrides[n.name]?.quantizeActivations === false) continue;
    const rule = QDQ_OPS[n.opType];
    const idx = rule.activations[0] === -1 ? n.input.map((_, i) => i) : rule.activations;
    for (const i of idx) if (i < n.input.length) want(n.input[i]);
    // An output is quantized where a quantized op reads it or it leaves the graph.
    const out = n.output[0];
    if (index.graphOutputs.has(out) || index.consumersOf(out).some(isQuantized)) want(out);
  }
  const rangeMemo = new Map<string, TensorRange | undefined>();
  const rangeOf = (t: string): TensorRange | undefined => {
    if (rangeMemo.has(t)) return rangeMemo.get(t);
    const producer = index.producer.get(t);
    const rule = producer && isQuantized(producer) ? QDQ_OPS[producer.opType] : undefined;
    let r: TensorRange | undefined;
    if (rule?.fixedOutputRange) r = { min: rule.fixedOutputRange[0], max: rule.fixedOutputRange[1] };
    else if (rule?.sharesInputRange && producer!.input[0] && floatTensor(producer!.input[0])) r = rangeOf(producer!.input[0]) ?? ranges.get(t);
    else r = ranges.get(t);
    rangeMemo.set(t, r);
    return r;
  };
  for (const t of wanted) {
    const r = rangeOf(t);
    if (!r) {
      uncalibrated.add(t);
      continue;
    }
    const range = aRangeFor(index.producer.get(t));
    const dtype = aTypeFor(actBitsOf(index.producer.get(t)));
    const p = activationParams(r, range);
    actParams.set(t, p);
    actRanges.set(t, range);
    actTypes.set(t, dtype);
    tensors.push({
      name: t,
      kind: 'activation',
      dtype,
      scale: [p.scale],
      zeroPoint: [p.zeroPoint],
      axis: null,
      range: r,
      ...range,
    });
  }
  /** DequantizeLinear output → the activation it carries, to find a Conv input's scale after rewiring */
  const carried = new Map<string, string>();
  for (const [t, p] of actParams) {
    const scale = unique(`${t}_scale`);
    const zp = unique(`${t}_zero_point`);
    newInits.push(makeTensor(scale, [], Float32Array.of(p.scale)));
    const tType = actTypes.get(t)!;
    newInits.push(makeTensor(zp, [], zeroPointArray(tType, [p.zeroPoint])));
    let qIn = t;
    let dqOut: string;
    if (index.graphOutputs.has(t)) {
      // The graph output keeps its name: the producer writes <t>_QuantizeLinear_Input and DQ writes <t>.
      qIn = unique(`${t}_QuantizeLinear_Input`);
      const producer = index.producer.get(t);
      if (producer) producer.output = producer.output.map((o) => (o === t ? qIn : o));
      for (const c of index.consumersOf(t)) c.input = c.input.map((i) => (i === t ? qIn : i));
      dqOut = t;
    } else {
      dqOut = unique(`${t}${DQ_SUFFIX}`);
      for (const c of index.consumersOf(t)) c.input = c.input.map((i) => (i === t ? dqOut : i));
    }
    carried.set(dqOut, t);
    const qOut = unique(`${t}${Q_SUFFIX}`);
    const tRange = actRanges.get(t)!;
    const full = qRange(tType, config.activationSymmetric);
    if (tRange.qmax - tRange.qmin < full.qmax - full.qmin) {
      // Fewer bits than the storage type: clamp to the b-bit levels first, so QuantizeLinear's int8/uint8
      // output only takes 2^b values (simulated low-bit activations).
      const lo = unique(`${t}_clip_min`);
      const hi = unique(`${t}_clip_max`);
      newInits.push(makeTensor(lo, [], Float32Array.of(Math.fround(p.scale * (tRange.qmin - p.zeroPoint)))));
      newInits.push(makeTensor(hi, [], Float32Array.of(Math.fround(p.scale * (tRange.qmax - p.zeroPoint)))));
      const clipped = unique(`${t}_clipped`);
      newNodes.push(makeNode('Clip', [qIn, lo, hi], [clipped], unique(`${t}_Clip`)));
      qIn = clipped;
    }
    newNodes.push(makeNode('QuantizeLinear', [qIn, scale, zp], [qOut], unique(`${t}_QuantizeLinear`)));
    newNodes.push(makeNode('DequantizeLinear', [qOut, scale, zp], [dqOut], unique(`${t}_DequantizeLinear`)));
  }

  // ***** 3. weights (int8) and biases (int32) behind DequantizeLinear *****
  const doneWeights = new Map<string, { params: QParams[]; dq: string; wide: boolean }>();
  for (const n of graph.node) {
    if (!isQuantized(n)) continue;
    // Weights "left in float" between quantized activations are stored as 16-bit QDQ instead (error ~90 dB
    // under the signal): onnxruntime 1.30 mis-executes DequantizeLinear → Conv with float weights →
    // QuantizeLinear once it optimises the graph (MobileNet's first depthwise layer: 17.6 dB instead of 49 dB).
    const floatWeights = overrides[n.name]?.quantizeWeights === false;
    const layerActBits = Math.max(actBitsOf(n), config.activationBits);
    if (floatWeights && (layerActBits > 8 || overrides[n.name]?.quantizeActivations === false)) continue;
    const rule = QDQ_OPS[n.opType];
    if (rule.weight === undefined) continue;
    const wName = n.input[rule.weight];
    const w = wName ? index.initializers.get(wName) : undefined;
    if (!w || w.dataType !== DataType.FLOAT) continue;
    let done = doneWeights.get(wName);
    if (!done) {
      const dims = tensorDims(w);
      const transB = Number(n.attribute.find((a) => a.name === 'transB')?.i ?? 0);
      const o = overrides[n.name] ?? {};
      const perChannel = (floatWeights || (o.weightGranularity ?? config.weightGranularity) === 'per-channel') && dims.length > 1;
      const axis = perChannel ? rule.weightAxis!(dims, { transB }) : null;
      const bits = floatWeights ? 16 : (o.weightBits ?? config.weightBits);
      const wType = wideWeights(bits) ? 'int16' : 'int8';
      const wRange = qRange(wType, config.weightSymmetric, bits);
      const qw = quantizeWeights(tensorToFloat32(w), dims, axis, wRange, config.weightSymmetric, qRange(wType, false));
      const qName = unique(`${wName}_quantized`);
      const sName = unique(`${wName}_scale`);
      const zName = unique(`${wName}_zero_point`);
      const dq = unique(`${wName}${DQ_SUFFIX}`);
      const pDims = axis === null ? [] : [qw.params.length];
      const zps = qw.params.map((p) => p.zeroPoint);
      newInits.push(makeTensor(qName, dims, wType === 'int16' ? Int16Array.from(qw.q) : Int8Array.from(qw.q)));
      newInits.push(makeTensor(sName, pDims, Float32Array.from(qw.params, (p) => p.scale)));
      newInits.push(makeTensor(zName, pDims, wType === 'int16' ? Int16Array.from(zps) : Int8Array.from(zps)));
      newNodes.push(
        makeNode('DequantizeLinear', [qName, sName, zName], [dq], unique(`${wName}_DequantizeLinear`), axis === null ? [] : [makeAttrInt('axis', axis)]),
      );
      tensors.push({
        name: wName,
        kind: 'weight',
        dtype: wType,
        scale: qw.params.map((p) => p.scale),
        zeroPoint: qw.params.map((p) => p.zeroPoint),
        axis,
        ...wRange,
      });
      done = { params: qw.params, dq, wide: wType === 'int16' };
      doneWeights.set(wName, done);
    }
    n.input[rule.weight] = done.dq;

    // Bias: needs the scale of the activation input.
    const bName = rule.bias !== undefined ? n.input[rule.bias] : undefined;
    const b = bName ? index.initializers.get(bName) : undefined;
    const carriedInput = carried.get(n.input[0]);
    const inScale = carriedInput === undefined ? undefined : actParams.get(carriedInput)?.scale;
    // With 16-bit weights or inputs, s_in · s_w is so small that an int32 bias could overflow: keep it float
    // (ORT has no fused 16-bit kernel to feed anyway).
    const wideInput = carriedInput !== undefined && actTypes.get(carriedInput)!.endsWith('16');
    if (!b || !bName || inScale === undefined || b.dataType !== DataType.FLOAT || index.consumersOf(bName).length !== 1 || done.wide || wideInput) continue;
    const { q, scales } = quantizeBias(tensorToFloat32(b), inScale, done.params);
    const perChannel = scales.length > 1;
    const qName = unique(`${bName}_quantized`);
    const sName = unique(`${bName}_quantized_scale`);
    const zName = unique(`${bName}_quantized_zero_point`);
    const dq = unique(`${bName}_quantized${DQ_SUFFIX}`);
    const pDims = perChannel ? [scales.length] : [];
    newInits.push(makeTensor(qName, tensorDims(b), q));
    newInits.push(makeTensor(sName, pDims, Float32Array.from(scales)));
    newInits.push(makeTensor(zName, pDims, new Int32Array(scales.length)));
    newNodes.push(makeNode('DequantizeLinear', [qName, sName, zName], [dq], unique(`${bName}_DequantizeLinear`), perChannel ? [makeAttrInt('axis', 0)] : []));
    n.input[rule.bias!] = dq;
    tensors.push({
      name: bName,
      kind: 'bias',
      dtype: 'int32',
      scale: scales,
      zeroPoint: scales.map(() => 0),
      axis: perChannel ? 0 : null,
      qmin: -2147483648,
      qmax: 2147483647,
    });
  }

  graph.node.push(...newNodes);
  graph.initializer.push(...newInits);
  // Float weights now behind DequantizeLinear, and Clip bounds of removed Clips, are no longer read.
  const stillUsed = new Set(graph.node.flatMap((n) => n.input));
  const inputs = new Set(graph.input.map((v) => v.name));
  graph.initializer = graph.initializer.filter((t) => stillUsed.has(t.name) || inputs.has(t.name));
  graph.valueInfo = [];
  graph.node = topologicalSort(graph);
  // 16-bit QuantizeLinear/DequantizeLinear exist from opset 21.
  if (tensors.some((t) => t.dtype === 'int16' || t.dtype === 'uint16')) upgradeOpset(model, 21);
  model.metadataProps = model.metadataProps.filter((p) => p.key !== 'quantscope');
  model.metadataProps.push(
    create(StringStringEntryProtoSchema, {
      key: 'quantscope',
      value: JSON.stringify({
        weights: `int${config.weightBits} ${config.weightSymmetric ? 'symmetric' : 'asymmetric'} ${config.weightGranularity}`,
        activations: `${config.activationType} ${config.activationSymmetric ? 'symmetric' : 'asymmetric'}, ${config.activationBits} bits`,
        calibrator: config.calibrator,
        simulated:
          [config.weightBits, config.activationBits].some((b) => b < 8 || (b > 8 && b < 16))
            ? 'Bit widths below 8 are simulated: values are stored in int8/uint8 with their levels restricted to the narrower range.'
            : undefined,
        excluded: excluded.size ? [...excluded] : undefined,
        overrides: Object.keys(overrides).length ? overrides : undefined,
      }),
    }),
  );
  return { model, tensors, fused, uncalibrated: [...uncalibrated], dequantized: new Map([...carried].map(([dq, t]) => [t, dq])) };
}

/** A QDQ build read a tensor whose statistics were not collected. */
export class MissingStatisticsError extends Error {
  constructor(readonly tensors: string[]) {
    super(`The calibration statistics lack ${tensors.slice(0, 3).join(', ')}${tensors.length > 3 ? `, and ${tensors.length - 3} more` : ''}: collect them before building this model.`);
    this.name = 'MissingStatisticsError';
  }
}

/** Throws MissingStatisticsError when a build read tensors without statistics. */
export function requireStatistics(q: QdqResult): QdqResult {
  if (q.uncalibrated.length) throw new MissingStatisticsError(q.uncalibrated);
  return q;
}
