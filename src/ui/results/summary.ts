import type { CalibrationTiming } from '../../core';

const ms = (x: number) => `${x < 100 ? x.toFixed(1) : Math.round(x)} ms`;

/**
 * Where calibration spent its time, per image: "model 17.6 ms, statistics 4.8 ms, reading 0.8 ms"; null when
 * not measured (results exported before it was, or a calibration of one image, whose run only warms up) or
 * not numbers.
 */
export function calibrationTimeText(t: CalibrationTiming | undefined): string | null {
  // (an imported results file is untrusted: anything but counts and times is left out)
  const ok = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x >= 0;
  if (!t || !ok(t.samples) || t.samples === 0 || !ok(t.runMs) || !ok(t.statisticsMs) || !ok(t.readMs)) return null;
  const per = (x: number) => ms(x / t.samples);
  const text = `model ${per(t.runMs)}, statistics ${per(t.statisticsMs)}, reading ${per(t.readMs)}`;
  const counted = ok(t.tensors) && ok(t.floatTensors) && Number.isInteger(t.tensors) && Number.isInteger(t.floatTensors) && t.tensors! <= t.floatTensors!;
  if (!counted) return text;
  const derived = ok(t.derived) && Number.isInteger(t.derived) && t.derived! > 0 && t.derived! <= t.tensors! ? t.derived! : 0;
  const merged = derived ? `, ${derived} of them merged from their inputs' instead of fetched` : '';
  return `${text}; statistics of the ${t.tensors} of ${t.floatTensors} tensors the int8 models read${merged}`;
}
