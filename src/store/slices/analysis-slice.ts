import type { StateCreator } from 'zustand';

import type { ActivationView, GraphLayout, ImageTrace, ProgressEvent, SensitivityResult, WeightView } from '../../core';
import type { AppState } from '../store';

export type AnalysisTab = 'layers' | 'sensitivity' | 'images';
export type GraphMetric = 'sqnr' | 'sensitivity' | 'spread';

export interface ImageDetail extends ImageTrace {
  id: number;
  name: string;
  label: number | null;
  /** object URL of the image file, revoked when another image is opened */
  url: string;
}

/** What the analysis views show: one selection shared by every view (graph, table, charts, URL). */
export interface AnalysisSlice {
  analysisTab: AnalysisTab;
  /** the variant the analysis looks at */
  analysisVariant: string;
  /** selected layer (node name) */
  selectedLayer: string | null;
  graph: GraphLayout | null;
  graphMetric: GraphMetric;
  /** per layer with weights: largest over smallest channel |w|max */
  weightSpreads: Record<string, number>;
  weightView: WeightView | null;
  activationView: ActivationView | null;
  /** node the two views above belong to */
  viewsFor: string | null;
  activationLogY: boolean;
  /** per-channel ranges as |w| max on a log axis; null: decided by the layer's spread */
  rangesLog: boolean | null;
  sensitivity: Record<string, SensitivityResult>;
  sensitivityStatus: 'idle' | 'running' | 'done' | 'cancelled' | 'error';
  sensitivityProgress: ProgressEvent | null;
  sensitivityError: string | null;
  sensitivityImages: number;
  /** layers ticked for an override, and what to do with them */
  overrideLayers: string[];
  overrideMode: 'fp32' | 'per-channel' | 'w8a16';
  overrideStatus: 'idle' | 'running' | 'error';
  overrideError: string | null;
  imageDetail: ImageDetail | null;
  imageStatus: 'idle' | 'loading' | 'error';
  imageError: string | null;
  changedOnly: boolean;
}

export const createAnalysisSlice: StateCreator<AppState, [], [], AnalysisSlice> = () => ({
  analysisTab: 'layers',
  analysisVariant: 'per-tensor',
  selectedLayer: null,
  graph: null,
  graphMetric: 'sqnr',
  weightSpreads: {},
  weightView: null,
  activationView: null,
  viewsFor: null,
  activationLogY: true,
  rangesLog: null,
  sensitivity: {},
  sensitivityStatus: 'idle',
  sensitivityProgress: null,
  sensitivityError: null,
  sensitivityImages: 32,
  overrideLayers: [],
  overrideMode: 'fp32',
  overrideStatus: 'idle',
  overrideError: null,
  imageDetail: null,
  imageStatus: 'idle',
  imageError: null,
  changedOnly: true,
});
