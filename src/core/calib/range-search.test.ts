import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

import { nodeRangeHelper } from '../../node/range-helper';
import { qRange } from '../quant/qparams';
import type { CalibratorId } from './calibrators';
import { CALIBRATOR_DEFAULTS } from './calibrators';
import { searchRanges, searchTasks, splitTasks } from './range-search';
import type { RangeHelper } from './range-search';
import { ActivationStats } from './stats';

const ALL: CalibratorId[] = ['minmax', 'percentile', 'entropy', 'mse'];
const uint8 = { range: qRange('uint8', false), symmetric: false };
const int8 = { range: qRange('int8', true), symmetric: true };

/** Statistics of `tensors` tensors with seeded data: ReLU-like (non-negative) and signed, heavy-tailed. */
function statsOf(tensors: number, seed: number): ActivationStats {
  const s = new ActivationStats();
  let x = seed;
  const next = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let t = 0; t < tensors; t++) {
    const data = Float32Array.from({ length: 3000 }, () => {
      const v = -Math.log(1 - next()) * (1 + t);
      return t % 3 === 0 ? v : (next() < 0.5 ? -v : v) * (next() < 0.01 ? 20 : 1);
    });
    s.observe(`t${t}`, data);
  }
  return s;
}

/** What a worker sees: the request copied as postMessage copies it. */
const inProcessHelper: RangeHelper = async (request) => searchTasks(structuredClone(request));

describe('range search split between two threads', () => {
  it('splits tasks into two shares that cover each task once, their loads within the largest task of each other', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { maxLength: 300 }), (costs) => {
        const [a, b] = splitTasks(costs);
        expect([...a, ...b].sort((x, y) => x - y)).toEqual(costs.map((_, i) => i));
        const load = (s: number[]) => s.reduce((sum, i) => sum + costs[i], 0);
        expect(Math.abs(load(a) - load(b))).toBeLessThanOrEqual(Math.max(0, ...costs) + 1e-6 * load(a.concat(b)));
      }),
    );
  });

  it.each([
    ['uint8', uint8],
    ['int8 symmetric', int8],
  ])('gives the ranges a single thread gives (%s)', async (_, scheme) => {
    const stats = statsOf(9, 7);
    const alone = await searchRanges(stats.histograms, ALL, scheme);
    const shared = await searchRanges(stats.histograms, ALL, scheme, CALIBRATOR_DEFAULTS, inProcessHelper);
    expect(shared).toEqual(alone);
    for (const c of ALL) {
      expect(alone.get(c)!.size).toBe(9);
      for (const [name, r] of alone.get(c)!) expect(r).toEqual(stats.rangesFor(c, scheme).get(name));
    }
    // the searches differ per calibrator: the test compares real work
    expect(alone.get('entropy')!.get('t1')!.max).toBeLessThan(alone.get('minmax')!.get('t1')!.max);
  });

  it('searches a failed helper share on this thread', async () => {
    const stats = statsOf(5, 3);
    let asked = 0;
    const broken: RangeHelper = async () => {
      asked++;
      throw new Error('worker died');
    };
    const truncated: RangeHelper = async (r) => searchTasks(r).slice(1);
    const alone = await searchRanges(stats.histograms, ALL, uint8);
    expect(await searchRanges(stats.histograms, ALL, uint8, CALIBRATOR_DEFAULTS, broken)).toEqual(alone);
    expect(await searchRanges(stats.histograms, ALL, uint8, CALIBRATOR_DEFAULTS, truncated)).toEqual(alone);
    expect(asked).toBe(1);
  });

  describe('on a Node worker thread', () => {
    const { helper, close } = nodeRangeHelper();
    afterAll(close);
    it('gives the same ranges (the same code, its own WebAssembly kernels)', async () => {
      const stats = statsOf(12, 11);
      let posted = 0;
      const counting: RangeHelper = (r) => {
        posted += r.tasks.length;
        return helper(r);
      };
      expect(await searchRanges(stats.histograms, ALL, uint8, CALIBRATOR_DEFAULTS, counting)).toEqual(await searchRanges(stats.histograms, ALL, uint8));
      expect(posted).toBeGreaterThan(0);
      expect(posted).toBeLessThan(12 * ALL.length);
    }, 60_000);
  });
});
