import * as Comlink from 'comlink';

import {
  activationViewFor,
  activationMaterial,
  weightMaterial,
  bnFoldLesson,
  calibrationCurve,
  collectPerImageStatistics,
  curveTensors,
  tradeoffGrid,
  tradeoffConfigs,
  TRADEOFF_GRANULARITIES,
  completeStatistics,
  MissingStatisticsError,
  OutputScorer,
  profileFits,
  profileWeightPrecision,
  selectMixedPrecision,
  applyBiasCorrection,
  buildVariant,
  layoutGraph,
  nonFloatOutputs,
  measureSensitivity,
  traceImage,
  weightViewFor,
  buildRunReport,
  CancelledError,
  evaluate,
  fixInputDims,
  imagenetClassFromPath,
  classFromNames,
  customLabelSpace,
  imageFolderClasses,
  parseLabelList,
  openModel,
  parseModel,
  prepareVariants,
  rgbToTensor,
  tensorChannels,
  serializeModel,
  summarizeModel,
  throttleProgress,
} from '../core';
import type {
  QuantConfig,
  ActivationMaterial,
  WeightMaterial,
  BnFoldLesson,
  ActivationStats,
  ActivationView,
  CalibrationCurve,
  CalibratorId,
  CurvePoint,
  Sample,
  TradeoffGrid,
  TradeoffPoint,
  MixedPrecisionResult,
  MixedTarget,
  PrecisionProfile,
  WeightChoice,
  WeightGranularity,
  GraphLayout,
  ImageTrace,
  LayerOverride,
  PreparedVariants,
  SensitivityResult,
  WeightView,
  ImageInfo,
  LabelSpace,
  ModelInfo,
  ModelProto,
  Preprocess,
  ProgressEvent,
  RtTensor,
  RunReport,
  RunRequest,
  Variant,
} from '../core';
import { decodeToRgb } from './decode';
import { decodeImage } from './decode-pool';
import { renderDemoImages } from './demo-images';
import { webRangeHelper } from './range-helper';
import { createWebSession, startRuntime, webRuntimeLabel } from './web-session';
import { unzipFiles } from './zip';

interface ImageEntry extends ImageInfo {
  blob: Blob;
  /** label known from how the image was made (demo images) */
  knownLabel?: number;
  rgb?: Uint8Array;
  rgbKey?: string;
  /** a small JPEG for the dataset view, made on first request */
  thumb?: Blob;
}

type OnProgress = (e: ProgressEvent) => void;

const state = {
  model: null as ModelProto | null,
  /** the model file as loaded, before normalisation (learn mode's BN-folding lesson shows the folding) */
  originalBytes: null as Uint8Array | null,
  info: null as ModelInfo | null,
  images: [] as ImageEntry[],
  variants: [] as Variant[],
  runModel: null as ModelProto | null,
  /** what the last run used, for the analyses that follow it */
  lastRun: null as null | {
    preprocess: Preprocess;
    dims: number[];
    calibIds: number[];
    evalIds: number[];
    stats: Map<string, ActivationStats>;
    means: PreparedVariants['means'];
    /** per-image statistics of the calibration images, per FP32 model and for the tensors they cover, once a curve asked for them */
    perImage: Map<ModelProto, { tensors: Set<string>; stats: ActivationStats[] }>;
    /** mixed-precision profiles by variant, candidates and images: a new target reuses them */
    profiles: Map<string, PrecisionProfile>;
  },
  cancelled: false,
  /** a class list the user added: names in output order */
  labelList: null as null | { names: string[]; fileName: string },
  /** where the images' labels come from, as a sentence (set by relabel) */
  labelSource: '',
};

function variantOf(id: string): Variant {
  const v = state.variants.find((x) => x.id === id);
  if (!v || !state.lastRun) throw new Error(`There is no quantized model '${id}': run the quantization first.`);
  return v;
}

function statsOf(id: string): ActivationStats {
  return state.lastRun!.stats.get(id)!;
}

/**
 * Completes a variant's calibration statistics (those of its FP32 model) for builds of `configs`, or of every
 * tensor: the run collected only the tensors its own variants read, and another configuration (a layer kept in
 * FP32 leaves the ReLU before it unfused) can read more. One more pass over the same calibration images, shown
 * as its own progress phase ('statistics'); nothing when nothing is missing.
 */
async function completeStatisticsFor(variantId: string, configs: QuantConfig[] | 'all', onProgress?: OnProgress): Promise<void> {
  const v = variantOf(variantId);
  const run = state.lastRun!;
  const calib = async function* () {
    for await (const s of tensors(run.calibIds, run.preprocess, run.dims)) yield s.tensor;
  };
  await completeStatistics(createWebSession, v.reference, statsOf(variantId), configs, calib, run.calibIds.length, {
    onProgress: progressReporter('statistics', onProgress),
    signal: { get aborted() { return state.cancelled; } },
  });
}

/**
 * Runs an analysis whose models are built from a variant's statistics, completed first for `configs`; a build
 * that still reads a tensor without statistics (a configuration the list did not foresee) completes them for
 * every tensor, and the analysis starts again.
 */
async function withStatistics<T>(variantId: string, configs: QuantConfig[] | 'all', onProgress: OnProgress | undefined, analysis: () => Promise<T>): Promise<T> {
  await completeStatisticsFor(variantId, configs, onProgress);
  try {
    return await analysis();
  } catch (e) {
    if (!(e instanceof MissingStatisticsError)) throw e;
    await completeStatisticsFor(variantId, 'all', onProgress);
    return analysis();
  }
}

function geometryKey(p: Preprocess) {
  return JSON.stringify([p.width, p.height, p.resize, p.resizeShort]);
}

/**
 * Decoded, resized pixels are kept for the next pass over the same images, up to DECODED_BUDGET bytes; past it
 * the least recently used are dropped (and decoded again when needed). The files themselves stay compressed,
 * so memory stays bounded however many images there are: 500 ImageNet images at 224×224 are 75 MB decoded.
 */
const DECODED_BUDGET = 256 * 2 ** 20;
const decoded = new Map<ImageEntry, number>();
let decodedBytes = 0;

const decoding = new Map<ImageEntry, { key: string; done: Promise<Uint8Array> }>();

/** The image's pixels at this geometry: cached, being decoded (a prefetch), or decoded now. */
function ensureDecoded(entry: ImageEntry, p: Preprocess): Promise<Uint8Array> {
  const key = geometryKey(p);
  if (entry.rgb && entry.rgbKey === key) {
    // Most recently used last.
    decoded.delete(entry);
    decoded.set(entry, entry.rgb.byteLength);
    return Promise.resolve(entry.rgb);
  }
  const pending = decoding.get(entry);
  if (pending?.key === key) return pending.done;
  const done = decodeImage(entry.blob, p)
    .then(({ rgb }) => {
      // Not kept if the images were cleared meanwhile.
      if (decoding.get(entry)?.done === done) keepDecoded(entry, key, rgb);
      return rgb;
    })
    .finally(() => {
      if (decoding.get(entry)?.done === done) decoding.delete(entry);
    });
  decoding.set(entry, { key, done });
  return done;
}

function keepDecoded(entry: ImageEntry, key: string, rgb: Uint8Array) {
  if (entry.rgb) {
    decodedBytes -= decoded.get(entry) ?? 0;
    decoded.delete(entry);
  }
  entry.rgb = rgb;
  entry.rgbKey = key;
  decoded.set(entry, rgb.byteLength);
  decodedBytes += rgb.byteLength;
  for (const [old, bytes] of decoded) {
    if (decodedBytes <= DECODED_BUDGET) break;
    if (old === entry) continue;
    old.rgb = undefined;
    old.rgbKey = undefined;
    decoded.delete(old);
    decodedBytes -= bytes;
  }
}

/** Forgets every decoded image (the images were cleared). */
function dropDecoded() {
  decoded.clear();
  decoding.clear();
  decodedBytes = 0;
}

function checkCancelled() {
  if (state.cancelled) throw new CancelledError();
}

function progressReporter(phase: ProgressEvent['phase'], onProgress?: OnProgress) {
  if (!onProgress) return () => {};
  return throttleProgress((done, total, elapsedMs) => onProgress({ phase, done, total, elapsedMs }));
}

/** Images decoded ahead of the one being run (on the decoder's thread, while the model runs here). */
const PREFETCH = 2;

async function* tensors(ids: number[], p: Preprocess, dims: number[]): AsyncGenerator<{ tensor: RtTensor; label: number | null }> {
  const entries = ids.map((id) => state.images[id]).filter((e): e is ImageEntry => !!e && !e.error);
  for (const [i, entry] of entries.entries()) {
    checkCancelled();
    // Errors of a prefetch surface when that image's turn comes.
    for (const next of entries.slice(i + 1, i + 1 + PREFETCH)) ensureDecoded(next, p).catch(() => {});
    const rgb = await ensureDecoded(entry, p);
    yield { tensor: { data: rgbToTensor(rgb, p), dims }, label: entry.label };
  }
}

/**
 * Checks that an added file decodes, so broken files are reported at once. With the model's preprocessing
 * known (and room in the cache), the file is decoded and resized for the model right away and kept: the run
 * then starts from its pixels instead of decoding every file a second time.
 */
async function readImage(entry: ImageEntry, p: Preprocess | undefined, onDecoder: boolean): Promise<void> {
  if (entry.error) return;
  if (p && decodedBytes + p.width * p.height * 3 <= DECODED_BUDGET) {
    try {
      const { rgb } = await (onDecoder ? decodeImage(entry.blob, p) : decodeToRgb(entry.blob, p));
      keepDecoded(entry, geometryKey(p), rgb);
      return;
    } catch {
      // told apart below by the browser's decoder alone
    }
  }
  try {
    const bmp = await createImageBitmap(entry.blob);
    bmp.close();
  } catch {
    entry.error = entry.blob.size === 0 ? 'the file is empty' : /\.(jpe?g|png|webp|gif|bmp|avif)$/i.test(entry.name)
      ? 'the image is corrupt: the browser cannot decode it'
      : 'not an image the browser can decode';
  }
}

/**
 * Starts onnxruntime once a model and images are both there, so a Run does not wait for it (see startRuntime);
 * not earlier: its compilation takes both cores for a moment, and while the images were being read it made the
 * page's main thread miss frames (tasks over 100 ms before Run in 5 of 7 bench runs, 104-181 ms; started here, 3
 * of 6 in a side-by-side probe, as many as with no early start).
 */
function runtimeWhenReady() {
  if (state.model && state.images.some((e) => !e.error)) void startRuntime();
}

const api = {
  loadModel(buffer: ArrayBuffer, fileName: string): { info: ModelInfo; images: ImageInfo[] } {
    const { model, info } = openModel(new Uint8Array(buffer), fileName);
    state.model = model;
    state.originalBytes = new Uint8Array(buffer);
    state.info = info;
    state.variants = [];
    // Labels depend on the model's output space.
    relabel();
    runtimeWhenReady();
    return { info, images: state.images.map(publicInfo) };
  },

  /**
   * `paths` (optional) are the files' paths inside a dropped folder, for labels from folder names. A .zip is
   * opened (streamed, with zip-bomb limits) and its files added as if they had been dropped as a folder.
   */
  async addFiles(files: File[], onProgress?: OnProgress, paths?: string[], preprocess?: Preprocess): Promise<ImageInfo[]> {
    state.cancelled = false;
    const items: { name: string; blob: Blob; error?: string }[] = [];
    for (const [i, file] of files.entries()) {
      const name = paths?.[i] || (file as File & { webkitRelativePath?: string }).webkitRelativePath || file.name;
      if (!/\.zip$/i.test(file.name)) {
        items.push({ name, blob: file });
        continue;
      }
      const { entries, error } = await unzipFiles(file, name);
      for (const e of entries) items.push({ name: e.path, blob: e.blob ?? new Blob([]), error: e.error });
      if (error) items.push({ name, blob: new Blob([]), error });
    }
    const report = progressReporter('decode', onProgress);
    const added: ImageEntry[] = [];
    let done = 0;
    // Two at a time: one on the decoder's thread, one here (this thread has nothing else to do meanwhile).
    for (let at = 0; at < items.length; at += 2) {
      // Cancelling keeps the files read so far.
      if (state.cancelled) break;
      const batch = items
        .slice(at, at + 2)
        .map((item, k): ImageEntry => ({ id: state.images.length + k, name: item.name, label: labelFor(item.name), blob: item.blob, ...(item.error ? { error: item.error } : {}) }));
      await Promise.all(batch.map((entry, k) => readImage(entry, preprocess, k === 0)));
      for (const entry of batch) {
        state.images.push(entry);
        added.push(entry);
        report(++done, items.length);
      }
    }
    // Folder classes depend on every image: label again, then answer with the final labels.
    relabel();
    runtimeWhenReady();
    return added.map(publicInfo);
  },

  /** Every image as the page shows it (labels final once all of a folder's files are in). */
  imageInfos(): ImageInfo[] {
    return state.images.map(publicInfo);
  },

  /** Where the images' labels come from, as a sentence. */
  labelSource(): string {
    return state.labelSource;
  },

  /**
   * A class list (one name per line): labels from folder and file names matched against it. It must fit the
   * model's outputs (equal, or one fewer with a background class). Returns every image, relabelled.
   */
  setLabelList(text: string | null, fileName = 'the class list'): { images: ImageInfo[]; labelSource: string; labelSpace: LabelSpace | null } {
    if (text === null) state.labelList = null;
    else {
      const names = parseLabelList(text);
      const space = customLabelSpace(names, state.info?.outputClasses ?? null, fileName);
      if (typeof space === 'string') throw new Error(space);
      state.labelList = { names, fileName };
    }
    const labelSource = relabel();
    return { images: state.images.map(publicInfo), labelSource, labelSpace: labelSpace() };
  },

  async addDemoImages(count: number): Promise<ImageInfo[]> {
    const demo = await renderDemoImages(count);
    const added = demo.map((d) => {
      const entry: ImageEntry = { id: state.images.length, name: d.name, label: d.label, knownLabel: d.label, blob: d.blob };
      state.images.push(entry);
      return entry;
    });
    relabel();
    runtimeWhenReady();
    return added.map(publicInfo);
  },

  clearImages(): void {
    state.images = [];
    dropDecoded();
    relabel();
  },

  /** Memory the worker holds: its JS heap where the browser tells (Chromium), and the decoded-image cache. */
  memory(): { heapUsedBytes: number | null; decodedBytes: number; decodedImages: number; decodedBudget: number } {
    const heap = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
    return { heapUsedBytes: heap ? heap.usedJSHeapSize : null, decodedBytes, decodedImages: decoded.size, decodedBudget: DECODED_BUDGET };
  },

  /**
   * The tensor the model receives for one image (the first usable one by default) under a preprocessing:
   * each channel's range and mean, and a grey picture of it, so a wrong preset shows before any run.
   */
  async previewTensor(
    p: Preprocess,
    imageId?: number,
  ): Promise<{ id: number; name: string; width: number; height: number; channels: { source: string; min: number; max: number; mean: number; png: Blob }[] } | null> {
    const entry = imageId !== undefined ? state.images[imageId] : state.images.find((i) => !i.error);
    if (!entry || entry.error) return null;
    const rgb = await ensureDecoded(entry, p);
    const channels = tensorChannels(rgbToTensor(rgb, p), p);
    const out = [];
    for (const c of channels) {
      const canvas = new OffscreenCanvas(p.width, p.height);
      const img = new ImageData(p.width, p.height);
      for (let i = 0; i < c.grey.length; i++) img.data.set([c.grey[i], c.grey[i], c.grey[i], 255], i * 4);
      canvas.getContext('2d')!.putImageData(img, 0, 0);
      out.push({ source: c.source, min: c.min, max: c.max, mean: c.mean, png: await canvas.convertToBlob({ type: 'image/png' }) });
    }
    return { id: entry.id, name: entry.name, width: p.width, height: p.height, channels: out };
  },

  /**
   * Small JPEG thumbnails (longest side `size` px) of the given images, made once and kept (about 3 KB each);
   * null for a file that is not a usable image.
   */
  async thumbnails(ids: number[], size = 112): Promise<(Blob | null)[]> {
    const out: (Blob | null)[] = [];
    for (const id of ids) {
      const e = state.images[id];
      if (!e || e.error) {
        out.push(null);
        continue;
      }
      if (!e.thumb) {
        try {
          const bmp = await createImageBitmap(e.blob);
          const k = size / Math.max(bmp.width, bmp.height);
          const w = Math.max(1, Math.round(bmp.width * k));
          const h = Math.max(1, Math.round(bmp.height * k));
          const canvas = new OffscreenCanvas(w, h);
          const ctx = canvas.getContext('2d')!;
          ctx.imageSmoothingQuality = 'high';
          ctx.drawImage(bmp, 0, 0, w, h);
          bmp.close();
          e.thumb = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.8 });
        } catch {
          out.push(null);
          continue;
        }
      }
      out.push(e.thumb);
    }
    return out;
  },

  cancel(): void {
    state.cancelled = true;
  },

  /** For the tests: an uncaught error in the worker, as a crash would raise. */
  crashForTest(): void {
    setTimeout(() => {
      throw new Error('forced crash for a test');
    }, 0);
  },

  async run(req: RunRequest, onProgress?: OnProgress): Promise<RunReport> {
    if (!state.model || !state.info) throw new Error('Load a model first.');
    state.cancelled = false;
    const info = state.info;
    const p = req.preprocess;
    const model = parseModel(serializeModel(state.model));
    const dims = info.layout === 'NCHW' ? [1, 3, p.height, p.width] : [1, p.height, p.width, 3];
    fixInputDims(model.graph!, info.inputName, dims.slice(1));
    const usable = (ids: number[]) => ids.filter((i) => state.images[i] && !state.images[i].error);
    const calibIds = usable(req.calibIds);
    const requested = usable(req.evalIds);
    const evalIds = req.evalLimit !== undefined ? requested.slice(0, Math.max(1, req.evalLimit)) : requested;
    if (!calibIds.length) throw new Error('There are no usable calibration images. Add images, or the demo set.');
    if (!evalIds.length) throw new Error('There are no evaluation images left after calibration. Lower the calibration count or add images.');
    const cancel = { get aborted() { return state.cancelled; } };

    const calibTensors = async function* () {
      for await (const s of tensors(calibIds, p, dims)) yield s.tensor;
    };
    const reporters = {
      calibrate: progressReporter('calibrate', onProgress),
      equalize: progressReporter('equalize', onProgress),
      'bias-correction': progressReporter('bias-correction', onProgress),
      quantize: progressReporter('quantize', onProgress),
    };
    const prepared = await prepareVariants(createWebSession, model, req.variants, calibTensors, calibIds.length, {
      onProgress: (phase, done, total) => reporters[phase](done, total),
      signal: cancel,
    });
    checkCancelled();
    const variants = prepared.variants;
    // Cancelled part way, the evaluation keeps its figures on the images it went through.
    const ev = await evaluate(createWebSession, model, variants, tensors(evalIds, p, dims), evalIds.length, {
      sqnrSamples: req.sqnrSamples,
      onProgress: progressReporter('evaluate', onProgress),
      signal: cancel,
      keepPartial: true,
    });
    const evaluated = evalIds.slice(0, ev.samples);
    state.variants = variants;
    state.runModel = model;
    state.lastRun = {
      preprocess: p,
      dims,
      calibIds,
      evalIds: evaluated,
      stats: new Map(req.variants.map((v) => [v.id, v.cle ? prepared.equalizedStats! : prepared.stats])),
      means: prepared.means,
      perImage: new Map(),
      profiles: new Map(),
    };
    return buildRunReport(serializeModel(model).length, calibIds.length, variants, ev, {
      evalIds: evaluated,
      evaluationRequested: requested.length,
      cle: Object.fromEntries(req.variants.map((v) => [v.id, !!v.cle])),
      biasCorrection: Object.fromEntries(req.variants.map((v) => [v.id, !!v.biasCorrection])),
      equalizedPairs: prepared.equalized?.pairs.length ?? 0,
      calibrationTiming: prepared.calibrationTiming,
    });
  },

  /** The model's graph laid out for drawing (the run's model, or the loaded one before any run). */
  graphLayout(): GraphLayout {
    const model = state.runModel ?? state.model;
    if (!model) throw new Error('Load a model first.');
    // the graph's own types name the shape arithmetic, before a run and where the calibration did not fetch it
    const nonFloat = nonFloatOutputs(model);
    for (const t of state.lastRun?.stats.values().next().value?.nonFloat ?? []) nonFloat.add(t);
    return layoutGraph(model, nonFloat);
  },

  weightView(variantId: string, node: string): WeightView | null {
    return weightViewFor(variantOf(variantId), node);
  },

  /** Channel range spread (largest over smallest |w|max) of every layer with weights. */
  weightSpreads(variantId: string): Record<string, number> {
    const v = variantOf(variantId);
    const out: Record<string, number> = {};
    for (const l of v.layers) {
      const w = weightViewFor(v, l.node);
      if (w) out[l.node] = w.spread;
    }
    return out;
  },

  /** Learn mode: an activation of the model (the best one to teach with by default) and its lesson numbers. */
  learnActivation(variantId: string, tensor?: string): ActivationMaterial | null {
    return activationMaterial(variantOf(variantId), statsOf(variantId), tensor);
  },

  /** Learn mode: a Conv + BatchNormalization pair of the model as loaded, folded step by step (null: none). */
  learnBatchNorm(conv?: string): BnFoldLesson | null {
    if (!state.originalBytes) throw new Error('Load a model first.');
    return bnFoldLesson(parseModel(state.originalBytes), conv);
  },

  /** Learn mode: a weight (the one whose channels differ most by default), its channels and bit-width sweep. */
  learnWeight(variantId: string, node?: string): WeightMaterial | null {
    return weightMaterial(variantOf(variantId), node);
  },

  activationView(variantId: string, tensor: string): ActivationView | null {
    return activationViewFor(variantOf(variantId), statsOf(variantId), tensor);
  },

  /**
   * Per-layer sensitivity of a variant on the first `count` evaluation images; cancel keeps what was measured,
   * and such a partial result given as `resume` is continued rather than measured again.
   */
  async sensitivity(variantId: string, count: number, onProgress?: OnProgress, onLayer?: (r: SensitivityResult) => void, resume?: SensitivityResult): Promise<SensitivityResult> {
    const v = variantOf(variantId);
    state.cancelled = false;
    const run = state.lastRun!;
    const inputs: RtTensor[] = [];
    for await (const s of tensors(run.evalIds.slice(0, count), run.preprocess, run.dims)) inputs.push(s.tensor);
    // Each layer kept in FP32 in turn: most ReLUs end up unfused somewhere, so every tensor's statistics.
    return withStatistics(variantId, 'all', onProgress, () =>
      measureSensitivity(createWebSession, v, statsOf(variantId), inputs, {
        onProgress: progressReporter('sensitivity', onProgress),
        onLayer,
        resume,
        signal: { get aborted() { return state.cancelled; } },
      }),
    );
  },

  /**
   * A new variant: `baseId` with per-layer overrides (e.g. the layers sensitivity points at kept in FP32),
   * evaluated on the same images. Returns a report holding only the new variant.
   */
  async applyOverrides(baseId: string, newId: string, overrides: Record<string, LayerOverride>, sqnrSamples: number, onProgress?: OnProgress): Promise<RunReport> {
    const base = variantOf(baseId);
    state.cancelled = false;
    const run = state.lastRun!;
    const config = { ...base.config, layerOverrides: { ...base.config.layerOverrides, ...overrides } };
    // A bias-corrected base is corrected again for the new weights (a layer kept in FP32 needs no correction).
    const means = run.means.get(base.reference);
    const source = base.source !== base.reference && means ? applyBiasCorrection(base.reference, config, means).model : base.source;
    await completeStatisticsFor(baseId, [config], onProgress);
    const v = { ...buildVariant(newId, source, statsOf(baseId), config), reference: base.reference };
    const ev = await evaluate(createWebSession, state.runModel!, [v], tensors(run.evalIds, run.preprocess, run.dims), run.evalIds.length, {
      sqnrSamples,
      onProgress: progressReporter('evaluate', onProgress),
      signal: { get aborted() { return state.cancelled; } },
    });
    state.variants = [...state.variants.filter((x) => x.id !== newId), v];
    run.stats.set(newId, statsOf(baseId));
    return buildRunReport(serializeModel(state.runModel!).length, run.calibIds.length, [v], ev, { evalIds: run.evalIds });
  },

  /**
   * Accuracy against the number of calibration images, per calibrator, over seeded random draws, from
   * per-image statistics (one extra FP32 pass over the calibration images, kept for the next curve).
   */
  async calibrationCurve(
    variantId: string,
    opts: { calibrators: CalibratorId[]; draws: number; evalImages: number; seed: number },
    onProgress?: OnProgress,
    onPoint?: (p: CurvePoint) => void,
    resume?: CalibrationCurve,
  ): Promise<CalibrationCurve & { calibNames: string[] }> {
    const v = variantOf(variantId);
    state.cancelled = false;
    const run = state.lastRun!;
    const signal = { get aborted() { return state.cancelled; } };
    // Only the tensors this configuration's int8 model reads ranges of (MobileNet v1: 32 of 59): fewer outputs
    // to copy out of onnxruntime and fewer values to count. Kept for the next curve that needs no others.
    await completeStatisticsFor(variantId, [v.config], onProgress);
    const needed = curveTensors(v.source, v.config, statsOf(variantId));
    let cached = run.perImage.get(v.reference);
    if (!cached || [...needed].some((t) => !cached!.tensors.has(t))) {
      const calib = async function* () {
        for await (const s of tensors(run.calibIds, run.preprocess, run.dims)) yield s.tensor;
      };
      const stats = await collectPerImageStatistics(createWebSession, v.reference, calib(), run.calibIds.length, { onProgress: progressReporter('calibrate', onProgress), signal, only: needed });
      run.perImage.set(v.reference, (cached = { tensors: needed, stats }));
    }
    const perImage = cached.stats;
    const evalInputs: RtTensor[] = [];
    for await (const s of tensors(run.evalIds.slice(0, opts.evalImages), run.preprocess, run.dims)) evalInputs.push(s.tensor);
    const curve = await calibrationCurve(createWebSession, v.source, v.config, perImage, evalInputs, {
      calibrators: opts.calibrators,
      draws: opts.draws,
      seed: opts.seed,
      reference: v.reference,
      onProgress: progressReporter('experiment', onProgress),
      onPoint,
      signal,
      rangeHelper: webRangeHelper(),
      collected: needed,
      resume,
    });
    return { ...curve, calibNames: run.calibIds.map((id) => state.images[id]?.name ?? `#${id}`) };
  },

  /** Weight granularity × weight bits × activation bits, evaluated on the first `evalImages` evaluation images. */
  async tradeoff(
    variantId: string,
    opts: { weightBits: number[]; activationBits: number[]; evalImages: number },
    onProgress?: OnProgress,
    onPoint?: (p: TradeoffPoint) => void,
    resume?: TradeoffGrid,
  ): Promise<TradeoffGrid> {
    const v = variantOf(variantId);
    state.cancelled = false;
    const run = state.lastRun!;
    const samples: Sample[] = [];
    for await (const s of tensors(run.evalIds.slice(0, opts.evalImages), run.preprocess, run.dims)) samples.push(s);
    const configs = tradeoffConfigs(v.config, TRADEOFF_GRANULARITIES, opts.weightBits, opts.activationBits);
    const grid = await withStatistics(variantId, configs, onProgress, () =>
      tradeoffGrid(createWebSession, v.source, v.reference, statsOf(variantId), v.config, samples, {
        granularities: TRADEOFF_GRANULARITIES,
        weightBits: opts.weightBits,
        activationBits: opts.activationBits,
        onProgress: progressReporter('experiment', onProgress),
        onPoint,
        signal: { get aborted() { return state.cancelled; } },
        resume,
      }),
    );
    return { ...grid, runtime: webRuntimeLabel };
  },

  /**
   * Mixed precision: per-layer weight bits and granularity chosen from a noise profile (profiled once per variant,
   * candidates and image count; kept for the next target) to meet a size budget or a score floor, each
   * configuration tried measured on the first `evalImages` evaluation images. `resume`: a profile the page kept
   * (a cancelled one, or one from before a reload) that is continued or reused when it fits this request;
   * `onProfile` gets the profile after each layer, for the page to keep; `fresh` profiles from the start.
   */
  async mixedPrecision(
    variantId: string,
    opts: { choices: WeightChoice[]; profileImages: number; evalImages: number; target: MixedTarget; fresh?: boolean },
    onProgress?: OnProgress,
    resume?: PrecisionProfile | null,
    onProfile?: (partial: PrecisionProfile) => void,
  ): Promise<MixedPrecisionResult & { profile: PrecisionProfile }> {
    const v = variantOf(variantId);
    state.cancelled = false;
    const run = state.lastRun!;
    const signal = { get aborted() { return state.cancelled; } };
    const key = JSON.stringify([variantId, opts.choices, opts.profileImages]);
    const profileIds = run.evalIds.slice(0, opts.profileImages);
    // A profile cancelled part way is kept (here, and by the page through a reload), and continued by the next
    // request for the same one.
    let profile = opts.fresh ? undefined : run.profiles.get(key);
    if (!profile && !opts.fresh && profileFits(resume, variantId, opts.choices, profileIds.length)) profile = resume;
    if (!profile?.complete) {
      const inputs: RtTensor[] = [];
      for await (const s of tensors(profileIds, run.preprocess, run.dims)) inputs.push(s.tensor);
      const partial = profile;
      profile = await withStatistics(variantId, [v.config], onProgress, () =>
        profileWeightPrecision(createWebSession, v, statsOf(variantId), inputs, {
          choices: opts.choices,
          onProgress: progressReporter('sensitivity', onProgress),
          onLayer: onProfile,
          signal,
          resume: partial,
        }),
      );
      run.profiles.set(key, profile);
      if (!profile.complete) throw new CancelledError();
    }
    const samples: Sample[] = [];
    for await (const s of tensors(run.evalIds.slice(0, opts.evalImages), run.preprocess, run.dims)) samples.push(s);
    const report = progressReporter('experiment', onProgress);
    let done = 0;
    // FP32 once, then about log2(path) + 2 configurations: the total is an estimate the bar may overrun.
    const guess = samples.length * (3 + Math.ceil(Math.log2(profile.layers.length * opts.choices.length + 1)));
    const scorer = await new OutputScorer(createWebSession, v.reference, samples, () => report(++done, Math.max(guess, done + 1)), signal).prepare();
    const means = run.means.get(v.reference);
    const result = await withStatistics(variantId, [v.config], onProgress, () => selectMixedPrecision(profile, opts.target, async (overrides) => {
      const config = { ...v.config, layerOverrides: { ...v.config.layerOverrides, ...overrides } };
      const source = v.source !== v.reference && means ? applyBiasCorrection(v.reference, config, means).model : v.source;
      const m = buildVariant('mixed', source, statsOf(variantId), config);
      return { ...(await scorer.score(m)), packedSizeBytes: m.packedSizeBytes, sizeBytes: m.bytes.length };
    }));
    report(1, 1);
    return { ...result, profile };
  },

  /**
   * FP32 and one model per configuration (the analysed variant with that granularity and bit widths), with the
   * first evaluation image and each model's output on it in WASM: what the WebGPU worker times and checks.
   */
  async latencyModels(
    variantId: string,
    configs: { granularity: WeightGranularity; weightBits: number; activationBits: number }[],
  ): Promise<{ input: { name: string; data: Float32Array; dims: number[] }; fp32: Uint8Array; models: Uint8Array[]; wasmOutputs: Float32Array[] }> {
    const v = variantOf(variantId);
    const run = state.lastRun!;
    let input: RtTensor | undefined;
    for await (const s of tensors(run.evalIds.slice(0, 1), run.preprocess, run.dims)) input = s.tensor;
    const name = state.info!.inputName;
    const fp32 = serializeModel(v.reference);
    const timed = configs.map((c) => ({ ...v.config, weightGranularity: c.granularity, weightBits: c.weightBits, activationBits: c.activationBits }));
    const models = await withStatistics(variantId, timed, undefined, async () => timed.map((c) => buildVariant('timed', v.source, statsOf(variantId), c).bytes));
    const wasmOutputs: Float32Array[] = [];
    for (const bytes of [fp32, ...models]) {
      const session = await createWebSession(bytes);
      try {
        const out = await session.run({ [name]: input! }, [v.reference.graph!.output[0].name]);
        wasmOutputs.push(Object.values(out)[0].data as Float32Array);
      } finally {
        await session.release();
      }
    }
    const data = Float32Array.from(input!.data as Float32Array);
    return Comlink.transfer({ input: { name, data, dims: input!.dims }, fp32, models, wasmOutputs }, [data.buffer, fp32.buffer, ...models.map((m) => m.buffer)]);
  },

  /** One evaluation image through FP32 and a variant: top-5s, per-layer error, where the error jumps. */
  async imageDetail(imageId: number, variantId: string): Promise<ImageTrace & { name: string; label: number | null; blob: Blob }> {
    const v = variantOf(variantId);
    const run = state.lastRun!;
    const entry = state.images[imageId];
    if (!entry || entry.error) throw new Error(`Image ${imageId} is not a usable image.`);
    let input: RtTensor | undefined;
    for await (const s of tensors([imageId], run.preprocess, run.dims)) input = s.tensor;
    const trace = await traceImage(createWebSession, v, input!);
    return { ...trace, name: entry.name, label: entry.label, blob: entry.blob };
  },

  exportModel(id: string): Uint8Array {
    const v = state.variants.find((x) => x.id === id);
    if (!v) throw new Error(`There is no quantized model '${id}' yet: run the quantization first.`);
    const copy = v.bytes.slice();
    return Comlink.transfer(copy, [copy.buffer]);
  },

  /** Runs any model (e.g. one the CLI wrote) on given inputs and returns its first output for each. */
  async runModel(model: Uint8Array, inputs: Float32Array[], dims: number[]): Promise<Float32Array[]> {
    const parsed = parseModel(model);
    const inputName = summarizeModel(parsed).inputs[0].name;
    const outName = parsed.graph!.output[0].name;
    const session = await createWebSession(model);
    try {
      const out: Float32Array[] = [];
      for (const data of inputs) out.push((await session.run({ [inputName]: { data, dims } }, [outName]))[outName].data as Float32Array);
      return out;
    } finally {
      await session.release();
    }
  },

  /** Inputs and the variant's outputs for some images, so tests can check another runtime gives the same. */
  async sampleOutputs(id: string, preprocess: Preprocess, ids: number[]): Promise<{ inputs: Float32Array[]; outputs: Float32Array[]; dims: number[] }> {
    const v = state.variants.find((x) => x.id === id);
    if (!v || !state.info || !state.runModel) throw new Error(`There is no quantized model '${id}' yet.`);
    const dims = state.info.layout === 'NCHW' ? [1, 3, preprocess.height, preprocess.width] : [1, preprocess.height, preprocess.width, 3];
    const session = await createWebSession(v.bytes);
    const outName = state.runModel.graph!.output[0].name;
    const inputs: Float32Array[] = [];
    const outputs: Float32Array[] = [];
    try {
      for await (const s of tensors(ids, preprocess, dims)) {
        inputs.push(s.tensor.data as Float32Array);
        outputs.push((await session.run({ [state.info.inputName]: s.tensor }, [outName]))[outName].data as Float32Array);
      }
    } finally {
      await session.release();
    }
    return { inputs, outputs, dims };
  },
};

/** The label space in force: a dropped class list that fits the model, else the model's own (ImageNet). */
function labelSpace(): LabelSpace | null {
  const list = state.labelList;
  if (list && state.info) {
    const space = customLabelSpace(list.names, state.info.outputClasses, list.fileName);
    if (typeof space !== 'string') return space;
  }
  return state.info?.labelSpace ?? null;
}

let folderClasses: Map<string, number> | null = null;

function labelFor(name: string): number | null {
  const space = labelSpace();
  if (space?.kind === 'custom') return classFromNames(name, space.names);
  if (space?.kind === 'imagenet') {
    const k = imagenetClassFromPath(name);
    return k === null ? null : k + space.offset;
  }
  if (folderClasses) {
    const parts = name.split('/');
    return folderClasses.get(parts[parts.length - 2]) ?? null;
  }
  return null;
}

/** Labels of every image again (after a model, images or a class list changed); says where they come from. */
function relabel(): string {
  state.labelSource = describeLabels();
  return state.labelSource;
}

function describeLabels(): string {
  const space = labelSpace();
  const files = state.images.filter((i) => !i.error && i.knownLabel === undefined);
  folderClasses = space ? null : imageFolderClasses(files.map((i) => i.name), state.info?.outputClasses ?? null);
  for (const img of state.images) img.label = img.knownLabel ?? labelFor(img.name);
  const list = state.labelList;
  const misfit = list && state.info && typeof customLabelSpace(list.names, state.info.outputClasses, list.fileName) === 'string';
  if (!files.length && state.images.some((i) => i.knownLabel !== undefined)) return 'Labels: known from how the demo images were drawn (text upright or upside down).';
  if (space?.kind === 'custom') return `Labels: folder and file names matched against the ${list!.names.length} class names of ${list!.fileName}.`;
  const note = misfit ? ` (${list!.fileName} does not fit this model's ${state.info!.outputClasses} outputs and is not used)` : '';
  if (space?.kind === 'imagenet') return `Labels: ImageNet synsets in file and folder names (n01440764_…)${space.offset ? ', shifted by one for the background class at 0' : ''}${note}.`;
  if (folderClasses) {
    const first = [...folderClasses.entries()].slice(0, 3).map(([f, i]) => `${f} → ${i}`).join(', ');
    return `Labels: class folders in sorted order, as torchvision's ImageFolder (${first}${folderClasses.size > 3 ? ', …' : ''})${note}. Add a class list if the model orders its classes differently.`;
  }
  return `No labels${note}: add a class list (one name per line, matched to folder or file names) or use class folders; without labels Quantscope compares int8 with FP32.`;
}

function publicInfo(e: ImageEntry): ImageInfo {
  return { id: e.id, name: e.name, label: e.label, ...(e.error ? { error: e.error } : {}) };
}

export type EngineApi = typeof api;

// onnxruntime's pthread workers load this same module; only the main engine worker exposes the API.
if (!self.name?.startsWith('em-pthread')) Comlink.expose(api);
