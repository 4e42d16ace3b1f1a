import { useMemo } from 'react';

import { openImage, selectLayer } from '../../store/analysis-actions';
import { appStore, useApp, useAppShallow } from '../../store/store';
import { db, pct } from '../format';
import { Plot } from './Plot';
import { imageLayersFigure } from './plots';

export function className(names: string[] | undefined, i: number): string {
  return names?.[i] ?? `class ${i}`;
}

/** Evaluation images (those whose prediction changed first); one image's top-5s and its error layer by layer. */
export function ImagesPanel() {
  const { report, variant, detail, status, error, changedOnly, images, model } = useAppShallow((s) => ({
    report: s.report,
    variant: s.analysisVariant,
    detail: s.imageDetail,
    status: s.imageStatus,
    error: s.imageError,
    changedOnly: s.changedOnly,
    images: s.images,
    model: s.model,
  }));
  const selected = useApp((s) => s.selectedLayer);
  const names = model?.labelSpace?.names;
  const list = useMemo(() => {
    if (!report) return [];
    const v = report.variants.find((x) => x.id === variant);
    const byId = new Map(images.map((i) => [i.id, i]));
    return report.evalIds.map((id, k) => ({
      id,
      name: byId.get(id)?.name ?? `#${id}`,
      label: byId.get(id)?.label ?? null,
      fp32: report.fp32.predictions[k],
      int8: v?.predictions[k],
    }));
  }, [report, variant, images]);
  const shown = changedOnly ? list.filter((x) => x.fp32 !== x.int8) : list;
  const figure = useMemo(() => (detail ? imageLayersFigure(detail) : null), [detail]);
  const changed = list.filter((x) => x.fp32 !== x.int8).length;

  return (
    <div className="images-panel">
      <div className="image-list">
        <label className="check small">
          <input type="checkbox" checked={changedOnly} onChange={(e) => appStore.setState({ changedOnly: e.target.checked })} /> only the {changed} of {list.length} images
          whose prediction changed
        </label>
        <ul data-testid="image-list">
          {shown.slice(0, 500).map((x) => (
            <li key={x.id}>
              <button type="button" className={`link${detail?.id === x.id ? ' active' : ''}`} onClick={() => void openImage(x.id)} title={x.name}>
                <span className="mono">{x.name.split('/').pop()}</span>
                <span className="small muted">
                  {' '}
                  {className(names, x.fp32)} → {x.int8 === undefined ? '—' : className(names, x.int8)}
                </span>
              </button>
            </li>
          ))}
        </ul>
        {shown.length > 500 && <p className="muted small">First 500 of {shown.length} shown.</p>}
      </div>
      <div className="image-detail" data-testid="image-detail">
        {status === 'loading' && <p className="muted">Running the image through FP32 and int8…</p>}
        {error && <p className="error">{error}</p>}
        {detail && (
          <>
            <div className="image-head">
              <img src={detail.url} alt={detail.name} />
              <div>
                <h3 className="mono">{detail.name}</h3>
                <p className="small">
                  {detail.label !== null ? `Label: ${className(names, detail.label)} · ` : ''}output SQNR on this image {db(detail.outputSqnrDb)}
                </p>
                {detail.jump >= 0 && (
                  <p className="small">
                    The error first jumps at{' '}
                    <button type="button" className="link mono" onClick={() => void selectLayer(detail.layers[detail.jump].node)} data-testid="jump-layer">
                      {detail.layers[detail.jump].node}
                    </button>{' '}
                    ({db(detail.layers[detail.jump - 1]?.sqnrDb)} → {db(detail.layers[detail.jump].sqnrDb)}).
                  </p>
                )}
              </div>
            </div>
            <div className="top5s">
              {(
                [
                  ['FP32', detail.fp32Top5],
                  [report?.variants.find((v) => v.id === variant)?.label ?? variant, detail.int8Top5],
                ] as const
              ).map(([title, top]) => (
                <table key={title} className="small top5">
                  <caption>{title}</caption>
                  <tbody>
                    {top.map((c) => (
                      <tr key={c.index} className={c.index === detail.label ? 'correct' : ''}>
                        <td>{className(names, c.index)}</td>
                        <td className="num">{pct(c.probability)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ))}
            </div>
            {figure && <Plot figure={figure} onPick={(n) => void selectLayer(n)} testId="image-layers" />}
            {selected && <p className="muted small">Selected layer: {selected}</p>}
          </>
        )}
        {!detail && status !== 'loading' && <p className="muted">Pick an image to see its top-5 in FP32 and int8 and the layer where its error jumps.</p>}
      </div>
    </div>
  );
}
