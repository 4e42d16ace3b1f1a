/**
 * Figures of the lessons, from the lesson numbers (pure, like ../analysis/plots.ts; model text through plotText).
 */
import type { AffineLesson, BitsPoint, Bars, BnFoldLesson, QatExperiment } from '../../core';
import { COLORS, base, histogramBars, num, plotText } from '../analysis/plots';
import type { Figure, Shape, Trace } from '../analysis/plots';

/** Grids with more levels than this are drawn as a band, not one tick per level. */
export const MAX_DRAWN_LEVELS = 64;

/**
 * A tensor's histogram under a quantization grid: each representable value as a tick (when there are few),
 * the clipped zones shaded, the range's ends as lines.
 */
export function affineFigure(bars: Bars, a: AffineLesson, tensor: string, logY: boolean): Figure {
  const maxCount = Math.max(1, ...bars.counts);
  const data: Trace[] = [histogramBars(bars, 'values over the calibration images', COLORS.bars)];
  const dataLo = bars.lo;
  const dataHi = bars.lo + bars.width * bars.counts.length;
  if (a.levels <= MAX_DRAWN_LEVELS) {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let q = a.qmin; q <= a.qmax; q++) {
      const r = a.scale * (q - a.zeroPoint);
      xs.push(r, r, NaN);
      ys.push(logY ? 1 : 0, maxCount, NaN);
    }
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: `the ${a.levels} values int${a.bits} can represent (step s = ${num(a.scale)})`,
      x: xs,
      y: ys,
      line: { color: COLORS['per-channel'], width: 1 },
      hoverinfo: 'skip',
    });
  }
  const shapes: Shape[] = [];
  const shade = (x0: number, x1: number) =>
    shapes.push({ type: 'rect', xref: 'x', yref: 'paper', x0, x1, y0: 0, y1: 1, fillcolor: COLORS['per-tensor'], opacity: 0.12, line: { width: 0 }, layer: 'below' });
  // Display bins reach past the data's exact ends by less than a bin: only a real clip (by more than half a
  // display bin) is shaded.
  if (a.clipped > 0 && dataLo < a.lo - bars.width / 2) shade(dataLo, a.lo);
  if (a.clipped > 0 && dataHi > a.hi + bars.width / 2) shade(a.hi, dataHi);
  for (const x of [a.lo, a.hi]) shapes.push({ type: 'line', xref: 'x', yref: 'paper', x0: x, x1: x, y0: 0, y1: 1, line: { color: COLORS['per-tensor'], width: 2 } });
  const layout = base(`${plotText(tensor)}: range [${num(a.lo)}, ${num(a.hi)}] on ${a.levels} levels, ${(a.clipped * 100).toPrecision(2)}% clipped (shaded)`, 260);
  layout.shapes = shapes;
  layout.xaxis = { title: { text: 'real value r' }, zeroline: false, range: [Math.min(dataLo, a.lo) - bars.width, Math.max(dataHi, a.hi) + bars.width] };
  layout.yaxis = { title: { text: 'count' }, type: logY ? 'log' : 'linear' };
  layout.bargap = 0;
  return { data, layout };
}

/**
 * SQNR against bit width: the weight per-tensor and per-channel (whole and narrowest channel), the activation
 * with its min/max range, and the 6.02 dB-per-bit rule through the activation's 8-bit point.
 */
export function bitsFigure(weight: { node: string; sweep: BitsPoint[] }, activation: { tensor: string; bits: { bits: number; sqnrDb: number }[] }): Figure {
  const x = weight.sweep.map((p) => p.bits);
  const finite = (v: number) => (Number.isFinite(v) ? v : NaN);
  const line = (name: string, y: number[], color: string, dash?: string): Trace => ({
    type: 'scatter',
    mode: 'lines+markers',
    name,
    x,
    y: y.map(finite),
    line: { color, width: 2, ...(dash ? { dash } : {}) },
    marker: { color, size: 6 },
    hovertemplate: `${name.replace(/[<>&]/g, '')}, %{x} bits: %{y:.1f} dB<extra></extra>`,
  });
  const a8 = activation.bits.find((p) => p.bits === 8)?.sqnrDb ?? NaN;
  const data: Trace[] = [
    line('weight per-channel', weight.sweep.map((p) => p.perChannelDb), COLORS['per-channel']),
    line('weight per-tensor', weight.sweep.map((p) => p.perTensorDb), COLORS['per-tensor']),
    line('narrowest channel, per-tensor', weight.sweep.map((p) => p.narrowestPerTensorDb), COLORS['per-tensor'], 'dot'),
    line('activation (min/max range)', activation.bits.map((p) => p.sqnrDb), COLORS.minmax),
    { type: 'scatter', mode: 'lines', name: '6.02 dB per bit', x, y: x.map((b) => a8 - 6.02 * (8 - b)), line: { color: COLORS.bars, width: 1, dash: 'dash' }, hoverinfo: 'skip' },
  ];
  const layout = base(`What each bit is worth: weight of ${plotText(weight.node)}, activation ${plotText(activation.tensor)}`, 280);
  layout.xaxis = { title: { text: 'bits' }, dtick: 1, autorange: 'reversed' };
  layout.yaxis = { title: { text: 'SQNR (dB), higher is better' } };
  return { data, layout };
}

/** Training loss per epoch: the float training, then each QAT fine-tuning (which starts from PTQ's model). */
export function lossFigure(e: QatExperiment): Figure {
  const colors = [COLORS['per-channel'], COLORS['per-tensor'], COLORS.entropy];
  const data: Trace[] = [
    { type: 'scatter', mode: 'lines', name: 'float training', x: e.fp32Losses.map((_, i) => i + 1), y: e.fp32Losses, line: { color: COLORS.fp32, width: 2 } },
    ...e.results.map((r, k) => ({
      type: 'scatter' as const,
      mode: 'lines' as const,
      name: `QAT at ${r.bits} bits`,
      x: r.losses.map((_, i) => e.fp32Losses.length + i + 1),
      y: r.losses,
      line: { color: colors[k % colors.length], width: 2 },
    })),
  ];
  const layout = base('Training loss: float, then QAT fine-tuning from the PTQ model', 240);
  layout.xaxis = { title: { text: 'epoch' } };
  layout.yaxis = { title: { text: 'cross-entropy' }, type: 'log' };
  return { data, layout };
}

/** Each output channel's |w|max before and after folding its BatchNormalization (log), and the factor k. */
export function bnFigure(l: BnFoldLesson): Figure {
  const ch = l.k.map((_, i) => i);
  const pos = (xs: number[]) => xs.map((x) => Math.max(x, 1e-12));
  const data: Trace[] = [
    { type: 'bar', name: '|w| max before folding', x: ch, y: pos(l.absMaxBefore), marker: { color: COLORS.bars }, hovertemplate: 'channel %{x}: |w| max %{y:.4g} before<extra></extra>' },
    { type: 'bar', name: '|w| max after folding', x: ch, y: pos(l.absMaxAfter), marker: { color: COLORS['per-channel'] }, hovertemplate: 'channel %{x}: |w| max %{y:.4g} after<extra></extra>' },
    {
      type: 'scatter',
      mode: 'markers',
      name: 'k = γ / √(σ² + ε)',
      x: ch,
      y: pos(l.k.map(Math.abs)),
      yaxis: 'y2',
      marker: { color: COLORS['per-tensor'], size: 5 },
      hovertemplate: 'channel %{x}: |k| %{y:.4g}<extra></extra>',
    },
  ];
  const layout = base(`${plotText(l.pair.conv)} + ${plotText(l.pair.batchNorm)}: channel spread ${num(l.pair.spreadBefore)}× → ${num(l.pair.spreadAfter)}×`, 280);
  layout.barmode = 'group';
  layout.xaxis = { title: { text: 'output channel' } };
  layout.yaxis = { title: { text: '|w| max' }, type: 'log' };
  layout.yaxis2 = { title: { text: '|k|' }, overlaying: 'y', side: 'right', type: 'log', showgrid: false };
  layout.margin = { l: 56, r: 80, t: 74, b: 44 }; // a right axis, and the chart tools beside it
  return { data, layout };
}
