import { describe, expect, it } from 'vitest';

import type { CurvePoint, RunReport, SensitivityResult, TradeoffPoint } from '../core';
import { analysesChanged, analysesToSave, restoredAnalyses, runKeyOf } from './saved-analyses';
import type { CurveResult } from './slices/analysis-slice';
import { appStore } from './store';
import type { AppState } from './store';

const report = { calibrationSamples: 4, evaluationSamples: 8, fp32: { sizeBytes: 10 }, variants: [], layers: [] } as unknown as RunReport;
const score = { agreement: 0.5, outputSqnrDb: 12 };
const layer = (node: string) => ({ tensor: `${node}_out`, node, op: 'Conv', isolatedSqnrDb: { both: 30, weights: 40, activations: Infinity }, onlyThis: score, allBut: score });
const sens = (complete: boolean, layers: string[]): SensitivityResult => ({ variantId: 'per-tensor', samples: 4, all: score, layers: layers.map(layer), complete });
const curve = (complete: boolean, points: number): CurveResult =>
  ({ sizes: [1, 2, 4], draws: 1, calibrators: ['minmax'], evaluationSamples: 8, points: Array.from({ length: points }, (_, i) => ({ size: 2 ** i }) as unknown as CurvePoint), outliers: [], complete, config: {}, seed: 1, calibNames: [] }) as unknown as CurveResult;

/** The app's initial state with a run, and what the test changes. */
function state(over: Partial<AppState> = {}): AppState {
  return { ...appStore.getInitialState(), report, runKey: 'run-1', ...over };
}

describe('saved analyses', () => {
  it('a run is known by its settings, model and image count: any of them changed is another run', () => {
    const model = { fileName: 'm.onnx', sizeBytes: 100 };
    const k = runKeyOf({ seed: 1, calibCount: 50 }, model, 200);
    expect(runKeyOf({ seed: 1, calibCount: 50 }, { ...model }, 200)).toBe(k);
    expect(runKeyOf({ seed: 2, calibCount: 50 }, model, 200)).not.toBe(k);
    expect(runKeyOf({ seed: 1, calibCount: 50 }, { ...model, sizeBytes: 101 }, 200)).not.toBe(k);
    expect(runKeyOf({ seed: 1, calibCount: 50 }, model, 201)).not.toBe(k);
    // a run whose evaluation was cancelled after 30 images is another run than the whole one
    expect(runKeyOf({ seed: 1, calibCount: 50 }, model, 200, 30)).not.toBe(k);
    expect(runKeyOf({ seed: 1, calibCount: 50 }, model, 200, 30)).toBe(runKeyOf({ seed: 1, calibCount: 50 }, model, 200, 30));
  });

  it('nothing is saved without a run, or for results imported from a file (they are not this workspace’s run)', () => {
    expect(analysesToSave(state({ runKey: null }))).toBeNull();
    expect(analysesToSave(state({ report: null }))).toBeNull();
    expect(analysesToSave(state({ importedFrom: { fileName: 'r.json', modelFileName: null, exportedAt: '' } }))).toBeNull();
    expect(analysesToSave(state())?.runKey).toBe('run-1');
  });

  it('notes which experiments were running; an override being applied counts as the sensitivity’s', () => {
    expect(analysesToSave(state())!.running).toEqual([]);
    expect(analysesToSave(state({ sensitivityStatus: 'running', tradeoffStatus: 'running' }))!.running).toEqual(['sensitivity', 'tradeoff']);
    expect(analysesToSave(state({ overrideStatus: 'running', curveStatus: 'running', mixedStatus: 'running' }))!.running).toEqual(['sensitivity', 'curve', 'mixed']);
  });

  it('progress alone is not a change worth a write; a new layer, point or status is', () => {
    const a = state();
    expect(analysesChanged({ ...a, sensitivityProgress: { phase: 'sensitivity', done: 1, total: 9 } } as AppState, a)).toBe(false);
    expect(analysesChanged({ ...a, curveProgress: { phase: 'evaluate', done: 1, total: 9 } } as AppState, a)).toBe(false);
    expect(analysesChanged({ ...a, sensitivity: { 'per-tensor': sens(false, ['a']) } }, a)).toBe(true);
    expect(analysesChanged({ ...a, curve: curve(false, 1) }, a)).toBe(true);
    expect(analysesChanged({ ...a, curveStatus: 'cancelled' }, a)).toBe(true);
    // an override's end is what clears the sensitivity's "running" mark
    expect(analysesChanged({ ...a, overrideStatus: 'running' }, a)).toBe(true);
    expect(analysesChanged({ ...a, appliedVariants: [{ base: 'per-tensor', id: 'per-tensor+fix', overrides: {}, label: 'x' }] }, a)).toBe(true);
  });

  it('restores results as they were; a cut-short experiment shows what it had and is marked interrupted', () => {
    const tradeoffPoint = { granularity: 'per-tensor', weightBits: 8, activationBits: 8 } as unknown as TradeoffPoint;
    const saved = analysesToSave(
      state({
        sensitivity: { 'per-tensor': sens(true, ['a', 'b']), 'per-channel': { ...sens(false, ['a']), variantId: 'per-channel' } },
        sensitivityStatus: 'running',
        sensitivityImages: 4,
        overrideLayers: ['b'],
        overrideMode: 'w8a16',
        curve: curve(false, 3),
        curveStatus: 'running',
        tradeoff: { points: [tradeoffPoint], complete: true } as unknown as AppState['tradeoff'],
        tradeoffStatus: 'done',
        appliedVariants: [{ base: 'per-tensor', id: 'per-tensor+fix', overrides: { b: { keepFp32: true } }, label: 'per-tensor, 1 layer kept in FP32' }],
      }),
    )!;
    // IndexedDB keeps values by structured clone: what comes back is a copy (Infinity included).
    const r = restoredAnalyses(structuredClone(saved));
    expect(r.sensitivity).toEqual(saved.sensitivity);
    expect(r.sensitivity!['per-tensor'].layers[0].isolatedSqnrDb.activations).toBe(Infinity);
    expect(r.sensitivityStatus).toBe('done');
    expect(r.sensitivityImages).toBe(4);
    expect(r.overrideLayers).toEqual(['b']);
    expect(r.overrideMode).toBe('w8a16');
    expect(r.curve!.points).toHaveLength(3);
    expect(r.curveStatus).toBe('cancelled');
    expect(r.tradeoffStatus).toBe('done');
    expect(r.mixed).toBeNull();
    expect(r.mixedStatus).toBe('idle');
    expect(r.interrupted).toEqual(['sensitivity', 'curve']);
  });

  it('an experiment that had produced nothing yet comes back idle, not as an empty chart', () => {
    const r = restoredAnalyses(analysesToSave(state({ curve: curve(false, 0), curveStatus: 'running', tradeoff: { points: [], complete: false } as unknown as AppState['tradeoff'], tradeoffStatus: 'running' }))!);
    expect(r.curve).toBeNull();
    expect(r.curveStatus).toBe('idle');
    expect(r.tradeoff).toBeNull();
    expect(r.tradeoffStatus).toBe('idle');
    expect(r.sensitivityStatus).toBe('idle');
    expect(r.interrupted).toEqual(['curve', 'tradeoff']);
  });

  it('a mixed-precision profile cut short comes back, so the request after the reload continues it; older copies without one restore none', () => {
    const profile = { variantId: 'per-tensor', samples: 2, choices: [{ granularity: 'per-channel', bits: 4 }], activationNoise: 1e-4, layers: [{ node: 'conv1', op: 'Conv', params: 9, channels: 1, options: [] }], complete: false };
    const saved = analysesToSave(state({ mixedProfile: profile as AppState['mixedProfile'], mixedStatus: 'running' }))!;
    expect(analysesChanged(state({ mixedProfile: profile as AppState['mixedProfile'] }), state())).toBe(true);
    const r = restoredAnalyses(structuredClone(saved));
    expect(r.mixedProfile).toEqual(profile);
    expect(r.interrupted).toEqual(['mixed']);
    const older = { ...saved };
    delete older.mixedProfile;
    expect(restoredAnalyses(older).mixedProfile).toBeNull();
  });
});
