import { createStore, useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';

import { createAnalysisSlice } from './slices/analysis-slice';
import type { AnalysisSlice } from './slices/analysis-slice';
import { createDataSlice } from './slices/data-slice';
import type { DataSlice } from './slices/data-slice';
import { createLearnSlice } from './slices/learn-slice';
import type { LearnSlice } from './slices/learn-slice';
import { createModelSlice } from './slices/model-slice';
import type { ModelSlice } from './slices/model-slice';
import { createRunSlice } from './slices/run-slice';
import type { RunSlice } from './slices/run-slice';
import { createViewSlice } from './slices/view-slice';
import type { ViewSlice } from './slices/view-slice';

export type AppState = ModelSlice & DataSlice & RunSlice & ViewSlice & AnalysisSlice & LearnSlice;

/** The one store of the app, made of slices; actions live in actions.ts and call setState. */
export const appStore = createStore<AppState>()((...a) => ({
  ...createModelSlice(...a),
  ...createDataSlice(...a),
  ...createRunSlice(...a),
  ...createViewSlice(...a),
  ...createAnalysisSlice(...a),
  ...createLearnSlice(...a),
}));

export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(appStore, selector);
}

export function useAppShallow<T>(selector: (s: AppState) => T): T {
  return useStore(appStore, useShallow(selector));
}
