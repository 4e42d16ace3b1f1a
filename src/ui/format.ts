export function pct(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined ? '—' : `${(x * 100).toFixed(digits)}%`;
}

export function db(x: number | undefined): string {
  if (x === undefined || Number.isNaN(x)) return '—';
  if (x === Infinity) return 'exact';
  if (x === -Infinity) return '−∞';
  return `${x.toFixed(1)} dB`;
}

/** A difference with its sign and one decimal ("+2.7", "-0.4"); one that rounds to zero is "0.0", never "-0.0". */
export function signed(x: number): string {
  if (Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return x > 0 ? '+∞' : '−∞';
  const r = Math.round(x * 10) / 10;
  return r === 0 ? '0.0' : `${r > 0 ? '+' : ''}${r.toFixed(1)}`;
}

/** A change in dB with its sign ("+2.7 dB"); infinite and missing values as db() says them. */
export function signedDb(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? db(x) : `${signed(x)} dB`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(2)} MB`;
}

export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** What a progress line says while an analysis first collects the statistics of tensors the run did not. */
export const STATISTICS_PHASE = 'Collecting the statistics of more tensors (one pass over the calibration images)';
