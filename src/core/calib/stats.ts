import type { TensorRange } from '../quant/qdq';
import type { CalibratorId, CalibratorOptions, RangeScheme } from './calibrators';
import { CALIBRATOR_DEFAULTS, calibrateRange } from './calibrators';
import type { Histogram } from './histogram';
import { DEFAULT_MAX_BINS, addValues, emptyHistogram, mergeHistograms, mergeInPlace, unionHistogram } from './histogram';

/**
 * Everything calibration keeps of the activations: per float tensor an exact min/max and a mergeable
 * histogram, from which every calibrator derives its range without running the model again.
 */
export class ActivationStats {
  readonly histograms = new Map<string, Histogram>();
  readonly nonFloat = new Set<string>();
  /** number of samples (images) seen */
  samples = 0;
  /** bumped on every change, so derived ranges can be cached safely */
  version = 0;

  /**
   * `maxBins` bounds each histogram; `headroom` 1 is for statistics of one image, whose tensors each arrive in
   * one batch (per-image statistics keep fewer bins, all used for resolution; they still merge exactly).
   */
  constructor(
    readonly maxBins = DEFAULT_MAX_BINS,
    readonly headroom = 4,
  ) {}

  observe(name: string, data: ArrayLike<number> | BigInt64Array): void {
    this.version++;
    if (!(data instanceof Float32Array)) {
      this.nonFloat.add(name);
      return;
    }
    this.histograms.set(name, addValues(this.histograms.get(name) ?? emptyHistogram(), data, this.maxBins, this.headroom));
  }

  /**
   * Sets the statistics of `name` to those of the values of `parts` together (a tensor that holds exactly those
   * values: a Concat's output, a Reshape's), from their statistics: no need to fetch and count it. A part of
   * another type than float makes it one too.
   */
  deriveUnion(name: string, parts: readonly string[]): void {
    this.version++;
    if (parts.some((p) => this.nonFloat.has(p))) {
      this.histograms.delete(name);
      this.nonFloat.add(name);
      return;
    }
    const hs = parts.map((p) => {
      const h = this.histograms.get(p);
      if (!h) throw new Error(`The statistics of ${name} cannot be derived: ${p} was not observed.`);
      return h;
    });
    this.histograms.set(name, unionHistogram(hs, this.maxBins));
  }

  /** Histograms this object made by merging (others may be shared with the statistics they came from). */
  private readonly own = new WeakSet<Histogram>();

  merge(other: ActivationStats): void {
    this.version++;
    for (const [name, h] of other.histograms) {
      const mine = this.histograms.get(name);
      if (!mine) this.histograms.set(name, h); // shared until a merge makes one of our own
      else if (!(this.own.has(mine) && mergeInPlace(mine, h))) {
        const merged = mergeHistograms(mine, h, this.maxBins);
        if (merged !== mine && merged !== h) this.own.add(merged);
        this.histograms.set(name, merged);
      }
    }
    for (const n of other.nonFloat) this.nonFloat.add(n);
    this.samples += other.samples;
  }

  /**
   * Keeps the histograms of `names` only (the nonFloat names stay: they say which tensors are shape arithmetic).
   * For a pass that observed every tensor of its first sample and then narrows to those a build reads.
   */
  retain(names: ReadonlySet<string>): void {
    this.version++;
    for (const name of [...this.histograms.keys()]) if (!names.has(name)) this.histograms.delete(name);
  }

  /**
   * Takes the tensors `other` collected and this lacks: a later pass over the same samples for tensors the
   * first one left out (the caller sees to it that the samples are the same).
   */
  adopt(other: ActivationStats): void {
    this.version++;
    for (const [name, h] of other.histograms) if (!this.histograms.has(name)) this.histograms.set(name, h);
    for (const n of other.nonFloat) this.nonFloat.add(n);
  }

  rangesFor(calibrator: CalibratorId, scheme: RangeScheme, options: CalibratorOptions = CALIBRATOR_DEFAULTS): Map<string, TensorRange> {
    return new Map([...this.histograms].map(([k, h]) => [k, calibrateRange(calibrator, h, scheme, options)]));
  }
}
