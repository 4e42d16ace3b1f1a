import type { CalibrationCurve, MixedPrecisionResult, PrecisionProfile, RunReport, SensitivityResult, TradeoffGrid } from '../core';

/** Everything a run and its experiments produced, as one JSON file that can be imported again. */
export interface ResultsFile {
  format: 'quantscope-results';
  version: 1;
  exportedAt: string;
  model: { fileName: string; sizeBytes: number; outputClasses: number } | null;
  settings: Record<string, unknown>;
  report: RunReport;
  sensitivity: Record<string, SensitivityResult>;
  curve: (CalibrationCurve & { calibNames: string[] }) | null;
  tradeoff: TradeoffGrid | null;
  mixed: (MixedPrecisionResult & { profile: PrecisionProfile; variant: string }) | null;
  view: { tab: string; variant: string; layer: string | null };
}

/** JSON with the non-finite numbers SQNRs can be (±Infinity, NaN) kept. */
export function stringifyResults(r: ResultsFile): string {
  return JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { $num: String(v) } : v));
}

/** Reads a results file back, or says in a sentence why it cannot. */
export function parseResults(text: string, fileName: string): ResultsFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text, (_k, v: unknown) => (v && typeof v === 'object' && '$num' in v && Object.keys(v).length === 1 ? Number((v as { $num: string }).$num) : v));
  } catch {
    throw new Error(`'${fileName}' is not a results file (it is not JSON). Export results from Quantscope and import that file.`);
  }
  const r = raw as Partial<ResultsFile> | null;
  if (!r || r.format !== 'quantscope-results') throw new Error(`'${fileName}' is JSON but not a Quantscope results file.`);
  if (r.version !== 1) throw new Error(`'${fileName}' is a results file of version ${String(r.version)}, which this Quantscope cannot read.`);
  const rep = r.report as RunReport | undefined;
  if (!rep || !Array.isArray(rep.variants) || !Array.isArray(rep.layers) || !rep.fp32) throw new Error(`'${fileName}' has no readable run report.`);
  return {
    ...(r as ResultsFile),
    sensitivity: r.sensitivity ?? {},
    curve: r.curve ?? null,
    tradeoff: r.tradeoff ?? null,
    mixed: r.mixed ?? null,
  };
}
