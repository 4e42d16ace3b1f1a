import { describe, expect, it } from 'vitest';

import { weightView } from '../../core';
import type { ActivationView, RunReport, SensitivityResult } from '../../core';
import { mergeVariantReport, mixedBitsSummary, parseViewHash, suggestedLayers, viewHash, worstLayer } from '../../store/analysis-actions';
import { gainColor, ramp, spreadColor, sqnrColor } from './graph-colors';
import { activationFigure, channelRangeFigure, imageLayersFigure, latencyLine, mixedFigure, num, plotText, sqnrFigure, weightHistogramFigure } from './plots';

const EVIL = '<img src=x onerror=alert(1)>';

/** Every string anywhere in a figure. */
function strings(x: unknown): string[] {
  if (typeof x === 'string') return [x];
  if (Array.isArray(x)) return x.flatMap(strings);
  if (x && typeof x === 'object') return Object.values(x).flatMap(strings);
  return [];
}

function report(): RunReport {
  const v = (id: string) => ({
    id, config: {} as never, cle: false, biasCorrection: false, sizeBytes: 1, packedSizeBytes: 1, top1: null, top5: null, agreementTop1: 0.5,
    outputSqnrDb: 0, outputKl: 0, sqnrSamples: 1, fused: [], tensors: [], uncalibrated: [], predictions: [0, 1],
  });
  return {
    calibrationSamples: 1, evaluationSamples: 2, evalIds: [4, 7], equalizedPairs: 0,
    fp32: { top1: null, top5: null, sizeBytes: 4, predictions: [0, 0] },
    variants: [v('per-tensor'), v('per-channel')],
    layers: [
      { order: 0, tensor: 't0', node: EVIL, op: 'Conv', sqnrDb: { 'per-tensor': 30, 'per-channel': 35 } },
      { order: 1, tensor: 't1', node: 'dw', op: 'Conv', depthwise: true, sqnrDb: { 'per-tensor': 4, 'per-channel': Infinity } },
    ],
  };
}

describe('plotText', () => {
  it('makes HTML inert and keeps the text', () => {
    expect(plotText(EVIL)).toBe('&lt;img src=x onerror=alert(1)&gt;');
    expect(plotText(`a&b "c" 'd'`)).toBe('a&amp;b &quot;c&quot; &#39;d&#39;');
    expect(plotText('conv_1/weights:0')).toBe('conv_1/weights:0');
  });

  it('no figure carries a raw tag from a model name', () => {
    const w = weightView(Float32Array.of(1, -2, 0.5, 0.25), [2, 2], { weight: EVIL, node: EVIL, op: 'Conv', axis: 0, bits: 8, symmetric: true, granularity: 'per-tensor' });
    const a: ActivationView = {
      tensor: EVIL, samples: 3, values: 10, min: 0, max: 6, histogram: { lo: 0, width: 1, counts: [1, 2, 3] }, chosen: 'minmax',
      choices: [{ calibrator: 'minmax', label: 'MinMax', min: 0, max: 6, clipped: 0, expectedSqnrDb: 40 }],
    };
    const figures = [
      weightHistogramFigure(w), channelRangeFigure(w), channelRangeFigure(w, true), activationFigure(a, true),
      sqnrFigure(report(), ['per-tensor', 'per-channel'], EVIL),
      imageLayersFigure({ fp32Top5: [], int8Top5: [], layers: [{ tensor: 't', node: EVIL, sqnrDb: 30 }, { tensor: 'u', node: EVIL, sqnrDb: 10 }], jump: 1, outputSqnrDb: 5 }),
    ];
    for (const f of figures) {
      for (const s of strings({ ...f, data: f.data.map((t) => ({ ...t, customdata: undefined })) })) expect(s).not.toMatch(/<img|<script/i);
    }
  });
});

describe('figures', () => {
  const w = weightView(Float32Array.from({ length: 18 }, (_, i) => (i < 9 ? (i - 4) * 0.01 : (i - 13) * 1)), [2, 1, 3, 3], {
    weight: 'w', node: 'dw', op: 'Conv', axis: 0, bits: 8, symmetric: true, granularity: 'per-tensor',
  });

  it('weight histogram: a filled step per bin, 255 grid ticks, the clip range as two dashed lines', () => {
    const f = weightHistogramFigure(w);
    const h = f.data[0];
    expect([h.type, h.line?.shape, h.fill]).toEqual(['scatter', 'hv', 'tozeroy']);
    // a point at each bin's left edge holding its count, and the right end: every value counted once
    expect(h.x.length).toBe(w.histogram.counts.length + 1);
    expect(h.y.slice(0, -1)).toEqual(w.histogram.counts);
    expect(h.y.slice(0, -1).reduce((a, b) => a + b, 0)).toBe(18);
    expect(h.x[0]).toBeCloseTo(-4, 6); // the weights span [-4, 4]
    expect(h.x.at(-1)).toBeCloseTo(4, 6);
    expect(h.customdata![0]).toBe(`[${num(w.histogram.lo)}, ${num(w.histogram.lo + w.histogram.width)})`);
    expect(f.data[1].x.length).toBe(255);
    expect(f.layout.shapes!.map((s) => s.x0)).toEqual([w.perTensor.clipLo, w.perTensor.clipHi]);
  });

  it('channel ranges: one bar per channel from min to max; log mode plots |w| max on a log axis', () => {
    const f = channelRangeFigure(w);
    expect(f.data[0].base).toEqual(w.channels.min);
    expect(f.data[0].y.map((h, i) => h + w.channels.min[i])).toEqual(w.channels.max.map((m) => expect.closeTo(m, 9)));
    const g = channelRangeFigure(w, true);
    expect(g.layout.yaxis!.type).toBe('log');
    expect(g.data[0].y[0]).toBeCloseTo(0.04, 6); // float32 weights
    expect(g.data[0].y[1]).toBeCloseTo(4, 6);
  });

  it('SQNR chart: a bar series per variant in graph order; exact layers drawn at 100 dB; the selection shaded', () => {
    const f = sqnrFigure(report(), ['per-tensor', 'per-channel'], 'dw');
    expect(f.data.map((t) => t.y)).toEqual([[30, 4], [35, 100]]);
    expect(f.data[0].customdata).toEqual([EVIL, 'dw']);
    expect(f.layout.shapes![0].x0).toBe(1.5);
    const sens: SensitivityResult = {
      variantId: 'per-tensor', samples: 2, complete: true, all: { agreement: 0.5, outputSqnrDb: 2 },
      layers: [{ tensor: 't1', node: 'dw', op: 'Conv', isolatedSqnrDb: { both: 5, weights: 6, activations: 30 }, onlyThis: { agreement: 1, outputSqnrDb: 9 }, allBut: { agreement: 1, outputSqnrDb: 20 } }],
    };
    const g = sqnrFigure(report(), ['per-tensor'], null, sens);
    expect(g.data.length).toBe(3);
    expect(g.data[1].y).toEqual([NaN, 6]);
    expect(g.data[2].y).toEqual([NaN, 30]);
  });

  it('activation figure: one line per calibrator, the used one solid and named', () => {
    const a: ActivationView = {
      tensor: 't', samples: 3, values: 10, min: -1, max: 6, histogram: { lo: -1, width: 1, counts: [1, 2, 3, 0, 0, 1, 3] }, chosen: 'percentile',
      choices: [
        { calibrator: 'minmax', label: 'MinMax', min: -1, max: 6, clipped: 0, expectedSqnrDb: 40 },
        { calibrator: 'percentile', label: 'Percentile', min: -0.5, max: 5, clipped: 0.01, expectedSqnrDb: 42 },
      ],
    };
    const f = activationFigure(a, false);
    expect(f.data.length).toBe(3);
    expect(f.data[2].name).toContain('Percentile (used)');
    expect(f.data[2].line!.dash).toBe('solid');
    expect(f.data[1].x).toEqual([-1, -1, NaN, 6, 6]);
  });
});

describe('analysis state helpers', () => {
  it('the URL hash round-trips tab, variant and a layer name with any characters', () => {
    const s = { analysisTab: 'sensitivity' as const, analysisVariant: 'per-tensor+fix', selectedLayer: `a/b#c&d=${EVIL}` };
    expect(parseViewHash(viewHash(s))).toEqual({ tab: 'sensitivity', variant: 'per-tensor+fix', layer: s.selectedLayer });
    expect(parseViewHash('#tab=nonsense')).toEqual({});
  });

  it('the worst layer of a variant is its lowest SQNR', () => {
    expect(worstLayer(report(), 'per-tensor')).toBe('dw');
    expect(worstLayer(report(), 'per-channel')).toBe(EVIL);
  });

  it('suggests layers gaining ≥ 3 dB (best first, at most 5), else the single best', () => {
    const r = (gains: number[]): SensitivityResult => ({
      variantId: 'v', samples: 1, complete: true, all: { agreement: 0, outputSqnrDb: 10 },
      layers: gains.map((g, i) => ({ tensor: `t${i}`, node: `n${i}`, op: 'Conv', isolatedSqnrDb: { both: 0, weights: 0, activations: 0 }, onlyThis: { agreement: 0, outputSqnrDb: 0 }, allBut: { agreement: 0, outputSqnrDb: 10 + g } })),
    });
    expect(suggestedLayers(r([1, 5, 3, 0.5]))).toEqual(['n1', 'n2']);
    expect(suggestedLayers(r([1, 2, 0.5]))).toEqual(['n1']);
    expect(suggestedLayers(r([9, 8, 7, 6, 5, 4]))).toEqual(['n0', 'n1', 'n2', 'n3', 'n4']);
  });

  it('merging an override variant adds its card and its per-layer SQNR, replacing an older one', () => {
    const base = report();
    const extra: RunReport = { ...report(), variants: [{ ...report().variants[0], id: 'per-tensor+fix', agreementTop1: 0.9 }], layers: [{ ...base.layers[1], sqnrDb: { 'per-tensor+fix': 25 } }] };
    const once = mergeVariantReport(base, extra, 'fixed');
    const twice = mergeVariantReport(once, extra, 'fixed again');
    expect(twice.variants.map((v) => v.id)).toEqual(['per-tensor', 'per-channel', 'per-tensor+fix']);
    expect(twice.variants[2].label).toBe('fixed again');
    expect(twice.layers[1].sqnrDb['per-tensor+fix']).toBe(25);
    expect(twice.layers[0].sqnrDb['per-tensor+fix']).toBeUndefined();
  });
});

describe('graph colours', () => {
  it('ramp runs red → amber → green; metrics map onto it', () => {
    expect(ramp(0)).toBe('#dc2626');
    expect(ramp(0.5)).toBe('#f59e0b');
    expect(ramp(1)).toBe('#16a34a');
    expect(sqnrColor(40)).toBe('#16a34a');
    expect(sqnrColor(0)).toBe('#dc2626');
    expect(gainColor(0)).toBe('#16a34a');
    expect(gainColor(20)).toBe('#dc2626');
    expect(spreadColor(1)).toBe('#16a34a');
    expect(spreadColor(5000)).toBe('#dc2626');
    expect(sqnrColor(undefined)).toBe('#e2e8f0');
  });
});

describe('mixed precision figure and summary', () => {
  const choice = (bits: number, granularity: 'per-channel' | 'per-tensor' = 'per-channel') => ({ bits, granularity });
  const m = (pathIndex: number, packedSizeBytes: number, outputSqnrDb: number) => ({ pathIndex, packedSizeBytes, sizeBytes: 0, agreement: 0.5, top1: null, outputSqnrDb, predictedSqnrDb: outputSqnrDb + 0.5 });
  const result = {
    target: { kind: 'size' as const, value: 3000 },
    path: [{ picks: [0, 0], weightBytes: 4000, predictedSqnrDb: 20 }, { picks: [1, 0], weightBytes: 3000, predictedSqnrDb: 18 }, { picks: [1, 1], weightBytes: 2000, predictedSqnrDb: 9 }],
    measured: [m(0, 5000, 20), m(2, 3000, 9.5), m(1, 4000, 17)],
    chosen: m(2, 3000, 9.5),
    overrides: {},
    choices: [
      { node: 'a', op: 'Conv', choice: choice(4), noiseShare: 0.3 },
      { node: 'b', op: 'Conv', choice: choice(4, 'per-tensor'), noiseShare: 0.3 },
      { node: 'c', op: 'Conv', choice: choice(8), noiseShare: 0.4 },
    ],
    fixedBytes: 1000,
    uncalibratedStartSqnrDb: 22,
  };

  it('draws the path at fixed + weight bytes, every measured point, the chosen one and the budget line', () => {
    const f = mixedFigure(result);
    const path = f.data.find((t) => t.name === 'greedy path (predicted)')!;
    expect(path.x).toEqual([5000 / 1024, 4000 / 1024, 3000 / 1024]);
    expect(path.y).toEqual([20, 18, 9]);
    expect(f.data.find((t) => t.name === 'measured')!.y).toEqual([20, 9.5, 17]);
    expect(f.data.find((t) => t.name === 'chosen')!.x).toEqual([3000 / 1024]);
    expect(f.layout.shapes![0]).toMatchObject({ x0: 3000 / 1024, x1: 3000 / 1024, yref: 'paper' });
  });

  it('summarises the layers most precise first', () => {
    expect(mixedBitsSummary(result)).toBe('1×W8 pc, 1×W4 pc, 1×W4 pt');
  });
});

describe('latencyLine', () => {
  const pt = (granularity: 'per-tensor' | 'per-channel', weightBits: number, activationBits: number, msPerImage: number) => ({
    granularity, weightBits, activationBits, msPerImage, top1: null, agreement: 1, outputSqnrDb: 30, sizeBytes: 1, packedSizeBytes: 1,
  });
  it('states W8A8 against FP32 with the direction, and the runtime', () => {
    const s = latencyLine({ runtime: 'onnxruntime-web 1.30.0 WASM, 2 threads', fp32: { top1: null, sizeBytes: 1, msPerImage: 4 }, points: [pt('per-tensor', 8, 8, 6), pt('per-channel', 8, 8, 3), pt('per-channel', 4, 8, 3.9)] });
    expect(s).toContain('onnxruntime-web 1.30.0 WASM, 2 threads');
    expect(s).toContain('FP32 4.0 ms per image');
    expect(s).toContain('per-tensor W8A8 6.0 ms (1.50× FP32, slower)');
    expect(s).toContain('per-channel W8A8 3.0 ms (0.75× FP32, faster)');
  });
  it('without W8A8: the fastest and the slowest; without times: says why', () => {
    const s = latencyLine({ fp32: { top1: null, sizeBytes: 1, msPerImage: 4 }, points: [pt('per-tensor', 4, 6, 4.1), pt('per-channel', 2, 4, 8)] });
    expect(s).toContain('fastest per-tensor W4A6 4.1 ms (1.02× FP32, the same)');
    expect(s).toContain('slowest per-channel W2A4 8.0 ms (2.00× FP32, slower)');
    expect(latencyLine({ fp32: { top1: null, sizeBytes: 1, msPerImage: NaN }, points: [] })).toMatch(/at least two evaluation images/);
  });
});
