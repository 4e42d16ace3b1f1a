import type { ActivationStats } from '../calib/stats';
import { argmax, ClassificationTally } from '../metrics/classification';
import { ErrorAccumulator } from '../metrics/error';
import { GraphIndex } from '../onnx/graph-index';
import { serializeModel } from '../onnx/model';
import type { ModelProto } from '../onnx/model';
import type { QuantConfig, WeightGranularity } from '../quant/config';
import { withExtraOutputs } from './instrument';
import { buildVariant } from './pipeline';
import type { Progress, Sample, Variant } from './pipeline';
import { CancelledError, throwIfAborted } from './runtime';
import type { Cancel, SessionFactory } from './runtime';
import { logitsTensor } from './sensitivity';

export interface TradeoffPoint {
  granularity: WeightGranularity;
  weightBits: number;
  activationBits: number;
  top1: number | null;
  agreement: number;
  outputSqnrDb: number;
  /** the QDQ file as exported (weights stored in int8) */
  sizeBytes: number;
  /** weights packed at their bit width */
  packedSizeBytes: number;
  /** median time per image in the runtime that evaluated it (see TradeoffGrid.runtime) */
  msPerImage: number;
}

export interface TradeoffGrid {
  granularities: WeightGranularity[];
  weightBits: number[];
  activationBits: number[];
  evaluationSamples: number;
  fp32: { top1: number | null; sizeBytes: number; msPerImage?: number };
  /** where the latencies were measured, e.g. "onnxruntime-web WASM, 2 threads" */
  runtime?: string;
  points: TradeoffPoint[];
  complete: boolean;
  /** the configuration every point used, but for its granularity and bit widths */
  config: QuantConfig;
}

/** Indices of the points no other point beats on both size (smaller) and score (higher): the Pareto front. */
export function paretoFront(points: { size: number; score: number }[]): number[] {
  const idx = points.map((_, i) => i).filter((i) => Number.isFinite(points[i].score));
  return idx
    .filter((i) => !idx.some((j) => j !== i && points[j].size <= points[i].size && points[j].score >= points[i].score && (points[j].size < points[i].size || points[j].score > points[i].score)))
    .sort((a, b) => points[a].size - points[b].size);
}

export interface OutputScores {
  top1: number | null;
  agreement: number;
  outputSqnrDb: number;
  /** median wall time of one run (one image) in this runtime, the first run (warm-up) left out; NaN with one image */
  msPerImage: number;
}

/** Median of the run times but the first (which includes the runtime's warm-up). */
export function steadyMedian(ms: number[]): number {
  const xs = ms.slice(1).sort((a, b) => a - b);
  if (!xs.length) return NaN;
  const m = xs.length >> 1;
  return xs.length % 2 ? xs[m] : (xs[m - 1] + xs[m]) / 2;
}

/**
 * Scores models against FP32 on the same samples: FP32 logits computed once (`prepare`), then each variant's
 * top-1 (where labels are known), agreement with FP32's top-1 and logits SQNR.
 */
export class OutputScorer {
  private ref: Float32Array[] = [];
  readonly logits: string;
  private readonly inputName: string;
  fp32Top1: number | null = null;
  fp32MsPerImage = NaN;

  constructor(
    private readonly createSession: SessionFactory,
    private readonly reference: ModelProto,
    private readonly samples: Sample[],
    private readonly step: () => void = () => {},
    private readonly signal?: Cancel,
  ) {
    this.inputName = new GraphIndex(reference.graph!).graphInputs.values().next().value as string;
    this.logits = logitsTensor(reference);
  }

  async prepare(): Promise<this> {
    const tally = new ClassificationTally();
    const { ys, ms } = await this.outputs(withExtraOutputs(this.reference, [this.logits]), this.logits, (out, s) => tally.add(out, s.label));
    this.ref = ys;
    this.fp32Top1 = tally.top1Accuracy;
    this.fp32MsPerImage = steadyMedian(ms);
    return this;
  }

  async score(v: Pick<Variant, 'qdq' | 'compare'>): Promise<OutputScores> {
    const out = v.compare.get(this.logits) ?? this.logits;
    const tally = new ClassificationTally();
    const acc = new ErrorAccumulator();
    let agree = 0;
    const { ms } = await this.outputs(withExtraOutputs(v.qdq.model, [out]), out, (y, s, i) => {
      tally.add(y, s.label);
      acc.add(this.ref[i], y);
      if (argmax(y) === argmax(this.ref[i])) agree++;
    });
    return { top1: tally.top1Accuracy, agreement: this.samples.length ? agree / this.samples.length : 0, outputSqnrDb: acc.sqnrDb, msPerImage: steadyMedian(ms) };
  }

  private async outputs(model: ModelProto, out: string, each: (y: Float32Array, s: Sample, i: number) => void) {
    const session = await this.createSession(serializeModel(model));
    const ys: Float32Array[] = [];
    const ms: number[] = [];
    try {
      for (const [i, s] of this.samples.entries()) {
        throwIfAborted(this.signal);
        const t0 = performance.now();
        const y = (await session.run({ [this.inputName]: s.tensor }, [out]))[out].data as Float32Array;
        ms.push(performance.now() - t0);
        ys.push(y);
        each(y, s, i);
        this.step();
      }
    } finally {
      await session.release();
    }
    return { ys, ms };
  }
}

/** The configurations of a trade-off grid, in the grid's order. */
export function tradeoffConfigs(config: QuantConfig, granularities: WeightGranularity[], weightBits: number[], activationBits: number[]): QuantConfig[] {
  return granularities.flatMap((g) => weightBits.flatMap((wb) => activationBits.map((ab) => ({ ...config, weightGranularity: g, weightBits: wb, activationBits: ab }))));
}

export const TRADEOFF_GRANULARITIES: WeightGranularity[] = ['per-tensor', 'per-channel'];

/**
 * Every combination of weight granularity × weight bits × activation bits, built from the same statistics and
 * evaluated on the same images against FP32 (top-1 where labels are known, agreement, logits SQNR, size).
 */
export async function tradeoffGrid(
  createSession: SessionFactory,
  source: ModelProto,
  reference: ModelProto,
  stats: ActivationStats,
  config: QuantConfig,
  samples: Sample[],
  {
    granularities = TRADEOFF_GRANULARITIES,
    weightBits = [8, 6, 5, 4, 3, 2],
    activationBits = [8, 6, 4],
    onProgress = () => {},
    onPoint = () => {},
    signal,
    resume,
  }: {
    granularities?: WeightGranularity[];
    weightBits?: number[];
    activationBits?: number[];
    onProgress?: Progress;
    onPoint?: (p: TradeoffPoint) => void;
    signal?: Cancel;
    /** a cancelled grid of the same configuration on the same images: its points are kept, the rest measured */
    resume?: TradeoffGrid;
  } = {},
): Promise<TradeoffGrid> {
  const configs = tradeoffConfigs(config, granularities, weightBits, activationBits);
  const same = resume && resume.evaluationSamples === samples.length && JSON.stringify(resume.config) === JSON.stringify(config);
  const pointOf = (c: QuantConfig) => resume?.points.find((p) => p.granularity === c.weightGranularity && p.weightBits === c.weightBits && p.activationBits === c.activationBits);
  const kept = same ? configs.map(pointOf).filter((p): p is TradeoffPoint => p !== undefined) : [];
  const todo = same ? configs.filter((c) => !pointOf(c)) : configs;
  const total = samples.length * (1 + todo.length);
  let done = 0;
  const grid: TradeoffGrid = {
    granularities,
    weightBits,
    activationBits,
    evaluationSamples: samples.length,
    fp32: { top1: null, sizeBytes: serializeModel(reference).length },
    points: [...kept],
    complete: false,
    config,
  };
  try {
    const scorer = await new OutputScorer(createSession, reference, samples, () => onProgress(++done, total), signal).prepare();
    grid.fp32.top1 = scorer.fp32Top1;
    grid.fp32.msPerImage = scorer.fp32MsPerImage;
    for (const c of todo) {
      const v = buildVariant(`${c.weightGranularity}-w${c.weightBits}a${c.activationBits}`, source, stats, c);
      const p: TradeoffPoint = {
        granularity: c.weightGranularity,
        weightBits: c.weightBits,
        activationBits: c.activationBits,
        ...(await scorer.score(v)),
        sizeBytes: v.bytes.length,
        packedSizeBytes: v.packedSizeBytes,
      };
      grid.points.push(p);
      onPoint(p);
    }
    grid.complete = true;
  } catch (e) {
    if (!(e instanceof CancelledError)) throw e;
  }
  // in the grid's order, kept and new points alike
  const at = (p: TradeoffPoint) => configs.findIndex((c) => c.weightGranularity === p.granularity && c.weightBits === p.weightBits && c.activationBits === p.activationBits);
  grid.points.sort((a, b) => at(a) - at(b));
  return grid;
}
