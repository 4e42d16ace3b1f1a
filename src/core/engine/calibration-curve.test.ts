import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { ocrClassifier, stripeImages } from '../../../test/ocr-fixture';
import { nodeSessionFactory } from '../../node/ort-node';
import { nodeRangeHelper } from '../../node/range-helper';
import type { CalibratorId } from '../calib/calibrators';
import { ActivationStats } from '../calib/stats';
import { defaultQuantConfig } from '../quant/config';
import { RangesOnDemand } from '../calib/range-search';
import { cloneModel, serializeModel } from '../onnx/model';
import { activationScheme } from '../quant/config';
import type { TensorRange } from '../quant/qdq';
import { buildQdqModel } from '../quant/qdq';
import { calibrationCurve, collectPerImageStatistics, curveBands, curveTensors, doublingSizes, permutation, rangeOutliers, rangeTensors } from './calibration-curve';
import { collectStatistics } from './pipeline';

describe('subsets', () => {
  it.each([
    [1, [1]],
    [5, [1, 2, 4, 5]],
    [8, [1, 2, 4, 8]],
    [100, [1, 2, 4, 8, 16, 32, 64, 100]],
    [0, []],
  ])('doublingSizes(%i) = %j', (n, sizes) => expect(doublingSizes(n)).toEqual(sizes));

  it('permutation is a seeded shuffle of 0..n-1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer(), (n, seed) => {
        const p = permutation(n, seed);
        expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(permutation(n, seed)).toEqual(p);
      }),
    );
    expect(permutation(50, 1)).not.toEqual(permutation(50, 2));
  });
});

describe('rangeOutliers', () => {
  it('names the image that alone stretches a range, and by how much', () => {
    const img = (max: number) => {
      const s = new ActivationStats(64);
      s.observe('t', Float32Array.of(0, max));
      return s;
    };
    const out = rangeOutliers([img(1), img(1.2), img(10), img(0.9)]);
    expect(out[0].index).toBe(2);
    expect(out[0].tensor).toBe('t');
    expect(out[0].widening).toBeCloseTo((10 - 1.2) / 10, 6);
    expect(out.length).toBe(1);
  });

  it('looks only at the tensors it is given (those the int8 model quantizes)', () => {
    const img = (t: number, u: number) => {
      const s = new ActivationStats(64);
      s.observe('preact', Float32Array.of(-t, t));
      s.observe('relu', Float32Array.of(0, u));
      return s;
    };
    const images = [img(1, 1), img(50, 1), img(1, 2), img(1, 1.1)];
    expect(rangeOutliers(images)[0]).toMatchObject({ index: 1, tensor: 'preact' });
    const out = rangeOutliers(images, 5, new Set(['relu']));
    expect(out.map((o) => [o.index, o.tensor])).toEqual([[2, 'relu']]);
  });
});

describe('calibration-size curve on the PP-OCR classifier', async () => {
  const model = ocrClassifier();
  const make = stripeImages(21);
  const calib = make(6);
  const evalInputs = make(4);
  const session = nodeSessionFactory({ fused: false });
  const iter = (xs: typeof calib) => (async function* () { yield* xs; })();
  const perImage = await collectPerImageStatistics(session, model, iter(calib), calib.length);

  it('merging the per-image statistics gives the exact ranges of one calibration pass', async () => {
    const whole = await collectStatistics(session, model, iter(calib), calib.length);
    const merged = new ActivationStats();
    for (const s of perImage) merged.merge(s);
    expect(merged.samples).toBe(6);
    for (const [name, h] of whole.histograms) {
      expect(merged.histograms.get(name)!.min).toBe(h.min);
      expect(merged.histograms.get(name)!.max).toBe(h.max);
      expect(merged.histograms.get(name)!.total).toBe(h.total);
    }
  });

  it('measures every size × draw × calibrator once (the full set once), with progress and bands', async () => {
    const progress: number[] = [];
    const curve = await calibrationCurve(session, model, defaultQuantConfig, perImage, evalInputs, {
      calibrators: ['minmax', 'percentile'],
      draws: 2,
      onProgress: (d) => progress.push(d),
    });
    expect(curve.complete).toBe(true);
    expect(curve.sizes).toEqual([1, 2, 4, 6]);
    // 3 partial sizes × 2 draws + the full set, for each of 2 calibrators.
    expect(curve.points.length).toBe((3 * 2 + 1) * 2);
    expect(progress.at(-1)).toBe(curve.points.length * evalInputs.length + evalInputs.length);
    for (const p of curve.points) {
      expect(p.agreement).toBeGreaterThanOrEqual(0);
      expect(p.agreement).toBeLessThanOrEqual(1);
      expect(Number.isNaN(p.outputSqnrDb)).toBe(false);
    }
    const bands = curveBands(curve, 'outputSqnrDb');
    expect(bands.map((b) => b.points.map((p) => p.n))).toEqual([[2, 2, 2, 1], [2, 2, 2, 1]]);
    for (const b of bands) for (const p of b.points) expect(p.min).toBeLessThanOrEqual(p.max);
  }, 120_000);

  it('a cancelled curve resumes with the points it lacks and ends with what one uninterrupted pass gives', async () => {
    const opts = { calibrators: ['minmax', 'percentile'] satisfies CalibratorId[], draws: 2 };
    const full = await calibrationCurve(session, model, defaultQuantConfig, perImage, evalInputs, opts);
    let points = 0;
    const part = await calibrationCurve(session, model, defaultQuantConfig, perImage, evalInputs, { ...opts, signal: { get aborted() { return points >= 5; } }, onPoint: () => points++ });
    expect(part.complete).toBe(false);
    // cancels are seen between images: the point measuring when it came may still have ended
    expect(part.points.length).toBeGreaterThanOrEqual(5);
    const progress: number[] = [];
    const fresh: unknown[] = [];
    const res = await calibrationCurve(session, model, defaultQuantConfig, perImage, evalInputs, { ...opts, resume: part, onProgress: (d) => progress.push(d), onPoint: (p) => fresh.push(p) });
    expect(res).toEqual(full);
    expect(fresh).toHaveLength(full.points.length - part.points.length);
    expect(progress.at(-1)).toBe(fresh.length * evalInputs.length + evalInputs.length);
    // Another seed: other draws, nothing kept.
    const other = await calibrationCurve(session, model, defaultQuantConfig, perImage, evalInputs, { ...opts, seed: 2, resume: part, signal: { aborted: true } });
    expect(other.points).toHaveLength(0);
  }, 120_000);

  it('gives the same points with a helper thread searching half the ranges', async () => {
    const { helper, close } = nodeRangeHelper();
    let posted = 0;
    try {
      const opts = { calibrators: ['entropy', 'mse'] satisfies CalibratorId[], draws: 1 };
      const alone = await calibrationCurve(session, model, defaultQuantConfig, perImage, evalInputs, opts);
      const shared = await calibrationCurve(session, model, defaultQuantConfig, perImage, evalInputs, {
        ...opts,
        rangeHelper: (r) => {
          posted += r.tasks.length;
          return helper(r);
        },
      });
      expect(shared.points).toEqual(alone.points);
      expect(posted).toBeGreaterThan(0);
    } finally {
      await close();
    }
  }, 120_000);

  it.each([
    ['uint8 asymmetric', defaultQuantConfig],
    ['int8 symmetric (ReLUs not fused)', { ...defaultQuantConfig, activationSymmetric: true }],
    ['4-bit activations', { ...defaultQuantConfig, activationBits: 4 }],
  ])('searching only the tensors a build reads gives the same QDQ model as searching all (%s)', (_, config) => {
    const merged = new ActivationStats();
    for (const s of perImage.slice(0, 3)) merged.merge(s);
    const searched = rangeTensors(model, config, merged);
    expect(searched.size).toBeGreaterThan(0);
    const scheme = activationScheme(config);
    for (const calibrator of ['entropy', 'mse'] satisfies CalibratorId[]) {
      const c = { ...config, calibrator };
      const all = merged.rangesFor(calibrator, scheme, c.calibratorOptions);
      const build = (ranges: ReadonlyMap<string, TensorRange>) => serializeModel(buildQdqModel(cloneModel(model), ranges, c, merged.nonFloat).model);
      const expected = build(all);
      const some = new Map([...all].filter(([name]) => searched.has(name)));
      expect(build(new RangesOnDemand(some, merged.histograms, calibrator, scheme, c.calibratorOptions))).toEqual(expected);
      // a build that reads a range not searched ahead gets it on demand: nothing searched ahead, the same model
      expect(build(new RangesOnDemand([], merged.histograms, calibrator, scheme, c.calibratorOptions))).toEqual(expected);
      // and without it a build would differ (the test compares models that depend on those ranges)
      expect(build(new Map([...all].filter(([name]) => !searched.has(name))))).not.toEqual(expected);
    }
  });

  it('per-image statistics of only the tensors the int8 model reads give the same points; missing ones are named', async () => {
    const whole = new ActivationStats();
    for (const st of perImage) whole.merge(st);
    const needed = curveTensors(model, defaultQuantConfig, whole);
    const only = await collectPerImageStatistics(session, model, iter(calib), calib.length, { only: needed });
    expect(only[0].histograms.size + only[0].nonFloat.size).toBe(needed.size);
    expect(needed.size).toBeLessThan(perImage[0].histograms.size);
    const opts = { calibrators: ['percentile', 'mse'] satisfies CalibratorId[], draws: 1 };
    const full = await calibrationCurve(session, model, defaultQuantConfig, perImage, evalInputs, opts);
    const restricted = await calibrationCurve(session, model, defaultQuantConfig, only, evalInputs, { ...opts, collected: needed });
    expect(restricted.points).toEqual(full.points);
    expect(restricted.outliers).toEqual(full.outliers);
    // statistics collected for fewer tensors than a build reads: a sentence, not a model left partly in float
    const fewer = new Set([...needed].filter((t) => !whole.nonFloat.has(t)).slice(1));
    const lacking = await collectPerImageStatistics(session, model, iter(calib), calib.length, { only: fewer });
    await expect(calibrationCurve(session, model, defaultQuantConfig, lacking, evalInputs, { ...opts, collected: fewer })).rejects.toThrow(/per-image statistics lack .*run the calibration-size curve again/);
  }, 120_000);

  it('cancelling keeps the points measured', async () => {
    let n = 0;
    const curve = await calibrationCurve(session, model, defaultQuantConfig, perImage, evalInputs, {
      calibrators: ['minmax'],
      draws: 1,
      onPoint: () => n++,
      signal: { get aborted() { return n >= 2; } },
    });
    expect(curve.complete).toBe(false);
    expect(curve.points.length).toBe(2);
  }, 60_000);
});
