import { beforeAll, describe, expect, it } from 'vitest';

import { join } from 'node:path';

import { loadNormalized as load, noiseInput, ocrClassifier, stripeImages } from '../../../test/ocr-fixture';
import { HAVE_SHARED, OCR_MODELS, SHARED, SHARED_MODELS, SKIP_REASON } from '../../../test/shared-data';
import { tinyModel } from '../../../test/tiny-model';
import { makeNode, makeTensor } from '../onnx/model';
import { nodeSessionFactory } from '../../node/ort-node';
import { ActivationStats } from '../calib/stats';
import type { Histogram } from '../calib/histogram';
import type { ModelProto } from '../onnx/model';
import { defaultQuantConfig } from '../quant/config';
import type { QuantConfig } from '../quant/config';
import { MissingStatisticsError } from '../quant/qdq';
import { nonFloatOutputs } from '../onnx/types';
import { calibrationTensors, completeStatistics, guessConfigsTensors, missingTensors, observableTensors, readTensors } from './coverage';
import { prepareVariants } from './experiment';
import { buildVariant, collectStatistics } from './pipeline';
import { TRADEOFF_GRANULARITIES, tradeoffConfigs } from './tradeoff';
import type { RtTensor, SessionFactory } from './runtime';

// The calibration collects the tensors its variants read; every model built from those statistics must be
// byte for byte the one built from the statistics of every tensor, and a configuration that reads more must
// get them from another pass, never a model with a tensor left in float.

const createSession = nodeSessionFactory();

const plain = (h: Histogram) => ({ ...h, counts: [...h.counts] });

/**
 * A pass that fetches other outputs runs a differently fused graph (onnxruntime fuses a node into its consumer
 * only when its output is not fetched), so a tensor's values can differ in their last bits: the same count,
 * extremes within 1e-5 relative, and at most 0.1% of the values (or one value, for a small tensor: seen on a
 * 132-value tensor) one bin over.
 */
function expectClose(h: Histogram, ref: Histogram, name: string) {
  expect(h.total, name).toBe(ref.total);
  expect(h.min, name).toBeCloseTo(ref.min, 5 - Math.ceil(Math.log10(Math.max(1, Math.abs(ref.min)))));
  expect(h.max, name).toBeCloseTo(ref.max, 5 - Math.ceil(Math.log10(Math.max(1, Math.abs(ref.max)))));
  if (h.exp !== ref.exp || h.first !== ref.first) {
    expect(Math.abs(h.exp - ref.exp), name).toBeLessThanOrEqual(1);
    return;
  }
  let moved = 0;
  for (let i = 0; i < h.counts.length; i++) moved += Math.abs(h.counts[i] - (ref.counts[i] ?? 0));
  expect(moved / 2, name).toBeLessThanOrEqual(Math.max(1, 0.001 * ref.total));
}

let model: ModelProto;
let images: RtTensor[];
let full: ActivationStats;
const calibration = () => (async function* () { yield* images; })();

beforeAll(async () => {
  model = ocrClassifier();
  images = stripeImages(7)(6);
  full = await collectStatistics(createSession, model, calibration(), images.length);
});

const configs: Record<string, QuantConfig> = {
  'per-channel (ReLUs fused)': defaultQuantConfig,
  'per-tensor, entropy': { ...defaultQuantConfig, weightGranularity: 'per-tensor', calibrator: 'entropy' },
  'symmetric activations (no ReLU fused)': { ...defaultQuantConfig, activationSymmetric: true },
};

describe('calibration collects what its variants read', () => {
  it.each(Object.entries(configs))('%s: the same QDQ model as from every tensor\'s statistics, from fewer tensors', async (_name, config) => {
    let sessions = 0;
    const counting: SessionFactory = (bytes) => (sessions++, createSession(bytes));
    const prepared = await prepareVariants(counting, model, [{ id: 'v', config }], () => calibration(), images.length);
    const stats = prepared.stats;
    const floatTensors = observableTensors(model).filter((t) => !full.nonFloat.has(t));
    // exactly the tensors the build reads, fewer than all (the classifier: about 130 of 183 with its ReLUs fused)
    expect(new Set(stats.histograms.keys())).toEqual(calibrationTensors(model, config, full));
    expect(stats.histograms.size).toBeLessThan(floatTensors.length);
    expect(prepared.calibrationTiming).toMatchObject({ tensors: stats.histograms.size, floatTensors: floatTensors.length });
    expect(stats.samples).toBe(images.length);
    // the guess from the graph was right: one session fetched these from the first image on
    const guess = guessConfigsTensors(model, [config]);
    expect(new Set([...guess].filter((t) => !full.nonFloat.has(t)))).toEqual(calibrationTensors(model, config, full));
    expect(sessions).toBe(1);
    // the shape arithmetic the builds look at came back as not float; the graph names the rest of it
    for (const t of stats.nonFloat) expect(full.nonFloat.has(t), t).toBe(true);
    expect(new Set([...stats.nonFloat, ...nonFloatOutputs(model)])).toEqual(full.nonFloat);
    // each histogram equals the one of the full pass (the first image's included)
    for (const [name, h] of stats.histograms) expect(plain(h), name).toEqual(plain(full.histograms.get(name)!));
    expect(prepared.variants[0].bytes).toEqual(buildVariant('v', model, full, config).bytes);
    // every layer of the report can show its activation histogram
    for (const l of prepared.variants[0].layers) expect(stats.histograms.has(l.tensor), l.tensor).toBe(true);
  });

  it("a MaxPool's output is collected for its layer's histogram, though its range is its input's", () => {
    const pool = model.graph!.node.find((n) => n.opType === 'MaxPool')!;
    expect(readTensors(model, defaultQuantConfig, full).has(pool.output[0])).toBe(false);
    expect(calibrationTensors(model, defaultQuantConfig, full).has(pool.output[0])).toBe(true);
  });

  it('one pass serves several variants: the union of their reads', async () => {
    const specs = Object.entries(configs).map(([id, config]) => ({ id, config }));
    const prepared = await prepareVariants(createSession, model, specs, () => calibration(), images.length);
    const union = new Set(specs.flatMap((s) => [...calibrationTensors(model, s.config, full)]));
    expect(new Set(prepared.stats.histograms.keys())).toEqual(union);
    for (const [i, s] of specs.entries()) expect(prepared.variants[i].bytes, s.id).toEqual(buildVariant(s.id, model, full, s.config).bytes);
  });
});

describe('statistics completed for another configuration', () => {
  it('a layer kept in FP32 reads a ReLU input calibration left out: the build refuses, one more pass supplies it', async () => {
    const prepared = await prepareVariants(createSession, model, [{ id: 'v', config: defaultQuantConfig }], () => calibration(), images.length);
    const stats = prepared.stats;
    // a Conv whose FP32 keeps the ReLU before it unfused
    const conv = model.graph!.node.filter((n) => n.opType === 'Conv').find((n) => missingTensors(model, [{ ...defaultQuantConfig, layerOverrides: { [n.name]: { keepFp32: true } } }], stats).size > 0);
    expect(conv, 'some Conv of the classifier, kept in FP32, unfuses a ReLU').toBeDefined();
    const config: QuantConfig = { ...defaultQuantConfig, layerOverrides: { [conv!.name]: { keepFp32: true } } };
    const missing = missingTensors(model, [config], stats);
    expect(() => buildVariant('kept', model, stats, config)).toThrow(MissingStatisticsError);

    let passes = 0;
    const added = await completeStatistics(createSession, model, stats, [config], () => { passes++; return calibration(); }, images.length);
    expect(new Set(added)).toEqual(missing);
    expect(passes).toBe(1);
    expect(missingTensors(model, [config], stats).size).toBe(0);
    expect(stats.samples).toBe(images.length);
    for (const name of added) expectClose(stats.histograms.get(name)!, full.histograms.get(name)!, name);
    expect(buildVariant('kept', model, stats, config).bytes).toEqual(buildVariant('kept', model, full, config).bytes);
    // nothing missing: no pass at all
    expect(await completeStatistics(createSession, model, stats, [config], () => { passes++; return calibration(); }, images.length)).toEqual([]);
    expect(passes).toBe(1);
  });

  it('a trade-off grid asks for what each of its configurations reads (weights settings read no other activations)', async () => {
    const prepared = await prepareVariants(createSession, model, [{ id: 'v', config: defaultQuantConfig }], () => calibration(), images.length);
    const grid = tradeoffConfigs({ ...defaultQuantConfig, layerOverrides: { [model.graph!.node.find((n) => n.opType === 'Conv' && n !== model.graph!.node[0])!.name]: { keepFp32: true } } }, TRADEOFF_GRANULARITIES, [8, 4, 2], [8, 4]);
    const each = new Set(grid.flatMap((c) => [...calibrationTensors(model, c, prepared.stats)].filter((t) => !prepared.stats.histograms.has(t))));
    expect(missingTensors(model, grid, prepared.stats)).toEqual(each);
    for (const c of grid) expect(calibrationTensors(model, c, full), `${c.weightGranularity} w${c.weightBits}`).toEqual(calibrationTensors(model, { ...c, weightBits: 8, weightGranularity: 'per-channel' }, full));
  });

  it("'all' completes every float tensor, as the full pass collects it", async () => {
    const prepared = await prepareVariants(createSession, model, [{ id: 'v', config: defaultQuantConfig }], () => calibration(), images.length);
    await completeStatistics(createSession, model, prepared.stats, 'all', () => calibration(), images.length);
    expect(new Set(prepared.stats.histograms.keys())).toEqual(new Set(full.histograms.keys()));
    for (const [name, h] of full.histograms) expectClose(prepared.stats.histograms.get(name)!, h, name);
  });

  it('refuses statistics from a different set of images', async () => {
    const prepared = await prepareVariants(createSession, model, [{ id: 'v', config: defaultQuantConfig }], () => calibration(), images.length);
    const fewer = () => (async function* () { yield* images.slice(0, 3); })();
    await expect(completeStatistics(createSession, model, prepared.stats, 'all', fewer, 3)).rejects.toThrow(/calibration images changed/);
  });
});

describe('the guess from the graph', () => {
  // Every real model at hand: the guess is what the first image's statistics of every tensor choose, less the
  // shape arithmetic it fetches to find out (tiny integer tensors).
  const cases: [string, () => ModelProto, number[]][] = [
    ['PP-OCRv4 recogniser', () => load(join(OCR_MODELS, 'ch_PP-OCRv4_rec_infer.onnx'), ['x', [3, 48, 160]]), [1, 3, 48, 160]],
    ['PP-OCRv4 detector', () => load(join(OCR_MODELS, 'ch_PP-OCRv4_det_infer.onnx'), ['x', [3, 64, 64]]), [1, 3, 64, 64]],
    ...(HAVE_SHARED ? SHARED_MODELS.map((m): [string, () => ModelProto, number[]] => [m.id, () => load(join(SHARED, 'models', m.file)), [1, 3, m.size, m.size]]) : []),
  ];
  if (!HAVE_SHARED) console.log(`SKIPPED the guess on the ImageNet models: ${SKIP_REASON}`);
  it.each(cases)('%s: per-channel, per-tensor and symmetric activations', async (_, read, dims) => {
    const m = read();
    const first = await collectStatistics(createSession, m, (async function* () { yield noiseInput(dims, 3); })(), 1);
    for (const config of Object.values(configs)) {
      const guess = guessConfigsTensors(m, [config]);
      expect(new Set([...guess].filter((t) => !first.nonFloat.has(t)))).toEqual(calibrationTensors(m, config, first));
    }
  });

  it('a ReLU6 that is 0 on every image is not fused after all: the first image finds out, one more pass collects its input', async () => {
    // x → Conv (bias −100: all negative) → Clip(0, 6) → Conv → y. A range of one point, [0, 0], gets scale 1, so
    // 6 no longer quantizes to the top of the range and the clip must stay: its input is read too.
    const dead = tinyModel(
      [makeNode('Conv', ['x', 'w1', 'b1'], ['c'], 'conv1'), makeNode('Clip', ['c', 'lo', 'hi'], ['r'], 'relu6'), makeNode('Conv', ['r', 'w2'], ['y'], 'conv2')],
      [
        makeTensor('w1', [1, 1, 1, 1], Float32Array.of(1)),
        makeTensor('b1', [1], Float32Array.of(-100)),
        makeTensor('lo', [], Float32Array.of(0)),
        makeTensor('hi', [], Float32Array.of(6)),
        makeTensor('w2', [1, 1, 1, 1], Float32Array.of(1)),
      ],
      [['x', [1, 1, 4, 4]]],
      [['y', [1, 1, 4, 4]]],
    );
    const xs = [5, 6, 7].map((seed) => noiseInput([1, 1, 4, 4], seed));
    const images = () => (async function* () { yield* xs; })();
    const all = await collectStatistics(createSession, dead, images(), xs.length);
    expect(guessConfigsTensors(dead, [defaultQuantConfig]).has('c')).toBe(false);
    expect(calibrationTensors(dead, defaultQuantConfig, all).has('c')).toBe(true);
    let passes = 0;
    const prepared = await prepareVariants(createSession, dead, [{ id: 'v', config: defaultQuantConfig }], () => (passes++, images()), xs.length);
    expect(passes).toBe(2);
    expect(prepared.stats.samples).toBe(xs.length);
    expect(plain(prepared.stats.histograms.get('c')!)).toEqual(plain(all.histograms.get('c')!));
    expect(prepared.variants[0].bytes).toEqual(buildVariant('v', dead, all, defaultQuantConfig).bytes);
  });
});

describe('ActivationStats.retain and adopt', () => {
  it('retain keeps the named histograms and every non-float name; adopt adds only what is lacking', () => {
    const a = new ActivationStats(64);
    a.observe('x', Float32Array.of(0, 1));
    a.observe('y', Float32Array.of(-1, 2));
    a.observe('shape', BigInt64Array.of(1n, 3n));
    const v = a.version;
    a.retain(new Set(['y']));
    expect([...a.histograms.keys()]).toEqual(['y']);
    expect([...a.nonFloat]).toEqual(['shape']);
    expect(a.version).toBeGreaterThan(v);
    const b = new ActivationStats(64);
    b.observe('x', Float32Array.of(5, 6));
    b.observe('y', Float32Array.of(100));
    const y = a.histograms.get('y');
    a.adopt(b);
    expect(a.histograms.get('y')).toBe(y);
    expect(a.histograms.get('x')!.max).toBe(6);
  });
});
