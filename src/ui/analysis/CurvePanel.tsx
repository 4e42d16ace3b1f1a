import { useMemo } from 'react';

import { CALIBRATORS } from '../../core';
import type { CalibratorId } from '../../core';
import { cancelAnalysis, curveCsv, downloadText, resumableCurve, runCalibrationCurve } from '../../store/analysis-actions';
import { appStore, useAppShallow } from '../../store/store';
import { CheckGroup, CountField, RunOrResume } from './controls';
import { Plot } from './Plot';
import { ProgressLine, stoppedBy } from './ProgressLine';
import { curveFigure } from './plots';

/** How many calibration images are enough: the curve, per calibrator, with a band over random draws. */
export function CurvePanel() {
  const s = useAppShallow((st) => ({
    options: st.curveOptions,
    curve: st.curve,
    status: st.curveStatus,
    progress: st.curveProgress,
    error: st.curveError,
    metric: st.curveMetric,
    variant: st.analysisVariant,
    report: st.report,
    interrupted: st.interrupted.includes('curve'),
    resumable: resumableCurve(st),
  }));
  const figure = useMemo(() => (s.curve && s.curve.points.length ? curveFigure(s.curve, s.metric) : null), [s.curve, s.metric]);
  const setOpt = (o: Partial<typeof s.options>) => appStore.setState({ curveOptions: { ...s.options, ...o } });
  const toggle = (id: CalibratorId) =>
    setOpt({ calibrators: s.options.calibrators.includes(id) ? s.options.calibrators.filter((c) => c !== id) : [...s.options.calibrators, id] });
  const running = s.status === 'running';
  const n = s.report?.calibrationSamples ?? 0;
  const label = s.report?.variants.find((v) => v.id === s.variant)?.label ?? s.variant;

  return (
    <div className="curve-panel" data-testid="curve-panel">
      <p className="muted small">
        Statistics are kept per calibration image (one extra FP32 pass over the {n} images, recording the tensors the int8 model quantizes), so the statistics of 1, 2, 4, … images are merges, not re-runs. For each
        seeded random draw and size, each calibrator picks its ranges and <b>{label}</b> is evaluated against FP32. The full set is the same in every draw.
      </p>
      <div className="row">
        <CheckGroup
          legend="Calibrators"
          options={CALIBRATORS.map((c) => c.id)}
          selected={s.options.calibrators}
          onToggle={toggle}
          label={(id) => CALIBRATORS.find((c) => c.id === id)!.label}
        />
        <CountField label="Random draws" value={s.options.draws} max={10} onChange={(draws) => setOpt({ draws })} testId="curve-draws" />
        <CountField label="Evaluation images" value={s.options.evalImages} max={s.report?.evaluationSamples} onChange={(evalImages) => setOpt({ evalImages })} testId="curve-eval-images" />
        <label className="field narrow">
          <span>Seed</span>
          <input type="number" value={s.options.seed} onChange={(e) => setOpt({ seed: Number(e.target.value) || 0 })} />
        </label>
        <RunOrResume
          id="curve"
          label={s.curve?.complete ? 'Run again' : 'Run the curve'}
          resume={s.resumable && 'Measure the remaining points'}
          disabled={running || !s.options.calibrators.length}
          run={(fresh) => void runCalibrationCurve({ fresh })}
        />
        {running && (
          <button type="button" className="secondary" onClick={cancelAnalysis} data-testid="cancel-curve">
            Cancel
          </button>
        )}
      </div>
      {s.progress && (
        <ProgressLine progress={s.progress} label={s.progress.phase === 'calibrate' ? 'Per-image statistics' : 'Evaluating'} testId="curve-progress" />
      )}
      {s.error && <p className="error">{s.error}</p>}
      {s.status === 'cancelled' && s.curve && (
        <p className="muted small" data-testid="curve-partial">
          {stoppedBy(s.interrupted)}
          {s.curve.points.length ? `: ${s.curve.points.length} points measured, shown below.` : ' before any point was measured.'}
        </p>
      )}
      {figure && (
        <>
          <div className="row">
            <label className="field inline">
              <span>Show</span>
              <select value={s.metric} onChange={(e) => appStore.setState({ curveMetric: e.target.value as typeof s.metric })} data-testid="curve-metric">
                <option value="agreement">top-1 agreement with FP32</option>
                <option value="outputSqnrDb">logits SQNR</option>
              </select>
            </label>
            <button type="button" className="secondary small" disabled={!s.curve} onClick={() => downloadText(curveCsv(s.curve!, s.variant), `calibration-curve.${s.variant}.csv`)} data-testid="curve-csv">
              Download CSV
            </button>
            <span className="muted small">PNG: the camera icon on the chart.</span>
          </div>
          <Plot figure={figure} testId="curve-chart" />
          <table className="layers small" data-testid="curve-table">
            <thead>
              <tr>
                <th>Agreement, by calibration images</th>
                {s.curve!.sizes.map((n) => (
                  <th key={n} className="num">
                    {n}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {s.curve!.calibrators.map((c) => (
                <tr key={c} data-calibrator={c}>
                  <td>{CALIBRATORS.find((x) => x.id === c)?.label}</td>
                  {s.curve!.sizes.map((n) => {
                    const ps = s.curve!.points.filter((p) => p.calibrator === c && p.size === n);
                    const mean = ps.length ? ps.reduce((a, p) => a + p.agreement, 0) / ps.length : NaN;
                    return (
                      <td key={n} className="num" data-size={n} data-agreement={mean}>
                        {ps.length ? `${(mean * 100).toFixed(1)}%` : '…'}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {s.curve && s.curve.outliers.length > 0 && (
        <div className="outliers" data-testid="curve-outliers">
          <h3>Images that widen the ranges most</h3>
          <p className="muted small">With MinMax, one such image sets a range for every image: the calibration set should look like the data the model will see.</p>
          <ol className="small">
            {s.curve.outliers.map((o) => (
              <li key={o.index}>
                <span className="mono">{s.curve!.calibNames[o.index] ?? `image ${o.index + 1}`}</span>: alone stretches ranges by {(o.widening * 100).toFixed(1)}% in total, most{' '}
                <span className="mono">{o.tensor}</span>
              </li>
            ))}
          </ol>
        </div>
      )}
    </div>
  );
}
