import { ActivationStats } from '../calib/stats';
import { GraphIndex } from '../onnx/graph-index';
import { cloneModel } from '../onnx/model';
import type { ModelProto } from '../onnx/model';
import { activationScheme } from '../quant/config';
import type { QuantConfig } from '../quant/config';
import { buildQdqModel } from '../quant/qdq';
import type { TensorRange } from '../quant/qdq';
import { nodeOutputs } from './instrument';
import { observeSamples } from './pipeline';
import type { PassOptions } from './pipeline';
import type { RtTensor, SessionFactory } from './runtime';

// Calibration collects the statistics of the tensors its int8 models read, not of every tensor: on MobileNet
// v1 0.25 32 of 59 (a ReLU's input is not quantized once the ReLU is fused into its Conv). Fetching fewer
// tensors out of onnxruntime makes its run itself faster (a Conv whose output is not fetched absorbs its ReLU;
// less to copy out), and there are fewer values to count. A later configuration that reads another tensor
// (a layer kept in FP32 leaves the ReLU before it unfused) gets it from one more pass over the calibration
// images; a build never quietly leaves a tensor it reads in float.

/**
 * A QDQ build of `config` with the given activation ranges, recording the float tensors it reads ranges of and
 * those it quantizes. A tensor without a range is still recorded, and without its range no ReLU is fused on it,
 * so the build reads the ReLU's input too: an over-estimate, never an under-estimate.
 */
function recordBuild(fp32: ModelProto, config: QuantConfig, ranges: ReadonlyMap<string, TensorRange>, nonFloat: ReadonlySet<string>) {
  const read = new Set<string>();
  const recording = new (class extends Map<string, TensorRange> {
    override get(name: string) {
      read.add(name);
      return super.get(name);
    }
  })(ranges);
  const q = buildQdqModel(cloneModel(fp32), recording, config, nonFloat);
  const float = (names: Iterable<string>) => new Set([...names].filter((name) => !nonFloat.has(name)));
  return { read: float(read), quantized: float(q.tensors.filter((t) => t.kind === 'activation').map((t) => t.name)) };
}

/** recordBuild with the MinMax ranges of the statistics. */
function recordStatsBuild(fp32: ModelProto, config: QuantConfig, stats: ActivationStats) {
  return recordBuild(fp32, config, stats.rangesFor('minmax', activationScheme(config)), stats.nonFloat);
}

/** The float tensors whose ranges a QDQ build of `config` reads (see recordBuild). */
export function readTensors(fp32: ModelProto, config: QuantConfig, stats: ActivationStats): Set<string> {
  return recordStatsBuild(fp32, config, stats).read;
}

/**
 * What calibration collects for a configuration: the tensors whose ranges its build reads, and the ones it
 * quantizes (a MaxPool's output takes its input's range, but its layer still shows its own histogram).
 */
export function calibrationTensors(fp32: ModelProto, config: QuantConfig, stats: ActivationStats): Set<string> {
  const { read, quantized } = recordStatsBuild(fp32, config, stats);
  return new Set([...read, ...quantized]);
}

/** Every tensor a calibration pass can observe: the graph's input and every node's outputs. */
export function observableTensors(model: ModelProto): string[] {
  const input = new GraphIndex(model.graph!).graphInputs.values().next().value as string;
  return [input, ...nodeOutputs(model)];
}

/**
 * The tensors builds of `configs` read or quantize, together. Weight granularity and bits leave which
 * activations a build reads as they are: one build per rest (a trade-off grid of 36 configurations needs 3, a
 * per-tensor and per-channel pair 1). The builds' own check catches anything this misses.
 */
export function configsTensors(fp32: ModelProto, configs: QuantConfig[], stats: ActivationStats): Set<string> {
  return new Set(distinctActivations(configs).flatMap((c) => [...calibrationTensors(fp32, c, stats)]));
}

/** One configuration per distinct activation scheme: weight granularity and bits leave the activations read as they are. */
function distinctActivations(configs: QuantConfig[]): QuantConfig[] {
  return [...new Map(configs.map((c) => [JSON.stringify({ ...c, weightGranularity: null, weightBits: null }), c])).values()];
}

/**
 * What configsTensors will most likely pick, from the graph alone: the builds run as if every tensor had a range
 * (0 to 1) and were float. Which tensors a build reads depends on the data in one way only, whether a ReLU or a
 * clip is fused into the op before it (its output quantized exactly as its input would be), and with a range
 * from 0 that holds for any range the data gives, but for one that is a single point (a ReLU6 that is 0 on
 * every image). Shape arithmetic is included (a build reads what it cannot yet tell from an activation), and
 * comes back from the runtime as not float. So a calibration's first image can run on a session that fetches
 * these already, instead of one fetching every tensor and then a second one: one session, warmed up by the
 * first image, and not the hundreds of tensors of a large model's first image kept at once.
 */
export function guessConfigsTensors(fp32: ModelProto, configs: QuantConfig[]): Set<string> {
  const ranges = new Map(observableTensors(fp32).map((t) => [t, { min: 0, max: 1 }]));
  return new Set(
    distinctActivations(configs).flatMap((c) => {
      const { read, quantized } = recordBuild(fp32, c, ranges, new Set());
      return [...read, ...quantized];
    }),
  );
}

/**
 * The calibration pass's choice of tensors for builds of `configs`: its first image fetches the guess from the
 * graph, and the rest of the images what the builds read given that image's statistics (the same, but for the
 * case guessConfigsTensors describes; a tensor the first image did not fetch is then left to completeStatistics).
 */
export function calibrationChoice(fp32: ModelProto, configs: QuantConfig[]): Pick<PassOptions, 'first' | 'select'> {
  if (!configs.length) return {};
  return { first: guessConfigsTensors(fp32, configs), select: (first) => configsTensors(fp32, configs, first) };
}

/** The tensors builds of `configs` read or quantize (all observable ones for 'all') that `stats` have not collected. */
export function missingTensors(fp32: ModelProto, configs: QuantConfig[] | 'all', stats: ActivationStats): Set<string> {
  const wanted = configs === 'all' ? observableTensors(fp32) : configsTensors(fp32, configs, stats);
  return new Set([...wanted].filter((t) => !stats.histograms.has(t) && !stats.nonFloat.has(t)));
}

/**
 * Collects, over the same calibration samples, the statistics `stats` lack for builds of `configs` (or for
 * every tensor), until a build of each reads nothing missing. Returns the tensors added.
 */
export async function completeStatistics(
  createSession: SessionFactory,
  fp32: ModelProto,
  stats: ActivationStats,
  configs: QuantConfig[] | 'all',
  samples: () => AsyncIterable<RtTensor>,
  total: number,
  options: Omit<PassOptions, 'only' | 'timing'> = {},
): Promise<string[]> {
  const added: string[] = [];
  // Each pass can only reveal more reads through the ranges it adds (a ReLU decided fused or not): the chain is
  // as long as the model at worst, two passes in practice.
  for (;;) {
    const missing = missingTensors(fp32, configs, stats);
    if (!missing.size) return added;
    const more = new ActivationStats(stats.maxBins, stats.headroom);
    await observeSamples(createSession, fp32, samples(), total, () => more, { ...options, only: missing });
    if (more.samples !== stats.samples) throw new Error(`The calibration images changed (${more.samples} read, ${stats.samples} before): run the calibration again.`);
    const before = stats.histograms.size + stats.nonFloat.size;
    stats.adopt(more);
    // a name no pass can observe (not a tensor of this model): stop rather than loop
    if (stats.histograms.size + stats.nonFloat.size === before) throw new Error(`No statistics can be collected for ${[...missing].slice(0, 3).join(', ')}.`);
    added.push(...[...missing].filter((t) => stats.histograms.has(t)));
  }
}
