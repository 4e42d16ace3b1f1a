/** A small seeded PRNG (mulberry32): the same seed gives the same sequence everywhere. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Split `n` items into a calibration set of `calibCount` and an evaluation set of the rest (at most
 * `evalCount`), after a seeded shuffle; seed null keeps the given order (first calibCount calibrate).
 */
export function splitIndices(n: number, calibCount: number, evalCount: number, seed: number | null): { calib: number[]; evaluate: number[] } {
  const order = Array.from({ length: n }, (_, i) => i);
  if (seed !== null) {
    const rand = mulberry32(seed);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
  }
  const c = Math.max(0, Math.min(calibCount, n));
  return { calib: order.slice(0, c), evaluate: order.slice(c, c + Math.max(0, evalCount)) };
}
