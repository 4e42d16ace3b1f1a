/** Colours of graph nodes by a metric: pure, for the graph view and its tests. */

/** SQNR (dB) → colour: red below 10 dB, amber about 20, green from 35 (8-bit layers usually sit at 30–45). */
export function sqnrColor(db: number | undefined): string {
  if (db === undefined || Number.isNaN(db)) return '#e2e8f0';
  if (db === Infinity) return '#bbf7d0';
  const t = Math.max(0, Math.min(1, (db - 5) / 30));
  return ramp(t);
}

/** Output SQNR gained by keeping the layer in float: 0 dB green, ≥ 12 dB red. */
export function gainColor(db: number | undefined): string {
  if (db === undefined || Number.isNaN(db)) return '#e2e8f0';
  return ramp(1 - Math.max(0, Math.min(1, db / 12)));
}

/** Weight range spread across channels: 1× green, ≥ 1000× red (log scale). */
export function spreadColor(spread: number | undefined): string {
  if (spread === undefined || !(spread > 0)) return '#e2e8f0';
  return ramp(1 - Math.max(0, Math.min(1, Math.log10(spread) / 3)));
}

/** t = 0 red → 0.5 amber → 1 green, as hex. */
export function ramp(t: number): string {
  const stops = [
    [220, 38, 38],
    [245, 158, 11],
    [22, 163, 74],
  ];
  const s = t * 2;
  const i = Math.min(1, Math.floor(s));
  const f = s - i;
  const c = stops[i].map((a, k) => Math.round(a + (stops[i + 1][k] - a) * f));
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}
