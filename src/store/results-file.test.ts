import { describe, expect, it } from 'vitest';

import type { RunReport } from '../core';
import { parseResults, stringifyResults } from './results-file';
import type { ResultsFile } from './results-file';

const report = {
  calibrationSamples: 2,
  evaluationSamples: 3,
  evalIds: [2, 3, 4],
  fp32: { top1: null, top5: null, sizeBytes: 100, predictions: [1, 0, 1] },
  variants: [{ id: 'per-tensor', outputSqnrDb: Infinity, predictions: [1, 1, 1] }],
  layers: [{ order: 0, tensor: 't', node: '<b>n</b>', op: 'Conv', sqnrDb: { 'per-tensor': -Infinity, 'per-channel': NaN } }],
  equalizedPairs: 0,
} as unknown as RunReport;

const file: ResultsFile = {
  format: 'quantscope-results',
  version: 1,
  exportedAt: '2026-11-28T00:00:00Z',
  model: { fileName: 'm.onnx', sizeBytes: 100, outputClasses: 2 },
  settings: { calibCount: 2 },
  report,
  sensitivity: {},
  curve: null,
  tradeoff: null,
  mixed: null,
  view: { tab: 'layers', variant: 'per-tensor', layer: null },
};

describe('results file', () => {
  it('round-trips, infinities and NaN included', () => {
    const back = parseResults(stringifyResults(file), 'r.json');
    expect(back.report.variants[0].outputSqnrDb).toBe(Infinity);
    expect(back.report.layers[0].sqnrDb['per-tensor']).toBe(-Infinity);
    expect(back.report.layers[0].sqnrDb['per-channel']).toBeNaN();
    expect(back.report.layers[0].node).toBe('<b>n</b>');
    expect(back).toEqual({ ...file, report: back.report });
  });

  it('says why a file is not one', () => {
    expect(() => parseResults('{', 'a.json')).toThrow(/'a\.json' is not a results file \(it is not JSON\)/);
    expect(() => parseResults('{"x":1}', 'b.json')).toThrow(/not a Quantscope results file/);
    expect(() => parseResults('{"format":"quantscope-results","version":9}', 'c.json')).toThrow(/version 9/);
    expect(() => parseResults('{"format":"quantscope-results","version":1}', 'd.json')).toThrow(/no readable run report/);
  });
});
