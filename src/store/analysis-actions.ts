import { engine, gpu, proxy } from '../bridge/engine';
import { doublingSizes, profileFits } from '../core';
import type { CalibrationCurve, CurvePoint, LayerOverride, MixedPrecisionResult, MixedTarget, PrecisionProfile, ProgressEvent, RunReport, SensitivityResult, TradeoffGrid, TradeoffPoint, WeightChoice } from '../core';
import type { AppliedVariant, CurveResult, GpuLatency, MixedOptions } from './slices/analysis-slice';
import type { AppState } from './store';
import { SETTINGS_KEYS } from './persist';
import { parseResults, stringifyResults } from './results-file';
import type { ResultsFile } from './results-file';
import type { AnalysisTab, GraphMetric } from './slices/analysis-slice';
import { isCancel, message } from './errors';
import { appStore } from './store';

const set = appStore.setState;
const get = appStore.getState;

// ***** URL: the view is part of the address (tab, variant, layer) *****

export function viewHash(s: { analysisTab: AnalysisTab; analysisVariant: string; selectedLayer: string | null }): string {
  const p = new URLSearchParams({ tab: s.analysisTab, variant: s.analysisVariant });
  if (s.selectedLayer) p.set('layer', s.selectedLayer);
  return `#${p.toString()}`;
}

export function parseViewHash(hash: string): { tab?: AnalysisTab; variant?: string; layer?: string } {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const tab = p.get('tab');
  return {
    ...(tab === 'layers' || tab === 'sensitivity' || tab === 'images' || tab === 'dataset' || tab === 'calibration' || tab === 'bits' ? { tab } : {}),
    ...(p.get('variant') ? { variant: p.get('variant')! } : {}),
    ...(p.get('layer') ? { layer: p.get('layer')! } : {}),
  };
}

function writeHash() {
  if (typeof history === 'undefined') return;
  history.replaceState(null, '', viewHash(get()));
}

/** The layer whose error is worst in a variant: where a newcomer should look first. */
export function worstLayer(report: RunReport, variant: string): string | null {
  let worst: { node: string; v: number } | null = null;
  for (const l of report.layers) {
    const v = l.sqnrDb[variant];
    if (v === undefined || Number.isNaN(v)) continue;
    if (!worst || v < worst.v) worst = { node: l.node, v };
  }
  return worst?.node ?? null;
}

/** After a run: fresh analysis state, the graph laid out, and the view from the URL (or the worst layer). */
export async function startAnalysis(report: RunReport): Promise<void> {
  const fromUrl = parseViewHash(location.hash);
  const ids = report.variants.map((v) => v.id);
  const variant = fromUrl.variant && ids.includes(fromUrl.variant) ? fromUrl.variant : ids.includes('per-tensor') ? 'per-tensor' : ids[0];
  const layer = fromUrl.layer && report.layers.some((l) => l.node === fromUrl.layer) ? fromUrl.layer : worstLayer(report, variant);
  revokeImage();
  set({
    analysisTab: fromUrl.tab ?? 'layers',
    analysisVariant: variant,
    selectedLayer: null,
    graph: null,
    weightView: null,
    activationView: null,
    viewsFor: null,
    sensitivity: {},
    sensitivityStatus: 'idle',
    sensitivityProgress: null,
    sensitivityError: null,
    overrideLayers: [],
    overrideStatus: 'idle',
    overrideError: null,
    imageDetail: null,
    imageStatus: 'idle',
    imageError: null,
    curve: null,
    curveStatus: 'idle',
    curveProgress: null,
    curveError: null,
    tradeoff: null,
    tradeoffStatus: 'idle',
    tradeoffProgress: null,
    tradeoffError: null,
    mixed: null,
    mixedProfile: null,
    mixedStatus: 'idle',
    mixedProgress: null,
    mixedError: null,
    gpuLatency: null,
    appliedVariants: [],
    interrupted: [],
  });
  if (layer) await selectLayer(layer);
  try {
    const [graph, weightSpreads] = await Promise.all([engine().graphLayout(), engine().weightSpreads(variant)]);
    set({ graph, weightSpreads });
  } catch (e) {
    console.warn('graph layout failed', e);
  }
}

let viewRequest = 0;

/** Selects a layer everywhere (graph, table, charts, URL) and fetches its weight and activation views. */
export async function selectLayer(node: string): Promise<void> {
  set({ selectedLayer: node });
  writeHash();
  await loadViews();
}

async function loadViews(): Promise<void> {
  const { report, selectedLayer, analysisVariant } = get();
  if (!report || !selectedLayer) return;
  const row = report.layers.find((l) => l.node === selectedLayer);
  const mine = ++viewRequest;
  try {
    const [w, a] = await Promise.all([
      engine().weightView(analysisVariant, selectedLayer),
      row ? engine().activationView(analysisVariant, row.tensor) : Promise.resolve(null),
    ]);
    // A later selection wins: answers to an older one are dropped.
    if (mine === viewRequest) set({ weightView: w, activationView: a, viewsFor: selectedLayer });
  } catch (e) {
    if (mine === viewRequest) set({ weightView: null, activationView: null, viewsFor: selectedLayer });
    console.warn('layer views failed', e);
  }
}

export async function setAnalysisVariant(id: string): Promise<void> {
  set({ analysisVariant: id });
  writeHash();
  await loadViews();
}

export function setAnalysisTab(tab: AnalysisTab): void {
  set({ analysisTab: tab });
  writeHash();
}

export function setGraphMetric(m: GraphMetric): void {
  set({ graphMetric: m });
}

// ***** sensitivity *****

/**
 * A partial sensitivity result (cancelled, or cut short by a reload) that a new measurement continues: same
 * variant, same number of images. Null when there is none.
 */
export function resumableSensitivity(s: Pick<AppState, 'sensitivity' | 'analysisVariant' | 'sensitivityImages' | 'report'>): SensitivityResult | null {
  const prev = s.sensitivity[s.analysisVariant];
  if (!prev || prev.complete || !prev.layers.length || !s.report) return null;
  return prev.samples === Math.min(s.sensitivityImages, s.report.evaluationSamples) ? prev : null;
}

/** Measures the analysed variant's sensitivity, continuing a partial result unless `fresh`. */
export async function runSensitivity({ fresh = false } = {}): Promise<void> {
  const { analysisVariant: id, sensitivityImages } = get();
  const resume = fresh ? null : resumableSensitivity(get());
  set((s) => ({ sensitivityStatus: 'running', sensitivityError: null, sensitivityProgress: null, interrupted: s.interrupted.filter((x) => x !== 'sensitivity') }));
  const keep = (r: SensitivityResult) => set((s) => ({ sensitivity: { ...s.sensitivity, [id]: r } }));
  try {
    const result = await engine().sensitivity(
      id,
      sensitivityImages,
      proxy((e: ProgressEvent) => set({ sensitivityProgress: e })),
      proxy(keep),
      resume ?? undefined,
    );
    keep(result);
    set({
      sensitivityStatus: result.complete ? 'done' : 'cancelled',
      sensitivityProgress: null,
      overrideLayers: suggestedLayers(result),
    });
  } catch (e) {
    // cancelled before the first layer (while the statistics it needs were collected): nothing measured yet
    const cancelled = isCancel(e);
    set({ sensitivityStatus: cancelled ? 'cancelled' : 'error', sensitivityError: cancelled ? null : message(e), sensitivityProgress: null });
  }
}

export function cancelAnalysis(): void {
  void engine().cancel();
}

/**
 * The layers to keep in higher precision: those whose exclusion gains at least 3 dB of output SQNR over the
 * fully quantized model, best first, at most 5; if none gains that much, the best one.
 */
export function suggestedLayers(r: SensitivityResult, minGainDb = 3, max = 5): string[] {
  const gains = r.layers
    .map((l) => ({ node: l.node, gain: l.allBut.outputSqnrDb - r.all.outputSqnrDb }))
    .filter((g) => g.gain > -Infinity) // not NaN, not a layer that makes things worse without bound
    .sort((a, b) => b.gain - a.gain);
  const strong = gains.filter((g) => g.gain >= minGainDb).slice(0, max);
  return (strong.length ? strong : gains.slice(0, 1)).map((g) => g.node);
}

export function toggleOverrideLayer(node: string): void {
  set((s) => ({ overrideLayers: s.overrideLayers.includes(node) ? s.overrideLayers.filter((n) => n !== node) : [...s.overrideLayers, node] }));
}

const MODE_OVERRIDE: Record<'fp32' | 'per-channel' | 'w8a16', LayerOverride> = {
  fp32: { keepFp32: true },
  'per-channel': { weightGranularity: 'per-channel' },
  w8a16: { activationBits: 16 },
};

export const MODE_TEXT: Record<'fp32' | 'per-channel' | 'w8a16', string> = {
  fp32: 'kept in FP32',
  'per-channel': 'with per-channel weights',
  w8a16: 'with 16-bit outputs',
};

/** Merges a one-variant report (from applyOverrides) into the current one. */
export function mergeVariantReport(report: RunReport, extra: RunReport, label: string): RunReport {
  const v = { ...extra.variants[0], label };
  const variants = [...report.variants.filter((x) => x.id !== v.id), v];
  const sqnr = new Map(extra.layers.map((l) => [l.tensor, l.sqnrDb[v.id]]));
  const layers = report.layers.map((l) => {
    const rest = Object.fromEntries(Object.entries(l.sqnrDb).filter(([k]) => k !== v.id));
    const mine = sqnr.get(l.tensor);
    return { ...l, sqnrDb: mine === undefined ? rest : { ...rest, [v.id]: mine } };
  });
  return { ...report, variants, layers };
}

/**
 * Builds and evaluates a variant (a base with per-layer overrides), adds its card to the report and remembers
 * how it was made, so a restored workspace can build it again.
 */
export async function addVariant(a: AppliedVariant, onProgress: (e: ProgressEvent) => void): Promise<void> {
  const extra = await engine().applyOverrides(a.base, a.id, a.overrides, get().sqnrSamples, proxy(onProgress));
  const report = get().report;
  if (!report) return;
  set((s) => ({ report: mergeVariantReport(report, extra, a.label), appliedVariants: [...s.appliedVariants.filter((x) => x.id !== a.id), a] }));
}

/** Re-evaluates the analysed variant with the ticked layers overridden; the result appears as a new card. */
export async function applyOverrides(): Promise<void> {
  const { analysisVariant: base, overrideLayers, overrideMode } = get();
  if (!overrideLayers.length) return;
  const n = overrideLayers.length;
  const variant: AppliedVariant = {
    base,
    id: `${base}+fix`,
    overrides: Object.fromEntries(overrideLayers.map((node) => [node, MODE_OVERRIDE[overrideMode]])),
    label: `${base}, ${n} layer${n > 1 ? 's' : ''} ${MODE_TEXT[overrideMode]}`,
  };
  set({ overrideStatus: 'running', overrideError: null });
  try {
    await addVariant(variant, (e) => set({ sensitivityProgress: e }));
    set({ overrideStatus: 'idle', sensitivityProgress: null });
  } catch (e) {
    set({ overrideStatus: 'error', overrideError: message(e), sensitivityProgress: null });
  }
}

// ***** one image *****

function revokeImage() {
  const d = get().imageDetail;
  if (d) URL.revokeObjectURL(d.url);
}

export async function openImage(id: number): Promise<void> {
  const variant = get().analysisVariant;
  set({ imageStatus: 'loading', imageError: null });
  try {
    const d = await engine().imageDetail(id, variant);
    revokeImage();
    set({ imageDetail: { ...d, id, url: URL.createObjectURL(d.blob) }, imageStatus: 'idle' });
  } catch (e) {
    set({ imageStatus: 'error', imageError: message(e) });
  }
}

// ***** calibration-size curve *****

/**
 * A partial curve (cancelled, or cut short by a reload) that a new one continues: same configuration (the
 * analysed variant's), draws, seed and evaluation images. Null when there is none.
 */
export function resumableCurve(s: Pick<AppState, 'curve' | 'curveOptions' | 'analysisVariant' | 'report'>): CurveResult | null {
  const c = s.curve;
  const config = s.report?.variants.find((v) => v.id === s.analysisVariant)?.config;
  if (!c || c.complete || !c.points.length || !s.report || !config) return null;
  const o = s.curveOptions;
  const same = c.seed === o.seed && c.draws === o.draws && c.evaluationSamples === Math.min(o.evalImages, s.report.evaluationSamples) && JSON.stringify(c.config) === JSON.stringify(config);
  return same && c.points.some((p) => o.calibrators.includes(p.calibrator)) ? c : null;
}

/** Measures the calibration-size curve of the analysed variant, continuing a partial one unless `fresh`. */
export async function runCalibrationCurve({ fresh = false } = {}): Promise<void> {
  const { analysisVariant: id, curveOptions, report } = get();
  if (!report) return;
  const resume = fresh ? null : resumableCurve(get());
  // The chart fills in as points arrive.
  set((s) => ({
    interrupted: s.interrupted.filter((x) => x !== 'curve'),
    curveStatus: 'running',
    curveError: null,
    curveProgress: null,
    curve: {
      sizes: doublingSizes(report.calibrationSamples), draws: curveOptions.draws, calibrators: curveOptions.calibrators, evaluationSamples: Math.min(curveOptions.evalImages, report.evaluationSamples),
      points: resume ? resume.points.filter((p) => curveOptions.calibrators.includes(p.calibrator)) : [], outliers: resume?.outliers ?? [], complete: false,
      config: report.variants.find((v) => v.id === id)!.config, seed: curveOptions.seed, calibNames: resume?.calibNames ?? [],
    },
  }));
  const onPoint = (p: CurvePoint) => set((s) => (s.curve ? { curve: { ...s.curve, points: [...s.curve.points, p] } } : {}));
  try {
    const curve = await engine().calibrationCurve(id, curveOptions, proxy((e: ProgressEvent) => set({ curveProgress: e })), proxy(onPoint), resume ?? undefined);
    set({ curve, curveStatus: curve.complete ? 'done' : 'cancelled', curveProgress: null });
  } catch (e) {
    const cancelled = isCancel(e);
    set({ curveStatus: cancelled ? 'cancelled' : 'error', curveError: cancelled ? null : message(e), curveProgress: null });
  }
}

/** The curve's points as CSV, its exact configuration in a comment line first. */
export function curveCsv(c: CalibrationCurve, variant: string): string {
  const head = `# Quantscope calibration-size curve; variant ${variant}; seed ${c.seed}; ${c.draws} draws; ${c.evaluationSamples} evaluation images; config ${JSON.stringify(c.config)}`;
  const rows = c.points.map((p) => [p.calibrator, p.size, p.draw, p.agreement.toFixed(6), Number.isFinite(p.outputSqnrDb) ? p.outputSqnrDb.toFixed(4) : String(p.outputSqnrDb)].join(','));
  return [head, 'calibrator,calibration_images,draw,agreement_top1,output_sqnr_db', ...rows].join('\n') + '\n';
}

export function downloadText(text: string, fileName: string, type = 'text/csv'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ***** granularity × bit width *****

/** A partial grid that a new one continues: same configuration and evaluation images. Null when there is none. */
export function resumableTradeoff(s: Pick<AppState, 'tradeoff' | 'tradeoffOptions' | 'analysisVariant' | 'report'>): TradeoffGrid | null {
  const g = s.tradeoff;
  const config = s.report?.variants.find((v) => v.id === s.analysisVariant)?.config;
  if (!g || g.complete || !g.points.length || !s.report || !config) return null;
  const same = g.evaluationSamples === Math.min(s.tradeoffOptions.evalImages, s.report.evaluationSamples) && JSON.stringify(g.config) === JSON.stringify(config);
  return same && askedPoints(g, s.tradeoffOptions).length > 0 ? g : null;
}

/** The points of a grid among the configurations `o` asks for. */
export function askedPoints(g: TradeoffGrid, o: { weightBits: number[]; activationBits: number[] }): TradeoffPoint[] {
  return g.points.filter((p) => o.weightBits.includes(p.weightBits) && o.activationBits.includes(p.activationBits));
}

/** Measures granularity × bit widths for the analysed variant, continuing a partial grid unless `fresh`. */
export async function runTradeoff({ fresh = false } = {}): Promise<void> {
  const { analysisVariant: id, tradeoffOptions: o, report } = get();
  if (!report) return;
  const resume = fresh ? null : resumableTradeoff(get());
  set((s) => ({
    interrupted: s.interrupted.filter((x) => x !== 'tradeoff'),
    tradeoffStatus: 'running',
    tradeoffError: null,
    tradeoffProgress: null,
    tradeoff: {
      granularities: ['per-tensor', 'per-channel'], weightBits: o.weightBits, activationBits: o.activationBits,
      evaluationSamples: Math.min(o.evalImages, report.evaluationSamples), fp32: resume?.fp32 ?? { top1: null, sizeBytes: report.fp32.sizeBytes },
      points: resume ? askedPoints(resume, o) : [], complete: false,
      config: report.variants.find((v) => v.id === id)!.config,
    },
  }));
  const onPoint = (p: TradeoffPoint) => set((s) => (s.tradeoff ? { tradeoff: { ...s.tradeoff, points: [...s.tradeoff.points, p] } } : {}));
  try {
    const grid = await engine().tradeoff(id, o, proxy((e: ProgressEvent) => set({ tradeoffProgress: e })), proxy(onPoint), resume ?? undefined);
    set({ tradeoff: grid, tradeoffStatus: grid.complete ? 'done' : 'cancelled', tradeoffProgress: null });
  } catch (e) {
    const cancelled = isCancel(e);
    set({ tradeoffStatus: cancelled ? 'cancelled' : 'error', tradeoffError: cancelled ? null : message(e), tradeoffProgress: null });
  }
}

export function tradeoffCsv(g: TradeoffGrid, variant: string): string {
  const head = `# Quantscope granularity x bit width; from variant ${variant}; ${g.evaluationSamples} evaluation images; FP32 top-1 ${g.fp32.top1 ?? 'n/a'}, ${g.fp32.sizeBytes} bytes, ${g.fp32.msPerImage?.toFixed(3) ?? 'n/a'} ms per image; times measured in ${g.runtime ?? 'n/a'}; config ${JSON.stringify(g.config)}`;
  const rows = g.points.map((p) =>
    [
      p.granularity, p.weightBits, p.activationBits, p.top1 ?? '', p.agreement.toFixed(6), Number.isFinite(p.outputSqnrDb) ? p.outputSqnrDb.toFixed(4) : String(p.outputSqnrDb),
      p.sizeBytes, p.packedSizeBytes, Number.isFinite(p.msPerImage) ? p.msPerImage.toFixed(3) : '',
    ].join(','),
  );
  return [head, 'weights,weight_bits,activation_bits,top1,agreement_top1,output_sqnr_db,size_bytes,packed_size_bytes,ms_per_image', ...rows].join('\n') + '\n';
}

// ***** mixed precision *****

/** The size budget in bytes: the user's, or three quarters of the analysed variant's packed size. */
export function mixedBudgetBytes(o: MixedOptions, report: RunReport, variant: string): number {
  if (o.budgetKB !== null) return Math.round(o.budgetKB * 1024);
  const v = report.variants.find((x) => x.id === variant);
  return Math.round((v?.packedSizeBytes ?? report.fp32.sizeBytes / 4) * 0.75);
}

export function mixedTarget(o: MixedOptions, report: RunReport, variant: string): MixedTarget {
  if (o.target === 'size') return { kind: 'size', value: mixedBudgetBytes(o, report, variant) };
  const metric = o.metric === 'top1' && report.fp32.top1 === null ? 'agreement' : o.metric;
  return { kind: 'floor', metric, value: metric === 'outputSqnrDb' ? o.floor : o.floor / 100 };
}

export function mixedChoices(o: MixedOptions): WeightChoice[] {
  return [...o.bits].sort((a, b) => b - a).flatMap((bits) => o.granularities.map((granularity) => ({ granularity, bits })));
}

/**
 * The kept profile (partial, or whole from an earlier result) that a request with the current options would
 * continue or reuse: same variant, candidates and number of images. Null when there is none.
 */
export function resumableMixed(s: Pick<AppState, 'mixedProfile' | 'mixedOptions' | 'analysisVariant' | 'report'>): PrecisionProfile | null {
  if (!s.report || !s.mixedProfile?.layers.length) return null;
  const fits = profileFits(s.mixedProfile, s.analysisVariant, mixedChoices(s.mixedOptions), Math.min(s.mixedOptions.profileImages, s.report.evaluationSamples));
  return fits ? s.mixedProfile : null;
}

/** Chooses per-layer precision for the analysed variant, continuing or reusing a kept profile unless `fresh`. */
export async function runMixedPrecision({ fresh = false } = {}): Promise<void> {
  const { analysisVariant: id, mixedOptions: o, report } = get();
  if (!report) return;
  const resume = fresh ? null : resumableMixed(get());
  // the kept profile is always the latest request's: one this request does not continue makes way
  set((s) => ({ mixedStatus: 'running', mixedError: null, mixedProgress: null, interrupted: s.interrupted.filter((x) => x !== 'mixed'), ...(resume ? {} : { mixedProfile: null }) }));
  try {
    const r = await engine().mixedPrecision(
      id,
      { choices: mixedChoices(o), profileImages: o.profileImages, evalImages: o.evalImages, target: mixedTarget(o, report, id), fresh },
      proxy((e: ProgressEvent) => set({ mixedProgress: e })),
      resume,
      proxy((p: PrecisionProfile) => set({ mixedProfile: p })),
    );
    set({ mixed: { ...r, variant: id }, mixedProfile: r.profile, mixedStatus: 'done', mixedProgress: null });
  } catch (e) {
    const cancelled = isCancel(e);
    set({ mixedStatus: cancelled ? 'cancelled' : 'error', mixedError: cancelled ? null : message(e), mixedProgress: null });
  }
}

/** The chosen mixed-precision configuration as a new result card (the analysed variant with per-layer bits). */
export async function applyMixedPrecision(): Promise<void> {
  const { mixed } = get();
  if (!mixed?.overrides || !mixed.chosen) return;
  const variant: AppliedVariant = { base: mixed.variant, id: `${mixed.variant}+mixed`, overrides: mixed.overrides, label: `${mixed.variant}, mixed precision (${mixedBitsSummary(mixed)})` };
  set({ mixedStatus: 'running', mixedError: null });
  try {
    await addVariant(variant, (e) => set({ mixedProgress: e }));
    set({ mixedStatus: 'done', mixedProgress: null });
  } catch (e) {
    set({ mixedStatus: 'error', mixedError: message(e), mixedProgress: null });
  }
}

/** "12×W8 pc, 9×W6 pc, 7×W4 pt": how many layers got each choice, most precise first. */
export function mixedBitsSummary(r: Pick<MixedPrecisionResult, 'choices'>): string {
  const counts = new Map<string, { n: number; bits: number; g: string }>();
  for (const c of r.choices) {
    const k = `W${c.choice.bits} ${c.choice.granularity === 'per-channel' ? 'pc' : 'pt'}`;
    const e = counts.get(k) ?? { n: 0, bits: c.choice.bits, g: c.choice.granularity };
    e.n++;
    counts.set(k, e);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1].bits - a[1].bits || a[1].g.localeCompare(b[1].g))
    .map(([k, e]) => `${e.n}×${k}`)
    .join(', ');
}

export function mixedCsv(r: MixedPrecisionResult & { profile: { samples: number; choices: WeightChoice[] } }, variant: string, config: unknown): string {
  const head = `# Quantscope mixed precision; from variant ${variant}; target ${JSON.stringify(r.target)}; profiled on ${r.profile.samples} images; candidates ${JSON.stringify(r.profile.choices)}; config ${JSON.stringify(config)}`;
  const measured = r.measured.map((m) => ['measured', m.pathIndex, m.packedSizeBytes, m.predictedSqnrDb.toFixed(4), Number.isFinite(m.outputSqnrDb) ? m.outputSqnrDb.toFixed(4) : String(m.outputSqnrDb), m.agreement.toFixed(6), m.top1 ?? ''].join(','));
  const layers = r.choices.map((c) => ['layer', JSON.stringify(c.node), c.op, c.choice.granularity, c.choice.bits, c.noiseShare.toFixed(6)].join(','));
  return [head, 'kind,path_step,packed_size_bytes,predicted_sqnr_db,output_sqnr_db,agreement_top1,top1', ...measured, 'kind,node,op,granularity,weight_bits,noise_share', ...layers].join('\n') + '\n';
}

// ***** WebGPU latency *****

/** Largest |a − b| over two outputs (WebGPU against WASM on the same model and image). */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Times FP32 and each granularity × activation bits of the grid (8-bit weights: lower weight bits are stored in
 * 8 bits and run the same graph) on WebGPU, in its own worker, and checks each output against WASM's.
 */
export async function runGpuLatency(runs = 5): Promise<void> {
  const { analysisVariant: id, tradeoff: grid } = get();
  if (!grid) return;
  const update = (g: Partial<GpuLatency>) => set((s) => ({ gpuLatency: { ...(s.gpuLatency as GpuLatency), ...g } }));
  set({ gpuLatency: { status: 'running', adapter: null, runs, done: 0, total: 0, points: [] } });
  try {
    const probe = await gpu().probe();
    if (!probe.adapter) {
      update({ status: 'error', reason: probe.reason });
      return;
    }
    const configs = grid.granularities.flatMap((granularity) => grid.activationBits.map((activationBits) => ({ granularity, weightBits: 8, activationBits })));
    update({ adapter: probe.adapter, total: configs.length + 1 });
    const m = await engine().latencyModels(id, configs);
    const f = await gpu().time(m.fp32, m.input, runs);
    update({ fp32: { ms: f.msPerImage, maxAbsDiff: maxAbsDiff(f.output, m.wasmOutputs[0]) }, done: 1 });
    for (const [i, c] of configs.entries()) {
      const t = await gpu().time(m.models[i], m.input, runs);
      set((s) => ({
        gpuLatency: {
          ...(s.gpuLatency as GpuLatency),
          done: i + 2,
          points: [...(s.gpuLatency?.points ?? []), { granularity: c.granularity, activationBits: c.activationBits, ms: t.msPerImage, maxAbsDiff: maxAbsDiff(t.output, m.wasmOutputs[i + 1]) }],
        },
      }));
    }
    update({ status: 'done' });
  } catch (e) {
    update({ status: 'error', reason: message(e) });
  }
}

// ***** results as one file *****

/** The run, its experiments and the view as one JSON file (downloaded). */
export function exportResults(): void {
  const s = get();
  if (!s.report) return;
  const file: ResultsFile = {
    format: 'quantscope-results',
    version: 1,
    exportedAt: new Date().toISOString(),
    model: s.model ? { fileName: s.model.fileName, sizeBytes: s.model.sizeBytes, outputClasses: s.model.outputClasses } : null,
    settings: Object.fromEntries(SETTINGS_KEYS.map((k) => [k, s[k]])),
    report: s.report,
    sensitivity: s.sensitivity,
    curve: s.curve,
    tradeoff: s.tradeoff,
    mixed: s.mixed,
    view: { tab: s.analysisTab, variant: s.analysisVariant, layer: s.selectedLayer },
  };
  const base = (s.model?.fileName ?? 'model').replace(/\.onnx$/i, '').replace(/[^\w.-]+/g, '_');
  downloadText(stringifyResults(file), `${base}.quantscope-results.json`, 'application/json');
}

/**
 * Shows the results of an exported file: the report, the experiments and the view it was saved with. The
 * engine does not have that run: views that need the model (weights, activations, new experiments) say so.
 */
export async function importResults(f: File): Promise<void> {
  try {
    const r = parseResults(await f.text(), f.name);
    set({
      report: r.report,
      runStatus: 'done',
      importedFrom: { fileName: f.name, modelFileName: r.model?.fileName ?? null, exportedAt: r.exportedAt },
      importError: null,
    });
    await startAnalysis(r.report);
    const variant = r.report.variants.some((v) => v.id === r.view.variant) ? r.view.variant : get().analysisVariant;
    set({
      sensitivity: r.sensitivity,
      curve: r.curve,
      curveStatus: r.curve ? (r.curve.complete ? 'done' : 'cancelled') : 'idle',
      tradeoff: r.tradeoff,
      tradeoffStatus: r.tradeoff ? (r.tradeoff.complete ? 'done' : 'cancelled') : 'idle',
      mixed: r.mixed,
      mixedStatus: r.mixed ? 'done' : 'idle',
      analysisVariant: variant,
      ...(parseViewHash(`#tab=${r.view.tab}`).tab ? { analysisTab: parseViewHash(`#tab=${r.view.tab}`).tab } : {}),
      selectedLayer: r.view.layer,
    });
    writeHash();
  } catch (e) {
    set({ importError: message(e) });
  }
}
