import type { StateCreator } from 'zustand';

import type { ActivationMaterial, WeightMaterial } from '../../core';
import type { AppState } from '../store';

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
}

export const createLearnSlice: StateCreator<AppState, [], [], LearnSlice> = () => ({
  learnOpen: false,
  learnStep: 0,
  learnReport: null,
  learnActivation: null,
  learnWeight: null,
  learnLoading: false,
  learnError: null,
});
