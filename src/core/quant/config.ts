import type { CalibratorId, CalibratorOptions, RangeScheme } from '../calib/calibrators';
import { CALIBRATOR_DEFAULTS } from '../calib/calibrators';
import { qRange } from './qparams';
import type { QType } from './qparams';

export type WeightGranularity = 'per-channel' | 'per-tensor';

/** A choice made for one layer (node name), over the model-wide configuration. */
export interface LayerOverride {
  keepFp32?: boolean;
  weightBits?: number;
  weightGranularity?: WeightGranularity;
  /** bits of the layer's output activation */
  activationBits?: number;
  /**
   * false: leave the layer's weights (and bias) in float while its activations are quantized. For analysis
   * (activation-only error); a deployed model quantizes both.
   */
  quantizeWeights?: boolean;
  /** false: quantize the layer's weights only, its inputs and output stay float (weight-only error) */
  quantizeActivations?: boolean;
}

/** Everything the user chooses about how a model is quantized. Defaults are ORT quantize_static's. */
export interface QuantConfig {
  weightGranularity: WeightGranularity;
  weightBits: number;
  weightSymmetric: boolean;
  activationType: Extract<QType, 'uint8' | 'int8'>;
  activationSymmetric: boolean;
  activationBits: number;
  /** nodes (by name) left in FP32 */
  excludeNodes: string[];
  /** per-layer choices, by node name */
  layerOverrides?: Record<string, LayerOverride>;
  calibrator: CalibratorId;
  calibratorOptions: CalibratorOptions;
}

export const defaultQuantConfig: QuantConfig = {
  weightGranularity: 'per-channel',
  weightBits: 8,
  weightSymmetric: true,
  activationType: 'uint8',
  activationSymmetric: false,
  activationBits: 8,
  excludeNodes: [],
  calibrator: 'minmax',
  calibratorOptions: CALIBRATOR_DEFAULTS,
};

/** Storage type of activations at a bit width: up to 8 bits the configured 8-bit type, 16 bits its 16-bit twin. */
export function activationStorage(c: Pick<QuantConfig, 'activationType'>, bits: number): QType {
  return bits <= 8 ? c.activationType : c.activationType === 'uint8' ? 'uint16' : 'int16';
}

/** The scheme a configuration's activations are quantized with (what the calibrators optimise for). */
export function activationScheme(c: Pick<QuantConfig, 'activationType' | 'activationBits' | 'activationSymmetric'>): RangeScheme {
  return { range: qRange(activationStorage(c, c.activationBits), c.activationSymmetric, c.activationBits), symmetric: c.activationSymmetric };
}
