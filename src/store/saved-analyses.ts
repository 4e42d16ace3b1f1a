import type { AppState } from './store';
import type { AnalysisSlice, Experiment } from './slices/analysis-slice';

/**
 * The experiments of a run as the workspace keeps them: their results (partial ones too), their options, the
 * variants added after the run, and which were running. They belong to one run (`runKey`): the run made again
 * on restore must be the same one for them to be shown.
 */
export interface SavedAnalyses {
  runKey: string;
  sensitivity: AnalysisSlice['sensitivity'];
  sensitivityImages: number;
  overrideLayers: string[];
  overrideMode: AnalysisSlice['overrideMode'];
  curve: AnalysisSlice['curve'];
  curveOptions: AnalysisSlice['curveOptions'];
  tradeoff: AnalysisSlice['tradeoff'];
  tradeoffOptions: AnalysisSlice['tradeoffOptions'];
  mixed: AnalysisSlice['mixed'];
  /** the profile a mixed-precision request continues or reuses (absent in copies saved before it was kept) */
  mixedProfile?: AnalysisSlice['mixedProfile'];
  mixedOptions: AnalysisSlice['mixedOptions'];
  appliedVariants: AnalysisSlice['appliedVariants'];
  /** experiments running when this was saved */
  running: Experiment[];
}

/** The fields whose change means the saved copy is out of date. */
const WATCHED = [
  'runKey',
  'sensitivity',
  'sensitivityImages',
  'overrideLayers',
  'overrideMode',
  'curve',
  'curveOptions',
  'tradeoff',
  'tradeoffOptions',
  'mixed',
  'mixedProfile',
  'mixedOptions',
  'appliedVariants',
  'sensitivityStatus',
  'overrideStatus',
  'curveStatus',
  'tradeoffStatus',
  'mixedStatus',
] as const satisfies readonly (keyof AppState)[];

/** Identifies a run: the settings it was made with, the model, how many images, how many evaluated if cut short. */
export function runKeyOf(settings: Record<string, unknown>, model: { fileName: string; sizeBytes: number }, images: number, evalLimit?: number): string {
  return JSON.stringify({ settings, model: [model.fileName, model.sizeBytes], images, ...(evalLimit !== undefined ? { evalLimit } : {}) });
}

export function analysesChanged(s: AppState, prev: AppState): boolean {
  return WATCHED.some((k) => s[k] !== prev[k]);
}

export function analysesToSave(s: AppState): SavedAnalyses | null {
  if (!s.runKey || !s.report || s.importedFrom) return null;
  const running = (
    [
      ['sensitivity', s.sensitivityStatus === 'running' || s.overrideStatus === 'running'],
      ['curve', s.curveStatus === 'running'],
      ['tradeoff', s.tradeoffStatus === 'running'],
      ['mixed', s.mixedStatus === 'running'],
    ] as const
  )
    .filter(([, on]) => on)
    .map(([k]) => k);
  return {
    runKey: s.runKey,
    sensitivity: s.sensitivity,
    sensitivityImages: s.sensitivityImages,
    overrideLayers: s.overrideLayers,
    overrideMode: s.overrideMode,
    curve: s.curve,
    curveOptions: s.curveOptions,
    tradeoff: s.tradeoff,
    tradeoffOptions: s.tradeoffOptions,
    mixed: s.mixed,
    mixedProfile: s.mixedProfile,
    mixedOptions: s.mixedOptions,
    appliedVariants: s.appliedVariants,
    running,
  };
}

/**
 * The analysis state a saved copy gives back once its run is made again and its variants rebuilt: results as
 * they were, an experiment cut short shown as stopped with what it had measured, and noted as interrupted.
 */
export function restoredAnalyses(saved: SavedAnalyses): Partial<AnalysisSlice> {
  const partial = (has: boolean, complete: boolean) => (has ? (complete ? 'done' : 'cancelled') : 'idle') as 'done' | 'cancelled' | 'idle';
  return {
    sensitivity: saved.sensitivity,
    sensitivityImages: saved.sensitivityImages,
    // per variant: the panel tells a partial result by its `complete`
    sensitivityStatus: Object.keys(saved.sensitivity).length ? 'done' : 'idle',
    overrideLayers: saved.overrideLayers,
    overrideMode: saved.overrideMode,
    curve: saved.curve && saved.curve.points.length ? saved.curve : null,
    curveOptions: saved.curveOptions,
    curveStatus: partial(!!saved.curve?.points.length, !!saved.curve?.complete),
    tradeoff: saved.tradeoff && saved.tradeoff.points.length ? saved.tradeoff : null,
    tradeoffOptions: saved.tradeoffOptions,
    tradeoffStatus: partial(!!saved.tradeoff?.points.length, !!saved.tradeoff?.complete),
    mixed: saved.mixed,
    mixedProfile: saved.mixedProfile ?? null,
    mixedOptions: saved.mixedOptions,
    mixedStatus: saved.mixed ? 'done' : 'idle',
    interrupted: saved.running,
  };
}
