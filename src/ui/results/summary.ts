import type { CalibrationTiming } from '../../core';

const ms = (x: number) => `${x < 100 ? x.toFixed(1) : Math.round(x)} ms`;

/**
 * Where calibration spent its time, per image: "model 17.6 ms, statistics 4.8 ms, reading 0.8 ms"; null when
 * not measured (results exported before it was, or a calibration of one image, whose run only warms up).
 */
export function calibrationTimeText(t: CalibrationTiming | undefined): string | null {
  if (!t || t.samples === 0) return null;
  const per = (x: number) => ms(x / t.samples);
  return `model ${per(t.runMs)}, statistics ${per(t.statisticsMs)}, reading ${per(t.readMs)}`;
}
