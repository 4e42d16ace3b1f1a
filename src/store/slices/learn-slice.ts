import type { StateCreator } from 'zustand';

import type { ActivationMaterial, WeightMaterial } from '../../core';
import type { AppState } from '../store';

/** One run of a textbook failure or its fix, as measured. */
export interface FailureRun {
  caseId: string;
  step: 'failure' | 'fix';
  /** the settings it ran with, in words */
  settings: string;
  /** agreement with FP32 (top-1) and output SQNR, by variant id */
  agreement: Record<string, number>;
  outputSqnrDb: Record<string, number>;
  /** mean SQNR of the layers' outputs (finite ones), by variant id: where activation error shows first */
  layerSqnrDb: Record<string, number>;
}

export interface LearnSlice {
  learnOpen: boolean;
  /** index into the lessons */
  learnStep: number;
  /** the run the material was taken from (a new run reloads it) */
  learnReport: unknown;
  learnActivation: ActivationMaterial | null;
  learnWeight: WeightMaterial | null;
  learnLoading: boolean;
  learnError: string | null;
  failureRuns: FailureRun[];
  /** the textbook case being run */
  failureRunning: string | null;
  failureError: string | null;
}

export const createLearnSlice: StateCreator<AppState, [], [], LearnSlice> = () => ({
  learnOpen: false,
  learnStep: 0,
  learnReport: null,
  learnActivation: null,
  learnWeight: null,
  learnLoading: false,
  learnError: null,
  failureRuns: [],
  failureRunning: null,
  failureError: null,
});
