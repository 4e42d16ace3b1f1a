import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { PROGRESS_INTERVAL_MS, throttleProgress } from './progress';

/** Runs `total` steps at the given gaps (ms) on a fake clock; returns what was reported. */
function drive(gaps: number[], intervalMs?: number) {
  let clock = 1000;
  const seen: { done: number; total: number; elapsedMs: number; at: number }[] = [];
  const step = throttleProgress((done, total, elapsedMs) => seen.push({ done, total, elapsedMs, at: clock }), intervalMs, () => clock);
  for (const [i, g] of gaps.entries()) {
    clock += g;
    step(i + 1, gaps.length);
  }
  return seen;
}

describe('throttleProgress', () => {
  it('reports the first step, then one step per interval, and the last', () => {
    // 100 steps 30 ms apart: at 30 ms, then every 7th step (210 ms ≥ 200), and step 100
    const seen = drive(Array(100).fill(30));
    expect(seen.map((s) => s.done)).toEqual([1, 8, 15, 22, 29, 36, 43, 50, 57, 64, 71, 78, 85, 92, 99, 100]);
    expect(seen[0]).toEqual({ done: 1, total: 100, elapsedMs: 30, at: 1030 });
    expect(seen.at(-1)).toEqual({ done: 100, total: 100, elapsedMs: 3000, at: 4000 });
  });

  it('reports every step when they are slower than the interval', () => {
    expect(drive([250, 300, 200, 1000]).map((s) => s.done)).toEqual([1, 2, 3, 4]);
  });

  it('keeps its interval and never drops the last step, whatever the gaps', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 400 }), (gaps, interval) => {
        const seen = drive(gaps, interval);
        expect(seen[0].done).toBe(1);
        expect(seen.at(-1)!.done).toBe(gaps.length);
        for (let i = 1; i < seen.length - 1; i++) expect(seen[i].at - seen[i - 1].at).toBeGreaterThanOrEqual(interval);
        // never more messages than the interval allows (plus the first and the last)
        const span = seen.at(-1)!.at - seen[0].at;
        expect(seen.length).toBeLessThanOrEqual(Math.floor(span / interval) + 2);
        expect(seen.every((s, i) => i === 0 || s.done > seen[i - 1].done)).toBe(true);
      }),
    );
  });

  it('defaults to a few messages a second', () => {
    expect(PROGRESS_INTERVAL_MS).toBeGreaterThanOrEqual(100);
    expect(drive(Array(1000).fill(1)).length).toBe(1 + Math.floor(999 / PROGRESS_INTERVAL_MS) + 1);
  });
});
