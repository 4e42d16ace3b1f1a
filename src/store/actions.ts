import { engine, proxy, transfer } from '../bridge/engine';
import { PREPROCESS_PRESETS, defaultQuantConfig, presetPreprocess, splitIndices } from '../core';
import type { ImageInfo, LabelSpace, Preprocess, ProgressEvent, RunRequest } from '../core';
import { addVariant, parseViewHash, setAnalysisVariant, startAnalysis } from './analysis-actions';
import { analysesChanged, analysesToSave, restoredAnalyses, runKeyOf } from './saved-analyses';
import type { SavedAnalyses } from './saved-analyses';
import { SETTINGS_KEYS, appendImages, loadWorkspace, saveWorkspacePart } from './persist';
import type { SettingsKey } from './persist';
import { isCancel, message } from './errors';
import { appStore } from './store';

const set = appStore.setState;
const get = appStore.getState;

export const DEMO_MODEL_URL = `${import.meta.env.BASE_URL}demo/ppocr-cls.onnx`;
export const DEMO_IMAGE_COUNT = 200;

export async function loadModelBytes(buffer: ArrayBuffer, fileName: string, { save = true, demo = false } = {}): Promise<boolean> {
  // A model the user drops while the demo is still loading waits for it, so the demo's images make way for
  // theirs instead of landing after them.
  if (!demo) {
    userFiles++;
    await demoLoading;
  }
  set({ modelStatus: 'loading', modelError: null });
  // A copy for the workspace store: the buffer itself moves to the worker.
  const copy = save && !demo ? buffer.slice(0) : null;
  try {
    const { info, images } = await engine().loadModel(transfer(buffer, [buffer]), fileName);
    if (save) persist(async () => {
      await saveWorkspacePart('model', demo ? { demo: true } : { bytes: copy!, fileName });
      await saveWorkspacePart('ran', false);
    });
    // The demo's text lines mean nothing to the user's model: they make way.
    const dropped = !demo && (await dropDemoImages());
    const dataState = get();
    set({
      model: info,
      images: dropped ? [] : images,
      modelStatus: 'ready',
      presetId: info.suggestedPreset,
      inputWidth: info.inputWidth ?? (info.suggestedPreset === 'ppocr-cls' ? 192 : dataState.inputWidth),
      inputHeight: info.inputHeight ?? (info.suggestedPreset === 'ppocr-cls' ? 48 : dataState.inputHeight),
      report: null,
      runStatus: 'idle',
      ...recalledPreprocess(info),
    });
    await refreshLabelSource();
    return true;
  } catch (e) {
    // The previous model (if any) stays loaded: nothing is lost.
    set({ modelStatus: get().model ? 'ready' : 'none', modelError: message(e) });
    return false;
  }
}

/**
 * A model from a URL the user typed (a public model zoo): downloaded with progress (cancellable), then loaded as
 * a dropped file would be. The one request to another origin the app makes, and only on this explicit action.
 */
export async function loadModelFromUrl(url: string): Promise<boolean> {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    set({ modelError: `'${url}' is not a URL: paste an address such as https://…/model.onnx.` });
    return false;
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && /^(localhost|127\.0\.0\.1)$/.test(u.hostname))) {
    set({ modelError: `Only https addresses (or http on this machine) can be opened; ${u.protocol}//${u.host} is neither.` });
    return false;
  }
  const controller = new AbortController();
  urlDownload = controller;
  set({ modelStatus: 'loading', modelError: null, modelDownload: { done: 0, total: null } });
  try {
    let res: Response;
    try {
      res = await fetch(u, { signal: controller.signal, mode: 'cors', credentials: 'omit' });
    } catch (e) {
      if (controller.signal.aborted) throw e;
      throw new Error(`${u.host} could not be reached, or it does not allow pages of other sites to download its files (CORS). Download the file and drop it here instead.`);
    }
    if (!res.ok) throw new Error(`${u.host} answered HTTP ${res.status} for ${u.pathname}: check the address.`);
    const total = Number(res.headers.get('content-length')) || null;
    const chunks: Uint8Array[] = [];
    let done = 0;
    const reader = res.body!.getReader();
    for (;;) {
      const { done: end, value } = await reader.read();
      if (end) break;
      chunks.push(value);
      done += value.length;
      set({ modelDownload: { done, total } });
    }
    const buf = new Uint8Array(done);
    let at = 0;
    for (const c of chunks) {
      buf.set(c, at);
      at += c.length;
    }
    set({ modelDownload: null });
    const name = decodeURIComponent(u.pathname.split('/').pop() || u.host);
    return await loadModelBytes(buf.buffer, name);
  } catch (e) {
    set({ modelStatus: get().model ? 'ready' : 'none', modelDownload: null, modelError: controller.signal.aborted ? 'The download was cancelled.' : message(e) });
    return false;
  } finally {
    urlDownload = null;
  }
}

let urlDownload: AbortController | null = null;

export function cancelModelDownload(): void {
  urlDownload?.abort();
}

export async function loadModelFile(file: File): Promise<boolean> {
  return loadModelBytes(await file.arrayBuffer(), file.name);
}

/**
 * Whatever was dropped on the page: an .onnx file becomes the model, everything else is offered as images
 * (non-images are listed with their reason by the worker).
 */
export async function addDropped(items: { file: File; path: string }[]): Promise<void> {
  const model = items.find((i) => /\.onnx$/i.test(i.file.name));
  if (model) await loadModelFile(model.file);
  // A class list dropped with the images (or alone), at the top of the drop.
  const list = items.find((i) => LABEL_LIST_NAME.test(i.path) && i.path.split('/').length <= 2);
  if (list) await addLabelList(list.file);
  const rest = items.filter((i) => i !== model && i !== list);
  if (list && !rest.length) return;
  if (rest.length) await addImageFiles(rest.map((i) => i.file), rest.map((i) => i.path));
  else if (!model) set({ imagesError: 'The drop held no files (an empty folder?).' });
}

/** Files per message to the engine when adding images (each message's copy is a main-thread task). */
const FILES_PER_MESSAGE = 50;

export async function addImageFiles(files: File[], paths?: string[], { save = true } = {}): Promise<void> {
  if (!files.length) {
    set({ imagesError: 'The folder holds no files.' });
    return;
  }
  userFiles++;
  await demoLoading;
  await dropDemoImages();
  set({ imagesStatus: 'loading', imagesError: null });
  try {
    imagesCancelled = false;
    // Handed to the engine in parts: copying 500 files into one message held the page ~0.25–0.5 s. (A .zip
    // expands in the engine, so a drop with one goes in whole.)
    const step = files.some((f) => /\.zip$/i.test(f.name)) ? files.length : FILES_PER_MESSAGE;
    const start = performance.now();
    const added: ImageInfo[] = [];
    for (let from = 0; from < files.length && !imagesCancelled; from += step) {
      const part = files.slice(from, from + step);
      const onProgress = (e: ProgressEvent) =>
        set({ progress: step === files.length ? e : { ...e, done: from + e.done, total: files.length, elapsedMs: performance.now() - start } });
      // With a model loaded, the engine also decodes the images for its input (the run then need not).
      added.push(...(await engine().addFiles(part, proxy(onProgress), paths?.slice(from, from + step), get().model ? currentPreprocess() : undefined)));
    }
    // Only the files read are kept (a cancel stops part way).
    const kept = imagesCancelled ? files.slice(0, added.length) : files;
    if (save) persist(() => appendImages(kept.map((file, i) => ({ file, path: paths?.[i] || file.webkitRelativePath || file.name }))));
    // Labels from folder names depend on every image: the engine's final word on all of them.
    const images = step === files.length ? [...get().images, ...added] : await engine().imageInfos();
    const good = images.filter((i) => !i.error).length;
    set({
      images,
      imagesStatus: 'idle',
      progress: null,
      ...defaultSplit(good),
      imagesError: imagesCancelled ? `Stopped: ${added.length} files were read before you cancelled; add the folder again for the rest.` : good ? null : 'None of the files could be decoded as images.',
    });
    await refreshLabelSource();
  } catch (e) {
    set({ imagesStatus: 'idle', progress: null, imagesError: message(e) });
  }
}

/** Calibrate on 20% (at least 1, at most 100) and evaluate on the rest, ORT's 100/400 on 500 images. */
function defaultSplit(n: number) {
  const calibCount = Math.max(1, Math.min(100, Math.round(n * 0.2)));
  return { calibCount, evalCount: Math.max(0, n - calibCount) };
}

export async function clearImages(): Promise<void> {
  await engine().clearImages();
  set({ images: [], report: null, runStatus: 'idle' });
  persist(() => saveWorkspacePart('images', { files: [] }));
  await refreshLabelSource();
}

/** Removes the demo's images (when the user brings a model or images of their own). */
async function dropDemoImages(): Promise<boolean> {
  if (!get().imagesAreDemo) return false;
  await engine().clearImages();
  set({ images: [], imagesAreDemo: false, report: null, runStatus: 'idle' });
  return true;
}

async function refreshLabelSource(): Promise<void> {
  set({ labelSource: await engine().labelSource() });
}

/** A name that says "class list": labels.txt, imagenet_classes.txt, synsets.txt, class_names.txt… */
export const LABEL_LIST_NAME = /(label|class|synset|categor|names)[^/]*\.txt$/i;

/** A class list (one name per line) for the loaded model: labels from folder and file names matched to it. */
export async function addLabelList(file: File): Promise<void> {
  try {
    const text = await file.text();
    showLabels(await engine().setLabelList(text, file.name));
    persist(() => saveWorkspacePart('labelList', { text, fileName: file.name }));
  } catch (e) {
    set({ labelListError: message(e) });
  }
}

export async function clearLabelList(): Promise<void> {
  showLabels(await engine().setLabelList(null));
  persist(() => saveWorkspacePart('labelList', null));
}

/** The images relabelled by a class list (or its removal), with where labels now come from. */
function showLabels(r: { images: ImageInfo[]; labelSource: string; labelSpace: LabelSpace | null }): void {
  const model = get().model;
  set({ images: r.images, labelSource: r.labelSource, labelListError: null, ...(model ? { model: { ...model, labelSpace: r.labelSpace } } : {}) });
}

/** The demo being loaded (its model and images), for the user's own files to wait for. */
let demoLoading: Promise<void> | null = null;
/** Models and image sets the user has given the page: the demo no longer starts on its own once there is one. */
let userFiles = 0;

/** `auto`: the start-up demo, which a model or images the user gave first (still loading, perhaps) keep away. */
export async function loadDemo({ save = true, auto = false } = {}): Promise<void> {
  if (auto && userFiles > 0) return;
  const loading = loadDemoNow(save);
  demoLoading = loading;
  try {
    await loading;
  } finally {
    if (demoLoading === loading) demoLoading = null;
  }
}

async function loadDemoNow(save: boolean): Promise<void> {
  set({ modelError: null });
  try {
    const res = await fetch(DEMO_MODEL_URL);
    if (!res.ok) throw new Error(`The demo model could not be loaded (HTTP ${res.status}). Run 'npm install' again.`);
    const ok = await loadModelBytes(await res.arrayBuffer(), 'ch_ppocr_mobile_v2.0_cls (PP-OCR text direction)', { save, demo: true });
    if (!ok) return;
    await engine().clearImages();
    set({ imagesStatus: 'loading', images: [] });
    const images: ImageInfo[] = await engine().addDemoImages(DEMO_IMAGE_COUNT);
    set({ images, imagesStatus: 'idle', imagesAreDemo: true, ...(save ? { calibCount: 100, evalCount: 100, seed: null } : {}) });
    if (save) persist(() => saveWorkspacePart('images', { demo: true, files: [] }));
    await refreshLabelSource();
  } catch (e) {
    set({ modelError: message(e), imagesStatus: 'idle' });
  }
}

export function currentPreprocess(): Preprocess {
  const s = get();
  return presetPreprocess(s.presetId, s.inputWidth, s.inputHeight, s.model?.layout ?? 'NCHW');
}

export function currentSplit() {
  const s = get();
  const usable = s.images.filter((i) => !i.error).map((i) => i.id);
  const { calib, evaluate } = splitIndices(usable.length, s.calibCount, s.evalCount, s.seed);
  return { calibIds: calib.map((i) => usable[i]), evalIds: evaluate.map((i) => usable[i]) };
}

/** Quantizes and evaluates with the current settings; `evalLimit` evaluates only the first images (a restored cancelled run). */
export async function runQuantization({ evalLimit }: { evalLimit?: number } = {}): Promise<void> {
  const s = get();
  if (!s.model) {
    set({ runError: 'Load a model first (or the demo).' });
    return;
  }
  const { calibIds, evalIds } = currentSplit();
  const req: RunRequest = {
    preprocess: currentPreprocess(),
    calibIds,
    evalIds,
    sqnrSamples: s.sqnrSamples,
    ...(evalLimit !== undefined ? { evalLimit } : {}),
    variants: (['per-tensor', 'per-channel'] as const).map((g) => ({
      id: g,
      label: g === 'per-tensor' ? 'Per-tensor weights' : 'Per-channel weights',
      config: {
        ...defaultQuantConfig,
        weightGranularity: g,
        calibrator: s.calibrator,
        weightBits: s.weightBits,
        activationBits: s.activationBits,
        ...(s.activationSymmetric ? { activationType: 'int8' as const, activationSymmetric: true } : {}),
      },
      cle: s.cle,
      biasCorrection: s.biasCorrection,
    })),
  };
  const runSettings = Object.fromEntries(SETTINGS_KEYS.map((k) => [k, s[k]]));
  set({ runStatus: 'running', runError: null, progress: null });
  try {
    const report = await engine().run(req, proxy((e: ProgressEvent) => set({ progress: e })));
    // A run whose evaluation was cancelled part way shows its figures on the images it went through.
    const limit = report.evaluationRequested !== undefined ? report.evaluationSamples : undefined;
    set({ report, runKey: runKeyOf(runSettings, s.model, s.images.length, limit), runStatus: 'done', progress: null, importedFrom: null });
    persist(async () => {
      await saveWorkspacePart('ran', true);
      await saveWorkspacePart('run', { settings: runSettings, ...(limit !== undefined ? { evalLimit: limit } : {}) });
    });
    void startAnalysis(report);
  } catch (e) {
    if (isCancel(e)) set({ runStatus: 'cancelled', progress: null });
    else set({ runStatus: 'error', runError: message(e), progress: null });
  }
}

export function cancelRun(): void {
  void engine().cancel();
}

let imagesCancelled = false;

/** Stops reading images; those read so far stay. */
export function cancelImages(): void {
  imagesCancelled = true;
  void engine().cancel();
}

export async function exportVariant(id: string): Promise<void> {
  try {
    const bytes = await engine().exportModel(id);
    const base = (get().model?.fileName ?? 'model').replace(/\.onnx$/i, '').replace(/[^\w.-]+/g, '_');
    const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${base}.int8.${id}.onnx`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (e) {
    set({ runError: message(e) });
  }
}

export function setField<K extends SettingsKey>(
  key: K,
  value: ReturnType<typeof get>[K],
): void {
  set({ [key]: value } as Partial<ReturnType<typeof get>>);
  if (key === 'presetId' || key === 'inputWidth' || key === 'inputHeight') rememberPreprocess();
}

// ***** preprocessing remembered per model (file name and size), in this browser's localStorage *****

const prepKey = (m: { fileName: string; sizeBytes: number }) => `quantscope.preprocess.${m.fileName}.${m.sizeBytes}`;

function rememberPreprocess(): void {
  const s = get();
  if (!s.model) return;
  try {
    localStorage.setItem(prepKey(s.model), JSON.stringify({ presetId: s.presetId, inputWidth: s.inputWidth, inputHeight: s.inputHeight }));
  } catch {
    // Storage full or disabled: the choice simply is not remembered.
  }
}

/** The preprocessing chosen for this model last time, if any (sizes only where the model leaves them open). */
function recalledPreprocess(m: { fileName: string; sizeBytes: number; inputWidth: number | null; inputHeight: number | null }) {
  try {
    const raw = localStorage.getItem(prepKey(m));
    if (!raw) return {};
    const v = JSON.parse(raw) as { presetId?: unknown; inputWidth?: unknown; inputHeight?: unknown };
    const out: { presetId?: string; inputWidth?: number; inputHeight?: number } = {};
    if (typeof v.presetId === 'string' && PREPROCESS_PRESETS.some((p) => p.id === v.presetId)) out.presetId = v.presetId;
    if (m.inputWidth === null && typeof v.inputWidth === 'number' && v.inputWidth >= 8 && v.inputWidth <= 2048) out.inputWidth = v.inputWidth;
    if (m.inputHeight === null && typeof v.inputHeight === 'number' && v.inputHeight >= 8 && v.inputHeight <= 2048) out.inputHeight = v.inputHeight;
    return out;
  } catch {
    return {};
  }
}


// ***** the workspace, kept in IndexedDB (persist.ts) *****

/** Saves still going on (see savesSettled). */
const saving = new Set<Promise<void>>();

/** Stores a part of the workspace in the background; a failure (storage full, private mode) is said once. */
function persist(job: () => Promise<void>): void {
  const p: Promise<void> = job()
    .catch((e: unknown) => {
      console.warn('workspace not saved', e);
      set({ persistError: `Your work could not be saved in this browser (${message(e)}): a reload will start over.` });
    })
    .finally(() => saving.delete(p));
  saving.add(p);
}

/**
 * Resolves once every save started so far (and any started meanwhile) has ended: a dropped folder's images are
 * copied into IndexedDB in the background after they show, and a benchmark should not time anything over that.
 */
export async function savesSettled(): Promise<void> {
  while (saving.size) await Promise.all(saving);
}

/**
 * Saves the settings whenever one changes, at once (a small write; a delay could lose the last change to a
 * reload). Call once at start-up.
 */
export function watchSettings(): () => void {
  return appStore.subscribe((s, prev) => {
    if (!SETTINGS_KEYS.some((k) => s[k] !== prev[k])) return;
    persist(() => saveWorkspacePart('settings', Object.fromEntries(SETTINGS_KEYS.map((k) => [k, s[k]]))));
  });
}

/** True while a restore rebuilds the run: its fresh analysis state must not overwrite the saved one. */
let holdAnalyses = false;
let analysesQueued = false;

/**
 * Saves the experiments' results whenever they change (a sensitivity layer, a curve point), coalescing the
 * changes of one task into one write. Call once at start-up.
 */
export function watchAnalyses(): () => void {
  return appStore.subscribe((s, prev) => {
    if (holdAnalyses || analysesQueued || !analysesChanged(s, prev)) return;
    analysesQueued = true;
    persist(async () => {
      await Promise.resolve();
      analysesQueued = false;
      if (holdAnalyses) return;
      const saved = analysesToSave(get());
      if (saved) await saveWorkspacePart('analyses', saved);
    });
  });
}

/** The saved experiments back on screen, their added variants built again (each evaluated anew, with progress). */
async function restoreAnalyses(saved: SavedAnalyses): Promise<void> {
  for (const [i, a] of saved.appliedVariants.entries()) {
    const step = `Restoring your workspace: building “${a.label}” again (${i + 1} of ${saved.appliedVariants.length})`;
    set({ restoring: `${step}…` });
    await addVariant(a, (e) => set({ restoring: `${step}: ${Math.round((100 * e.done) / Math.max(1, e.total))}%` }));
  }
  set(restoredAnalyses(saved));
  const variant = parseViewHash(location.hash).variant;
  if (variant && variant !== get().analysisVariant && get().report?.variants.some((v) => v.id === variant)) await setAnalysisVariant(variant);
}

/**
 * Brings back the workspace this browser kept: the model, the images, the class list, the settings, and the
 * run (made again, which also rebuilds the worker's analysis state). False when there is nothing to restore.
 */
export async function restoreWorkspace(reason: 'reload' | 'crash' = 'reload'): Promise<boolean> {
  let w;
  try {
    w = await loadWorkspace();
  } catch {
    return false;
  }
  if (!w.model) return false;
  set({ restoring: reason === 'crash' ? 'Restarting the engine and reloading your workspace…' : 'Restoring your workspace…' });
  try {
    // The demo brings its own images; the user's images replace them.
    const files = w.images && !w.images.demo ? w.images.files : [];
    if (w.model.demo) await loadDemo({ save: false });
    else if (w.model.bytes) await loadModelBytes(w.model.bytes.slice(0), w.model.fileName ?? 'model.onnx', { save: false });
    if (w.model.demo && w.images && !w.images.demo) {
      await engine().clearImages();
      set({ images: [] });
    }
    if (files.length) {
      await addImageFiles(
        files.map((f) => (f.file instanceof File ? f.file : new File([f.file], f.path.split('/').pop() ?? 'image'))),
        files.map((f) => f.path),
        { save: false },
      );
    }
    if (w.labelList) showLabels(await engine().setLabelList(w.labelList.text, w.labelList.fileName));
    const applySettings = (saved: Partial<Record<SettingsKey, unknown>>) =>
      set(Object.fromEntries(Object.entries(saved).filter(([k]) => (SETTINGS_KEYS as readonly string[]).includes(k))) as Partial<ReturnType<typeof get>>);
    // The run is made again with the settings it was made with; settings edited after it come back after it.
    if (w.ran && w.run) applySettings(w.run.settings);
    else if (w.settings) applySettings(w.settings);
    set({ restoring: null });
    if (w.ran) {
      holdAnalyses = true;
      await runQuantization({ evalLimit: w.run?.evalLimit });
      try {
        // (the added variants too: they are evaluated with the run's settings)
        if (w.analyses && get().report && get().runKey === w.analyses.runKey) await restoreAnalyses(w.analyses);
      } catch (e) {
        set({ persistError: `The run is back, but the experiments' saved results could not be shown again (${message(e)}): run them again.` });
      } finally {
        if (w.run && w.settings) applySettings(w.settings);
      }
    }
    return true;
  } catch (e) {
    set({ persistError: `The saved workspace could not be restored (${message(e)}); start again from a model.` });
    return false;
  } finally {
    holdAnalyses = false;
    set({ restoring: null });
  }
}

/** After the engine worker died: say which step failed, then bring the workspace back into a new worker. */
export function recoverFromEngineDeath(e: { step: string | null; reason: string }): void {
  set({
    engineNotice: `The engine stopped${e.step ? ` while ${e.step}` : ''} (${e.reason}). It was restarted and your workspace reloaded; what was running stopped there, with the results it had so far.`,
    runStatus: get().runStatus === 'running' ? 'idle' : get().runStatus,
    progress: null,
  });
  void restoreWorkspace('crash');
}
