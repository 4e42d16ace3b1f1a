import { cancelRun, runQuantization, setField } from '../../store/actions';
import { useApp } from '../../store/store';
import { duration } from '../format';

const PHASES = { decode: 'Reading images', calibrate: 'Calibrating (FP32, all activations)', quantize: 'Building int8 models', evaluate: 'Evaluating FP32 and int8' };

export function RunCard() {
  const s = useApp((x) => x);
  const usable = s.images.filter((i) => !i.error).length;
  const running = s.runStatus === 'running';
  const p = s.progress;
  const eta = p && p.done > 0 && p.done < p.total ? (p.elapsedMs / p.done) * (p.total - p.done) : null;
  const evalMax = Math.max(0, usable - s.calibCount);
  return (
    <section className="card" aria-labelledby="run-h">
      <h2 id="run-h">4. Calibrate and quantize</h2>
      <div className="row">
        <label className="field narrow">
          <span>Calibration images</span>
          <input type="number" min={1} max={usable || 1} value={s.calibCount} onChange={(e) => setField('calibCount', Number(e.target.value))} data-testid="calib-count" />
        </label>
        <label className="field narrow">
          <span>Evaluation images</span>
          <input type="number" min={1} max={evalMax || 1} value={Math.min(s.evalCount, evalMax || s.evalCount)} onChange={(e) => setField('evalCount', Number(e.target.value))} data-testid="eval-count" />
        </label>
      </div>
      <div className="row">
        <label className="field narrow">
          <span>Shuffle seed</span>
          <input type="text" inputMode="numeric" placeholder="file order" value={s.seed ?? ''} onChange={(e) => setField('seed', e.target.value === '' ? null : Number(e.target.value) || 0)} />
        </label>
        <label className="field narrow">
          <span>Images for layer error</span>
          <input type="number" min={1} value={s.sqnrSamples} onChange={(e) => setField('sqnrSamples', Math.max(1, Number(e.target.value)))} />
        </label>
      </div>
      <p className="muted small">Int8: uint8 asymmetric activations (MinMax), int8 symmetric weights, int32 bias, QDQ format as ONNX Runtime's quantize_static; per-tensor and per-channel weights side by side.</p>
      <div className="row">
        <button type="button" className="primary" disabled={!s.model || !usable || running} onClick={() => void runQuantization()} data-testid="run-button">
          Quantize and evaluate
        </button>
        {running && (
          <button type="button" className="secondary" onClick={cancelRun} data-testid="cancel-button">
            Cancel
          </button>
        )}
      </div>
      {running && (
        <div className="progress" role="status" aria-live="polite" data-testid="progress">
          <div className="bar">
            <div style={{ width: p ? `${(100 * p.done) / Math.max(1, p.total)}%` : '0%' }} />
          </div>
          <span>
            {p ? `${PHASES[p.phase]}: ${p.done} / ${p.total}` : 'Starting…'}
            {eta !== null && ` · about ${duration(eta)} left`}
          </span>
        </div>
      )}
      {s.runStatus === 'cancelled' && <p className="muted">Cancelled. The previous results, if any, are kept below.</p>}
      {s.runError && (
        <p className="error" role="alert" data-testid="run-error">
          {s.runError}
        </p>
      )}
    </section>
  );
}
