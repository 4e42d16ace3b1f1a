import { describe, expect, it } from 'vitest';

import { signed, signedDb } from './format';

describe('dB labels', () => {
  it.each([
    [2.74, '+2.7 dB'],
    [0.05, '+0.1 dB'],
    [0.04, '0.0 dB'],
    [-0.04, '0.0 dB'],
    [0, '0.0 dB'],
    [-0, '0.0 dB'],
    [-0.06, '-0.1 dB'],
    [-12.34, '-12.3 dB'],
    [Infinity, 'exact'],
    [-Infinity, '−∞'],
    [NaN, '—'],
    [undefined, '—'],
  ])('signedDb(%s) is %s', (x, label) => {
    expect(signedDb(x)).toBe(label);
  });

  it.each([
    [1.25, '+1.3'],
    [-0.04, '0.0'],
    [-3, '-3.0'],
    [Infinity, '+∞'],
    [-Infinity, '−∞'],
    [NaN, '—'],
  ])('signed(%s) is %s (the per-layer table\'s Δ column)', (x, label) => {
    expect(signed(x)).toBe(label);
  });
});
