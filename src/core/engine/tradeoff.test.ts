import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { ocrClassifier, stripeImages } from '../../../test/ocr-fixture';
import { nodeSessionFactory } from '../../node/ort-node';
import { defaultQuantConfig } from '../quant/config';
import { collectStatistics } from './pipeline';
import { paretoFront, tradeoffGrid } from './tradeoff';

describe('paretoFront', () => {
  const dominates = (a: { size: number; score: number }, b: { size: number; score: number }) =>
    a.size <= b.size && a.score >= b.score && (a.size < b.size || a.score > b.score);
  it('keeps exactly the points nothing dominates, by size', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ size: fc.integer({ min: 1, max: 50 }), score: fc.integer({ min: 0, max: 50 }) }), { maxLength: 40 }), (pts) => {
        const front = paretoFront(pts);
        for (const i of front) for (const p of pts) expect(dominates(p, pts[i])).toBe(false);
        for (const [i, p] of pts.entries()) if (!front.includes(i)) expect(front.some((j) => dominates(pts[j], p)) || pts.some((q) => dominates(q, p))).toBe(true);
        for (let k = 1; k < front.length; k++) expect(pts[front[k]].size).toBeGreaterThanOrEqual(pts[front[k - 1]].size);
      }),
    );
  });
  it('an exact table', () => {
    expect(paretoFront([{ size: 4, score: 0.9 }, { size: 1, score: 0.2 }, { size: 2, score: 0.8 }, { size: 3, score: 0.7 }, { size: 2, score: NaN }])).toEqual([1, 2, 0]);
  });
});

describe('granularity × bits on the PP-OCR classifier', async () => {
  const model = ocrClassifier();
  const inputs = stripeImages(5)(6);
  const session = nodeSessionFactory({ fused: false });
  const stats = await collectStatistics(session, model, (async function* () { yield* inputs; })(), inputs.length);

  it('fewer bits: more error and a smaller packed model, for both granularities', async () => {
    const samples = inputs.map((tensor, i) => ({ tensor, label: i % 2 }));
    const grid = await tradeoffGrid(session, model, model, stats, defaultQuantConfig, samples, { weightBits: [8, 3], activationBits: [8] });
    expect(grid.complete).toBe(true);
    expect(grid.points.length).toBe(4);
    expect(grid.fp32.top1).not.toBeNull();
    for (const g of ['per-tensor', 'per-channel'] as const) {
      const [w8, w3] = [8, 3].map((b) => grid.points.find((p) => p.granularity === g && p.weightBits === b)!);
      expect(w8.outputSqnrDb).toBeGreaterThan(w3.outputSqnrDb);
      expect(w3.packedSizeBytes).toBeLessThan(w8.packedSizeBytes);
      // Both stored in int8: the files differ only by their metadata.
      expect(Math.abs(w3.sizeBytes - w8.sizeBytes)).toBeLessThan(w8.sizeBytes * 0.01);
    }
  }, 120_000);

  it('a cancelled grid resumes with the configurations it lacks and ends with what one uninterrupted pass gives', async () => {
    const samples = inputs.slice(0, 2).map((tensor, i) => ({ tensor, label: i % 2 }));
    const opts = { weightBits: [8, 4, 2], activationBits: [8] };
    // times per image are measured anew each pass: everything else must be equal
    const untimed = (g: { points: { msPerImage?: number }[] }) => g.points.map((p) => ({ ...p, msPerImage: undefined }));
    const full = await tradeoffGrid(session, model, model, stats, defaultQuantConfig, samples, opts);
    let points = 0;
    const part = await tradeoffGrid(session, model, model, stats, defaultQuantConfig, samples, { ...opts, signal: { get aborted() { return points >= 2; } }, onPoint: () => points++ });
    expect(part.complete).toBe(false);
    expect(part.points).toHaveLength(2);
    const progress: number[] = [];
    const fresh: unknown[] = [];
    const res = await tradeoffGrid(session, model, model, stats, defaultQuantConfig, samples, { ...opts, resume: part, onProgress: (d) => progress.push(d), onPoint: (p) => fresh.push(p) });
    expect(res.complete).toBe(true);
    expect(untimed(res)).toEqual(untimed(full));
    expect(fresh).toHaveLength(4);
    expect(progress.at(-1)).toBe(samples.length * (1 + 4));
    // Another configuration (asymmetric → symmetric activations): nothing kept.
    const other = await tradeoffGrid(session, model, model, stats, { ...defaultQuantConfig, activationSymmetric: true, activationType: 'int8' }, samples, { ...opts, resume: part, signal: { aborted: true } });
    expect(other.points).toHaveLength(0);
  }, 120_000);
});
