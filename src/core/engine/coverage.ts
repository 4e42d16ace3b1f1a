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
 * A QDQ build of `config` with MinMax ranges from `stats`, recording the float tensors it reads ranges of and
 * those it quantizes. A tensor the statistics lack is still recorded, and without its range no ReLU is fused on
 * it, so the build reads the ReLU's input too: an over-estimate, never an under-estimate.
 */
function recordBuild(fp32: ModelProto, config: QuantConfig, stats: ActivationStats) {
  const read = new Set<string>();
  const minmax = stats.rangesFor('minmax', activationScheme(config));
  const recording = new (class extends Map<string, TensorRange> {
    override get(name: string) {
      read.add(name);
      return super.get(name);
    }
  })(minmax);
  const q = buildQdqModel(cloneModel(fp32), recording, config, stats.nonFloat);
  const float = (names: Iterable<string>) => new Set([...names].filter((name) => !stats.nonFloat.has(name)));
  return { read: float(read), quantized: float(q.tensors.filter((t) => t.kind === 'activation').map((t) => t.name)) };
}

/** The float tensors whose ranges a QDQ build of `config` reads (see recordBuild). */
export function readTensors(fp32: ModelProto, config: QuantConfig, stats: ActivationStats): Set<string> {
  return recordBuild(fp32, config, stats).read;
}

/**
 * What calibration collects for a configuration: the tensors whose ranges its build reads, and the ones it
 * quantizes (a MaxPool's output takes its input's range, but its layer still shows its own histogram).
 */
export function calibrationTensors(fp32: ModelProto, config: QuantConfig, stats: ActivationStats): Set<string> {
  const { read, quantized } = recordBuild(fp32, config, stats);
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
  const distinct = [...new Map(configs.map((c) => [JSON.stringify({ ...c, weightGranularity: null, weightBits: null }), c])).values()];
  return new Set(distinct.flatMap((c) => [...calibrationTensors(fp32, c, stats)]));
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
