import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';

import { engine } from '../../bridge/engine';
import { currentSplit } from '../../store/actions';
import { openImage } from '../../store/analysis-actions';
import { appStore, useAppShallow } from '../../store/store';
import { className } from '../analysis/ImagesPanel';
import type { DatasetFilter } from './dataset';
import { datasetEntries, filterEntries, visibleRows } from './dataset';

const CELL_W = 132;
const ROW_H = 178;
const VIEW_H = 540;

/**
 * Every image as a thumbnail with its label, its split and (after a run) FP32's and the analysed variant's
 * predictions. Virtualised: only the rows in view exist in the page, and their thumbnails are made by the
 * worker on demand (small JPEGs, kept there), so thousands of images stay cheap.
 */
export function DatasetView() {
  const s = useAppShallow((st) => ({
    images: st.images,
    report: st.report,
    variant: st.analysisVariant,
    names: st.model?.labelSpace?.names,
    calibCount: st.calibCount,
    evalCount: st.evalCount,
    seed: st.seed,
  }));
  const [filter, setFilter] = useState<DatasetFilter>(s.report ? 'changed' : 'all');
  const [scrollTop, setScrollTop] = useState(0);
  const [width, setWidth] = useState(800);
  const box = useRef<HTMLDivElement>(null);
  useSyncExternalStore(subscribeThumbs, thumbsVersion);

  // The split follows the settings (count and seed) until a run fixes the evaluation set.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const split = useMemo(() => currentSplit(), [s.images, s.calibCount, s.evalCount, s.seed]);
  const entries = useMemo(() => datasetEntries(s.images, split, s.report, s.variant), [s.images, split, s.report, s.variant]);
  const shown = useMemo(() => filterEntries(entries, filter), [entries, filter]);
  const cols = Math.max(1, Math.floor(width / CELL_W));
  const rows = Math.ceil(shown.length / cols);
  const { first, last } = visibleRows(scrollTop, VIEW_H, ROW_H, rows);
  const visible = shown.slice(first * cols, (last + 1) * cols);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Thumbnails for the cells in view, asked for once each.
  const wantKey = visible.map((e) => `${e.id}:${e.name}`).join('|');
  useEffect(() => {
    requestThumbs(visible);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [wantKey]);

  const counts = useMemo(
    () => ({
      all: entries.length,
      calibration: filterEntries(entries, 'calibration').length,
      evaluation: filterEntries(entries, 'evaluation').length,
      changed: filterEntries(entries, 'changed').length,
      wrong: filterEntries(entries, 'wrong').length,
    }),
    [entries],
  );
  const after = s.report !== null;

  return (
    <div className="dataset" data-testid="dataset-view">
      <div className="row">
        {(['all', 'calibration', 'evaluation', ...(after ? (['changed', 'wrong'] as const) : [])] as DatasetFilter[]).map((f) => (
          <label key={f} className="check small">
            <input type="radio" name="dataset-filter" checked={filter === f} onChange={() => setFilter(f)} data-testid={`dataset-filter-${f}`} />{' '}
            {f === 'changed' ? `prediction changed by ${s.variant}` : f === 'wrong' ? `wrong in ${s.variant}` : f} ({counts[f]})
          </label>
        ))}
        <span className="muted small">
          Split: {counts.calibration} calibration, {counts.evaluation} evaluation
          {after ? ' (as in the run)' : ` — change the counts or the shuffle seed under “Calibrate and quantize”`}.
        </span>
      </div>
      <div
        ref={box}
        className="dataset-grid"
        style={{ height: VIEW_H }}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        data-testid="dataset-grid"
        data-count={shown.length}
        data-rendered-cells={visible.length}
      >
        <div style={{ height: rows * ROW_H, position: 'relative' }}>
          {visible.map((e, k) => {
            const i = first * cols + k;
            const url = thumbs.get(thumbKey(e));
            const changed = e.fp32 !== undefined && e.int8 !== undefined && e.fp32 !== e.int8;
            return (
              <button
                type="button"
                key={e.id}
                className={`dataset-cell ${e.split}${changed ? ' changed' : ''}`}
                style={{ position: 'absolute', left: (i % cols) * CELL_W, top: Math.floor(i / cols) * ROW_H, width: CELL_W - 8, height: ROW_H - 8 }}
                title={[e.name, e.label !== null ? `label: ${className(s.names, e.label)}` : 'no label', e.fp32 !== undefined ? `FP32: ${className(s.names, e.fp32)} → int8: ${e.int8 === undefined ? '—' : className(s.names, e.int8)}` : ''].filter(Boolean).join('\n')}
                disabled={e.split !== 'evaluation' || !after}
                onClick={() => {
                  appStore.setState({ analysisTab: 'images' });
                  void openImage(e.id);
                }}
                data-id={e.id}
                data-split={e.split}
              >
                <span className="thumb">{url ? <img src={url} alt="" /> : url === null ? <span className="muted small">no preview</span> : null}</span>
                <span className="mono small name">{e.name.split('/').pop()}</span>
                <span className="small">{e.label !== null ? className(s.names, e.label) : <span className="muted">no label</span>}</span>
                {e.fp32 !== undefined && (
                  <span className="small">
                    {className(s.names, e.fp32)} → <strong>{e.int8 === undefined ? '—' : className(s.names, e.int8)}</strong>
                  </span>
                )}
              </button>
            );
          })}
        </div>
      </div>
    </div>
  );
}

// ***** thumbnails: made by the worker, kept here as object URLs by image id and name *****

const thumbs = new Map<string, string | null>();
const pending = new Set<string>();
const listeners = new Set<() => void>();
let version = 0;

const thumbKey = (e: { id: number; name: string }) => `${e.id}:${e.name}`;

function subscribeThumbs(l: () => void) {
  listeners.add(l);
  return () => listeners.delete(l);
}

function thumbsVersion() {
  return version;
}

function requestThumbs(entries: { id: number; name: string }[]) {
  const missing = entries.filter((e) => !thumbs.has(thumbKey(e)) && !pending.has(thumbKey(e)));
  if (!missing.length) return;
  for (const e of missing) pending.add(thumbKey(e));
  void engine()
    .thumbnails(missing.map((e) => e.id))
    .then((blobs) => {
      blobs.forEach((b, k) => thumbs.set(thumbKey(missing[k]), b ? URL.createObjectURL(b) : null));
    })
    .catch(() => {
      for (const e of missing) thumbs.set(thumbKey(e), null);
    })
    .finally(() => {
      for (const e of missing) pending.delete(thumbKey(e));
      version++;
      for (const l of listeners) l();
    });
}
