import type { StateCreator } from 'zustand';

import type { AppState } from '../store';

export type LayerSortKey = 'order' | 'name' | 'op' | 'per-tensor' | 'per-channel' | 'delta';

export interface ViewSlice {
  layerSort: { key: LayerSortKey; descending: boolean };
  /** what is being brought back (after a reload or an engine crash), while it is */
  restoring: string | null;
  /** the workspace could not be saved or restored */
  persistError: string | null;
  /** the engine stopped and was restarted: which step failed */
  engineNotice: string | null;
  /** the results shown came from an exported file, not from a run in this engine */
  importedFrom: { fileName: string; modelFileName: string | null; exportedAt: string } | null;
  importError: string | null;
}

export const createViewSlice: StateCreator<AppState, [], [], ViewSlice> = () => ({
  layerSort: { key: 'order', descending: false },
  restoring: null,
  persistError: null,
  engineNotice: null,
  importedFrom: null,
  importError: null,
});
