import { CALIBRATORS } from '../../core';
import type { RunReport } from '../../core';
import { exportVariant } from '../../store/actions';
import { appStore, useApp } from '../../store/store';
import type { LayerSortKey } from '../../store/slices/view-slice';
import { bytes, db, pct, signed } from '../format';
import { layerTableRows, sqnrBar, sqnrGrade } from './layer-rows';
import { diagnose } from './diagnose';
import { calibrationTimeText } from './summary';
import { Preparation } from './Preparation';
import { Analysis } from '../analysis/Analysis';
import { exportResults, selectLayer } from '../../store/analysis-actions';

function schemeText(report: RunReport): string {
  const v = report.variants[0];
  if (!v) return '';
  const c = v.config;
  const parts = [`${CALIBRATORS.find((x) => x.id === c.calibrator)?.label ?? c.calibrator} calibration`, `W${c.weightBits}A${c.activationBits}`];
  if (c.activationSymmetric) parts.push('symmetric int8 activations');
  if (v.cle) parts.push(`cross-layer equalisation (${report.equalizedPairs} layer pairs)`);
  if (v.biasCorrection) parts.push('bias correction');
  return parts.join(' · ');
}

const VARIANT_LABEL: Record<string, string> = { 'per-tensor': 'Quantized, per-tensor weights', 'per-channel': 'Quantized, per-channel weights' };

export function Results() {
  const report = useApp((s) => s.report);
  const sort = useApp((s) => s.layerSort);
  const model = useApp((s) => s.model);
  const selected = useApp((s) => s.selectedLayer);
  const imported = useApp((s) => s.importedFrom);
  if (!report) return null;
  const labelled = report.fp32.top1 !== null;
  const rows = layerTableRows(report.layers, sort.key, sort.descending);
  const setSort = (key: LayerSortKey) =>
    appStore.setState((s) => ({ layerSort: { key, descending: s.layerSort.key === key ? !s.layerSort.descending : false } }));
  const findings = diagnose(report);
  const calibrationTime = calibrationTimeText(report.calibrationTiming);
  const arrow = (key: LayerSortKey) => (sort.key === key ? (sort.descending ? ' ▼' : ' ▲') : '');

  return (
    <div className="results-body" data-testid="results">
      {imported && (
        <p className="notice small" data-testid="imported-notice">
          These results were imported from <span className="mono">{imported.fileName}</span> (model {imported.modelFileName ?? 'unknown'}, exported{' '}
          {imported.exportedAt.slice(0, 16).replace('T', ' ')}). The tables and charts show what was measured then; to look at weights and activations
          or run new experiments, load that model and its images and run again.
        </p>
      )}
      {report.evaluationRequested !== undefined && (
        <p className="notice small" data-testid="partial-notice">
          The evaluation was cancelled after {report.evaluationSamples} of its {report.evaluationRequested} images: every figure below is on those {report.evaluationSamples}.
          Quantize and evaluate again for all {report.evaluationRequested}.
        </p>
      )}
      <div className="row">
        <p className="muted" data-testid="run-summary">
          Calibrated on {report.calibrationSamples} images{calibrationTime && <span title="Time per calibration image after the first: the model run that fetches the activations the int8 models read, folding them into the statistics, and waiting for the next image"> (per image: {calibrationTime})</span>}, evaluated on {report.evaluationSamples}
          {report.evaluationRequested !== undefined && ` of ${report.evaluationRequested} (cancelled there)`}
          {imported ? ` · ${imported.modelFileName ?? ''}` : model ? ` · ${model.fileName}` : ''} · {schemeText(report)}
        </p>
        <button type="button" className="secondary small" onClick={exportResults} data-testid="export-results" title="The results, the experiments and the view, as one JSON file that can be imported again">
          Export results
        </button>
      </div>
      <div className="cards">
        <article className="metric-card">
          <h3>FP32</h3>
          <dl>
            {labelled && (
              <>
                <dt>Top-1</dt>
                <dd data-testid="fp32-top1">{pct(report.fp32.top1)}</dd>
                <dt>Top-5</dt>
                <dd>{pct(report.fp32.top5)}</dd>
              </>
            )}
            <dt>Size</dt>
            <dd data-testid="fp32-size">{bytes(report.fp32.sizeBytes)}</dd>
          </dl>
        </article>
        {report.variants.map((v) => (
          <article className={`metric-card ${v.agreementTop1 < 0.5 ? 'collapsed' : ''}`} key={v.id} data-testid={`variant-${v.id}`}>
            <h3>{VARIANT_LABEL[v.id] ?? v.label ?? v.id}</h3>
            <dl>
              {labelled && (
                <>
                  <dt>Top-1</dt>
                  <dd data-testid={`${v.id}-top1`}>{pct(v.top1)}</dd>
                  <dt>Top-5</dt>
                  <dd>{pct(v.top5)}</dd>
                </>
              )}
              <dt title="Share of evaluation images where int8 and FP32 predict the same class">Agrees with FP32</dt>
              <dd data-testid={`${v.id}-agreement`}>{pct(v.agreementTop1)}</dd>
              <dt title="Signal-to-quantization-noise ratio of the model output">Output SQNR</dt>
              <dd>{db(v.outputSqnrDb)}</dd>
              <dt title="Kullback–Leibler divergence of the int8 output distribution from the FP32 one, mean over images">Output KL</dt>
              <dd>{v.outputKl.toFixed(3)} nats</dd>
              <dt>Size</dt>
              <dd data-testid={`${v.id}-size`}>
                {bytes(v.sizeBytes)} ({(report.fp32.sizeBytes / v.sizeBytes).toFixed(1)}× smaller)
              </dd>
              {v.config.weightBits < 8 && (
                <>
                  <dt title="If the weights were packed at their bit width instead of stored in int8">Packed at {v.config.weightBits} bits</dt>
                  <dd>≈ {bytes(v.packedSizeBytes)}</dd>
                </>
              )}
            </dl>
            <button type="button" className="secondary" onClick={() => void exportVariant(v.id)} data-testid={`export-${v.id}`}>
              Download .onnx
            </button>
          </article>
        ))}
      </div>
      {findings.length > 0 && (
        <section className="findings" aria-label="What the numbers say" data-testid="findings">
          {findings.map((f, i) => (
            <p key={i} className={f.level}>
              {f.text}
            </p>
          ))}
        </section>
      )}
      <Preparation model={model} report={report} />
      <Analysis />
      <h3>Per-layer error</h3>
      <p className="muted small">
        SQNR between each FP32 activation and the int8 model&apos;s dequantized one, with all layers quantized (error accumulates), over{' '}
        {report.variants[0]?.sqnrSamples ?? 0} evaluation images. Higher is better; +6 dB ≈ one more bit. Click a header to sort.
      </p>
      <div className="table-wrap">
        <table className="layers" data-testid="layer-table">
          <thead>
            <tr>
              <th onClick={() => setSort('order')} className="num">
                #{arrow('order')}
              </th>
              <th onClick={() => setSort('name')}>Layer{arrow('name')}</th>
              <th onClick={() => setSort('op')}>Op{arrow('op')}</th>
              <th onClick={() => setSort('per-tensor')}>Per-tensor SQNR{arrow('per-tensor')}</th>
              <th onClick={() => setSort('per-channel')}>Per-channel SQNR{arrow('per-channel')}</th>
              <th onClick={() => setSort('delta')} className="num">
                Δ dB{arrow('delta')}
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.tensor} data-layer={r.node} className={r.node === selected ? 'selected' : ''} onClick={() => void selectLayer(r.node)}>
                <td className="num muted">{r.order + 1}</td>
                <td className="mono" title={`tensor ${r.tensor}`}>
                  {r.node}
                </td>
                <td>
                  {r.op}
                  {r.depthwise ? ' (depthwise)' : ''}
                  {r.fused ? ` + ${r.fused}` : ''}
                </td>
                {(['per-tensor', 'per-channel'] as const).map((k) => (
                  <td key={k} className="bar-cell" data-variant={k}>
                    <div className={`sqnr-bar ${sqnrGrade(r.sqnrDb[k])}`} style={{ width: `${sqnrBar(r.sqnrDb[k])}%` }} />
                    <span>{db(r.sqnrDb[k])}</span>
                  </td>
                ))}
                <td className="num">{signed(r.delta)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
