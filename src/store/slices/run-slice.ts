import type { StateCreator } from 'zustand';

import type { ProgressEvent, RunReport } from '../../core';
import type { AppState } from '../store';

export interface RunSlice {
  runStatus: 'idle' | 'running' | 'done' | 'cancelled' | 'error';
  progress: ProgressEvent | null;
  report: RunReport | null;
  runError: string | null;
  sqnrSamples: number;
}

export const createRunSlice: StateCreator<AppState, [], [], RunSlice> = () => ({
  runStatus: 'idle',
  progress: null,
  report: null,
  runError: null,
  sqnrSamples: 64,
});
