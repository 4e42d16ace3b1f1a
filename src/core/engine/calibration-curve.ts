import { ActivationStats } from '../calib/stats';
import type { CalibratorId } from '../calib/calibrators';
import { RangesOnDemand, searchRanges } from '../calib/range-search';
import type { RangeHelper } from '../calib/range-search';
import { mulberry32 } from '../data/split';
import { argmax } from '../metrics/classification';
import { ErrorAccumulator } from '../metrics/error';
import { GraphIndex } from '../onnx/graph-index';
import { cloneModel, serializeModel } from '../onnx/model';
import type { ModelProto } from '../onnx/model';
import type { TensorRange } from '../quant/qdq';
import { activationScheme } from '../quant/config';
import type { QuantConfig } from '../quant/config';
import { buildQdqModel } from '../quant/qdq';
import { readTensors } from './coverage';
import { withExtraOutputs } from './instrument';
import { observeSamples } from './pipeline';
import type { PassOptions, Progress } from './pipeline';
import { CancelledError, throwIfAborted } from './runtime';
import type { Cancel, RtTensor, SessionFactory } from './runtime';
import { logitsTensor } from './sensitivity';

/** Bins kept per tensor and image: enough for every calibrator, small enough to keep hundreds of images. */
export const PER_IMAGE_BINS = 2048;

/**
 * Calibration statistics kept per image (one FP32 pass, every activation an output), so that the statistics
 * of any subset are a merge, not a re-run.
 */
export async function collectPerImageStatistics(
  createSession: SessionFactory,
  model: ModelProto,
  samples: AsyncIterable<RtTensor>,
  total: number,
  /** `only`: the curveTensors of the curve's configuration (the curve reads no others) */
  options: Omit<PassOptions, 'timing'> = {},
): Promise<ActivationStats[]> {
  const out: ActivationStats[] = [];
  const fresh = () => {
    const s = new ActivationStats(PER_IMAGE_BINS, 1);
    out.push(s);
    return s;
  };
  await observeSamples(createSession, model, samples, total, fresh, options);
  return out;
}

/** Subset sizes 1, 2, 4, … up to n, always ending with n. */
export function doublingSizes(n: number): number[] {
  const sizes: number[] = [];
  for (let s = 1; s < n; s *= 2) sizes.push(s);
  if (n > 0) sizes.push(n);
  return sizes;
}

/** A seeded random order of 0..n-1 (Fisher–Yates with mulberry32). */
export function permutation(n: number, seed: number): number[] {
  const r = mulberry32(seed);
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

export interface CurvePoint {
  size: number;
  draw: number;
  calibrator: CalibratorId;
  /** share of evaluation images with the FP32 top-1 class */
  agreement: number;
  /** SQNR (dB) of the logits */
  outputSqnrDb: number;
}

export interface OutlierImage {
  /** index into the calibration images */
  index: number;
  /** how far this image alone pushes the MinMax ranges out, summed over tensors (in units of each range) */
  widening: number;
  /** the tensor it widens most */
  tensor: string;
}

export interface CalibrationCurve {
  sizes: number[];
  draws: number;
  calibrators: CalibratorId[];
  evaluationSamples: number;
  points: CurvePoint[];
  outliers: OutlierImage[];
  /** false when cancelled: `points` holds what was measured */
  complete: boolean;
  /** the configuration every point used, but for its calibrator */
  config: QuantConfig;
  seed: number;
}

/**
 * The images that widen MinMax ranges most: per tensor, the image holding the extreme value and how far it
 * lies beyond the next image's, relative to the range of all images.
 */
export function rangeOutliers(perImage: ActivationStats[], top = 5, tensors?: ReadonlySet<string>): OutlierImage[] {
  const scores = perImage.map((_, index) => ({ index, widening: 0, tensor: '', best: 0 }));
  if (perImage.length < 2) return [];
  for (const name of perImage[0].histograms.keys()) {
    if (tensors && !tensors.has(name)) continue;
    const mins = perImage.map((s) => s.histograms.get(name)?.min ?? Infinity);
    const maxs = perImage.map((s) => s.histograms.get(name)?.max ?? -Infinity);
    const range = Math.max(...maxs) - Math.min(...mins);
    if (!(range > 0)) continue;
    const credit = (values: number[], sign: 1 | -1) => {
      let best = -1;
      let second = -Infinity;
      let top1 = -Infinity;
      for (const [i, v] of values.entries()) {
        const x = sign * v;
        if (x > top1) {
          second = top1;
          top1 = x;
          best = i;
        } else if (x > second) second = x;
      }
      if (best < 0 || !Number.isFinite(second)) return;
      const w = (top1 - second) / range;
      const s = scores[best];
      s.widening += w;
      if (w > s.best) {
        s.best = w;
        s.tensor = name;
      }
    };
    credit(maxs, 1);
    credit(mins, -1);
  }
  return scores
    .filter((s) => s.widening > 0)
    .sort((a, b) => b.widening - a.widening)
    .slice(0, top)
    .map(({ index, widening, tensor }) => ({ index, widening, tensor }));
}

/**
 * The tensors whose ranges a QDQ build of `config` reads, recorded from a build with MinMax ranges: on MobileNet
 * v1 32 of the 59 float tensors (a ReLU's input is not quantized once the ReLU is fused), so the curve searches
 * those only. A build that reads another one (a range can decide whether a ReLU is fused) gets it on demand.
 */
export function rangeTensors(fp32: ModelProto, config: QuantConfig, stats: ActivationStats): Set<string> {
  return new Set([...readTensors(fp32, config, stats)].filter((name) => stats.histograms.has(name)));
}

/**
 * What a per-image pass for a curve of `config` collects: the tensors `rangeTensors` names, and the non-float
 * ones (shape arithmetic: tiny, and a build must know they are not activations to quantize).
 */
export function curveTensors(fp32: ModelProto, config: QuantConfig, stats: ActivationStats): Set<string> {
  return new Set([...rangeTensors(fp32, config, stats), ...stats.nonFloat]);
}

/**
 * Accuracy against calibration-set size: for each random draw (a seeded order of the calibration images),
 * the statistics of the first 1, 2, 4, … images are merged from the per-image ones, each calibrator turns
 * them into ranges, and the int8 model is evaluated on `evalInputs` against FP32. The full set is the same
 * for every draw and is measured once.
 */
export async function calibrationCurve(
  createSession: SessionFactory,
  fp32: ModelProto,
  config: QuantConfig,
  perImage: ActivationStats[],
  evalInputs: RtTensor[],
  {
    calibrators,
    draws = 3,
    seed = 1,
    sizes = doublingSizes(perImage.length),
    reference = fp32,
    onProgress = () => {},
    onPoint = () => {},
    signal,
    rangeHelper,
    collected,
    resume,
  }: {
    calibrators: CalibratorId[];
    draws?: number;
    seed?: number;
    sizes?: number[];
    /** the FP32 model outputs are compared with (default: `fp32`, the model quantized) */
    reference?: ModelProto;
    onProgress?: Progress;
    onPoint?: (p: CurvePoint) => void;
    signal?: Cancel;
    /** a second thread for the range searches (each subset's are split between it and this one) */
    rangeHelper?: RangeHelper;
    /**
     * when the per-image statistics were restricted (collectPerImageStatistics' `only`): the curveTensors of this
     * configuration, all collected; the curve then searches these
     */
    collected?: ReadonlySet<string>;
    /** a cancelled curve of the same configuration, draws, seed and images: its points are kept, the rest measured */
    resume?: CalibrationCurve;
  },
): Promise<CalibrationCurve> {
  const graph = fp32.graph!;
  const inputName = new GraphIndex(graph).graphInputs.values().next().value as string;
  const logits = logitsTensor(fp32);
  const n = perImage.length;
  // the caller's curveTensors (the same build) when it restricted the collection: else recorded here
  const searched = !n ? new Set<string>() : collected ? new Set([...collected].filter((t) => perImage[0].histograms.has(t))) : rangeTensors(fp32, config, perImage[0]);
  const result: CalibrationCurve = {
    sizes,
    draws,
    calibrators,
    evaluationSamples: evalInputs.length,
    points: [],
    // only ranges the int8 model uses: a fused ReLU's input is never quantized, its outliers do not matter
    outliers: rangeOutliers(perImage, 5, searched),
    complete: false,
    config,
    seed,
  };
  const same =
    resume &&
    resume.evaluationSamples === evalInputs.length &&
    resume.draws === draws &&
    resume.seed === seed &&
    JSON.stringify(resume.sizes) === JSON.stringify(sizes) &&
    JSON.stringify(resume.config) === JSON.stringify(config);
  const keptPoint = (size: number, draw: number, calibrator: CalibratorId) =>
    same ? resume.points.find((p) => p.size === size && p.draw === draw && p.calibrator === calibrator) : undefined;
  result.points = same ? resume.points.filter((p) => calibrators.includes(p.calibrator)) : [];
  const partial = sizes.filter((s) => s < n).length;
  const total = (calibrators.length * (partial * draws + (sizes.includes(n) ? 1 : 0)) - result.points.length) * evalInputs.length + evalInputs.length;
  let done = 0;
  const scheme = activationScheme(config);
  try {
    const ref: Float32Array[] = [];
    const fp32Session = await createSession(serializeModel(withExtraOutputs(reference, [logits])));
    try {
      for (const x of evalInputs) {
        throwIfAborted(signal);
        ref.push((await fp32Session.run({ [inputName]: x }, [logits]))[logits].data as Float32Array);
        onProgress(++done, total);
      }
    } finally {
      await fp32Session.release();
    }
    const measure = async (stats: ActivationStats, calibrator: CalibratorId, ranges: ReadonlyMap<string, TensorRange>) => {
      const c = { ...config, calibrator };
      const q = buildQdqModel(cloneModel(fp32), ranges, c, stats.nonFloat);
      // per-image statistics collected for fewer tensors than this configuration reads: say so, never measure a
      // model with tensors left in float
      const missing = collected ? q.uncalibrated.filter((t) => !collected.has(t)) : [];
      if (missing.length) {
        throw new Error(`The per-image statistics lack ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}: run the calibration-size curve again to collect them.`);
      }
      const out = q.tensors.some((t) => t.kind === 'activation' && t.name === logits) && logits !== graph.output[0].name ? `${logits}_DequantizeLinear_Output` : logits;
      const session = await createSession(serializeModel(withExtraOutputs(q.model, [out])));
      const acc = new ErrorAccumulator();
      let agree = 0;
      try {
        for (const [i, x] of evalInputs.entries()) {
          throwIfAborted(signal);
          const y = (await session.run({ [inputName]: x }, [out]))[out].data as Float32Array;
          acc.add(ref[i], y);
          if (argmax(y) === argmax(ref[i])) agree++;
          onProgress(++done, total);
        }
      } finally {
        await session.release();
      }
      return { agreement: evalInputs.length ? agree / evalInputs.length : 0, outputSqnrDb: acc.sqnrDb };
    };
    for (let draw = 0; draw < draws; draw++) {
      const order = permutation(n, seed + draw);
      const merged = new ActivationStats();
      let used = 0;
      for (const size of sizes) {
        if (size === n && draw > 0) continue; // the full set does not depend on the order
        while (used < size) merged.merge(perImage[order[used++]]);
        throwIfAborted(signal);
        const todo = calibrators.filter((c) => !keptPoint(size, draw, c));
        if (!todo.length) continue;
        // every calibrator's ranges for this subset at once, so a helper thread can take half of them
        const histograms = new Map([...merged.histograms].filter(([name]) => searched.has(name)));
        const ranges = await searchRanges(histograms, todo, scheme, config.calibratorOptions, rangeHelper);
        for (const calibrator of todo) {
          const onDemand = new RangesOnDemand(ranges.get(calibrator)!, merged.histograms, calibrator, scheme, config.calibratorOptions);
          const p = { size, draw, calibrator, ...(await measure(merged, calibrator, onDemand)) };
          result.points.push(p);
          onPoint(p);
        }
      }
    }
    result.complete = true;
  } catch (e) {
    if (!(e instanceof CancelledError)) throw e;
  }
  // in the order of one uninterrupted pass, kept and new points alike
  const rank = (p: CurvePoint) => (p.draw * sizes.length + sizes.indexOf(p.size)) * calibrators.length + calibrators.indexOf(p.calibrator);
  result.points.sort((a, b) => rank(a) - rank(b));
  return result;
}

/** Per calibrator and size: mean, min and max over draws of a point metric (the band the chart draws). */
export function curveBands(curve: CalibrationCurve, metric: 'agreement' | 'outputSqnrDb') {
  return curve.calibrators.map((calibrator) => ({
    calibrator,
    points: curve.sizes
      .map((size) => {
        const vs = curve.points.filter((p) => p.calibrator === calibrator && p.size === size).map((p) => p[metric]);
        if (!vs.length) return null;
        return { size, mean: vs.reduce((a, b) => a + b, 0) / vs.length, min: Math.min(...vs), max: Math.max(...vs), n: vs.length };
      })
      .filter((x): x is NonNullable<typeof x> => x !== null),
  }));
}
