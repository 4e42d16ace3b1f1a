import type { ActivationStats } from '../calib/stats';
import { ErrorAccumulator } from '../metrics/error';
import { GraphIndex } from '../onnx/graph-index';
import { cloneModel, serializeModel } from '../onnx/model';
import type { ModelProto } from '../onnx/model';
import type { LayerOverride, QuantConfig, WeightGranularity } from '../quant/config';
import { buildQdqModel, carrierOf, requireStatistics } from '../quant/qdq';
import { QDQ_OPS } from '../quant/registry';
import { withExtraOutputs } from './instrument';
import { activationRanges } from './pipeline';
import type { Progress, Variant } from './pipeline';
import { CancelledError, throwIfAborted } from './runtime';
import type { Cancel, RtTensor, SessionFactory } from './runtime';
import { logitsTensor, measuredLayers } from './sensitivity';

/**
 * Mixed precision, the way AIMET's AMP and HAWQ-style methods work, with an additive-noise model:
 *  1. Profile: for every weighted layer and every candidate (granularity, bits), quantize that layer's weights
 *     alone (everything else FP32) and measure the noise it adds to the logits, relative to their power:
 *     n = Σ(y − ŷ)² / Σy² = 10^(−SQNR/10). One more model measures the activations' noise (all weights FP32).
 *  2. Predict: quantization noises from independent layers add, so a configuration's logits noise is
 *     n_activations + Σ_layers n_layer(choice), and its size is Σ the layers' packed weight bytes.
 *  3. Greedy path: start with every layer at its most precise candidate; repeatedly take the one step (a layer to
 *     a smaller candidate) that adds the least predicted noise per byte saved, down to the smallest model.
 *  4. Measure the path's start point: its size and noise calibrate the constant terms of both predictions.
 *  5. Select on the path: the first configuration that fits a size budget, or (by bisection, measuring each
 *     configuration tried) the smallest one whose measured score stays above a floor.
 */

export interface WeightChoice {
  granularity: WeightGranularity;
  bits: number;
}

export interface LayerOption {
  choice: WeightChoice;
  /** packed bytes of the layer's weights with this choice (values at `bits`, one float scale + one zero point per scale) */
  bytes: number;
  /** logits noise relative to their power when only this layer's weights are quantized this way */
  noise: number;
}

export interface LayerProfile {
  node: string;
  op: string;
  params: number;
  channels: number;
  options: LayerOption[];
}

export interface PrecisionProfile {
  variantId: string;
  samples: number;
  choices: WeightChoice[];
  /** logits noise of the activations alone (every weight FP32), at the variant's activation bits */
  activationNoise: number;
  layers: LayerProfile[];
  /** false when cancelled part way: `layers` holds the layers profiled so far */
  complete: boolean;
}

export interface PathPoint {
  /** option index chosen per layer (same order as the profile's layers) */
  picks: number[];
  /** Σ packed weight bytes of the profiled layers */
  weightBytes: number;
  /** predicted logits SQNR (dB) */
  predictedSqnrDb: number;
}

/** Packed bytes of a weight tensor of `params` values over `channels` output channels at a choice. */
export function packedWeightBytes(params: number, channels: number, c: WeightChoice): number {
  return Math.ceil((params * c.bits) / 8) + (c.granularity === 'per-channel' ? channels : 1) * 5;
}

export const noiseToDb = (n: number) => (n <= 0 ? Infinity : -10 * Math.log10(n));
export const dbToNoise = (db: number) => (db === Infinity ? 0 : 10 ** (-db / 10));

/** The overrides that put each profiled layer at its pick (weights only: activations keep the variant's bits). */
export function pathOverrides(profile: PrecisionProfile, picks: number[]): Record<string, LayerOverride> {
  return Object.fromEntries(
    profile.layers.map((l, i) => {
      const c = l.options[picks[i]].choice;
      return [l.node, { weightBits: c.bits, weightGranularity: c.granularity }];
    }),
  );
}

/**
 * The greedy path from the most precise configuration to the smallest: each step moves one layer to a smaller
 * option, the one with the least predicted noise added per byte saved (a step that lowers the noise goes first).
 * Weight bytes fall strictly along the path.
 */
export function greedyPath(profile: Pick<PrecisionProfile, 'layers' | 'activationNoise'>): PathPoint[] {
  const layers = profile.layers;
  // Start: the least noisy option of each layer, the larger one on a tie.
  const picks = layers.map((l) => {
    let best = 0;
    for (let k = 1; k < l.options.length; k++) {
      const o = l.options[k];
      const b = l.options[best];
      if (o.noise < b.noise || (o.noise === b.noise && o.bytes > b.bytes)) best = k;
    }
    return best;
  });
  let bytes = layers.reduce((s, l, i) => s + l.options[picks[i]].bytes, 0);
  let noise = profile.activationNoise + layers.reduce((s, l, i) => s + l.options[picks[i]].noise, 0);
  const path: PathPoint[] = [{ picks: [...picks], weightBytes: bytes, predictedSqnrDb: noiseToDb(noise) }];
  for (;;) {
    let best: { layer: number; option: number; cost: number; saved: number } | null = null;
    for (const [i, l] of layers.entries()) {
      const cur = l.options[picks[i]];
      for (const [k, o] of l.options.entries()) {
        const saved = cur.bytes - o.bytes;
        if (saved <= 0) continue;
        const cost = (o.noise - cur.noise) / saved;
        // On equal cost per byte, the larger saving: fewer steps to the same place.
        if (!best || cost < best.cost || (cost === best.cost && saved > best.saved)) best = { layer: i, option: k, cost, saved };
      }
    }
    if (!best) break;
    const l = layers[best.layer];
    noise += l.options[best.option].noise - l.options[picks[best.layer]].noise;
    bytes -= best.saved;
    picks[best.layer] = best.option;
    path.push({ picks: [...picks], weightBytes: bytes, predictedSqnrDb: noiseToDb(Math.max(0, noise)) });
  }
  return path;
}

/** Index of the first path point whose weights fit in `weightBudget` bytes (the path's sizes fall), or -1. */
export function firstWithin(path: PathPoint[], weightBudget: number): number {
  return path.findIndex((p) => p.weightBytes <= weightBudget);
}

/**
 * The last index in [lo, hi] for which `ok` holds, assuming it holds up to some index and fails after it
 * (score falls along the path); -1 when it fails already at `lo`. Calls `ok` about log2(hi − lo) + 1 times.
 */
export async function lastPassing(lo: number, hi: number, ok: (i: number) => Promise<boolean>): Promise<number> {
  if (!(await ok(lo))) return -1;
  let good = lo;
  let bad = hi + 1;
  while (bad - good > 1) {
    const mid = (good + bad) >> 1;
    if (await ok(mid)) good = mid;
    else bad = mid;
  }
  return good;
}

/** The weight tensor of a layer and its output-channel count, or null for an op without weights. */
function weightShape(model: ModelProto, index: GraphIndex, node: string): { params: number; channels: number } | null {
  const n = model.graph!.node.find((x) => x.name === node);
  const rule = n && QDQ_OPS[n.opType];
  if (!n || !rule || rule.weight === undefined) return null;
  const w = index.initializers.get(n.input[rule.weight]);
  if (!w) return null;
  const dims = w.dims.map(Number);
  const transB = n.attribute.find((a) => a.name === 'transB')?.i ?? 0;
  const axis = rule.weightAxis?.(dims, { transB: Number(transB) }) ?? 0;
  return { params: dims.reduce((a, b) => a * b, 1), channels: dims[axis] ?? 1 };
}

/** Whether a profile (partial or whole) was made for this variant, candidates and number of images: one a request can continue or reuse. */
export function profileFits(p: PrecisionProfile | null | undefined, variantId: string, choices: WeightChoice[], samples: number): p is PrecisionProfile {
  return !!p && p.variantId === variantId && p.samples === samples && JSON.stringify(p.choices) === JSON.stringify(choices);
}

/**
 * Step 1: the per-layer, per-candidate logits noise of a variant's weighted layers, on `inputs`
 * (1 + 1 + layers × choices models). Layer overrides the variant already has (a layer kept in FP32) stay.
 */
export async function profileWeightPrecision(
  createSession: SessionFactory,
  variant: Variant,
  stats: ActivationStats,
  inputs: RtTensor[],
  {
    choices,
    onProgress = () => {},
    onLayer = () => {},
    signal,
    resume,
  }: {
    choices: WeightChoice[];
    onProgress?: Progress;
    onLayer?: (partial: PrecisionProfile) => void;
    signal?: Cancel;
    /** a cancelled profile of the same variant, images and candidates: its layers are kept, the rest profiled */
    resume?: PrecisionProfile;
  },
): Promise<PrecisionProfile> {
  const reference = variant.reference;
  const index = new GraphIndex(reference.graph!);
  const inputName = index.graphInputs.values().next().value as string;
  const logits = logitsTensor(reference);
  const config = variant.config;
  const overrides = config.layerOverrides ?? {};
  const fp32Layers = new Set([...config.excludeNodes, ...Object.keys(overrides).filter((k) => overrides[k].keepFp32)]);
  const rows = measuredLayers(variant.layers).filter((r) => !fp32Layers.has(r.node));
  const weighted = rows.flatMap((r) => {
    const s = weightShape(reference, index, r.node);
    return s ? [{ node: r.node, op: r.op, ...s }] : [];
  });
  const quantizable = reference.graph!.node.filter((n) => !n.domain && QDQ_OPS[n.opType] !== undefined).map((n) => n.name);
  const same = profileFits(resume, variant.id, choices, inputs.length);
  const kept = same ? resume.layers.filter((l) => weighted.some((w) => w.node === l.node)) : [];
  const todo = weighted.filter((w) => !kept.some((l) => l.node === w.node));
  const total = inputs.length * ((kept.length ? 1 : 2) + todo.length * choices.length);
  let done = 0;
  const profile: PrecisionProfile = { variantId: variant.id, samples: inputs.length, choices, activationNoise: kept.length ? resume!.activationNoise : NaN, layers: [...kept], complete: false };

  const ref: Float32Array[] = [];
  /** the logits noise of a configuration, relative to the logits' power */
  const noiseOf = async (c: QuantConfig, collect = false): Promise<number> => {
    const q = requireStatistics(buildQdqModel(cloneModel(reference), activationRanges(stats, c), c, stats.nonFloat));
    const out = carrierOf(q, logits);
    const session = await createSession(serializeModel(withExtraOutputs(q.model, [out])));
    const acc = new ErrorAccumulator();
    try {
      for (const [i, x] of inputs.entries()) {
        throwIfAborted(signal);
        const y = (await session.run({ [inputName]: x }, [out]))[out].data as Float32Array;
        if (collect) ref.push(y);
        else acc.add(ref[i], y);
        onProgress(++done, total);
      }
    } finally {
      await session.release();
    }
    return acc.signal === 0 ? 0 : acc.noise / acc.signal;
  };

  try {
    // FP32 logits: every node excluded.
    await noiseOf({ ...config, excludeNodes: quantizable, layerOverrides: {} }, true);
    // Activations alone: every weight left in float.
    const noWeights = Object.fromEntries(weighted.map((l) => [l.node, { ...overrides[l.node], quantizeWeights: false }]));
    if (!kept.length) profile.activationNoise = await noiseOf({ ...config, layerOverrides: { ...overrides, ...noWeights } });
    for (const l of todo) {
      const options: LayerOption[] = [];
      for (const choice of choices) {
        const c: QuantConfig = {
          ...config,
          excludeNodes: quantizable.filter((n) => n !== l.node),
          layerOverrides: { [l.node]: { weightBits: choice.bits, weightGranularity: choice.granularity, quantizeActivations: false } },
        };
        options.push({ choice, bytes: packedWeightBytes(l.params, l.channels, choice), noise: await noiseOf(c) });
      }
      profile.layers.push({ ...l, options });
      onLayer({ ...profile, layers: [...profile.layers] });
    }
    profile.complete = true;
  } catch (e) {
    if (!(e instanceof CancelledError)) throw e;
  }
  return profile;
}

export interface MixedTarget {
  kind: 'size' | 'floor';
  /** size: packed model bytes; floor: the score (0..1 for agreement/top-1, dB for SQNR) to stay at or above */
  value: number;
  metric?: 'agreement' | 'top1' | 'outputSqnrDb';
}

export interface MeasuredPoint {
  pathIndex: number;
  packedSizeBytes: number;
  sizeBytes: number;
  agreement: number;
  top1: number | null;
  outputSqnrDb: number;
  predictedSqnrDb: number;
}

export interface MixedPrecisionResult {
  target: MixedTarget;
  path: PathPoint[];
  /** every configuration measured while selecting, in the order measured */
  measured: MeasuredPoint[];
  /** the chosen point (measured), or null if no configuration on the path meets the target */
  chosen: MeasuredPoint | null;
  overrides: Record<string, LayerOverride> | null;
  /** each profiled layer's choice in the chosen configuration */
  choices: { node: string; op: string; choice: WeightChoice; noiseShare: number }[];
  /** the packed size of everything but the profiled layers' weights (so that size = fixed + path weight bytes) */
  fixedBytes: number;
  /** the start point's SQNR as the profile alone predicts it (before calibrating on its measurement) */
  uncalibratedStartSqnrDb: number;
}

/** Score of a measured point on a metric (agreement and top-1 as fractions). */
export function scoreOf(p: Pick<MeasuredPoint, 'agreement' | 'top1' | 'outputSqnrDb'>, metric: MixedTarget['metric'] = 'agreement'): number {
  return metric === 'top1' ? (p.top1 ?? NaN) : metric === 'outputSqnrDb' ? p.outputSqnrDb : p.agreement;
}

/**
 * Steps 2–4: the greedy path and the configuration on it that meets `target`. `measure` builds and evaluates a
 * configuration (the variant's config with the given overrides); sizes are checked on the measured model, and a
 * point over the budget moves on along the path.
 */
export async function selectMixedPrecision(
  profile: PrecisionProfile,
  target: MixedTarget,
  measure: (overrides: Record<string, LayerOverride>) => Promise<Omit<MeasuredPoint, 'pathIndex' | 'predictedSqnrDb'>>,
): Promise<MixedPrecisionResult> {
  const path = greedyPath(profile);
  const measured: MeasuredPoint[] = [];
  const cache = new Map<number, MeasuredPoint>();
  // The start point, measured, calibrates the fixed parts: its size fixes the bytes outside the profiled weights
  // (graph, biases, activation parameters), its noise the term the layers' noises do not explain (activations,
  // and how errors compound) — predictions are exact at the start and additive from there.
  let shift = 0;
  const predicted = (i: number) => noiseToDb(Math.max(0, dbToNoise(path[i].predictedSqnrDb) + shift));
  const at = async (i: number) => {
    let m = cache.get(i);
    if (!m) {
      m = { ...(await measure(pathOverrides(profile, path[i].picks))), pathIndex: i, predictedSqnrDb: NaN };
      cache.set(i, m);
      measured.push(m);
    }
    return m;
  };
  const first = await at(0);
  const fixedBytes = first.packedSizeBytes - path[0].weightBytes;
  if (Number.isFinite(first.outputSqnrDb)) shift = dbToNoise(first.outputSqnrDb) - dbToNoise(path[0].predictedSqnrDb);
  let chosenIndex = -1;
  if (target.kind === 'size') {
    let i = firstWithin(path, target.value - fixedBytes);
    while (i >= 0 && i < path.length && (await at(i)).packedSizeBytes > target.value) i++;
    chosenIndex = i < path.length ? i : -1;
  } else {
    chosenIndex = await lastPassing(0, path.length - 1, async (i) => scoreOf(await at(i), target.metric) >= target.value);
  }
  const chosen = chosenIndex >= 0 ? await at(chosenIndex) : null;
  const picks = chosen ? path[chosenIndex].picks : null;
  const total = picks ? dbToNoise(predicted(chosenIndex)) : 0;
  for (const m of measured) m.predictedSqnrDb = predicted(m.pathIndex);
  return {
    target,
    path: path.map((p, i) => ({ ...p, predictedSqnrDb: predicted(i) })),
    uncalibratedStartSqnrDb: path[0].predictedSqnrDb,
    measured,
    chosen,
    overrides: picks ? pathOverrides(profile, picks) : null,
    choices: picks
      ? profile.layers.map((l, i) => ({ node: l.node, op: l.op, choice: l.options[picks[i]].choice, noiseShare: total > 0 ? l.options[picks[i]].noise / total : 0 }))
      : [],
    fixedBytes,
  };
}
