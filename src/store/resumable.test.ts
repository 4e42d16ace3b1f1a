import { describe, expect, it } from 'vitest';

import type { RunReport, TradeoffGrid } from '../core';
import { defaultQuantConfig } from '../core';
import { askedPoints, resumableCurve, resumableMixed, resumableSensitivity, resumableTradeoff } from './analysis-actions';
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

  it('a mixed-precision profile of the analysed variant, the candidates asked and as many images; a whole one too (a new target reuses it)', () => {
    const o = { ...base.mixedOptions, bits: [8, 4], granularities: ['per-channel' as const], profileImages: 2 };
    // the candidates in the order the request lists them: bits falling, then granularity
    const profile = { variantId: 'per-tensor', samples: 2, choices: [{ granularity: 'per-channel', bits: 8 }, { granularity: 'per-channel', bits: 4 }], activationNoise: 0, layers: [{}], complete: false } as never;
    const s = { ...base, mixedOptions: o, mixedProfile: profile };
    expect(resumableMixed(s)).toBe(profile);
    expect(resumableMixed({ ...s, mixedProfile: { ...(profile as object), complete: true } as never })).not.toBeNull();
    expect(resumableMixed({ ...s, mixedProfile: { ...(profile as object), layers: [] } as never })).toBeNull();
    expect(resumableMixed({ ...s, mixedOptions: { ...o, bits: [8, 6, 4] } })).toBeNull();
    expect(resumableMixed({ ...s, mixedOptions: { ...o, profileImages: 4 } })).toBeNull();
    expect(resumableMixed({ ...s, analysisVariant: 'per-channel' })).toBeNull();
    // images are capped by the run's evaluation images: 100 asked of a run that evaluated 40 is 40
    expect(resumableMixed({ ...s, mixedProfile: { ...(profile as object), samples: 40 } as never, mixedOptions: { ...o, profileImages: 100 } })).not.toBeNull();
  });
});
