import type { LayerReportRow } from '../../core';
import type { LayerSortKey as SortKey } from '../../store/slices/view-slice';

export interface LayerTableRow extends LayerReportRow {
  /** per-channel minus per-tensor SQNR, dB */
  delta: number;
}

const finite = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? -Infinity : x);

/** Rows of the per-layer error table, sorted; ties keep graph order. Pure, for the table and its tests. */
export function layerTableRows(layers: LayerReportRow[], key: SortKey, descending: boolean): LayerTableRow[] {
  const rows = layers.map((l) => {
    const a = l.sqnrDb['per-tensor'];
    const b = l.sqnrDb['per-channel'];
    const delta = a === undefined || b === undefined ? NaN : b === a ? 0 : b - a;
    return { ...l, delta };
  });
  const value = (r: LayerTableRow): number | string => {
    switch (key) {
      case 'order':
        return r.order;
      case 'name':
        return r.node.toLowerCase();
      case 'op':
        return r.op;
      case 'delta':
        return Number.isNaN(r.delta) ? -Infinity : r.delta;
      default:
        return finite(r.sqnrDb[key]);
    }
  };
  const sign = descending ? -1 : 1;
  return rows.sort((x, y) => {
    const a = value(x);
    const b = value(y);
    const c = a < b ? -1 : a > b ? 1 : 0;
    return c !== 0 ? sign * c : x.order - y.order;
  });
}

/** Bar width in % of the table cell for an SQNR value: 0 dB → 0, 60 dB or more → 100. */
export function sqnrBar(x: number | undefined): number {
  if (x === undefined || Number.isNaN(x)) return 0;
  return Math.max(0, Math.min(100, (x / 60) * 100));
}

/** A traffic-light class: below 10 dB the layer is effectively broken, 10–20 dB poor. */
export function sqnrGrade(x: number | undefined): 'bad' | 'poor' | 'good' | 'none' {
  if (x === undefined || Number.isNaN(x)) return 'none';
  return x < 10 ? 'bad' : x < 20 ? 'poor' : 'good';
}
