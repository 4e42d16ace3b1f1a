import { PREPROCESS_PRESETS } from '../../core';
import { setField } from '../../store/actions';
import { useApp } from '../../store/store';
import { TensorPreview } from './TensorPreview';

export function PreprocessCard() {
  const presetId = useApp((s) => s.presetId);
  const w = useApp((s) => s.inputWidth);
  const h = useApp((s) => s.inputHeight);
  const model = useApp((s) => s.model);
  const dynamic = model ? model.inputWidth === null || model.inputHeight === null : true;
  const preset = PREPROCESS_PRESETS.find((p) => p.id === presetId);
  return (
    <section className="card" aria-labelledby="pre-h">
      <h2 id="pre-h">3. Preprocessing</h2>
      <label className="field">
        <span>Preset</span>
        <select value={presetId} onChange={(e) => setField('presetId', e.target.value)} data-testid="preset-select">
          {PREPROCESS_PRESETS.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
        </select>
      </label>
      {preset && <p className="muted small">{preset.description}</p>}
      <div className="row">
        <label className="field narrow">
          <span>Width</span>
          <input type="number" min={8} max={2048} value={w} disabled={!dynamic} onChange={(e) => setField('inputWidth', Number(e.target.value))} />
        </label>
        <label className="field narrow">
          <span>Height</span>
          <input type="number" min={8} max={2048} value={h} disabled={!dynamic} onChange={(e) => setField('inputHeight', Number(e.target.value))} />
        </label>
      </div>
      <TensorPreview />
    </section>
  );
}
