import type { StateCreator } from 'zustand';

import type { ImageInfo } from '../../core';
import type { AppState } from '../store';

export interface DataSlice {
  images: ImageInfo[];
  imagesStatus: 'idle' | 'loading';
  imagesError: string | null;
  /** the images are the demo's text lines (they make way for the user's model or images) */
  imagesAreDemo: boolean;
  /** where the labels come from, as the worker says it */
  labelSource: string | null;
  labelListError: string | null;
  presetId: string;
  inputWidth: number;
  inputHeight: number;
  calibCount: number;
  evalCount: number;
  /** shuffle seed for the split; null keeps file order */
  seed: number | null;
}

export const createDataSlice: StateCreator<AppState, [], [], DataSlice> = () => ({
  images: [],
  imagesStatus: 'idle',
  imagesError: null,
  imagesAreDemo: false,
  labelSource: null,
  labelListError: null,
  presetId: 'torchvision',
  inputWidth: 224,
  inputHeight: 224,
  calibCount: 100,
  evalCount: 400,
  seed: null,
});
