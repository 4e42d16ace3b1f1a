import type { StateCreator } from 'zustand';

import type { ActivationView, CalibrationCurve, CalibratorId, GraphLayout, ImageTrace, LayerOverride, MixedPrecisionResult, PrecisionProfile, ProgressEvent, SensitivityResult, TradeoffGrid, WeightGranularity, WeightView } from '../../core';
import type { AppState } from '../store';

export type AnalysisTab = 'layers' | 'sensitivity' | 'images' | 'dataset' | 'calibration' | 'bits';

export type CurveResult = CalibrationCurve & { calibNames: string[] };
export type MixedResult = MixedPrecisionResult & { profile: PrecisionProfile; variant: string };

/** The experiments whose results are kept with the workspace. */
export type Experiment = 'sensitivity' | 'curve' | 'tradeoff' | 'mixed';

/** A variant added after the run (the sensitivity's fix, a mixed-precision choice): how to build it again. */
export interface AppliedVariant {
  base: string;
  id: string;
  overrides: Record<string, LayerOverride>;
  label: string;
}
export type GraphMetric = 'sqnr' | 'sensitivity' | 'spread';

export interface ImageDetail extends ImageTrace {
  id: number;
  name: string;
  label: number | null;
  /** object URL of the image file, revoked when another image is opened */
  url: string;
}

/** What the analysis views show: one selection shared by every view (graph, table, charts, URL). */
export interface AnalysisSlice {
  analysisTab: AnalysisTab;
  /** the variant the analysis looks at */
  analysisVariant: string;
  /** selected layer (node name) */
  selectedLayer: string | null;
  graph: GraphLayout | null;
  graphMetric: GraphMetric;
  /** per layer with weights: largest over smallest channel |w|max */
  weightSpreads: Record<string, number>;
  weightView: WeightView | null;
  activationView: ActivationView | null;
  /** node the two views above belong to */
  viewsFor: string | null;
  activationLogY: boolean;
  /** per-channel ranges as |w| max on a log axis; null: decided by the layer's spread */
  rangesLog: boolean | null;
  sensitivity: Record<string, SensitivityResult>;
  sensitivityStatus: 'idle' | 'running' | 'done' | 'cancelled' | 'error';
  sensitivityProgress: ProgressEvent | null;
  sensitivityError: string | null;
  sensitivityImages: number;
  /** layers ticked for an override, and what to do with them */
  overrideLayers: string[];
  overrideMode: 'fp32' | 'per-channel' | 'w8a16';
  overrideStatus: 'idle' | 'running' | 'error';
  overrideError: string | null;
  imageDetail: ImageDetail | null;
  imageStatus: 'idle' | 'loading' | 'error';
  imageError: string | null;
  changedOnly: boolean;
  /** the calibration-size experiment: options, the curve (growing while it runs), status */
  curveOptions: { calibrators: CalibratorId[]; draws: number; evalImages: number; seed: number };
  curve: CurveResult | null;
  curveStatus: 'idle' | 'running' | 'done' | 'cancelled' | 'error';
  curveProgress: ProgressEvent | null;
  curveError: string | null;
  curveMetric: 'agreement' | 'outputSqnrDb';
  /** the granularity × bit-width experiment */
  tradeoffOptions: { weightBits: number[]; activationBits: number[]; evalImages: number };
  tradeoff: TradeoffGrid | null;
  tradeoffStatus: 'idle' | 'running' | 'done' | 'cancelled' | 'error';
  tradeoffProgress: ProgressEvent | null;
  tradeoffError: string | null;
  tradeoffMetric: 'agreement' | 'top1' | 'outputSqnrDb' | 'msPerImage';
  /** WebGPU times of FP32 and each granularity × activation bits at 8-bit weights (own worker) */
  gpuLatency: GpuLatency | null;
  /** mixed precision: a size budget or a score floor, the candidates per layer, the images used */
  mixedOptions: MixedOptions;
  mixed: MixedResult | null;
  /**
   * the latest mixed-precision profile: growing while it profiles, partial after a cancel or a reload, whole
   * after a result. A request with the same variant, candidates and images continues or reuses it.
   */
  mixedProfile: PrecisionProfile | null;
  mixedStatus: 'idle' | 'running' | 'done' | 'cancelled' | 'error';
  mixedProgress: ProgressEvent | null;
  mixedError: string | null;
  /** variants added after the run, in order */
  appliedVariants: AppliedVariant[];
  /** experiments that were running when the page was reloaded (or the engine crashed): their partial results are shown */
  interrupted: Experiment[];
}

export interface GpuLatency {
  status: 'running' | 'done' | 'error';
  adapter: string | null;
  /** why there is no WebGPU, or what failed */
  reason?: string;
  runs: number;
  done: number;
  total: number;
  fp32?: { ms: number; maxAbsDiff: number };
  points: { granularity: WeightGranularity; activationBits: number; ms: number; maxAbsDiff: number }[];
}

export interface MixedOptions {
  target: 'size' | 'floor';
  /** size budget in KB (packed); null: three quarters of the analysed variant's packed size */
  budgetKB: number | null;
  /** score floor: percent for agreement/top-1, dB for SQNR */
  floor: number;
  metric: 'agreement' | 'top1' | 'outputSqnrDb';
  bits: number[];
  granularities: WeightGranularity[];
  profileImages: number;
  evalImages: number;
}

export const createAnalysisSlice: StateCreator<AppState, [], [], AnalysisSlice> = () => ({
  analysisTab: 'layers',
  analysisVariant: 'per-tensor',
  selectedLayer: null,
  graph: null,
  graphMetric: 'sqnr',
  weightSpreads: {},
  weightView: null,
  activationView: null,
  viewsFor: null,
  activationLogY: true,
  rangesLog: null,
  sensitivity: {},
  sensitivityStatus: 'idle',
  sensitivityProgress: null,
  sensitivityError: null,
  sensitivityImages: 32,
  overrideLayers: [],
  overrideMode: 'fp32',
  overrideStatus: 'idle',
  overrideError: null,
  imageDetail: null,
  imageStatus: 'idle',
  imageError: null,
  changedOnly: true,
  curveOptions: { calibrators: ['minmax', 'percentile', 'entropy', 'mse'], draws: 3, evalImages: 100, seed: 1 },
  curve: null,
  curveStatus: 'idle',
  curveProgress: null,
  curveError: null,
  curveMetric: 'agreement',
  tradeoffOptions: { weightBits: [8, 6, 5, 4, 3, 2], activationBits: [8, 6, 4], evalImages: 100 },
  tradeoff: null,
  tradeoffStatus: 'idle',
  tradeoffProgress: null,
  tradeoffError: null,
  tradeoffMetric: 'agreement',
  mixedOptions: { target: 'size', budgetKB: null, floor: 60, metric: 'agreement', bits: [8, 6, 4], granularities: ['per-channel', 'per-tensor'], profileImages: 8, evalImages: 100 },
  gpuLatency: null,
  mixed: null,
  mixedProfile: null,
  mixedStatus: 'idle',
  mixedProgress: null,
  mixedError: null,
  appliedVariants: [],
  interrupted: [],
});
