import type { ActivationStats } from '../calib/stats';
import { argmax } from '../metrics/classification';
import { ErrorAccumulator } from '../metrics/error';
import { GraphIndex } from '../onnx/graph-index';
import { cloneModel, serializeModel } from '../onnx/model';
import type { ModelProto } from '../onnx/model';
import type { LayerOverride, QuantConfig } from '../quant/config';
import { buildQdqModel, carrierOf, requireStatistics } from '../quant/qdq';
import { QDQ_OPS } from '../quant/registry';
import { withExtraOutputs } from './instrument';
import { activationRanges } from './pipeline';
import type { LayerRow, Progress, Variant } from './pipeline';
import { CancelledError, throwIfAborted } from './runtime';
import type { Cancel, RtSession, RtTensor, SessionFactory } from './runtime';

export interface OutputScore {
  /** share of images whose top-1 class equals FP32's */
  agreement: number;
  outputSqnrDb: number;
}

export interface LayerSensitivity {
  tensor: string;
  node: string;
  op: string;
  /**
   * SQNR (dB) of the layer's output when only this layer is quantized and its inputs are FP32: weights and
   * input activations together, weights alone (NaN for an op without weights), activations alone.
   */
  isolatedSqnrDb: { both: number; weights: number; activations: number };
  /** the model output when only this layer is quantized */
  onlyThis: OutputScore;
  /** the model output when every layer but this one is quantized */
  allBut: OutputScore;
}

export interface SensitivityResult {
  variantId: string;
  samples: number;
  /** every layer quantized (the variant itself), on the same images */
  all: OutputScore;
  layers: LayerSensitivity[];
  /** false when cancelled part way: `layers` holds the layers measured so far */
  complete: boolean;
}

/**
 * The nodes that make up one report row: the row's node and the activations fused after it (a Relu, a Clip),
 * found by walking back from the row's tensor to the node.
 */
export function layerNodes(model: ModelProto, row: Pick<LayerRow, 'tensor' | 'node'>): string[] {
  const index = new GraphIndex(model.graph!);
  const chain: string[] = [];
  let n = index.producer.get(row.tensor);
  while (n && n.name !== row.node && chain.length < 8) {
    chain.push(n.name);
    n = index.producer.get(n.input[0]);
  }
  return n ? [row.node, ...chain] : [row.node];
}

/**
 * The tensor that scores a model's output: the logits when the output is a softmax (stored in 8 bits, a softmax
 * rounds most small differences away), found through the Flatten/Reshape an opset upgrade wraps it in.
 */
export function logitsTensor(model: ModelProto): string {
  const index = new GraphIndex(model.graph!);
  const output = model.graph!.output[0].name;
  let n = index.producer.get(output);
  for (let hops = 0; n && hops < 4; hops++) {
    if (n.opType === 'Softmax') return n.input[0];
    if (!QDQ_OPS[n.opType]?.sharesInputRange) break;
    n = index.producer.get(n.input[0]);
  }
  return output;
}

/** Configurations for measuring one layer, from the variant's own configuration. */
export function sensitivityConfigs(model: ModelProto, config: QuantConfig, row: Pick<LayerRow, 'tensor' | 'node'>) {
  const quantizable = model.graph!.node.filter((n) => !n.domain && QDQ_OPS[n.opType] !== undefined).map((n) => n.name);
  const mine = layerNodes(model, row);
  const base = config.layerOverrides ?? {};
  const keep = (names: string[]): Record<string, LayerOverride> => Object.fromEntries(names.filter((n) => base[n]).map((n) => [n, base[n]]));
  const others = (names: string[]) => quantizable.filter((n) => !names.includes(n));
  const only = (names: string[], extra: Record<string, LayerOverride> = {}): QuantConfig => ({
    ...config,
    excludeNodes: [...new Set([...config.excludeNodes, ...others(names)])],
    layerOverrides: { ...keep(names), ...extra },
  });
  return {
    both: only(mine),
    // The fused activation stays a float op: with no output quantizer it cannot be folded away.
    weights: only([row.node], { [row.node]: { ...base[row.node], quantizeActivations: false } }),
    activations: only(mine, { [row.node]: { ...base[row.node], quantizeWeights: false } }),
    allBut: { ...config, excludeNodes: [...new Set([...config.excludeNodes, ...mine])] } as QuantConfig,
  };
}

/** The layers sensitivity measures: ops that only move or select values (MaxPool, Reshape...) add no error of their own. */
export function measuredLayers<T extends { op: string }>(layers: T[]): T[] {
  return layers.filter((r) => !QDQ_OPS[r.op]?.sharesInputRange);
}

/**
 * For each layer of a variant: the error of that layer alone (isolated: FP32 inputs; weights, activations or
 * both quantized) and what the model output loses when only it is quantized, or all but it. Runs 4 models per
 * layer on `inputs`; cancelling returns the layers measured so far.
 */
export async function measureSensitivity(
  createSession: SessionFactory,
  variant: Variant,
  stats: ActivationStats,
  inputs: RtTensor[],
  {
    onProgress = () => {},
    onLayer = () => {},
    signal,
    resume,
  }: {
    onProgress?: Progress;
    onLayer?: (partial: SensitivityResult) => void;
    signal?: Cancel;
    /** a partial result of the same variant on the same images (cancelled, or cut short by a reload): its layers are kept, the rest measured */
    resume?: SensitivityResult;
  } = {},
): Promise<SensitivityResult> {
  const reference = variant.reference;
  const graph = reference.graph!;
  const index = new GraphIndex(graph);
  const inputName = index.graphInputs.values().next().value as string;
  const outputName = logitsTensor(reference);
  const rows = measuredLayers(variant.layers);
  const kept = resume && resume.variantId === variant.id && resume.samples === inputs.length ? resume.layers.filter((l) => rows.some((r) => r.node === l.node)) : [];
  const todo = rows.filter((r) => !kept.some((l) => l.node === r.node));
  // An op without weights has no weight-only error, and its activation-only model is the "both" one.
  const weighted = (r: LayerRow) => QDQ_OPS[r.op]?.weight !== undefined;
  const total = inputs.length * ((kept.length ? 1 : 2) + todo.reduce((n, r) => n + (weighted(r) ? 4 : 2), 0));
  let done = 0;
  const step = () => onProgress(++done, total);

  const runAll = async (bytes: Uint8Array, names: string[], each: (i: number, out: Record<string, RtTensor>) => void) => {
    const session: RtSession = await createSession(bytes);
    try {
      for (const [i, x] of inputs.entries()) {
        throwIfAborted(signal);
        each(i, await session.run({ [inputName]: x }, names));
        step();
      }
    } finally {
      await session.release();
    }
  };

  // FP32 outputs and every row's tensor, once per image.
  const tensors = [...new Set(rows.map((r) => r.tensor))].filter((t) => t !== outputName);
  const fp32: Record<string, Float32Array>[] = [];
  const result: SensitivityResult = { variantId: variant.id, samples: inputs.length, all: kept.length ? resume!.all : { agreement: 0, outputSqnrDb: NaN }, layers: [...kept], complete: false };
  const score = async (bytes: Uint8Array, out: string, extra: string[] = [], each?: (i: number, out: Record<string, RtTensor>) => void): Promise<OutputScore> => {
    const acc = new ErrorAccumulator();
    let agree = 0;
    await runAll(bytes, [out, ...extra.filter((t) => t !== out)], (i, res) => {
      const y = res[out].data as Float32Array;
      acc.add(fp32[i][outputName], y);
      if (argmax(y) === argmax(fp32[i][outputName])) agree++;
      each?.(i, res);
    });
    return { agreement: inputs.length ? agree / inputs.length : 0, outputSqnrDb: acc.sqnrDb };
  };
  try {
    await runAll(serializeModel(withExtraOutputs(reference, [outputName, ...tensors])), [outputName, ...tensors], (_i, out) => {
      fp32.push(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array])));
    });
    const allOut = variant.compare.get(outputName) ?? outputName;
    if (!kept.length) result.all = await score(serializeModel(withExtraOutputs(variant.qdq.model, [allOut])), allOut);
    for (const row of todo) {
      const configs = sensitivityConfigs(reference, variant.config, row);
      const build = (c: QuantConfig, extra: string[]) => {
        const q = requireStatistics(buildQdqModel(cloneModel(reference), activationRanges(stats, c), c, stats.nonFloat));
        const names = { out: carrierOf(q, outputName), extra: extra.map((t) => carrierOf(q, t)) };
        return { bytes: serializeModel(withExtraOutputs(q.model, [names.out, ...names.extra])), ...names };
      };
      const isolated = async (c: QuantConfig) => {
        const acc = new ErrorAccumulator();
        const m = build(c, [row.tensor]);
        await runAll(m.bytes, m.extra, (i, out) => acc.add(fp32[i][row.tensor], out[m.extra[0]].data as Float32Array));
        return acc.sqnrDb;
      };
      const both = new ErrorAccumulator();
      const b = build(configs.both, [row.tensor]);
      const onlyThis = await score(b.bytes, b.out, b.extra, (i, out) => both.add(fp32[i][row.tensor], out[b.extra[0]].data as Float32Array));
      const weights = weighted(row) ? await isolated(configs.weights) : NaN;
      const activations = weighted(row) ? await isolated(configs.activations) : both.sqnrDb;
      const a = build(configs.allBut, []);
      const allBut = await score(a.bytes, a.out);
      result.layers.push({
        tensor: row.tensor,
        node: row.node,
        op: row.op,
        isolatedSqnrDb: { both: both.sqnrDb, weights, activations },
        onlyThis,
        allBut,
      });
      onLayer({ ...result, layers: [...result.layers] });
    }
    result.complete = true;
  } catch (e) {
    if (!(e instanceof CancelledError)) throw e;
  }
  return result;
}

export interface RankedLayer extends LayerSensitivity {
  /** what keeping this layer in float gains on the output, vs the fully quantized model */
  gain: { agreement: number; outputSqnrDb: number };
}

/**
 * Layers ordered by what keeping each one in higher precision gains (all-but-this vs all quantized): by
 * output SQNR, which resolves differences that agreement on a few images cannot.
 */
export function rankSensitivity(result: SensitivityResult): RankedLayer[] {
  return result.layers
    .map((l) => ({
      ...l,
      gain: { agreement: l.allBut.agreement - result.all.agreement, outputSqnrDb: l.allBut.outputSqnrDb - result.all.outputSqnrDb },
    }))
    .sort((a, b) => b.gain.outputSqnrDb - a.gain.outputSqnrDb || b.gain.agreement - a.gain.agreement);
}
