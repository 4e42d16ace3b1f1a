import fc from 'fast-check';

import { mulberry32 } from '../src/core/data/split';

/**
 * |x| histograms for the entropy search's property tests: 1–2300 bins falling off exponentially, some empty
 * (up to 95%), integer-like, fractional or tiny counts.
 */
export const absHistogram = () =>
  fc
    .tuple(fc.integer({ min: 1, max: 2300 }), fc.integer({ min: 1, max: 1e6 }), fc.double({ min: 0, max: 0.95, noNaN: true }), fc.integer({ min: 1, max: 40 }), fc.constantFrom(1, 1e-3, 1e-300))
    .map(([n, seed, sparsity, tail, unit]) => {
      const r = mulberry32(seed);
      return Float64Array.from({ length: n }, (_, k) => (r() < sparsity ? 0 : unit * 1e4 * Math.exp((-k * tail) / n) * r()));
    });
