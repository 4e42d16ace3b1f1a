import { describe, expect, it } from 'vitest';

import type { LayerReportRow, RunReport } from '../../core';
import { defaultQuantConfig } from '../../core';
import { diagnose } from './diagnose';
import { layerTableRows, sqnrBar, sqnrGrade } from './layer-rows';
import { calibrationTimeText } from './summary';

const layers: LayerReportRow[] = [
  { order: 0, tensor: 't0', node: 'conv0', op: 'Conv', fused: 'Clip', sqnrDb: { 'per-tensor': 30, 'per-channel': 32 } },
  { order: 1, tensor: 't1', node: 'dw1', op: 'Conv', fused: 'Clip', sqnrDb: { 'per-tensor': 4, 'per-channel': 28 } },
  { order: 2, tensor: 't2', node: 'pool', op: 'AveragePool', sqnrDb: { 'per-tensor': 3, 'per-channel': 20 } },
];

function report(pt: number, pc: number): RunReport {
  const v = (id: string, agreementTop1: number) => ({
    id, config: defaultQuantConfig, cle: false, biasCorrection: false, sizeBytes: 1, packedSizeBytes: 1, top1: null, top5: null, agreementTop1, outputSqnrDb: 0, outputKl: 0, sqnrSamples: 1, fused: [], tensors: [], uncalibrated: [], predictions: [],
  });
  return { calibrationSamples: 1, evaluationSamples: 1, evalIds: [0], fp32: { top1: null, top5: null, sizeBytes: 4, predictions: [] }, variants: [v('per-tensor', pt), v('per-channel', pc)], layers, equalizedPairs: 0 };
}

describe('layer table rows', () => {
  it('sorts by SQNR, ascending puts the worst first', () => {
    expect(layerTableRows(layers, 'per-tensor', false).map((r) => r.node)).toEqual(['pool', 'dw1', 'conv0']);
    expect(layerTableRows(layers, 'delta', true).map((r) => r.node)).toEqual(['dw1', 'pool', 'conv0']);
    expect(layerTableRows(layers, 'order', false).map((r) => r.delta)).toEqual([2, 24, 17]);
  });
  it('bars and grades', () => {
    expect(sqnrBar(30)).toBe(50);
    expect(sqnrBar(-5)).toBe(0);
    expect(sqnrBar(90)).toBe(100);
    expect([5, 15, 25, undefined].map(sqnrGrade)).toEqual(['bad', 'poor', 'good', 'none']);
  });
});

describe('diagnose', () => {
  it('names the collapse and the layer that loses most', () => {
    const f = diagnose(report(0.02, 0.71));
    expect(f[0].level).toBe('bad');
    expect(f[0].text).toContain('2.0%');
    expect(f[0].text).toContain("Conv 'dw1'");
    expect(f[0].text).toContain('24.0 dB');
  });
  it('says when both collapse, and what to try', () => {
    const f = diagnose(report(0.3, 0.4));
    expect(f[0].level).toBe('bad');
    expect(f[0].text).toContain('Neither granularity keeps this model at W8A8');
  });
  it('says when both keep the model', () => {
    expect(diagnose(report(0.95, 0.96))[0]).toMatchObject({ level: 'good' });
  });
});

describe('calibration time in the run summary', () => {
  it('is per image, over the images timed', () => {
    expect(calibrationTimeText({ samples: 99, runMs: 99 * 17.64, statisticsMs: 99 * 4.81, readMs: 99 * 0.8 })).toBe('model 17.6 ms, statistics 4.8 ms, reading 0.8 ms');
    expect(calibrationTimeText({ samples: 4, runMs: 4 * 61.2, statisticsMs: 4 * 12.44, readMs: 0 })).toBe('model 61.2 ms, statistics 12.4 ms, reading 0.0 ms');
    expect(calibrationTimeText({ samples: 2, runMs: 2 * 250.4, statisticsMs: 2 * 40, readMs: 2 })).toBe('model 250 ms, statistics 40.0 ms, reading 1.0 ms');
  });

  it('says how many tensors the statistics cover, when it is a sane count', () => {
    const t = { samples: 99, runMs: 99 * 10, statisticsMs: 99 * 2, readMs: 99 };
    expect(calibrationTimeText({ ...t, tensors: 29, floatTensors: 59 })).toBe('model 10.0 ms, statistics 2.0 ms, reading 1.0 ms; statistics of the 29 of 59 tensors the int8 models read');
    for (const bad of [{ tensors: 60, floatTensors: 59 }, { tensors: 2.5, floatTensors: 59 }, { tensors: '<b>29</b>', floatTensors: 59 }, { tensors: 29 }]) {
      expect(calibrationTimeText({ ...t, ...bad } as never)).toBe('model 10.0 ms, statistics 2.0 ms, reading 1.0 ms');
    }
    const sq = 'model 10.0 ms, statistics 2.0 ms, reading 1.0 ms; statistics of the 41 of 67 tensors the int8 models read';
    expect(calibrationTimeText({ ...t, tensors: 41, floatTensors: 67, derived: 8 })).toBe(`${sq}, 8 of them merged from their inputs' instead of fetched`);
    for (const derived of [0, 42, 1.5, -1, '8']) expect(calibrationTimeText({ ...t, tensors: 41, floatTensors: 67, derived } as never)).toBe(sq);
  });

  it('is left out when nothing was timed (old results, or one calibration image)', () => {
    expect(calibrationTimeText(undefined)).toBeNull();
    expect(calibrationTimeText({ samples: 0, runMs: 0, statisticsMs: 0, readMs: 0 })).toBeNull();
    // an imported file's report is untrusted
    expect(calibrationTimeText({ samples: 3, runMs: '<b>x</b>', statisticsMs: 1, readMs: 1 } as never)).toBeNull();
    expect(calibrationTimeText({ samples: 3, runMs: 1, statisticsMs: -1, readMs: 1 })).toBeNull();
    expect(calibrationTimeText(7 as never)).toBeNull();
  });
});
