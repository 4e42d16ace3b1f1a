import { useMemo } from 'react';

import { scoreOf } from '../../core';
import { applyMixedPrecision, cancelAnalysis, downloadText, mixedBitsSummary, mixedBudgetBytes, mixedCsv, resumableMixed, runMixedPrecision, selectLayer } from '../../store/analysis-actions';
import type { MixedOptions } from '../../store/slices/analysis-slice';
import { appStore, useAppShallow } from '../../store/store';
import { bytes, db, pct } from '../format';
import { CheckGroup, CountField, RunOrResume, toggled } from './controls';
import { Plot } from './Plot';
import { ProgressLine, stoppedBy } from './ProgressLine';
import { mixedFigure } from './plots';

const BITS = [8, 6, 5, 4, 3, 2];
const GRANULARITIES = ['per-channel', 'per-tensor'] as const;

/** Per-layer weight bits and granularity chosen to meet a size budget or a score floor. */
export function MixedPanel() {
  const s = useAppShallow((st) => ({
    o: st.mixedOptions,
    r: st.mixed,
    status: st.mixedStatus,
    progress: st.mixedProgress,
    error: st.mixedError,
    variant: st.analysisVariant,
    report: st.report,
    grid: st.tradeoff,
    interrupted: st.interrupted.includes('mixed'),
    kept: resumableMixed(st),
    profile: st.mixedProfile,
  }));
  const set = (o: Partial<MixedOptions>) => appStore.setState({ mixedOptions: { ...s.o, ...o } });
  const labelled = s.report?.fp32.top1 !== null;
  const variantConfig = s.report?.variants.find((v) => v.id === s.variant);
  const activationBits = s.grid?.config.activationBits ?? 8;
  const uniform = useMemo(() => s.grid?.points.filter((p) => p.activationBits === activationBits) ?? [], [s.grid, activationBits]);
  const figure = useMemo(() => (s.r ? mixedFigure(s.r, uniform) : null), [s.r, uniform]);
  if (!s.report) return null;
  const budget = mixedBudgetBytes(s.o, s.report, s.variant);
  const running = s.status === 'running';
  const candidates = s.o.bits.length * s.o.granularities.length;
  const r = s.r;
  // a profile cut short that the current options would continue
  const partial = s.kept && !s.kept.complete ? s.kept : null;
  const floorUnit = s.o.metric === 'outputSqnrDb' ? 'dB' : '%';
  // The best uniform configuration within the same size, for comparison.
  const uniformWithin = r?.chosen ? uniform.filter((p) => p.packedSizeBytes <= r.chosen!.packedSizeBytes).sort((a, b) => b.outputSqnrDb - a.outputSqnrDb)[0] : undefined;

  return (
    <div className="mixed-panel" data-testid="mixed-panel">
      <h3>Mixed precision</h3>
      <p className="muted small">
        Each layer's weights are quantized alone at every candidate (the rest in FP32) and the noise this adds to the logits is measured on a few images.
        Independent noises add, so any per-layer mix has a predicted logits SQNR. Starting from the most precise mix, a greedy search lowers, one step at a time,
        the layer that costs the least noise per byte saved. The first configuration that fits the budget (or, by bisection, the smallest that keeps the floor)
        is then measured on the evaluation images. Activations keep the variant's {activationBits} bits.
      </p>
      <div className="row">
        <label className="check small">
          <input type="radio" name="mixed-target" checked={s.o.target === 'size'} onChange={() => set({ target: 'size' })} data-testid="mixed-target-size" /> size budget
        </label>
        <label className="field narrow">
          <span>Budget (KB, packed)</span>
          <input
            type="number"
            min={1}
            value={s.o.budgetKB ?? Math.round(budget / 1024)}
            disabled={s.o.target !== 'size'}
            onChange={(e) => set({ budgetKB: Math.max(1, Number(e.target.value) || 1) })}
            data-testid="mixed-budget"
          />
        </label>
        <label className="check small">
          <input type="radio" name="mixed-target" checked={s.o.target === 'floor'} onChange={() => set({ target: 'floor' })} data-testid="mixed-target-floor" /> score floor
        </label>
        <label className="field narrow">
          <span>Floor ({floorUnit})</span>
          <input type="number" value={s.o.floor} disabled={s.o.target !== 'floor'} onChange={(e) => set({ floor: Number(e.target.value) || 0 })} data-testid="mixed-floor" />
        </label>
        <label className="field inline">
          <span>on</span>
          <select value={s.o.metric} disabled={s.o.target !== 'floor'} onChange={(e) => set({ metric: e.target.value as MixedOptions['metric'] })}>
            <option value="agreement">agreement with FP32</option>
            {labelled && <option value="top1">top-1 accuracy</option>}
            <option value="outputSqnrDb">logits SQNR</option>
          </select>
        </label>
      </div>
      <div className="row">
        <CheckGroup legend="Candidate bit widths" options={BITS} selected={s.o.bits} onToggle={(b) => set({ bits: toggled(s.o.bits, b) })} />
        <CheckGroup legend="Granularity" options={GRANULARITIES} selected={s.o.granularities} onToggle={(g) => set({ granularities: toggled(s.o.granularities, g) })} />
        <CountField label="Profile images" value={s.o.profileImages} onChange={(profileImages) => set({ profileImages })} testId="mixed-profile-images" />
        <CountField label="Evaluation images" value={s.o.evalImages} onChange={(evalImages) => set({ evalImages })} testId="mixed-eval-images" />
        <RunOrResume
          id="mixed"
          label="Choose per-layer precision"
          resume={partial && `Profile the remaining layers (${partial.layers.length} kept) and choose`}
          disabled={running || candidates === 0}
          // without a partial profile a whole one is reused (a new target needs no new profile)
          run={(fresh) => void runMixedPrecision({ fresh: fresh && partial !== null })}
        />
        {running && (
          <button type="button" className="secondary" onClick={cancelAnalysis} data-testid="cancel-mixed">
            Cancel
          </button>
        )}
      </div>
      {s.progress && <ProgressLine progress={s.progress} label={s.progress.phase === 'sensitivity' ? 'Profiling layers' : 'Measuring configurations'} testId="mixed-progress" />}
      {s.error && <p className="error">{s.error}</p>}
      {(s.status === 'cancelled' || (s.interrupted && !running)) && (
        <p className="muted small" data-testid="mixed-partial">
          {stoppedBy(s.status !== 'cancelled')}
          {!s.profile
            ? ' before any layer was profiled: run again to profile from the start.'
            : !s.profile.complete
              ? ` while it profiled the layers. The ${s.profile.layers.length} layers profiled so far are kept: ${
                  partial ? '“Profile the remaining layers” continues from them.' : 'set the candidates, images and analysed variant back to what they were to continue from them.'
                }`
              : ` while it measured configurations. The profile of all ${s.profile.layers.length} layers is kept${s.kept ? ': running again only measures.' : ' for the candidates, images and variant it was made with.'}`}
        </p>
      )}
      {r && (
        <div data-testid="mixed-result" data-met={r.chosen ? 'true' : 'false'} data-packed={r.chosen?.packedSizeBytes} data-target={r.target.value} data-agreement={r.chosen?.agreement} data-sqnr={r.chosen?.outputSqnrDb}>
          {r.chosen ? (
            <p>
              <strong>
                {r.target.kind === 'size'
                  ? `Fits the budget: ${bytes(r.chosen.packedSizeBytes)} ≤ ${bytes(r.target.value)}.`
                  : `Keeps the floor: ${r.target.metric === 'outputSqnrDb' ? db(scoreOf(r.chosen, r.target.metric)) : pct(scoreOf(r.chosen, r.target.metric))} ≥ ${r.target.metric === 'outputSqnrDb' ? db(r.target.value) : pct(r.target.value)}, at ${bytes(r.chosen.packedSizeBytes)}.`}
              </strong>{' '}
              Agreement {pct(r.chosen.agreement)}
              {r.chosen.top1 !== null ? `, top-1 ${pct(r.chosen.top1)}` : ''}, logits SQNR {db(r.chosen.outputSqnrDb)} (predicted {db(r.chosen.predictedSqnrDb)}). Layers:{' '}
              {mixedBitsSummary(r)}.{' '}
              {uniformWithin
                ? `Best uniform configuration no larger: ${uniformWithin.granularity} W${uniformWithin.weightBits}, ${db(uniformWithin.outputSqnrDb)}, agreement ${pct(uniformWithin.agreement)}.`
                : uniform.length
                  ? 'No uniform configuration of the grid is this small.'
                  : 'Run the grid above to compare with uniform bit widths.'}
            </p>
          ) : (
            <p className="error">
              {r.target.kind === 'size'
                ? `Even the smallest mix (${bytes(r.fixedBytes + r.path[r.path.length - 1].weightBytes)}) is over the budget of ${bytes(r.target.value)}: add smaller bit widths or raise the budget.`
                : 'Even the most precise mix misses the floor: lower the floor or add larger bit widths.'}
            </p>
          )}
          <p className="muted small">
            Profiled {r.profile.layers.length} layers × {r.profile.choices.length} candidates on {r.profile.samples} images; {r.measured.length} configurations measured;
            the prediction is calibrated on the measured most precise mix (uncalibrated it said {db(r.uncalibratedStartSqnrDb)}, measured {db(r.measured[0]?.outputSqnrDb ?? NaN)}).
          </p>
          <div className="row">
            {r.chosen && (
              <button type="button" disabled={running} onClick={() => void applyMixedPrecision()} data-testid="apply-mixed">
                Add as a result card
              </button>
            )}
            <button
              type="button"
              className="secondary small"
              onClick={() => downloadText(mixedCsv(r, r.variant, variantConfig ? { variant: variantConfig.id, packedSizeBytes: variantConfig.packedSizeBytes } : null), `mixed-precision.${r.variant}.csv`)}
              data-testid="mixed-csv"
            >
              Download CSV
            </button>
          </div>
          {figure && <Plot figure={figure} testId="mixed-chart" />}
          {r.chosen && (
            <table className="small mixed-layers" data-testid="mixed-layers">
              <thead>
                <tr>
                  <th>Layer</th>
                  <th>Op</th>
                  <th>Weights</th>
                  <th className="num">Share of predicted noise</th>
                </tr>
              </thead>
              <tbody>
                {r.choices.map((c) => (
                  <tr key={c.node} className="clickable" onClick={() => void selectLayer(c.node)} data-bits={c.choice.bits} data-granularity={c.choice.granularity}>
                    <td className="mono">{c.node}</td>
                    <td>{c.op}</td>
                    <td>
                      W{c.choice.bits} {c.choice.granularity}
                    </td>
                    <td className="num">{(c.noiseShare * 100).toFixed(1)}%</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </div>
  );
}
