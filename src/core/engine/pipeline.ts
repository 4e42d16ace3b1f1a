import { ActivationStats } from '../calib/stats';
import { ClassificationTally, klDivergence } from '../metrics/classification';
import { ErrorAccumulator } from '../metrics/error';
import { GraphIndex } from '../onnx/graph-index';
import { attrInt, cloneModel, serializeModel } from '../onnx/model';
import type { ModelProto } from '../onnx/model';
import { activationScheme } from '../quant/config';
import type { QuantConfig } from '../quant/config';
import { buildQdqModel, carrierOf, requireStatistics } from '../quant/qdq';
import type { QdqResult, TensorRange } from '../quant/qdq';
import { nodeOutputs, planPass, withExtraOutputs } from './instrument';
import type { PassPlan } from './instrument';
import type { RtSession, RtTensor, SessionFactory } from './runtime';
import { CancelledError, throwIfAborted } from './runtime';
import type { Cancel } from './runtime';

export interface Sample {
  tensor: RtTensor;
  /** class index in the model's output space, or null when unknown */
  label: number | null;
}

export type Progress = (done: number, total: number) => void;

// ***** calibration *****

/**
 * Runs the FP32 model on each calibration sample with every intermediate tensor as an output (or, with
 * `first` and `select`, those it picks from the first sample's) and folds each into running statistics; no
 * sample's activations outlive its own step.
 */
export async function collectStatistics(
  createSession: SessionFactory,
  model: ModelProto,
  samples: AsyncIterable<RtTensor>,
  total: number,
  options: Omit<PassOptions, 'only'> = {},
): Promise<ActivationStats> {
  const stats = new ActivationStats();
  await observeSamples(createSession, model, samples, total, () => stats, options);
  return stats;
}

/** What a calibration pass may be given besides its samples. */
export interface PassOptions {
  onProgress?: Progress;
  signal?: Cancel;
  /** only these tensors (default: all): fewer outputs to copy out of the runtime, and fewer values to fold */
  only?: ReadonlySet<string>;
  /** filled with the pass's time split */
  timing?: CalibrationTiming;
  /** the tensors the first sample fetches (`only` applies too; default: all), e.g. a guess of what `select` picks */
  first?: ReadonlySet<string>;
  /**
   * the tensors to keep collecting, chosen from the first sample's statistics: the pass drops the others'
   * statistics and runs the rest of the samples on a model that outputs the chosen ones only (the first
   * sample's session again when they are what it fetched). A chosen tensor the first sample did not fetch is
   * not collected: completeStatistics collects it after. For one statistics object across samples.
   */
  select?: (first: ActivationStats) => ReadonlySet<string>;
}

/**
 * Where a calibration pass spent its time, summed over every sample after the first (whose run also warms
 * the session up). The runs here are not quite a bare run's: what the statistics evict from the caches slows
 * the next run a little (SqueezeNet in the browser: 56–61 ms a run with the folding between runs, 52–53 without).
 */
export interface CalibrationTiming {
  samples: number;
  /** the model run with every collected tensor as an output */
  runMs: number;
  /** folding the input and those tensors into the statistics */
  statisticsMs: number;
  /** waiting for the next sample (decoding and preprocessing, where they are not done ahead) */
  readMs: number;
  /** float tensors collected (those the int8 models read), of how many the model has; set by prepareVariants */
  tensors?: number;
  floatTensors?: number;
  /** of those, how many the pass derived from others' statistics instead of fetching them (see planPass) */
  derived?: number;
}

export function emptyCalibrationTiming(): CalibrationTiming {
  return { samples: 0, runMs: 0, statisticsMs: 0, readMs: 0 };
}

/**
 * The calibration pass: each sample's input and every tensor the model writes are folded into the statistics
 * `statsFor` returns for that sample (one object for all samples, or a fresh one per sample).
 */
export async function observeSamples(
  createSession: SessionFactory,
  model: ModelProto,
  samples: AsyncIterable<RtTensor>,
  total: number,
  statsFor: () => ActivationStats,
  { onProgress = () => {}, signal, only, timing, first, select }: PassOptions = {},
): Promise<void> {
  const inputName = new GraphIndex(model.graph!).graphInputs.values().next().value as string;
  const allowed = (n: string) => (!only || only.has(n)) && (!first || first.has(n));
  let wanted = nodeOutputs(model).filter(allowed);
  let observeInput = allowed(inputName);
  let plan = planPass(model, wanted, observeInput ? inputName : null);
  let session = await createSession(serializeModel(withExtraOutputs(model, plan.fetch)));
  // The derived tensors' statistics are merged from their parts' once the statistics have seen their samples:
  // after the first sample (`select` reads them), and at the end for every statistics object (per-image ones
  // too), also when the pass stops early.
  const underived = new Map<ActivationStats, PassPlan['derived']>();
  const derive = () => {
    for (const [stats, derived] of underived) for (const [name, parts] of derived) stats.deriveUnion(name, parts);
    underived.clear();
  };
  try {
    let done = 0;
    let read = performance.now();
    for await (const t of samples) {
      const t0 = performance.now();
      throwIfAborted(signal);
      const stats = statsFor();
      const outs = await session.run({ [inputName]: t }, plan.fetch);
      const t1 = performance.now();
      if (observeInput) stats.observe(inputName, t.data as Float32Array);
      for (const n of plan.fetch) stats.observe(n, outs[n].data as Float32Array);
      stats.samples++;
      underived.set(stats, plan.derived);
      const t2 = performance.now();
      if (timing && done > 0) {
        timing.samples++;
        timing.readMs += t0 - read;
        timing.runMs += t1 - t0;
        timing.statisticsMs += t2 - t1;
      }
      if (done === 0 && select) {
        derive();
        const keep = select(stats);
        stats.retain(keep);
        observeInput &&= keep.has(inputName);
        wanted = wanted.filter((n) => keep.has(n));
        const fetched = plan.fetch;
        plan = planPass(model, wanted, observeInput ? inputName : null);
        // A session whose other outputs are shape arithmetic only (a guess includes what it cannot yet tell from
        // an activation) is kept: those few integers are computed anyway, just no longer fetched.
        const fetching = new Set(plan.fetch);
        if (plan.fetch.some((n) => !fetched.includes(n)) || fetched.some((n) => !fetching.has(n) && !stats.nonFloat.has(n))) {
          const next = await createSession(serializeModel(withExtraOutputs(model, plan.fetch)));
          await session.release();
          session = next;
        }
      }
      onProgress(++done, total);
      read = performance.now();
    }
  } finally {
    try {
      const t = performance.now();
      const last = [...underived.keys()].at(-1);
      derive();
      if (timing) {
        timing.statisticsMs += performance.now() - t;
        // the derived tensors the statistics keep as float ones
        if (last) timing.derived = (timing.derived ?? 0) + [...plan.derived.keys()].filter((n) => last.histograms.has(n)).length;
      }
    } finally {
      await session.release();
    }
  }
}

// ***** quantized variants *****

export interface LayerRow {
  /** activation tensor (FP32 name) whose error the row reports */
  tensor: string;
  node: string;
  op: string;
  /** activation folded into the node, e.g. 'Relu' */
  fused?: string;
  /** a Conv with one group per channel */
  depthwise?: boolean;
}

export interface Variant {
  id: string;
  config: QuantConfig;
  qdq: QdqResult;
  bytes: Uint8Array;
  layers: LayerRow[];
  /** FP32 tensor → the int8 model's dequantized tensor that stands for it */
  compare: Map<string, string>;
  /** the FP32 model its layer errors are measured against (equalised if any; before bias correction) */
  reference: ModelProto;
  /** the FP32 model it was quantized from (equalised and bias-corrected, if asked for) */
  source: ModelProto;
  /** size if the quantized weights were packed at their bit width instead of stored in int8 */
  packedSizeBytes: number;
}

/** Activation ranges of a configuration: its calibrator applied to the collected statistics. */
export function activationRanges(stats: ActivationStats, config: QuantConfig) {
  const scheme = activationScheme(config);
  const key = JSON.stringify([stats.version, config.calibrator, config.calibratorOptions, scheme.range, scheme.symmetric]);
  // Variants that differ only in their weights share the activation ranges: compute them once.
  let memo = rangeMemo.get(stats);
  if (!memo) rangeMemo.set(stats, (memo = new Map()));
  let ranges = memo.get(key);
  if (!ranges) memo.set(key, (ranges = stats.rangesFor(config.calibrator, scheme, config.calibratorOptions)));
  return ranges;
}

const rangeMemo = new WeakMap<ActivationStats, Map<string, Map<string, TensorRange>>>();

const ACTIVATION_OPS = new Set(['Relu', 'Clip', 'Min']);

export function buildVariant(id: string, fp32: ModelProto, stats: ActivationStats, config: QuantConfig): Variant {
  const qdq = requireStatistics(buildQdqModel(cloneModel(fp32), activationRanges(stats, config), config, stats.nonFloat));
  const index = new GraphIndex(qdq.model.graph!);
  const fp32Index = new GraphIndex(fp32.graph!);
  const quantizedActivations = new Set(qdq.tensors.filter((t) => t.kind === 'activation').map((t) => t.name));
  const layers: LayerRow[] = [];
  const compare = new Map<string, string>();
  for (const t of qdq.tensors) {
    if (t.kind !== 'activation' || fp32Index.graphInputs.has(t.name)) continue;
    const dq = carrierOf(qdq, t.name);
    if (!index.producer.has(dq)) continue;
    compare.set(t.name, dq);
    // The row belongs to the layer before any activation that runs without its own QuantizeLinear
    // (a Relu/Clip fused away, or Relu + Min kept for an equalised ReLU6).
    let node = fp32Index.producer.get(t.name);
    const chain: string[] = [];
    while (node && ACTIVATION_OPS.has(node.opType) && !quantizedActivations.has(node.input[0])) {
      const before = fp32Index.producer.get(node.input[0]);
      if (!before) break;
      chain.unshift(node.opType === 'Min' ? 'Min (per-channel cap)' : node.opType);
      node = before;
    }
    if (!node) continue;
    const group = attrInt(node, 'group', 1);
    const w = node.opType === 'Conv' ? fp32Index.initializers.get(node.input[1]) : undefined;
    const depthwise = group > 1 && w !== undefined && Number(w.dims[1]) === 1;
    layers.push({
      tensor: t.name,
      node: node.name || t.name,
      op: node.opType,
      ...(chain.length ? { fused: chain.join(' + ') } : {}),
      ...(depthwise ? { depthwise } : {}),
    });
  }
  const bytes = serializeModel(qdq.model);
  // Each weight tensor packed at its own bit width (per-layer overrides may differ from the model's).
  let saved = 0;
  for (const t of qdq.tensors) {
    if (t.kind !== 'weight') continue;
    const stored = qdq.model.graph!.initializer.find((i) => i.name === `${t.name}_quantized`)?.rawData.length ?? 0;
    const bits = Math.ceil(Math.log2(t.qmax - t.qmin + 1));
    saved += (stored * (8 - bits)) / 8;
  }
  const packedSizeBytes = Math.round(bytes.length - saved);
  return { id, config, qdq, bytes, layers, compare, reference: fp32, source: fp32, packedSizeBytes };
}

// ***** evaluation *****

export interface LayerError {
  tensor: string;
  sqnrDb: number;
  mse: number;
  cosine: number;
  maxAbs: number;
}

export interface VariantEvaluation {
  id: string;
  top1: number | null;
  top5: number | null;
  /** share of samples where the int8 top-1 class equals the FP32 one */
  agreementTop1: number;
  sqnrSamples: number;
  layers: LayerError[];
  outputSqnrDb: number;
  /** mean KL divergence (nats) of the int8 output distribution from the FP32 one */
  outputKl: number;
  predictions: number[];
}

export interface Evaluation {
  samples: number;
  fp32: { top1: number | null; top5: number | null; predictions: number[] };
  variants: VariantEvaluation[];
}

interface VariantRun {
  variant: Variant;
  plain: RtSession;
  instrumented: RtSession;
  tally: ClassificationTally;
  agree: number;
  errors: Map<string, ErrorAccumulator>;
  output: ErrorAccumulator;
  kl: number;
  predictions: number[];
}

/**
 * Runs FP32 and every int8 variant on each evaluation sample: accuracy and agreement from the variants' own
 * models (what ORT runs after fusing), per-layer error from copies that also output every compared tensor,
 * over the first `sqnrSamples` samples.
 */
export async function evaluate(
  createSession: SessionFactory,
  fp32: ModelProto,
  variants: Variant[],
  samples: AsyncIterable<Sample>,
  total: number,
  {
    sqnrSamples = 64,
    onProgress = () => {},
    signal,
    keepPartial = false,
  }: {
    sqnrSamples?: number;
    onProgress?: Progress;
    signal?: Cancel;
    /** cancelled after some images, return the figures on those (`samples` says how many) instead of throwing */
    keepPartial?: boolean;
  } = {},
): Promise<Evaluation> {
  const graph = fp32.graph!;
  const index = new GraphIndex(graph);
  const inputName = index.graphInputs.values().next().value as string;
  const outputName = graph.output[0].name;
  // Layer errors compare each variant with its own FP32 reference (an equalised model has other
  // intermediate tensors, the same outputs); predictions come from the model as loaded.
  const references = new Map<ModelProto, { names: Set<string>; session?: RtSession }>([[fp32, { names: new Set() }]]);
  for (const v of variants) {
    const r = references.get(v.reference) ?? { names: new Set<string>() };
    for (const k of v.compare.keys()) r.names.add(k);
    references.set(v.reference, r);
  }
  for (const [model, r] of references) r.session = await createSession(serializeModel(withExtraOutputs(model, [outputName, ...r.names])));
  // Past the SQNR samples only predictions are needed: a session without the extra outputs, which keep ORT
  // from fusing (a Conv whose output is a graph output cannot absorb its Relu) and cost ~1.5× on MobileNet.
  const fp32Plain = sqnrSamples < total ? await createSession(serializeModel(fp32)) : null;
  const runs: VariantRun[] = [];
  const fp32Tally = new ClassificationTally();
  const fp32Predictions: number[] = [];
  try {
    for (const v of variants) {
      runs.push({
        variant: v,
        plain: await createSession(v.bytes),
        instrumented: await createSession(serializeModel(withExtraOutputs(v.qdq.model, v.compare.values()))),
        tally: new ClassificationTally(),
        agree: 0,
        errors: new Map([...v.compare.keys()].map((k) => [k, new ErrorAccumulator()])),
        output: new ErrorAccumulator(),
        kl: 0,
        predictions: [],
      });
    }
    // One image through FP32 and every variant: its predictions, output error and (the first images) layer errors.
    const evaluateOne = async (s: Sample, i: number) => {
      const withLayers = i < sqnrSamples;
      const feeds = { [inputName]: s.tensor };
      const refs = new Map<ModelProto, Record<string, RtTensor>>();
      if (withLayers || !fp32Plain) {
        for (const [model, r] of references) refs.set(model, await r.session!.run(feeds, [outputName, ...r.names]));
      } else {
        refs.set(fp32, await fp32Plain.run(feeds, [outputName]));
      }
      const refOut = refs.get(fp32)![outputName].data as Float32Array;
      const refTop = fp32Tally.add(refOut, s.label);
      fp32Predictions.push(refTop);
      for (const r of runs) {
        const out = (await r.plain.run(feeds, [outputName]))[outputName].data as Float32Array;
        const top = r.tally.add(out, s.label);
        r.predictions.push(top);
        if (top === refTop) r.agree++;
        r.output.add(refOut, out);
        r.kl += klDivergence(refOut, out);
        if (withLayers) {
          const ref = refs.get(r.variant.reference)!;
          const got = await r.instrumented.run(feeds, [...r.variant.compare.values()]);
          for (const [t, q] of r.variant.compare) r.errors.get(t)!.add(ref[t].data as Float32Array, got[q].data as Float32Array);
        }
      }
    };
    let done = 0;
    try {
      for await (const s of samples) {
        throwIfAborted(signal);
        await evaluateOne(s, done);
        onProgress(++done, total);
      }
    } catch (e) {
      if (!(keepPartial && done > 0 && e instanceof CancelledError)) throw e;
    }
    return {
      samples: done,
      fp32: { top1: fp32Tally.top1Accuracy, top5: fp32Tally.top5Accuracy, predictions: fp32Predictions },
      variants: runs.map((r) => ({
        id: r.variant.id,
        top1: r.tally.top1Accuracy,
        top5: r.tally.top5Accuracy,
        agreementTop1: done ? r.agree / done : 0,
        sqnrSamples: Math.min(done, sqnrSamples),
        outputSqnrDb: r.output.sqnrDb,
        outputKl: done ? r.kl / done : 0,
        predictions: r.predictions,
        layers: [...r.errors].map(([tensor, e]) => ({ tensor, sqnrDb: e.sqnrDb, mse: e.mse, cosine: e.cosine, maxAbs: e.maxAbs })),
      })),
    };
  } finally {
    for (const r of references.values()) await r.session?.release();
    await fp32Plain?.release();
    for (const r of runs) {
      await r.plain.release();
      await r.instrumented.release();
    }
  }
}
