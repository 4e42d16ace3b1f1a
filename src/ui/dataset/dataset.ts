import type { ImageInfo, RunReport } from '../../core';

export type Split = 'calibration' | 'evaluation' | 'unused';

export interface DatasetEntry {
  id: number;
  name: string;
  label: number | null;
  split: Split;
  /** top-1 class of FP32 and of the variant, for evaluation images once a run has them */
  fp32?: number;
  int8?: number;
}

export type DatasetFilter = 'all' | 'calibration' | 'evaluation' | 'changed' | 'wrong';

/** Every usable image with its split and, after a run, FP32's and the variant's predictions. */
export function datasetEntries(images: ImageInfo[], split: { calibIds: number[]; evalIds: number[] }, report: RunReport | null, variant: string): DatasetEntry[] {
  const calib = new Set(split.calibIds);
  const evalIds = report?.evalIds ?? split.evalIds;
  const evalAt = new Map(evalIds.map((id, k) => [id, k]));
  const v = report?.variants.find((x) => x.id === variant);
  return images
    .filter((i) => !i.error)
    .map((i) => {
      const k = evalAt.get(i.id);
      const entry: DatasetEntry = { id: i.id, name: i.name, label: i.label, split: k !== undefined ? 'evaluation' : calib.has(i.id) ? 'calibration' : 'unused' };
      if (k !== undefined && report) {
        entry.fp32 = report.fp32.predictions[k];
        if (v) entry.int8 = v.predictions[k];
      }
      return entry;
    });
}

export function filterEntries(entries: DatasetEntry[], f: DatasetFilter): DatasetEntry[] {
  switch (f) {
    case 'all':
      return entries;
    case 'calibration':
    case 'evaluation':
      return entries.filter((e) => e.split === f);
    case 'changed':
      return entries.filter((e) => e.fp32 !== undefined && e.int8 !== undefined && e.fp32 !== e.int8);
    case 'wrong':
      return entries.filter((e) => e.int8 !== undefined && e.label !== null && e.int8 !== e.label);
  }
}

/** The rows a virtualised grid draws: those in view plus `overscan` on each side. */
export function visibleRows(scrollTop: number, viewport: number, rowHeight: number, rows: number, overscan = 2): { first: number; last: number } {
  if (rows <= 0) return { first: 0, last: -1 };
  const first = Math.min(rows - 1, Math.max(0, Math.floor(scrollTop / rowHeight) - overscan));
  const last = Math.min(rows - 1, Math.ceil((scrollTop + viewport) / rowHeight) + overscan - 1);
  return { first, last: Math.max(first, last) };
}
