import { CALIBRATORS } from '../../core';
import type { CalibratorId, ProgressEvent } from '../../core';
import { cancelRun, runQuantization, setField } from '../../store/actions';
import { importResults } from '../../store/analysis-actions';
import { useApp } from '../../store/store';
import { useAppShallow } from '../../store/store';
import { STATISTICS_PHASE, duration } from '../format';

const PHASES: Record<ProgressEvent['phase'], string> = {
  decode: 'Reading images',
  calibrate: 'Calibrating (FP32 activation statistics)',
  statistics: STATISTICS_PHASE,
  equalize: 'Equalising layer pairs',
  'bias-correction': 'Measuring bias shifts',
  quantize: 'Building int8 models',
  evaluate: 'Evaluating FP32 and int8',
  sensitivity: 'Measuring layer sensitivity',
  experiment: 'Running the experiment',
};

const BITS = [16, 8, 7, 6, 5, 4, 3, 2];

function BitsField({ label, field, value, testId }: { label: string; field: 'weightBits' | 'activationBits'; value: number; testId: string }) {
  return (
    <label className="field narrow">
      <span>{label}</span>
      <select value={value} onChange={(e) => setField(field, Number(e.target.value))} data-testid={testId}>
        {BITS.map((b) => (
          <option key={b}>{b}</option>
        ))}
      </select>
    </label>
  );
}

/**
 * The run's progress, in a component of its own: only it re-renders on each progress event (at most 5 a second), not
 * the card's form. The bar is scaled, not resized, on a layer of its own (see .progress .bar in styles.css).
 */
function RunProgress() {
  const p = useApp((x) => x.progress);
  const eta = p && p.done > 0 && p.done < p.total ? (p.elapsedMs / p.done) * (p.total - p.done) : null;
  return (
    <div className="progress" role="status" aria-live="polite" data-testid="progress">
      <div className="bar">
        <div style={{ transform: `scaleX(${p ? p.done / Math.max(1, p.total) : 0})` }} />
      </div>
      <span>
        {p ? `${PHASES[p.phase]}: ${p.done} / ${p.total}` : 'Starting…'}
        {eta !== null && ` · about ${duration(eta)} left`}
      </span>
    </div>
  );
}

export function RunCard() {
  // Only what this card shows: it re-renders when these change, not on every store change (nor on progress).
  const importError = useApp((x) => x.importError);
  const s = useAppShallow((x) => ({
    images: x.images,
    runStatus: x.runStatus,
    calibCount: x.calibCount,
    evalCount: x.evalCount,
    seed: x.seed,
    sqnrSamples: x.sqnrSamples,
    calibrator: x.calibrator,
    weightBits: x.weightBits,
    activationBits: x.activationBits,
    activationSymmetric: x.activationSymmetric,
    cle: x.cle,
    biasCorrection: x.biasCorrection,
    model: x.model,
    runError: x.runError,
  }));
  const usable = s.images.filter((i) => !i.error).length;
  const running = s.runStatus === 'running';
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
          <input type="number" min={1} value={s.sqnrSamples} data-testid="sqnr-samples" onChange={(e) => setField('sqnrSamples', Math.max(1, Number(e.target.value)))} />
        </label>
      </div>
      <fieldset className="scheme">
        <legend>Scheme</legend>
        <div className="row">
          <label className="field">
            <span>Calibrator</span>
            <select value={s.calibrator} onChange={(e) => setField('calibrator', e.target.value as CalibratorId)} data-testid="calibrator-select">
              {CALIBRATORS.map((c) => (
                <option key={c.id} value={c.id} title={c.description}>
                  {c.label}
                </option>
              ))}
            </select>
          </label>
          <BitsField label="Weight bits" field="weightBits" value={s.weightBits} testId="weight-bits" />
          <BitsField label="Activation bits" field="activationBits" value={s.activationBits} testId="activation-bits" />
        </div>
        <label className="check">
          <input type="checkbox" checked={s.activationSymmetric} onChange={(e) => setField('activationSymmetric', e.target.checked)} data-testid="asym-toggle" />
          Symmetric activations <span className="muted small">(int8 with zero point 0, instead of uint8 over each tensor&apos;s range)</span>
        </label>
        <label className="check">
          <input type="checkbox" checked={s.cle} onChange={(e) => setField('cle', e.target.checked)} data-testid="cle-toggle" />
          Cross-layer equalisation <span className="muted small">(rescales Conv→ReLU→Conv pairs; FP32 stays exact)</span>
        </label>
        <label className="check">
          <input type="checkbox" checked={s.biasCorrection} onChange={(e) => setField('biasCorrection', e.target.checked)} data-testid="bc-toggle" />
          Bias correction <span className="muted small">(removes the mean output shift weight rounding causes)</span>
        </label>
        {s.weightBits === 16 && s.activationBits === 16 && (
          <p className="error small">ONNX Runtime 1.30 computes wrong results with both weights and activations at 16 bits: choose 16 for one of them.</p>
        )}
        {(s.weightBits < 8 || s.activationBits < 8) && (
          <p className="muted small">Below 8 bits the int8 model is simulated: values keep int8/uint8 storage with their levels restricted to the narrower range (the export says so).</p>
        )}
      </fieldset>
      <p className="muted small">QDQ format as ONNX Runtime's quantize_static: uint8 asymmetric activations, int8 symmetric weights, int32 bias; per-tensor and per-channel weights side by side.</p>
      <div className="row">
        <button type="button" className="primary" disabled={!s.model || !usable || running} onClick={() => void runQuantization()} data-testid="run-button">
          Quantize and evaluate
        </button>
        {running && (
          <button type="button" className="secondary" onClick={cancelRun} data-testid="cancel-button" title="While evaluating, what was measured on the images evaluated so far is kept and shown">
            Cancel
          </button>
        )}
      </div>
      {running && <RunProgress />}
      {s.runStatus === 'cancelled' && <p className="muted">Cancelled. The previous results, if any, are kept below.</p>}
      {s.runError && (
        <p className="error" role="alert" data-testid="run-error">
          {s.runError}
        </p>
      )}
      <p className="small">
        <label className="link">
          Import results…
          <input
            type="file"
            hidden
            accept=".json,application/json"
            data-testid="import-results-input"
            onChange={(e) => {
              const f = e.target.files?.[0];
              e.target.value = '';
              if (f) void importResults(f);
            }}
          />
        </label>{' '}
        <span className="muted">(a file exported from the results)</span>
      </p>
      {importError && (
        <p className="error" role="alert" data-testid="import-error">
          {importError}
        </p>
      )}
    </section>
  );
}
