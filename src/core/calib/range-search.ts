import type { TensorRange } from '../quant/qdq';
import type { CalibratorId, CalibratorOptions, RangeScheme } from './calibrators';
import { CALIBRATOR_DEFAULTS, ENTROPY_BINS, calibrateRange, entropyLevels } from './calibrators';
import type { Histogram } from './histogram';

/** One tensor's range search by one calibrator. */
export interface RangeTask {
  calibrator: CalibratorId;
  histogram: Histogram;
}

export interface RangeSearchRequest {
  tasks: RangeTask[];
  scheme: RangeScheme;
  options: CalibratorOptions;
}

/**
 * Another thread (a worker running `searchTasks`) that answers a request with its tasks' ranges, in order. The
 * same code runs there, so a range does not depend on which thread searched it.
 */
export type RangeHelper = (request: RangeSearchRequest) => Promise<TensorRange[]>;

/** The ranges of a request's tasks, in order, on this thread: what a helper runs. */
export function searchTasks({ tasks, scheme, options }: RangeSearchRequest): TensorRange[] {
  return tasks.map((t) => calibrateRange(t.calibrator, t.histogram, scheme, options));
}

/**
 * A task's relative cost (about a nanosecond a unit on this machine), to split work evenly: the entropy search
 * takes a logarithm per (start, width) level of its table and a table read per level of each candidate; the MSE
 * search one quantize–dequantize step per non-empty bin and candidate; MinMax is free, Percentile one pass.
 */
export function taskCost(t: RangeTask, scheme: RangeScheme, options: CalibratorOptions): number {
  const bins = t.histogram.counts.length;
  switch (t.calibrator) {
    case 'minmax':
      return 1;
    case 'percentile':
      return bins;
    case 'entropy': {
      const levels = entropyLevels(t.histogram, scheme);
      const candidates = Math.max(0, ENTROPY_BINS - levels + 1);
      return 5 * bins + 15 * ENTROPY_BINS * Math.ceil(ENTROPY_BINS / levels) + candidates * levels;
    }
    case 'mse':
      return 1.2 * bins * options.mseCandidates;
  }
}

/**
 * Splits tasks into two shares of about equal cost (largest first, each to the lighter share): the indices of
 * this thread's share and of the helper's.
 */
export function splitTasks(costs: number[]): [number[], number[]] {
  const order = costs.map((_, i) => i).sort((a, b) => costs[b] - costs[a]);
  const shares: [number[], number[]] = [[], []];
  const load = [0, 0];
  for (const i of order) {
    // ties go to the helper: this thread also posts the request and collects the answer
    const s = load[1] <= load[0] ? 1 : 0;
    shares[s].push(i);
    load[s] += costs[i];
  }
  return shares;
}

/** A histogram with its counts in a buffer of their own, so posting it copies the counts and nothing more. */
function compact(h: Histogram): Histogram {
  return h.counts.byteLength === h.counts.buffer.byteLength ? h : { ...h, counts: h.counts.slice() };
}

/**
 * Every calibrator's range for every tensor of `histograms`. With a helper, about half the work (by
 * `taskCost`) is posted to it and the rest searched here meanwhile: the same ranges as without one (the same
 * code runs on both threads), in about half the time on two cores. A helper that fails leaves its share to this
 * thread.
 */
export async function searchRanges(
  histograms: ReadonlyMap<string, Histogram>,
  calibrators: CalibratorId[],
  scheme: RangeScheme,
  options: CalibratorOptions = CALIBRATOR_DEFAULTS,
  helper?: RangeHelper,
): Promise<Map<CalibratorId, Map<string, TensorRange>>> {
  const keys: { calibrator: CalibratorId; name: string }[] = [];
  const tasks: RangeTask[] = [];
  for (const calibrator of calibrators) {
    for (const [name, histogram] of histograms) {
      keys.push({ calibrator, name });
      tasks.push({ calibrator, histogram });
    }
  }
  const ranges: TensorRange[] = new Array(tasks.length);
  const [mine, theirs] = helper ? splitTasks(tasks.map((t) => taskCost(t, scheme, options))) : [tasks.map((_, i) => i), []];
  let remote: Promise<TensorRange[] | null> = Promise.resolve([]);
  if (theirs.length) {
    const request = { tasks: theirs.map((i) => ({ ...tasks[i], histogram: compact(tasks[i].histogram) })), scheme, options };
    remote = helper!(request).catch(() => null);
  }
  for (const i of mine) ranges[i] = calibrateRange(tasks[i].calibrator, tasks[i].histogram, scheme, options);
  const answered = await remote;
  for (const [k, i] of theirs.entries()) {
    ranges[i] = answered && answered.length === theirs.length ? answered[k] : calibrateRange(tasks[i].calibrator, tasks[i].histogram, scheme, options);
  }
  const out = new Map<CalibratorId, Map<string, TensorRange>>(calibrators.map((c) => [c, new Map()]));
  for (const [i, { calibrator, name }] of keys.entries()) out.get(calibrator)!.set(name, ranges[i]);
  return out;
}

/**
 * Ranges that are searched when first asked for (`get`), for a QDQ build given the ranges searched ahead for
 * the tensors it was expected to read: a build that reads another one still gets exactly its calibrator's range.
 */
export class RangesOnDemand extends Map<string, TensorRange> {
  constructor(
    searched: Iterable<[string, TensorRange]>,
    private readonly histograms: ReadonlyMap<string, Histogram>,
    private readonly calibrator: CalibratorId,
    private readonly scheme: RangeScheme,
    private readonly options: CalibratorOptions,
  ) {
    super(searched);
  }

  override get(name: string): TensorRange | undefined {
    let r = super.get(name);
    const h = r === undefined ? this.histograms.get(name) : undefined;
    if (h) this.set(name, (r = calibrateRange(this.calibrator, h, this.scheme, this.options)));
    return r;
  }
}
