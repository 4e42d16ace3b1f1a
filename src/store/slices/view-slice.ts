import type { StateCreator } from 'zustand';

import type { AppState } from '../store';

export type LayerSortKey = 'order' | 'name' | 'op' | 'per-tensor' | 'per-channel' | 'delta';

export interface ViewSlice {
  layerSort: { key: LayerSortKey; descending: boolean };
}

export const createViewSlice: StateCreator<AppState, [], [], ViewSlice> = () => ({
  layerSort: { key: 'order', descending: false },
});
