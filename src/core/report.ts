import type { CalibrationTiming, Evaluation, Variant } from './engine/pipeline';
import type { QuantConfig } from './quant/config';
import type { FusedActivation, QuantizedTensor } from './quant/qdq';

export interface LayerReportRow {
  /** position in graph order */
  order: number;
  tensor: string;
  node: string;
  op: string;
  fused?: string;
  depthwise?: boolean;
  /** SQNR in dB per variant id */
  sqnrDb: Record<string, number>;
}

export interface VariantReport {
  id: string;
  /** how the page names it, when it is not one of the run's own variants */
  label?: string;
  config: QuantConfig;
  cle: boolean;
  biasCorrection: boolean;
  sizeBytes: number;
  packedSizeBytes: number;
  top1: number | null;
  top5: number | null;
  agreementTop1: number;
  outputSqnrDb: number;
  outputKl: number;
  sqnrSamples: number;
  fused: FusedActivation[];
  tensors: QuantizedTensor[];
  uncalibrated: string[];
  predictions: number[];
}

/** Everything the results view shows, as plain data (it crosses from the worker). */
export interface RunReport {
  calibrationSamples: number;
  evaluationSamples: number;
  /** image ids of the evaluation set, in the order of `predictions` */
  evalIds: number[];
  fp32: { top1: number | null; top5: number | null; sizeBytes: number; predictions: number[] };
  variants: VariantReport[];
  layers: LayerReportRow[];
  /** layer pairs equalised, when a variant asked for CLE */
  equalizedPairs: number;
  /** where calibration spent its time (absent from results exported before it was measured) */
  calibrationTiming?: CalibrationTiming;
  /**
   * the evaluation images asked for, when the evaluation was cancelled part way or limited: the figures are on
   * the first `evaluationSamples` of them
   */
  evaluationRequested?: number;
}

export function buildRunReport(
  fp32SizeBytes: number,
  calibrationSamples: number,
  variants: Variant[],
  ev: Evaluation,
  extra: { cle?: Record<string, boolean>; biasCorrection?: Record<string, boolean>; equalizedPairs?: number; evalIds?: number[]; calibrationTiming?: CalibrationTiming; evaluationRequested?: number } = {},
): RunReport {
  const rows = new Map<string, LayerReportRow>();
  for (const v of variants) {
    for (const l of v.layers) {
      if (!rows.has(l.tensor)) rows.set(l.tensor, { order: rows.size, tensor: l.tensor, node: l.node, op: l.op, fused: l.fused, depthwise: l.depthwise, sqnrDb: {} });
    }
  }
  for (const e of ev.variants) for (const l of e.layers) {
    const row = rows.get(l.tensor);
    if (row) row.sqnrDb[e.id] = l.sqnrDb;
  }
  return {
    calibrationSamples,
    evaluationSamples: ev.samples,
    evalIds: extra.evalIds ?? [],
    fp32: { ...ev.fp32, sizeBytes: fp32SizeBytes },
    variants: variants.map((v) => {
      const e = ev.variants.find((x) => x.id === v.id)!;
      return {
        id: v.id,
        config: v.config,
        cle: extra.cle?.[v.id] ?? false,
        biasCorrection: extra.biasCorrection?.[v.id] ?? false,
        sizeBytes: v.bytes.length,
        packedSizeBytes: v.packedSizeBytes,
        top1: e.top1,
        top5: e.top5,
        agreementTop1: e.agreementTop1,
        outputSqnrDb: e.outputSqnrDb,
        outputKl: e.outputKl,
        sqnrSamples: e.sqnrSamples,
        fused: v.qdq.fused,
        tensors: v.qdq.tensors,
        uncalibrated: v.qdq.uncalibrated,
        predictions: e.predictions,
      };
    }),
    layers: [...rows.values()],
    equalizedPairs: extra.equalizedPairs ?? 0,
    ...(extra.calibrationTiming?.samples ? { calibrationTiming: extra.calibrationTiming } : {}),
    ...(extra.evaluationRequested !== undefined && extra.evaluationRequested > ev.samples ? { evaluationRequested: extra.evaluationRequested } : {}),
  };
}
