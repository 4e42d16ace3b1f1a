/**
 * Pure builders of Plotly figures from the analysis data: no DOM, no Plotly import (the library loads lazily
 * in Plot.tsx). Every string that comes from a model file passes through `plotText`, because Plotly renders a
 * subset of HTML in labels and hovers.
 */
import { CALIBRATORS, curveBands, paretoFront } from '../../core';
import type { ActivationView, CalibrationCurve, ImageTrace, MeasuredPoint, MixedPrecisionResult, RunReport, SensitivityResult, TradeoffGrid, TradeoffPoint, WeightView } from '../../core';

export interface Figure {
  data: Trace[];
  layout: Layout;
}

/** The subset of Plotly's trace and layout options these figures use. */
export interface Trace {
  type: 'bar' | 'scatter';
  name?: string;
  x: (number | string)[];
  y: number[];
  base?: number[];
  width?: number | number[];
  mode?: 'lines' | 'markers' | 'lines+markers';
  marker?: { color?: string | string[]; symbol?: string; size?: number; line?: { width: number; color?: string } };
  line?: { color?: string; width?: number; dash?: string; shape?: 'linear' | 'hv' };
  text?: string[];
  /** 'none': `text` feeds the hover only, never drawn on the bars */
  textposition?: 'none' | 'auto';
  hovertemplate?: string;
  hoverinfo?: string;
  yaxis?: 'y' | 'y2';
  showlegend?: boolean;
  customdata?: (string | number)[];
  opacity?: number;
  fill?: 'tonexty' | 'tozeroy' | 'none';
  fillcolor?: string;
}

export interface Shape {
  type: 'line' | 'rect';
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  xref?: 'x' | 'paper';
  yref?: 'y' | 'paper';
  line?: { color?: string; width?: number; dash?: string };
  fillcolor?: string;
  opacity?: number;
  layer?: 'below' | 'above';
}

export interface Layout {
  title?: { text: string; font?: { size: number }; y?: number; yanchor?: string };
  xaxis?: Record<string, unknown>;
  yaxis?: Record<string, unknown>;
  yaxis2?: Record<string, unknown>;
  shapes?: Shape[];
  barmode?: 'group' | 'overlay';
  bargap?: number;
  height?: number;
  margin?: { l: number; r: number; t: number; b: number };
  legend?: Record<string, unknown>;
  showlegend?: boolean;
  hovermode?: string;
  annotations?: Record<string, unknown>[];
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text from a model file made inert for Plotly's pseudo-HTML labels: shown as typed, never parsed as tags. */
export function plotText(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

export const COLORS = {
  fp32: '#64748b',
  'per-tensor': '#dc2626',
  'per-channel': '#2563eb',
  fix: '#059669',
  minmax: '#111827',
  percentile: '#d97706',
  entropy: '#7c3aed',
  mse: '#059669',
  mixed: '#f59e0b',
  grid: 'rgba(37, 99, 235, 0.35)',
  bars: '#94a3b8',
};

export function variantColor(id: string): string {
  return (COLORS as Record<string, string>)[id] ?? (id.includes('+') ? COLORS.fix : '#0891b2');
}

// The legend sits between the title and the plot, so it never covers an axis title; the right margin leaves
// room for the chart tools, which stand down the right edge while the pointer is over a chart (Plot.tsx).
export const base = (title: string, height = 260): Layout => ({
  title: { text: title, font: { size: 13 }, y: 0.98, yanchor: 'top' } as Layout['title'],
  height: height + 40,
  margin: { l: 56, r: 40, t: 74, b: 44 },
  legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom', font: { size: 11 } },
});

export const num = (x: number) => (Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(2) : x.toPrecision(4));

/**
 * A histogram drawn as one filled step outline (a point at each bin's left edge and one at the right end)
 * rather than one rectangle per bin: the same picture as gapless bars, one SVG path instead of 120–160, and a
 * chart that draws in about a quarter less time. Hovering a step names its bin and count.
 */
export function histogramBars(b: { lo: number; width: number; counts: number[] }, name: string, color: string): Trace {
  const n = b.counts.length;
  const edge = (i: number) => b.lo + i * b.width;
  return {
    type: 'scatter',
    mode: 'lines',
    name,
    x: [...b.counts.map((_, i) => edge(i)), edge(n)],
    y: [...b.counts, n ? b.counts[n - 1] : 0],
    line: { shape: 'hv', width: 0, color },
    fill: 'tozeroy',
    fillcolor: color,
    customdata: [...b.counts.map((_, i) => `[${num(edge(i))}, ${num(edge(i + 1))})`), `[${num(edge(n - 1))}, ${num(edge(n))}]`],
    hovertemplate: '%{customdata}: %{y} values<extra></extra>',
  };
}

/** Weight histogram with the per-tensor quantization grid (ticks) and its clipping range. */
export function weightHistogramFigure(w: WeightView): Figure {
  const maxCount = Math.max(1, ...w.histogram.counts);
  const data: Trace[] = [histogramBars(w.histogram, 'weights', COLORS.bars)];
  if (w.levels.length) {
    data.push({
      type: 'scatter',
      mode: 'markers',
      name: `per-tensor grid (${w.levels.length} levels, step ${num(w.perTensor.scale)})`,
      x: w.levels,
      y: w.levels.map(() => 0),
      marker: { symbol: 'line-ns-open', size: 10, color: COLORS.grid },
      hovertemplate: 'level %{x:.4g}<extra></extra>',
    });
  }
  const layout = base(`Weights of ${plotText(w.node)} (${w.dims.join('×')}), ${w.bits}-bit`);
  layout.shapes = [w.perTensor.clipLo, w.perTensor.clipHi].map((x) => ({
    type: 'line', x0: x, x1: x, y0: 0, y1: maxCount, line: { color: COLORS['per-tensor'], width: 1.5, dash: 'dash' },
  }));
  layout.xaxis = { title: { text: 'weight value' }, zeroline: false };
  layout.yaxis = { title: { text: 'count' } };
  layout.bargap = 0;
  return { data, layout };
}

/**
 * Per-output-channel weight ranges (a bar from min to max per channel) with the per-tensor range drawn over
 * them, and on a log axis how many of the per-tensor levels each channel actually uses. With `log`, each
 * channel's |w| max on a log axis instead: ranges that span decades stay readable.
 */
export function channelRangeFigure(w: WeightView, log = false): Figure {
  const ch = w.channels.min.map((_, i) => i);
  const absMax = w.channels.max.map((m, i) => Math.max(Math.abs(m), Math.abs(w.channels.min[i])));
  const ranges: Trace = log
    ? {
        type: 'bar',
        name: '|w| max per channel (log)',
        x: ch,
        y: absMax.map((a) => Math.max(a, 1e-12)),
        marker: { color: COLORS['per-channel'] },
        hovertemplate: 'channel %{x}: |w| max %{y:.4g}<extra></extra>',
      }
    : {
        type: 'bar',
        name: 'channel range [min, max]',
        x: ch,
        base: w.channels.min,
        y: w.channels.max.map((m, i) => Math.max(m - w.channels.min[i], 1e-12)),
        marker: { color: COLORS['per-channel'] },
        customdata: w.channels.max,
        hovertemplate: 'channel %{x}: [%{base:.4g}, %{customdata:.4g}]<extra></extra>',
      };
  const data: Trace[] = [
    ranges,
    {
      type: 'scatter',
      mode: 'markers',
      name: 'levels used with per-tensor scale',
      x: ch,
      y: w.channels.levelsPerTensor,
      yaxis: 'y2',
      marker: { color: COLORS['per-tensor'], size: 5 },
      hovertemplate: 'channel %{x}: %{y} levels of the per-tensor grid<extra></extra>',
    },
  ];
  const layout = base(`Per-channel ranges of ${plotText(w.node)}: largest/smallest |w| = ${num(w.spread)}×`, 300);
  const pt = Math.max(Math.abs(w.perTensor.min), Math.abs(w.perTensor.max));
  layout.shapes = (log ? [pt] : [w.perTensor.min, w.perTensor.max]).map((y) => ({
    type: 'line', xref: 'paper', x0: 0, x1: 1, y0: y, y1: y, line: { color: COLORS['per-tensor'], width: 1.5, dash: 'dash' },
  }));
  layout.xaxis = { title: { text: 'output channel' } };
  layout.yaxis = log ? { title: { text: '|w| max' }, type: 'log' } : { title: { text: 'weight value' } };
  layout.yaxis2 = { title: { text: 'levels used' }, overlaying: 'y', side: 'right', type: 'log', showgrid: false };
  layout.margin = { l: 56, r: 80, t: 74, b: 44 }; // a right axis, and the chart tools beside it
  layout.bargap = 0.15;
  return { data, layout };
}

/** Activation histogram over the calibration set with the range each calibrator would choose. */
export function activationFigure(a: ActivationView, logY: boolean): Figure {
  const maxCount = Math.max(1, ...a.histogram.counts);
  const data: Trace[] = [histogramBars(a.histogram, 'calibration values', COLORS.bars)];
  for (const c of a.choices) {
    const color = (COLORS as Record<string, string>)[c.calibrator];
    const xs = c.min < 0 ? [c.min, c.min, NaN, c.max, c.max] : [c.max, c.max];
    const ys = c.min < 0 ? [logY ? 1 : 0, maxCount, NaN, logY ? 1 : 0, maxCount] : [logY ? 1 : 0, maxCount];
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: `${c.label}${c.calibrator === a.chosen ? ' (used)' : ''}: clips ${(c.clipped * 100).toPrecision(2)}%`,
      x: xs,
      y: ys,
      line: { color, width: c.calibrator === a.chosen ? 3 : 1.5, dash: c.calibrator === a.chosen ? 'solid' : 'dot' },
      hovertemplate: `${c.label}: [${num(c.min)}, ${num(c.max)}], clips ${(c.clipped * 100).toPrecision(3)}%, expected SQNR ${c.expectedSqnrDb.toFixed(1)} dB<extra></extra>`,
    });
  }
  const layout = base(`Activation ${plotText(a.tensor)} over ${a.samples} calibration images (${a.values.toLocaleString('en')} values)`, 300);
  layout.xaxis = { title: { text: 'activation value' }, zeroline: false };
  layout.yaxis = { title: { text: 'count' }, type: logY ? 'log' : 'linear' };
  layout.bargap = 0;
  return { data, layout };
}

/**
 * SQNR per layer in graph order: one bar series per variant (whole int8 model, error accumulated) and, when
 * sensitivity was measured, the isolated error of the analysed variant (weights only, activations only).
 */
export function sqnrFigure(report: RunReport, variants: string[], selected: string | null, sensitivity?: SensitivityResult): Figure {
  const rows = [...report.layers].sort((a, b) => a.order - b.order);
  const x = rows.map((r) => r.order + 1);
  const names = rows.map((r) => plotText(`${r.node} (${r.op}${r.depthwise ? ', depthwise' : ''})`));
  const label = (id: string) => plotText(report.variants.find((v) => v.id === id)?.label ?? id);
  const clampDb = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? NaN : v === Infinity ? 100 : v === -Infinity ? -20 : v);
  const data: Trace[] = variants.map((id) => ({
    type: 'bar',
    name: `${label(id)}: whole model`,
    x,
    y: rows.map((r) => clampDb(r.sqnrDb[id])),
    text: names,
    textposition: 'none',
    customdata: rows.map((r) => r.node),
    marker: { color: variantColor(id) },
    hovertemplate: `#%{x} %{text}<br>${label(id)}: %{y:.1f} dB<extra></extra>`,
  }));
  if (sensitivity) {
    const byNode = new Map(sensitivity.layers.map((l) => [l.node, l]));
    for (const [key, name, color, symbol] of [
      ['weights', 'weights only', '#0f766e', 'triangle-up'],
      ['activations', 'activations only', '#a16207', 'triangle-down'],
    ] as const) {
      data.push({
        type: 'scatter',
        mode: 'markers',
        name: `${label(sensitivity.variantId)}, layer alone: ${name}`,
        x,
        y: rows.map((r) => clampDb(byNode.get(r.node)?.isolatedSqnrDb[key])),
        text: names,
        customdata: rows.map((r) => r.node),
        marker: { color, symbol, size: 8 },
        hovertemplate: `#%{x} %{text}<br>alone, ${name}: %{y:.1f} dB<extra></extra>`,
      });
    }
  }
  const layout = base('SQNR per layer (higher is better; +6 dB ≈ 1 bit)', 320);
  layout.barmode = 'group';
  layout.xaxis = { title: { text: 'layer (graph order)' } };
  layout.yaxis = { title: { text: 'SQNR (dB)' } };
  const sel = rows.find((r) => r.node === selected);
  if (sel) layout.shapes = [{ type: 'rect', x0: sel.order + 0.5, x1: sel.order + 1.5, y0: 0, y1: 1, yref: 'paper', fillcolor: '#fde68a', opacity: 0.5, layer: 'below', line: { width: 0 } }];
  return { data, layout };
}

/** One image's SQNR per layer, with the layer where its error jumps marked. */
export function imageLayersFigure(t: ImageTrace): Figure {
  const x = t.layers.map((_, i) => i + 1);
  const names = t.layers.map((l) => plotText(l.node));
  const data: Trace[] = [
    {
      type: 'scatter',
      mode: 'lines+markers',
      name: 'SQNR on this image',
      x,
      y: t.layers.map((l) => (l.sqnrDb === Infinity ? 100 : l.sqnrDb)),
      text: names,
      customdata: t.layers.map((l) => l.node),
      marker: { color: COLORS['per-tensor'], size: 6 },
      line: { color: COLORS['per-tensor'] },
      hovertemplate: '#%{x} %{text}: %{y:.1f} dB<extra></extra>',
    },
  ];
  const layout = base('Error of this image, layer by layer', 260);
  layout.xaxis = { title: { text: 'layer (graph order)' } };
  layout.yaxis = { title: { text: 'SQNR (dB)' } };
  if (t.jump >= 0) {
    layout.shapes = [{ type: 'line', x0: t.jump + 1, x1: t.jump + 1, y0: 0, y1: 1, yref: 'paper', line: { color: '#d97706', width: 2, dash: 'dash' } }];
    layout.annotations = [{ x: t.jump + 1, y: 1, yref: 'paper', text: `jumps at ${names[t.jump]}`, showarrow: false, yanchor: 'bottom', font: { size: 11, color: '#b45309' } }];
  }
  return { data, layout };
}

function rgba(hex: string, a: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

/**
 * Agreement (or logits SQNR) against the number of calibration images, per calibrator: the mean over draws
 * as a line, the min–max over draws as a band.
 */
export function curveFigure(c: CalibrationCurve, metric: 'agreement' | 'outputSqnrDb'): Figure {
  const scale = metric === 'agreement' ? 100 : 1;
  const unit = metric === 'agreement' ? '%' : ' dB';
  const data: Trace[] = [];
  for (const b of curveBands(c, metric)) {
    if (!b.points.length) continue;
    const color = (COLORS as Record<string, string>)[b.calibrator] ?? '#334155';
    const label = CALIBRATORS.find((x) => x.id === b.calibrator)?.label ?? b.calibrator;
    const x = b.points.map((p) => p.size);
    const fix = (v: number) => (v === Infinity ? 100 : v * scale);
    data.push(
      { type: 'scatter', mode: 'lines', x, y: b.points.map((p) => fix(p.max)), line: { width: 0, color }, hoverinfo: 'skip', showlegend: false },
      {
        type: 'scatter', mode: 'lines', x, y: b.points.map((p) => fix(p.min)), line: { width: 0, color }, fill: 'tonexty', fillcolor: rgba(color, 0.15),
        hoverinfo: 'skip', showlegend: false,
      },
      {
        type: 'scatter', mode: 'lines+markers', name: `${label} (mean of ${c.draws} draws, band min–max)`, x, y: b.points.map((p) => fix(p.mean)),
        line: { color, width: 2 }, marker: { color, size: 6 },
        customdata: b.points.map((p) => `${(p.min * scale).toFixed(1)}–${(p.max * scale).toFixed(1)}${unit}`),
        hovertemplate: `${label}, %{x} images: %{y:.1f}${unit} (draws %{customdata})<extra></extra>`,
      },
    );
  }
  const layout = base(
    `${metric === 'agreement' ? 'Top-1 agreement with FP32' : 'Logits SQNR'} against calibration images (${c.evaluationSamples} evaluation images)`,
    320,
  );
  layout.xaxis = { title: { text: 'calibration images' }, type: 'log', tickvals: c.sizes, ticktext: c.sizes.map(String) };
  layout.yaxis = { title: { text: metric === 'agreement' ? 'agreement (%)' : 'SQNR (dB)' }, ...(metric === 'agreement' ? { range: [0, 101] } : {}) };
  return { data, layout };
}

export function tradeoffScore(p: { top1: number | null; agreement: number; outputSqnrDb: number }, metric: 'agreement' | 'top1' | 'outputSqnrDb'): number {
  if (metric === 'top1') return p.top1 === null ? NaN : p.top1 * 100;
  if (metric === 'agreement') return p.agreement * 100;
  return p.outputSqnrDb === Infinity ? 100 : p.outputSqnrDb;
}

/** Size (weights packed at their bit width) against accuracy, per granularity, with the Pareto front. */
export function tradeoffFigure(g: TradeoffGrid, metric: 'agreement' | 'top1' | 'outputSqnrDb', mixed?: MeasuredPoint | null): Figure {
  const kb = (b: number) => b / 1024;
  const data: Trace[] = (['per-tensor', 'per-channel'] as const).map((gr) => {
    const pts = g.points.filter((p) => p.granularity === gr);
    return {
      type: 'scatter',
      mode: 'markers',
      name: `${gr} weights`,
      x: pts.map((p) => kb(p.packedSizeBytes)),
      y: pts.map((p) => tradeoffScore(p, metric)),
      text: pts.map((p) => `W${p.weightBits}A${p.activationBits}`),
      marker: { color: COLORS[gr], size: 9 },
      hovertemplate: `${gr} %{text}: %{y:.1f} at %{x:.0f} KB<extra></extra>`,
    };
  });
  const all = g.points.map((p) => ({ size: p.packedSizeBytes, score: tradeoffScore(p, metric) }));
  const front = paretoFront(all);
  data.push({
    type: 'scatter',
    mode: 'lines+markers',
    name: 'Pareto front',
    x: front.map((i) => kb(all[i].size)),
    y: front.map((i) => all[i].score),
    text: front.map((i) => `${g.points[i].granularity} W${g.points[i].weightBits}A${g.points[i].activationBits}`),
    line: { color: '#111827', width: 1.5, dash: 'dot' },
    marker: { color: 'rgba(0,0,0,0)', size: 14, line: { width: 2, color: '#111827' } },
    hovertemplate: 'front: %{text}<extra></extra>',
  });
  const fp32 = metric === 'agreement' ? 100 : metric === 'top1' ? (g.fp32.top1 === null ? NaN : g.fp32.top1 * 100) : NaN;
  if (Number.isFinite(fp32)) {
    data.push({ type: 'scatter', mode: 'markers', name: 'FP32', x: [kb(g.fp32.sizeBytes)], y: [fp32], marker: { color: COLORS.fp32, size: 12, symbol: 'star' }, hovertemplate: 'FP32: %{y:.1f} at %{x:.0f} KB<extra></extra>' });
  }
  if (mixed) {
    data.push({
      type: 'scatter', mode: 'markers', name: 'mixed precision',
      x: [kb(mixed.packedSizeBytes)], y: [tradeoffScore(mixed, metric)],
      marker: { color: COLORS.mixed, size: 15, symbol: 'diamond', line: { width: 1.5, color: '#111827' } },
      hovertemplate: 'mixed precision: %{y:.1f} at %{x:.0f} KB<extra></extra>',
    });
  }
  const label = metric === 'agreement' ? 'agreement with FP32 (%)' : metric === 'top1' ? 'top-1 (%)' : 'logits SQNR (dB)';
  const layout = base(`Size against ${label} (${g.evaluationSamples} evaluation images)`, 340);
  layout.xaxis = { title: { text: 'model size with weights packed at their bit width (KB)' }, type: 'log' };
  layout.yaxis = { title: { text: label } };
  return { data, layout };
}

/**
 * The mixed-precision search: the greedy path (predicted logits SQNR against size), the configurations measured
 * on it, the chosen one, the uniform configurations of the grid at the same activation bits, and the target.
 */
export function mixedFigure(r: MixedPrecisionResult, uniform: TradeoffPoint[] = []): Figure {
  const kb = (b: number) => b / 1024;
  const data: Trace[] = [
    {
      type: 'scatter', mode: 'lines', name: 'greedy path (predicted)',
      x: r.path.map((p) => kb(r.fixedBytes + p.weightBytes)), y: r.path.map((p) => p.predictedSqnrDb),
      line: { color: COLORS.mixed, width: 2 },
      hovertemplate: 'predicted %{y:.1f} dB at %{x:.0f} KB<extra></extra>',
    },
    {
      type: 'scatter', mode: 'markers', name: 'measured',
      x: r.measured.map((m) => kb(m.packedSizeBytes)), y: r.measured.map((m) => m.outputSqnrDb),
      text: r.measured.map((m) => `step ${m.pathIndex}, agreement ${(m.agreement * 100).toFixed(1)}%`),
      marker: { color: '#111827', size: 8 },
      hovertemplate: '%{text}: %{y:.1f} dB at %{x:.0f} KB<extra></extra>',
    },
  ];
  for (const g of ['per-tensor', 'per-channel'] as const) {
    const pts = uniform.filter((p) => p.granularity === g);
    if (!pts.length) continue;
    data.push({
      type: 'scatter', mode: 'markers', name: `uniform ${g}`,
      x: pts.map((p) => kb(p.packedSizeBytes)), y: pts.map((p) => p.outputSqnrDb),
      text: pts.map((p) => `W${p.weightBits}A${p.activationBits}`),
      marker: { color: COLORS[g], size: 8, symbol: 'square-open' },
      hovertemplate: `uniform ${g} %{text}: %{y:.1f} dB at %{x:.0f} KB<extra></extra>`,
    });
  }
  if (r.chosen) {
    data.push({
      type: 'scatter', mode: 'markers', name: 'chosen',
      x: [kb(r.chosen.packedSizeBytes)], y: [r.chosen.outputSqnrDb],
      marker: { color: COLORS.mixed, size: 16, symbol: 'diamond', line: { width: 1.5, color: '#111827' } },
      hovertemplate: 'chosen: %{y:.1f} dB at %{x:.0f} KB<extra></extra>',
    });
  }
  const layout = base('Mixed precision: logits SQNR against size', 320);
  layout.xaxis = { title: { text: 'model size with weights packed at their bit width (KB)' } };
  layout.yaxis = { title: { text: 'logits SQNR (dB)' } };
  if (r.target.kind === 'size') {
    layout.shapes = [{ type: 'line', xref: 'x', yref: 'paper', x0: kb(r.target.value), x1: kb(r.target.value), y0: 0, y1: 1, line: { color: '#b91c1c', width: 1.5, dash: 'dash' } }];
  } else if (r.target.metric === 'outputSqnrDb') {
    layout.shapes = [{ type: 'line', xref: 'paper', yref: 'y', x0: 0, x1: 1, y0: r.target.value, y1: r.target.value, line: { color: '#b91c1c', width: 1.5, dash: 'dash' } }];
  }
  return { data, layout };
}

/**
 * One sentence on latency from a grid: where it was measured, FP32's time per image, and the W8A8 configurations'
 * (or, without them, the fastest and the slowest) as ratios, saying which way int8 went.
 */
export function latencyLine(g: Pick<TradeoffGrid, 'points' | 'fp32' | 'runtime'>): string {
  const fp32 = g.fp32.msPerImage ?? NaN;
  const timed = g.points.filter((p) => Number.isFinite(p.msPerImage));
  if (!Number.isFinite(fp32) || !timed.length) return 'Times per image need at least two evaluation images (the first run is a warm-up).';
  const ratio = (ms: number) => {
    const r = ms / fp32;
    return `${ms.toFixed(1)} ms (${r.toFixed(2)}× FP32, ${r > 1.05 ? 'slower' : r < 0.95 ? 'faster' : 'the same'})`;
  };
  const w8a8 = timed.filter((p) => p.weightBits === 8 && p.activationBits === 8);
  const shown = w8a8.length
    ? w8a8.map((p) => `${p.granularity} W8A8 ${ratio(p.msPerImage)}`)
    : (() => {
        const sorted = [...timed].sort((a, b) => a.msPerImage - b.msPerImage);
        const [fast, slow] = [sorted[0], sorted[sorted.length - 1]];
        return [`fastest ${fast.granularity} W${fast.weightBits}A${fast.activationBits} ${ratio(fast.msPerImage)}`, `slowest ${slow.granularity} W${slow.weightBits}A${slow.activationBits} ${ratio(slow.msPerImage)}`];
      })();
  return `Measured in ${g.runtime ?? 'this runtime'}, median of the evaluation images: FP32 ${fp32.toFixed(1)} ms per image; ${shown.join('; ')}. Bit widths under 8 are stored in 8 bits, so they take the same time as 8 bits.`;
}
