// Plain, serialisable shapes that cross between the engine worker and the page.
import type { Preprocess } from './data/preprocess';
import type { LabelSpace } from './data/labels';
import type { ModelSummary, NormalizeReport } from './onnx/normalize';
import type { QuantConfig } from './quant/config';

export interface ModelInfo {
  fileName: string;
  sizeBytes: number;
  summary: ModelSummary;
  normalization: NormalizeReport;
  inputName: string;
  /** model input dims, -1 where dynamic */
  inputDims: number[];
  layout: 'NCHW' | 'NHWC';
  /** spatial size fixed by the model, or null where dynamic */
  inputHeight: number | null;
  inputWidth: number | null;
  outputClasses: number;
  labelSpace: LabelSpace | null;
  /** best guess of the preprocessing preset, by input size and output classes */
  suggestedPreset: string;
}

export interface ImageInfo {
  id: number;
  name: string;
  /** class index in the model's output space, or null when the file name gives no label */
  label: number | null;
  /** why the file could not be used, when it could not */
  error?: string;
}

export interface ProgressEvent {
  phase: 'decode' | 'calibrate' | 'statistics' | 'equalize' | 'bias-correction' | 'quantize' | 'evaluate' | 'sensitivity' | 'experiment';
  done: number;
  total: number;
  /** ms since the phase began */
  elapsedMs: number;
}

export interface VariantRequest {
  id: string;
  label: string;
  config: QuantConfig;
  cle?: boolean;
  biasCorrection?: boolean;
}

export interface RunRequest {
  preprocess: Preprocess;
  calibIds: number[];
  evalIds: number[];
  variants: VariantRequest[];
  /** per-layer error is measured on the first this-many evaluation images */
  sqnrSamples: number;
  /** evaluate only the first this-many evaluation images (a run cancelled there, made again on restore) */
  evalLimit?: number;
}
