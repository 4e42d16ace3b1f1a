import { useMemo } from 'react';

import { measuredLayers, rankSensitivity } from '../../core';
import { applyOverrides, cancelAnalysis, MODE_TEXT, resumableSensitivity, runSensitivity, selectLayer, toggleOverrideLayer } from '../../store/analysis-actions';
import { appStore, useApp, useAppShallow } from '../../store/store';
import { db, pct, signedDb } from '../format';
import { RunOrResume } from './controls';
import { ProgressLine, stoppedBy } from './ProgressLine';

/**
 * Which layers hurt the output most, measured: each layer alone quantized, and every layer but it. The
 * layers whose exclusion gains most are ticked; one click re-evaluates with them in higher precision.
 */
export function SensitivityPanel() {
  const s = useAppShallow((st) => ({
    variant: st.analysisVariant,
    status: st.sensitivityStatus,
    progress: st.sensitivityProgress,
    error: st.sensitivityError,
    images: st.sensitivityImages,
    chosen: st.overrideLayers,
    mode: st.overrideMode,
    overrideStatus: st.overrideStatus,
    overrideError: st.overrideError,
    selected: st.selectedLayer,
    interrupted: st.interrupted.includes('sensitivity'),
    resumable: resumableSensitivity(st),
  }));
  const result = useApp((st) => st.sensitivity[st.analysisVariant]);
  const report = useApp((st) => st.report);
  const ranked = useMemo(() => (result ? rankSensitivity(result) : []), [result]);
  const label = report?.variants.find((v) => v.id === s.variant)?.label ?? s.variant;
  const busy = s.status === 'running' || s.overrideStatus === 'running';
  const rows = report ? measuredLayers(report.layers).length : 0;

  return (
    <div className="sensitivity" data-testid="sensitivity-panel">
      <p className="muted small">
        For every layer of <b>{label}</b>, Quantscope builds and runs 4 models on the first evaluation images: only this layer quantized (weights, activations, both), and
        every layer but this one. The gain of keeping a layer in higher precision is the output SQNR (of the logits) of “all but this” over the fully quantized model.
      </p>
      <div className="row">
        <label className="field narrow">
          <span>Images</span>
          <input
            type="number"
            min={1}
            max={report?.evaluationSamples ?? 400}
            value={s.images}
            onChange={(e) => appStore.setState({ sensitivityImages: Math.max(1, Number(e.target.value) || 1) })}
            data-testid="sensitivity-images"
          />
        </label>
        <RunOrResume
          id="sensitivity"
          label={result ? 'Measure again' : 'Measure sensitivity'}
          resume={s.resumable && `Measure the remaining ${rows - s.resumable.layers.length} layers`}
          disabled={busy}
          run={(fresh) => void runSensitivity({ fresh })}
        />
        {busy && (
          <button type="button" className="secondary" onClick={cancelAnalysis} data-testid="cancel-sensitivity">
            Cancel
          </button>
        )}
        <span className="muted small">up to {rows * 4 + 2} model runs per image</span>
      </div>
      {s.progress && (
        <ProgressLine
          progress={s.progress}
          label={s.progress.phase === 'evaluate' ? 'Evaluating the new model' : 'Measuring'}
          extra={result && s.status === 'running' ? ` · ${result.layers.length} layers done` : undefined}
          testId="sensitivity-progress"
        />
      )}
      {s.error && <p className="error">{s.error}</p>}
      {s.status !== 'running' && result && !result.complete && (
        <p className="muted small" data-testid="sensitivity-partial">
          {stoppedBy(s.interrupted)}: {result.layers.length} of {rows} layers measured, shown below.
          {!s.resumable && ` Measuring continues from there with the same number of images (${result.samples}).`}
        </p>
      )}
      {s.status === 'cancelled' && !result && <p className="muted small">Cancelled before any layer was measured.</p>}
      {result && (
        <>
          <p data-testid="sensitivity-baseline">
            Fully quantized, on these {result.samples} images: output SQNR <b>{db(result.all.outputSqnrDb)}</b>, agreement with FP32 <b>{pct(result.all.agreement)}</b>.
          </p>
          <div className="apply row">
            <label className="field inline">
              <span>Ticked layers</span>
              <select value={s.mode} onChange={(e) => appStore.setState({ overrideMode: e.target.value as typeof s.mode })} data-testid="override-mode">
                {(Object.keys(MODE_TEXT) as (keyof typeof MODE_TEXT)[]).map((m) => (
                  <option key={m} value={m}>
                    {MODE_TEXT[m]}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" disabled={busy || s.chosen.length === 0} onClick={() => void applyOverrides()} data-testid="apply-overrides">
              Apply to {s.chosen.length} layer{s.chosen.length === 1 ? '' : 's'} and re-evaluate
            </button>
          </div>
          {s.overrideError && <p className="error">{s.overrideError}</p>}
          <div className="table-wrap">
            <table className="layers" data-testid="sensitivity-table">
              <thead>
                <tr>
                  <th />
                  <th>Layer</th>
                  <th className="num" title="Output SQNR gained when this layer alone stays in FP32">Gain if FP32</th>
                  <th className="num">All but this: agreement</th>
                  <th className="num">Only this: output SQNR</th>
                  <th className="num">Alone: weights</th>
                  <th className="num">Alone: activations</th>
                </tr>
              </thead>
              <tbody>
                {ranked.map((l) => (
                  <tr key={l.node} data-layer={l.node} className={l.node === s.selected ? 'selected' : ''} onClick={() => void selectLayer(l.node)}>
                    <td onClick={(e) => e.stopPropagation()}>
                      <input type="checkbox" checked={s.chosen.includes(l.node)} onChange={() => toggleOverrideLayer(l.node)} aria-label={`override ${l.node}`} />
                    </td>
                    <td className="mono">
                      {l.node} <span className="muted">({l.op})</span>
                    </td>
                    <td className="num" data-gain={l.gain.outputSqnrDb}>
                      {signedDb(l.gain.outputSqnrDb)}
                    </td>
                    <td className="num">{pct(l.allBut.agreement)}</td>
                    <td className="num">{db(l.onlyThis.outputSqnrDb)}</td>
                    <td className="num">{db(l.isolatedSqnrDb.weights)}</td>
                    <td className="num">{db(l.isolatedSqnrDb.activations)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}
