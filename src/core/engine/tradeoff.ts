import type { ActivationStats } from '../calib/stats';
import { argmax, ClassificationTally } from '../metrics/classification';
import { ErrorAccumulator } from '../metrics/error';
import { GraphIndex } from '../onnx/graph-index';
import { serializeModel } from '../onnx/model';
import type { ModelProto } from '../onnx/model';
import type { QuantConfig, WeightGranularity } from '../quant/config';
import { withExtraOutputs } from './instrument';
import { buildVariant } from './pipeline';
import type { Progress, Sample } from './pipeline';
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
}

export interface TradeoffGrid {
  granularities: WeightGranularity[];
  weightBits: number[];
  activationBits: number[];
  evaluationSamples: number;
  fp32: { top1: number | null; sizeBytes: number };
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
    granularities = ['per-tensor', 'per-channel'],
    weightBits = [8, 6, 5, 4, 3, 2],
    activationBits = [8, 6, 4],
    onProgress = () => {},
    onPoint = () => {},
    signal,
  }: {
    granularities?: WeightGranularity[];
    weightBits?: number[];
    activationBits?: number[];
    onProgress?: Progress;
    onPoint?: (p: TradeoffPoint) => void;
    signal?: Cancel;
  } = {},
): Promise<TradeoffGrid> {
  const inputName = new GraphIndex(reference.graph!).graphInputs.values().next().value as string;
  const logits = logitsTensor(reference);
  const total = samples.length * (1 + granularities.length * weightBits.length * activationBits.length);
  let done = 0;
  const fp32Tally = new ClassificationTally();
  const grid: TradeoffGrid = {
    granularities,
    weightBits,
    activationBits,
    evaluationSamples: samples.length,
    fp32: { top1: null, sizeBytes: serializeModel(reference).length },
    points: [],
    complete: false,
    config,
  };
  try {
    const ref: Float32Array[] = [];
    const s0 = await createSession(serializeModel(withExtraOutputs(reference, [logits])));
    try {
      for (const s of samples) {
        throwIfAborted(signal);
        const y = (await s0.run({ [inputName]: s.tensor }, [logits]))[logits].data as Float32Array;
        ref.push(y);
        fp32Tally.add(y, s.label);
        onProgress(++done, total);
      }
    } finally {
      await s0.release();
    }
    grid.fp32.top1 = fp32Tally.top1Accuracy;
    for (const granularity of granularities) {
      for (const wb of weightBits) {
        for (const ab of activationBits) {
          const c: QuantConfig = { ...config, weightGranularity: granularity, weightBits: wb, activationBits: ab };
          const v = buildVariant(`${granularity}-w${wb}a${ab}`, source, stats, c);
          const out = v.compare.get(logits) ?? logits;
          const session = await createSession(serializeModel(withExtraOutputs(v.qdq.model, [out])));
          const tally = new ClassificationTally();
          const acc = new ErrorAccumulator();
          let agree = 0;
          try {
            for (const [i, s] of samples.entries()) {
              throwIfAborted(signal);
              const y = (await session.run({ [inputName]: s.tensor }, [out]))[out].data as Float32Array;
              tally.add(y, s.label);
              acc.add(ref[i], y);
              if (argmax(y) === argmax(ref[i])) agree++;
              onProgress(++done, total);
            }
          } finally {
            await session.release();
          }
          const p: TradeoffPoint = {
            granularity,
            weightBits: wb,
            activationBits: ab,
            top1: tally.top1Accuracy,
            agreement: samples.length ? agree / samples.length : 0,
            outputSqnrDb: acc.sqnrDb,
            sizeBytes: v.bytes.length,
            packedSizeBytes: v.packedSizeBytes,
          };
          grid.points.push(p);
          onPoint(p);
        }
      }
    }
    grid.complete = true;
  } catch (e) {
    if (!(e instanceof CancelledError)) throw e;
  }
  return grid;
}
