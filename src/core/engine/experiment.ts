import { ActivationStats } from '../calib/stats';
import { cloneModel } from '../onnx/model';
import type { ModelProto } from '../onnx/model';
import { crossLayerEqualization } from '../onnx/passes/cross-layer-equalization';
import type { EqualizedPair } from '../onnx/passes/cross-layer-equalization';
import { applyBiasCorrection, measureConvInputMeans } from '../quant/bias-correction';
import type { BiasShift, ConvInputMeans } from '../quant/bias-correction';
import type { QuantConfig } from '../quant/config';
import { nonFloatOutputs } from '../onnx/types';
import { calibrationChoice, completeStatistics, observableTensors } from './coverage';
import { buildVariant, collectStatistics, emptyCalibrationTiming } from './pipeline';
import type { CalibrationTiming, Variant } from './pipeline';
import type { Cancel, RtTensor, SessionFactory } from './runtime';

export interface VariantSpec {
  id: string;
  config: QuantConfig;
  /** cross-layer equalisation before calibration */
  cle?: boolean;
  /** empirical bias correction on the calibration images */
  biasCorrection?: boolean;
}

export interface PreparedVariants {
  variants: Variant[];
  /** statistics of the model as loaded (and of the equalised one, when asked for) */
  stats: ActivationStats;
  equalizedStats?: ActivationStats;
  equalized?: { model: ModelProto; pairs: EqualizedPair[] };
  biasShifts: Record<string, BiasShift[]>;
  /** E[x] per conv input, per FP32 model, when bias correction was asked for (to re-apply it to new variants) */
  means: Map<ModelProto, ConvInputMeans>;
  /** where the calibration passes spent their time (both, when CLE asked for a second) */
  calibrationTiming: CalibrationTiming;
}

export type PhaseProgress = (phase: 'calibrate' | 'equalize' | 'bias-correction' | 'quantize', done: number, total: number) => void;

/**
 * Calibrate once per distinct FP32 model (as loaded, and equalised if any variant asks for CLE) and build
 * every requested variant from those statistics; bias correction re-runs the calibration images through the
 * variant's int8 model.
 */
export async function prepareVariants(
  createSession: SessionFactory,
  fp32: ModelProto,
  specs: VariantSpec[],
  calibration: () => AsyncIterable<RtTensor>,
  calibCount: number,
  { onProgress = () => {}, signal }: { onProgress?: PhaseProgress; signal?: Cancel } = {},
): Promise<PreparedVariants> {
  const progress = (phase: Parameters<PhaseProgress>[0]) => (d: number, t: number) => onProgress(phase, d, t);
  const needPlain = specs.some((s) => !s.cle) || specs.length === 0;
  const needCle = specs.some((s) => s.cle);
  const calibrationTiming = emptyCalibrationTiming();
  // Each model's statistics cover the tensors its variants read (guessed from the graph, checked on the first
  // image's), completed by another pass in the rare case the full statistics decide a build differently.
  const calibrate = async (model: ModelProto, configs: QuantConfig[]) => {
    const options = { onProgress: progress('calibrate'), signal };
    const s = await collectStatistics(createSession, model, calibration(), calibCount, { ...options, timing: calibrationTiming, ...calibrationChoice(model, configs) });
    await completeStatistics(createSession, model, s, configs, calibration, calibCount, options);
    calibrationTiming.tensors = (calibrationTiming.tensors ?? 0) + s.histograms.size;
    // the pass fetched only some tensors: the graph tells the shape arithmetic it did not fetch
    const nonFloat = nonFloatOutputs(model);
    calibrationTiming.floatTensors = (calibrationTiming.floatTensors ?? 0) + observableTensors(model).filter((t) => !s.nonFloat.has(t) && !nonFloat.has(t)).length;
    return s;
  };
  const stats = needPlain ? await calibrate(fp32, specs.filter((s) => !s.cle).map((s) => s.config)) : new ActivationStats();
  let equalized: PreparedVariants['equalized'];
  let equalizedStats: ActivationStats | undefined;
  if (needCle) {
    const model = cloneModel(fp32);
    onProgress('equalize', 0, 1);
    const pairs = crossLayerEqualization(model.graph!);
    onProgress('equalize', 1, 1);
    equalized = { model, pairs };
    equalizedStats = await calibrate(model, specs.filter((s) => s.cle).map((s) => s.config));
  }
  const variants: Variant[] = [];
  const biasShifts: Record<string, BiasShift[]> = {};
  // E[x] per conv depends on the FP32 model and the data only: measured once per model.
  const means = new Map<ModelProto, ConvInputMeans>();
  for (const [i, spec] of specs.entries()) {
    const base = spec.cle ? equalized!.model : fp32;
    const baseStats = spec.cle ? equalizedStats! : stats;
    let model = base;
    if (spec.biasCorrection) {
      if (!means.has(base)) {
        means.set(base, await measureConvInputMeans(createSession, base, calibration(), { onProgress: progress('bias-correction'), signal, total: calibCount }));
      }
      const bc = applyBiasCorrection(base, spec.config, means.get(base)!);
      model = bc.model;
      biasShifts[spec.id] = bc.shifts;
    }
    const v = buildVariant(spec.id, model, baseStats, spec.config);
    // Layer errors are measured against the FP32 model the variant was quantized from, before bias correction.
    variants.push({ ...v, reference: base });
    onProgress('quantize', i + 1, specs.length);
  }
  return { variants, stats, equalizedStats, equalized, biasShifts, means, calibrationTiming };
}
