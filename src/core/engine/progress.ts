/**
 * The least time between two progress messages from a worker. Each one costs the page a render, a layout and a
 * paint (in software on a machine without a GPU) on the cores the model runs on: at 20 a second the calibration
 * ran 10-20% slower than at 4-10 a second (A/B in one browser, MobileNet v1 0.25 and SqueezeNet 1.1, 2 cores).
 */
export const PROGRESS_INTERVAL_MS = 200;

/**
 * Wraps `report` so that it is called for the first step, then at most once per `intervalMs`, and always for
 * the last step (done === total), with the ms elapsed since the wrapper was made.
 */
export function throttleProgress(
  report: (done: number, total: number, elapsedMs: number) => void,
  intervalMs = PROGRESS_INTERVAL_MS,
  now: () => number = () => performance.now(),
): (done: number, total: number) => void {
  const start = now();
  let last = -Infinity;
  return (done, total) => {
    const t = now();
    if (done === total || t - last >= intervalMs) {
      last = t;
      report(done, total, t - start);
    }
  };
}
