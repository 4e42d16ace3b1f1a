import { useMemo } from 'react';

import { appStore, useApp, useAppShallow } from '../../store/store';
import { db, pct } from '../format';
import { Plot } from './Plot';
import { activationFigure, channelRangeFigure, weightHistogramFigure } from './plots';

const num = (x: number) => (x === 0 ? '0' : Math.abs(x) >= 1e4 || Math.abs(x) < 1e-3 ? x.toExponential(2) : x.toPrecision(4));

/** The selected layer: what its weights and its output look like, and why it loses what it loses. */
export function LayerDetails() {
  const { selected, report, w, a, viewsFor, logY } = useAppShallow((s) => ({
    selected: s.selectedLayer,
    report: s.report,
    w: s.weightView,
    a: s.activationView,
    viewsFor: s.viewsFor,
    logY: s.activationLogY,
  }));
  const sens = useApp((s) => s.sensitivity[s.analysisVariant]?.layers.find((l) => l.node === s.selectedLayer));
  const row = report?.layers.find((l) => l.node === selected);
  const wFig = useMemo(() => (w ? weightHistogramFigure(w) : null), [w]);
  const rangesLog = useApp((s) => s.rangesLog);
  // Ranges that span decades are only readable on a log axis: the default when the spread passes 30×.
  const logRanges = rangesLog ?? (w ? w.spread > 30 : false);
  const cFig = useMemo(() => (w ? channelRangeFigure(w, logRanges) : null), [w, logRanges]);
  const aFig = useMemo(() => (a ? activationFigure(a, logY) : null), [a, logY]);
  if (!selected || !row) return <p className="muted">Select a layer in the graph, the chart or the table.</p>;
  const loading = viewsFor !== selected;
  const minLevels = w ? Math.min(...w.channels.levelsPerTensor) : 0;
  const used = a?.choices.find((c) => c.calibrator === a.chosen);

  return (
    <div className="layer-details" data-testid="layer-details" data-layer={selected}>
      <h3 className="mono">{selected}</h3>
      <p className="muted small">
        {row.op}
        {row.depthwise ? ' (depthwise)' : ''}
        {row.fused ? ` + ${row.fused}` : ''} · output tensor <span className="mono">{row.tensor}</span> · layer {row.order + 1} of {report!.layers.length}
      </p>
      <dl className="layer-facts">
        {Object.keys(row.sqnrDb).map((id) => (
          <div key={id}>
            <dt>SQNR, {report!.variants.find((v) => v.id === id)?.label ?? id}</dt>
            <dd data-testid={`layer-sqnr-${id}`}>{db(row.sqnrDb[id])}</dd>
          </div>
        ))}
        {sens && (
          <>
            <div>
              <dt>This layer alone (FP32 inputs): weights / activations / both</dt>
              <dd>
                {db(sens.isolatedSqnrDb.weights)} / {db(sens.isolatedSqnrDb.activations)} / {db(sens.isolatedSqnrDb.both)}
              </dd>
            </div>
            <div>
              <dt>Output if only this layer stays FP32</dt>
              <dd>
                {db(sens.allBut.outputSqnrDb)}, agreement {pct(sens.allBut.agreement)}
              </dd>
            </div>
          </>
        )}
        {w && (
          <>
            <div>
              <dt>Weight SQNR per-tensor / per-channel</dt>
              <dd data-testid="weight-sqnr">
                {db(w.sqnrDb.perTensor)} / {db(w.sqnrDb.perChannel)}
              </dd>
            </div>
            <div>
              <dt>Channel range spread</dt>
              <dd data-testid="weight-spread" data-value={w.spread}>
                {w.spread.toPrecision(3)}×
              </dd>
            </div>
            <div>
              <dt>Fewest per-tensor levels a channel uses</dt>
              <dd data-testid="min-levels">
                {minLevels} of {w.levels.length || 2 ** w.bits - 1}
              </dd>
            </div>
          </>
        )}
        {used && (
          <div>
            <dt>Activation range ({used.label})</dt>
            <dd>
              [{num(a!.used?.min ?? used.min)}, {num(a!.used?.max ?? used.max)}] · clips {pct(used.clipped, 3)}
            </dd>
          </div>
        )}
      </dl>
      {w && w.spread > 100 && w.granularity === 'per-tensor' && (
        <p className="finding warn small">
          One scale for all {w.channels.min.length} channels: the widest channel sets the step, so the narrowest uses only {minLevels} level
          {minLevels === 1 ? '' : 's'}. Per-channel weights give each channel its own step.
        </p>
      )}
      {loading && <p className="muted small">Loading the layer&apos;s data…</p>}
      {wFig && <Plot figure={wFig} testId="weight-histogram" />}
      {cFig && (
        <>
          <label className="check small">
            <input type="checkbox" checked={logRanges} onChange={(e) => appStore.setState({ rangesLog: e.target.checked })} data-testid="ranges-log" /> |w| max per
            channel on a log axis
          </label>
          <Plot figure={cFig} testId="channel-ranges" />
        </>
      )}
      {!w && !loading && <p className="muted small">This op has no weights.</p>}
      {aFig && (
        <>
          <label className="check small">
            <input type="checkbox" checked={logY} onChange={(e) => appStore.setState({ activationLogY: e.target.checked })} /> log count axis
          </label>
          <Plot figure={aFig} testId="activation-histogram" />
          <table className="calibrators small" data-testid="calibrator-table">
            <thead>
              <tr>
                <th>Calibrator</th>
                <th className="num">min</th>
                <th className="num">max</th>
                <th className="num">clipped</th>
                <th className="num">expected SQNR</th>
              </tr>
            </thead>
            <tbody>
              {a!.choices.map((c) => (
                <tr key={c.calibrator} className={c.calibrator === a!.chosen ? 'chosen' : ''}>
                  <td>
                    {c.label}
                    {c.calibrator === a!.chosen ? ' (used)' : ''}
                  </td>
                  <td className="num">{num(c.min)}</td>
                  <td className="num">{num(c.max)}</td>
                  <td className="num">{pct(c.clipped, 3)}</td>
                  <td className="num">{db(c.expectedSqnrDb)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
