import type { StateCreator } from 'zustand';

import type { ModelInfo } from '../../core';
import type { AppState } from '../store';

export interface ModelSlice {
  model: ModelInfo | null;
  modelStatus: 'none' | 'loading' | 'ready';
  modelError: string | null;
  /** bytes of a model being downloaded from a URL */
  modelDownload: { done: number; total: number | null } | null;
}

export const createModelSlice: StateCreator<AppState, [], [], ModelSlice> = () => ({
  model: null,
  modelStatus: 'none',
  modelError: null,
  modelDownload: null,
});
