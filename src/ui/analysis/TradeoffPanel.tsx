import { useMemo } from 'react';

import { paretoFront } from '../../core';
import { cancelAnalysis, downloadText, askedPoints, resumableTradeoff, runGpuLatency, runTradeoff, tradeoffCsv } from '../../store/analysis-actions';
import { appStore, useAppShallow } from '../../store/store';
import { bytes } from '../format';
import { ramp } from './graph-colors';
import { CheckGroup, CountField, RunOrResume, toggled } from './controls';
import { MixedPanel } from './MixedPanel';
import { Plot } from './Plot';
import { ProgressLine, stoppedBy } from './ProgressLine';
import { latencyLine, tradeoffFigure, tradeoffScore } from './plots';

const W_BITS = [8, 6, 5, 4, 3, 2];
const A_BITS = [8, 6, 4];

/** Weights per-tensor/per-channel × 8…2 bits × activations 8/6/4 bits: a coloured table and size against accuracy. */
export function TradeoffPanel() {
  const s = useAppShallow((st) => ({
    options: st.tradeoffOptions,
    grid: st.tradeoff,
    status: st.tradeoffStatus,
    progress: st.tradeoffProgress,
    error: st.tradeoffError,
    metric: st.tradeoffMetric,
    variant: st.analysisVariant,
    report: st.report,
    mixed: st.mixed,
    interrupted: st.interrupted.includes('tradeoff'),
    resumable: resumableTradeoff(st),
  }));
  const labelled = s.report?.fp32.top1 !== null;
  const metric = !labelled && s.metric === 'top1' ? 'agreement' : s.metric;
  // Latency colours the table; the chart and the Pareto front stay on accuracy.
  const scoreMetric = metric === 'msPerImage' ? 'agreement' : metric;
  const fp32Ms = s.grid?.fp32.msPerImage ?? NaN;
  const figure = useMemo(() => (s.grid && s.grid.points.length ? tradeoffFigure(s.grid, scoreMetric, s.mixed?.variant === s.variant ? s.mixed.chosen : null) : null), [s.grid, scoreMetric, s.mixed, s.variant]);
  const front = useMemo(() => {
    if (!s.grid) return new Set<number>();
    return new Set(paretoFront(s.grid.points.map((p) => ({ size: p.packedSizeBytes, score: tradeoffScore(p, scoreMetric) }))));
  }, [s.grid, scoreMetric]);
  const setOpt = (o: Partial<typeof s.options>) => appStore.setState({ tradeoffOptions: { ...s.options, ...o } });
  const toggle = (key: 'weightBits' | 'activationBits', b: number) => setOpt({ [key]: toggled(s.options[key], b, (x, y) => y - x) });
  const running = s.status === 'running';
  const n = 2 * s.options.weightBits.length * s.options.activationBits.length;
  const cell = (g: 'per-tensor' | 'per-channel', wb: number, ab: number) => s.grid?.points.find((p) => p.granularity === g && p.weightBits === wb && p.activationBits === ab);
  const unit = metric === 'outputSqnrDb' ? ' dB' : metric === 'msPerImage' ? ' ms' : '%';
  /** 0 (bad) … 1 (good): scores on their scale; latency by its ratio to FP32 (2× slower → 0, 2× faster → 1) */
  const goodness = (v: number) =>
    metric === 'outputSqnrDb' ? (v - 5) / 30 : metric === 'msPerImage' ? (Math.log2(fp32Ms / v) + 1) / 2 : v / 100;

  return (
    <div className="tradeoff-panel" data-testid="tradeoff-panel">
      <p className="muted small">
        Every combination is built from the calibration statistics of this run (no new calibration) and evaluated against FP32 on the same images. Below 8 bits values
        are simulated in int8/uint8 storage; the size axis assumes weights packed at their bit width.
      </p>
      <div className="row">
        <CheckGroup legend="Weight bits" options={W_BITS} selected={s.options.weightBits} onToggle={(b) => toggle('weightBits', b)} />
        <CheckGroup legend="Activation bits" options={A_BITS} selected={s.options.activationBits} onToggle={(b) => toggle('activationBits', b)} />
        <CountField label="Evaluation images" value={s.options.evalImages} onChange={(evalImages) => setOpt({ evalImages })} testId="tradeoff-eval-images" />
        <RunOrResume
          id="tradeoff"
          label={s.grid?.complete ? 'Run again' : `Run ${n} configurations`}
          resume={s.resumable && `Measure the remaining ${n - askedPoints(s.resumable, s.options).length} configurations`}
          disabled={running || n === 0}
          run={(fresh) => void runTradeoff({ fresh })}
        />
        {running && (
          <button type="button" className="secondary" onClick={cancelAnalysis} data-testid="cancel-tradeoff">
            Cancel
          </button>
        )}
      </div>
      {s.progress && <ProgressLine progress={s.progress} label="Evaluating" testId="tradeoff-progress" />}
      {s.error && <p className="error">{s.error}</p>}
      {s.status === 'cancelled' && s.grid && (
        <p className="muted small" data-testid="tradeoff-partial">
          {stoppedBy(s.interrupted)}
          {s.grid.points.length
            ? `: ${s.grid.points.length} of ${2 * s.grid.weightBits.length * s.grid.activationBits.length} configurations measured, shown below.`
            : ' before any configuration was measured.'}
        </p>
      )}
      {s.grid && s.grid.points.length > 0 && (
        <>
          <div className="row">
            <label className="field inline">
              <span>Score</span>
              <select value={metric} onChange={(e) => appStore.setState({ tradeoffMetric: e.target.value as typeof s.metric })} data-testid="tradeoff-metric">
                <option value="agreement">agreement with FP32</option>
                {labelled && <option value="top1">top-1 accuracy</option>}
                <option value="outputSqnrDb">logits SQNR</option>
                <option value="msPerImage">time per image (this browser)</option>
              </select>
            </label>
            <button type="button" className="secondary small" onClick={() => downloadText(tradeoffCsv(s.grid!, s.variant), `bits-granularity.${s.variant}.csv`)} data-testid="tradeoff-csv">
              Download CSV
            </button>
            <span className="muted small">
              FP32: {s.grid.fp32.top1 !== null ? `top-1 ${(s.grid.fp32.top1 * 100).toFixed(1)}%, ` : ''}
              {bytes(s.grid.fp32.sizeBytes)}
              {Number.isFinite(fp32Ms) ? `, ${fp32Ms.toFixed(1)} ms per image` : ''} · ringed cells are on the Pareto front of size and{' '}
              {scoreMetric === 'outputSqnrDb' ? 'logits SQNR' : scoreMetric === 'top1' ? 'top-1' : 'agreement'}
            </span>
          </div>
          <div className="muted small" data-testid="tradeoff-latency">
            {latencyLine(s.grid)}
          </div>
          {s.grid.complete && <GpuLatencyLine />}
          <table className="tradeoff small" data-testid="tradeoff-table">
            <thead>
              <tr>
                <th>Weights</th>
                {s.grid.activationBits.map((ab) => (
                  <th key={ab} className="num">
                    A{ab}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {(['per-tensor', 'per-channel'] as const).flatMap((g) =>
                s.grid!.weightBits.map((wb) => (
                  <tr key={`${g}-${wb}`}>
                    <th>
                      {g} W{wb}
                    </th>
                    {s.grid!.activationBits.map((ab) => {
                      const p = cell(g, wb, ab);
                      const v = p ? (metric === 'msPerImage' ? p.msPerImage : tradeoffScore(p, metric)) : NaN;
                      const t = goodness(v);
                      const i = p ? s.grid!.points.indexOf(p) : -1;
                      return (
                        <td
                          key={ab}
                          className={`num${front.has(i) ? ' front' : ''}`}
                          style={p ? { background: ramp(Math.max(0, Math.min(1, t))), color: '#fff' } : undefined}
                          data-granularity={g}
                          data-wbits={wb}
                          data-abits={ab}
                          data-agreement={p?.agreement}
                          data-top1={p?.top1 ?? undefined}
                          data-packed={p?.packedSizeBytes}
                          data-ms={p?.msPerImage}
                          title={p ? `${bytes(p.packedSizeBytes)} packed · ${p.msPerImage.toFixed(1)} ms per image (${(p.msPerImage / fp32Ms).toFixed(2)}× FP32)` : undefined}
                        >
                          {p ? `${v.toFixed(1)}${unit}` : '…'}
                        </td>
                      );
                    })}
                  </tr>
                )),
              )}
            </tbody>
          </table>
          {figure && <Plot figure={figure} testId="tradeoff-chart" />}
        </>
      )}
      <MixedPanel />
    </div>
  );
}

/** WebGPU times next to FP32's on WebGPU, each output checked against WASM's. */
function GpuLatencyLine() {
  const g = useAppShallow((st) => st.gpuLatency);
  const running = g?.status === 'running';
  const ratio = (ms: number) => (g?.fp32 ? `${(ms / g.fp32.ms).toFixed(2)}× FP32` : '');
  return (
    <div className="gpu-latency small" data-testid="gpu-latency" data-status={g?.status ?? 'idle'}>
      <button type="button" className="secondary small" disabled={running} onClick={() => void runGpuLatency()} data-testid="run-gpu-latency">
        {g?.status === 'done' ? 'Time on WebGPU again' : 'Time on WebGPU'}
      </button>{' '}
      {running && (
        <span className="muted">
          {g.adapter ? `timing on ${g.adapter}: ${g.done} / ${g.total} models…` : 'looking for a WebGPU adapter…'}
        </span>
      )}
      {g?.status === 'error' && <span className="error">{g.reason}</span>}
      {g?.fp32 && (
        <span data-testid="gpu-latency-result" data-fp32-ms={g.fp32.ms}>
          WebGPU ({g.adapter}), median of {g.runs} runs with the result read back: FP32 {g.fp32.ms.toFixed(1)} ms;{' '}
          {g.points.map((p) => `${p.granularity} W8A${p.activationBits} ${p.ms.toFixed(1)} ms (${ratio(p.ms)})`).join('; ')}.{' '}
          Largest difference from WASM's output on the same image: FP32 {g.fp32.maxAbsDiff.toExponential(1)}
          {g.points.length ? `, int8 ${Math.max(...g.points.map((p) => p.maxAbsDiff)).toExponential(1)}` : ''}.
        </span>
      )}
    </div>
  );
}
