import type { StateCreator } from 'zustand';

import type { CalibratorId, ProgressEvent, RunReport } from '../../core';
import type { AppState } from '../store';

export interface RunSlice {
  runStatus: 'idle' | 'running' | 'done' | 'cancelled' | 'error';
  progress: ProgressEvent | null;
  report: RunReport | null;
  /** what the report was made from (settings, model, image count): saved experiments belong to one run */
  runKey: string | null;
  runError: string | null;
  sqnrSamples: number;
  calibrator: CalibratorId;
  weightBits: number;
  activationBits: number;
  /** activations in int8 with zero point 0 (instead of uint8 over their own range) */
  activationSymmetric: boolean;
  cle: boolean;
  biasCorrection: boolean;
}

export const createRunSlice: StateCreator<AppState, [], [], RunSlice> = () => ({
  runStatus: 'idle',
  progress: null,
  report: null,
  runKey: null,
  runError: null,
  sqnrSamples: 64,
  calibrator: 'minmax',
  weightBits: 8,
  activationBits: 8,
  activationSymmetric: false,
  cle: false,
  biasCorrection: false,
});
