import { describe, expect, it } from 'vitest';

import { addValues, emptyHistogram } from '../../core/calib/histogram';
import { affineLesson, rebinHistogram } from '../../core';
import { affineFigure, bitsFigure } from './learn-plots';

const EVIL = '<img src=x onerror=alert(1)>';
const h = addValues(emptyHistogram(), Float32Array.from({ length: 4000 }, (_, i) => (i % 400) / 100)); // 0 … 3.99

describe('the affine lesson figure', () => {
  it('draws each of a small grid’s levels, no clipped zone when the range covers the data, and model text inert', () => {
    const l = affineLesson(h, { min: 0, max: h.max }, 3, false);
    const f = affineFigure(rebinHistogram(h, 80), l, EVIL, true);
    const ticks = f.data[1];
    expect(ticks.x.filter((x) => Number.isFinite(x as number)).length).toBe(2 * 8); // 8 levels, a line each
    expect(f.layout.shapes!.filter((s) => s.type === 'rect')).toHaveLength(0);
    expect(f.layout.title!.text).toContain('&lt;img');
    expect(f.layout.title!.text).not.toContain('<img');
  });

  it('shades what a narrower range clips, and leaves 8-bit grids as a band (no 256 ticks)', () => {
    const l = affineLesson(h, { min: 0, max: 2 }, 8, false);
    const f = affineFigure(rebinHistogram(h, 80), l, 't', false);
    expect(f.data).toHaveLength(1);
    const rects = f.layout.shapes!.filter((s) => s.type === 'rect');
    expect(rects).toHaveLength(1);
    expect(rects[0].x0).toBeCloseTo(l.hi, 9);
    expect(l.clipped).toBeGreaterThan(0.45);
  });
});

describe('the bits figure', () => {
  it('plots every series against bits, infinite SQNR as a gap, and the 6.02 dB rule through the activation’s 8-bit point', () => {
    const sweep = [8, 4, 2].map((bits) => ({ bits, perTensorDb: 40 - (8 - bits) * 6, perChannelDb: Infinity, narrowestPerTensorDb: 1, narrowestPerChannelDb: 2 }));
    const f = bitsFigure({ node: EVIL, sweep }, { tensor: 'a', bits: [8, 4, 2].map((bits) => ({ bits, sqnrDb: 50 - (8 - bits) * 6 })) });
    expect(f.data.map((t) => t.name)).toEqual(['weight per-channel', 'weight per-tensor', 'narrowest channel, per-tensor', 'activation (min/max range)', '6.02 dB per bit']);
    expect(f.data[0].y.every((y) => Number.isNaN(y))).toBe(true);
    expect(f.data[4].y).toEqual([50, 50 - 4 * 6.02, 50 - 6 * 6.02]);
    expect(f.layout.title!.text).not.toContain('<img');
  });
});
