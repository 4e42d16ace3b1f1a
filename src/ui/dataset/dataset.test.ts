import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { RunReport } from '../../core';
import { datasetEntries, filterEntries, visibleRows } from './dataset';

describe('dataset entries', () => {
  const images = [
    { id: 0, name: 'a/n01440764_1.jpg', label: 0 },
    { id: 1, name: 'a/n01440764_2.jpg', label: 0 },
    { id: 2, name: 'a/broken.jpg', label: null, error: 'corrupt' },
    { id: 3, name: 'a/n01443537_1.jpg', label: 1 },
    { id: 4, name: 'a/x.jpg', label: null },
  ];
  const report = {
    evalIds: [3, 4, 1],
    fp32: { predictions: [1, 5, 0] },
    variants: [{ id: 'per-tensor', predictions: [1, 7, 2] }],
  } as unknown as RunReport;

  it('splits, predictions by evaluation position, broken files left out', () => {
    const e = datasetEntries(images, { calibIds: [0], evalIds: [] }, report, 'per-tensor');
    expect(e.map((x) => [x.id, x.split, x.fp32, x.int8])).toEqual([
      [0, 'calibration', undefined, undefined],
      [1, 'evaluation', 0, 2],
      [3, 'evaluation', 1, 1],
      [4, 'evaluation', 5, 7],
    ]);
    expect(filterEntries(e, 'changed').map((x) => x.id)).toEqual([1, 4]);
    // Wrong needs a label: image 4 has none.
    expect(filterEntries(e, 'wrong').map((x) => x.id)).toEqual([1]);
    expect(filterEntries(e, 'calibration').map((x) => x.id)).toEqual([0]);
  });

  it('before a run: the split from the settings, no predictions', () => {
    const e = datasetEntries(images, { calibIds: [0, 1], evalIds: [3] }, null, 'per-tensor');
    expect(e.map((x) => x.split)).toEqual(['calibration', 'calibration', 'evaluation', 'unused']);
    expect(e.every((x) => x.fp32 === undefined)).toBe(true);
  });
});

describe('visibleRows', () => {
  it('covers every row in view, stays in bounds, draws few rows', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 50, max: 2000 }), fc.integer({ min: 10, max: 300 }), (rows, scroll, viewport, rowH) => {
        const { first, last } = visibleRows(scroll, viewport, rowH, rows);
        if (rows === 0) {
          expect(last).toBeLessThan(first);
          return;
        }
        expect(first).toBeGreaterThanOrEqual(0);
        expect(last).toBeLessThanOrEqual(rows - 1);
        const topRow = Math.floor(scroll / rowH);
        const bottomRow = Math.min(rows - 1, Math.floor((scroll + viewport - 1) / rowH));
        for (let r = topRow; r <= bottomRow; r++) expect(r >= first && r <= last).toBe(true);
        expect(last - first + 1).toBeLessThanOrEqual(Math.ceil(viewport / rowH) + 5);
      }),
    );
  });
});
