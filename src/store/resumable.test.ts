import { describe, expect, it } from 'vitest';

import type { RunReport, TradeoffGrid } from '../core';
import { defaultQuantConfig } from '../core';
import { askedPoints, resumableCurve, resumableSensitivity, resumableTradeoff } from './analysis-actions';
import type { CurveResult } from './slices/analysis-slice';
import { appStore } from './store';

const config = { ...defaultQuantConfig, weightGranularity: 'per-tensor' as const };
const report = { evaluationSamples: 40, variants: [{ id: 'per-tensor', config }] } as unknown as RunReport;
const base = { ...appStore.getInitialState(), report, analysisVariant: 'per-tensor' };
const curve = (over: Partial<CurveResult> = {}): CurveResult =>
  ({ sizes: [1, 2], draws: 3, calibrators: ['minmax'], evaluationSamples: 40, points: [{ size: 1, draw: 0, calibrator: 'minmax', agreement: 1, outputSqnrDb: 9 }], outliers: [], complete: false, config, seed: 1, calibNames: [], ...over }) as CurveResult;
const grid = (over: Partial<TradeoffGrid> = {}): TradeoffGrid =>
  ({ granularities: ['per-tensor', 'per-channel'], weightBits: [8, 4], activationBits: [8], evaluationSamples: 40, fp32: { top1: null, sizeBytes: 1 }, points: [{ granularity: 'per-tensor', weightBits: 8, activationBits: 8 }], complete: false, config, ...over }) as TradeoffGrid;

describe('what a new measurement continues', () => {
  it('a partial curve of the same variant, draws, seed and images; not a complete or empty one, nor another configuration', () => {
    const opts = { calibrators: ['minmax' as const], draws: 3, evalImages: 100, seed: 1 };
    const s = { ...base, curveOptions: opts };
    expect(resumableCurve({ ...s, curve: curve() })).not.toBeNull();
    expect(resumableCurve({ ...s, curve: curve({ complete: true }) })).toBeNull();
    expect(resumableCurve({ ...s, curve: curve({ points: [] }) })).toBeNull();
    expect(resumableCurve({ ...s, curve: curve(), curveOptions: { ...opts, seed: 2 } })).toBeNull();
    expect(resumableCurve({ ...s, curve: curve(), curveOptions: { ...opts, draws: 2 } })).toBeNull();
    // evaluation images are capped by the run's: 100 asked, 40 evaluated, the curve used 40
    expect(resumableCurve({ ...s, curve: curve(), curveOptions: { ...opts, evalImages: 20 } })).toBeNull();
    expect(resumableCurve({ ...s, curve: curve({ config: { ...config, weightBits: 4 } }) })).toBeNull();
    // no point of the calibrators now asked for: nothing to continue
    expect(resumableCurve({ ...s, curve: curve(), curveOptions: { ...opts, calibrators: ['mse'] } })).toBeNull();
  });

  it('a partial grid of the same configuration and images; how many of the asked configurations it holds', () => {
    const o = { weightBits: [8, 4], activationBits: [8], evalImages: 40 };
    const s = { ...base, tradeoffOptions: o };
    expect(resumableTradeoff({ ...s, tradeoff: grid() })).not.toBeNull();
    expect(resumableTradeoff({ ...s, tradeoff: grid({ complete: true }) })).toBeNull();
    expect(resumableTradeoff({ ...s, tradeoff: grid(), tradeoffOptions: { ...o, evalImages: 10 } })).toBeNull();
    expect(resumableTradeoff({ ...s, tradeoff: grid(), tradeoffOptions: { ...o, weightBits: [4] } })).toBeNull();
    expect(resumableTradeoff({ ...s, tradeoff: grid(), analysisVariant: 'per-channel' })).toBeNull();
    expect(askedPoints(grid(), o)).toHaveLength(1);
    expect(askedPoints(grid(), { weightBits: [4], activationBits: [8] })).toHaveLength(0);
  });

  it('a partial sensitivity of the analysed variant on as many images', () => {
    const part = { variantId: 'per-tensor', samples: 4, all: { agreement: 1, outputSqnrDb: 1 }, layers: [{}], complete: false } as never;
    const s = { ...base, sensitivityImages: 4, sensitivity: { 'per-tensor': part } };
    expect(resumableSensitivity(s)).toBe(part);
    expect(resumableSensitivity({ ...s, sensitivityImages: 8 })).toBeNull();
    expect(resumableSensitivity({ ...s, analysisVariant: 'per-channel' })).toBeNull();
    expect(resumableSensitivity({ ...s, sensitivity: { 'per-tensor': { ...(part as object), complete: true } as never } })).toBeNull();
  });
});
