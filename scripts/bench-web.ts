// The browser half of `npm run bench`: the production build with a bench page added, served as `vite preview`
// serves the app (same headers: cross-origin isolated, CSP), driven by Playwright in the system Chromium.
// Bare onnxruntime-web is timed in scripts/bench-browser; the workbench's own pipeline through its real UI.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from '@playwright/test';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { build, preview } from 'vite';

// @ts-expect-error: plain .mjs helper shared with the npm scripts
import { CHROMIUM_ARGS, findChromium } from './chromium.mjs';
import type { BareRequest, BareResult } from './bench-browser/protocol';

export interface WebModel {
  id: string;
  file: string;
  preset: string;
  /** dims of one image without the batch, [3, H, W] */
  imageDims: number[];
  /** served to the bare bench */
  bytes: { fp32: Uint8Array; perTensor: Uint8Array; perChannel: Uint8Array; calibration: Uint8Array; allActivations: Uint8Array };
  /** the calibration's observed graph input (null: not collected) and the tensors it derives (output → parts) */
  input: string | null;
  derived: [string, string[]][];
  /** N preprocessed images back to back (float32) */
  inputs: Float32Array;
  images: number;
}

export interface BareRow {
  model: string;
  what: keyof WebModel['bytes'];
  threads: number;
  batch: number;
  result: BareResult | { error: string };
}

export interface AppRun {
  model: string;
  images: number;
  calibImages: number;
  evalImages: number;
  /** seconds from setting the files on the page to the image count shown */
  readSeconds: number;
  /** seconds from then until the page's copies of the images in IndexedDB were saved (background work; waited for before Run, left out of drop → report) */
  savingSeconds: number;
  /** seconds from "Run" to the per-layer SQNR chart drawn */
  runSeconds: number;
  /** seconds from the first file handed to the page to the per-layer report drawn */
  dropToReportSeconds: number;
  /** calibration after its first image, as the bare runs are timed after their session's creation and a warm-up run */
  calibrationImagesPerSecond: number;
  /**
   * the same over the second half of the calibration images: after the start's transient (the narrowed session's
   * first run, then ~20 runs at 2–4× their later time while V8 compiles onnxruntime's WebAssembly to its top tier)
   */
  calibrationSecondHalfImagesPerSecond: number;
  /** seconds from Run to the first image's statistics: the instrumented model built, its session created, one image run */
  calibrationSetupSeconds: number;
  /** the engine's own split of its calibration (the run report's): model runs, statistics, reading, per image after the first */
  calibrationTiming: { samples: number; runMs: number; statisticsMs: number; readMs: number } | null;
  /** evaluation after the SQNR samples: decode, preprocess, FP32 + every variant, metrics */
  evaluationImagesPerSecond: number;
  variants: number;
  sqnrSamples: number;
  longTasks: { count: number; over100: number; longestMs: number; totalMs: number };
  /** each main-thread task over 100 ms from Run on, with the chart draws inside it: "124 ms: chart sqnr-chart (118 ms)" */
  longTasksOver100: string[];
  /** the longest chart draws from Run on (Plot's performance measures), name and ms */
  chartDraws: { name: string; ms: number }[];
  /** the page's main thread slowed this many times (1: not slowed) */
  cpuThrottle: number;
  /** main-thread tasks over 100 ms before Run (page start, the model and the folder read), in ms */
  longTasksBeforeRun: number[];
  /**
   * measureUserAgentSpecificMemory sampled each second during the run (Chromium answers only every several
   * seconds while the workers compute, so the peak may be missed) and once after it.
   */
  memory?: { peakTotal: number; peakWorkers: number; peakPage: number; samples: number; afterTotal: number; afterWorkers: number };
}

const PORT = 4189;

type Progress = { phase: string; done: number; total: number; elapsedMs: number };
type Win = {
  quantscope: {
    savesSettled: () => Promise<void>;
    store: {
      subscribe: (f: (s: { progress: Progress | null }) => void) => () => void;
      getState: () => { sqnrSamples: number; report: { variants: unknown[]; calibrationTiming?: AppRun['calibrationTiming'] } | null };
    };
  };
  __progress: Progress[];
  __longTasks: { start: number; duration: number }[];
  __memory: { peakTotal: number; peakWorkers: number; peakPage: number; samples: number; stop: boolean; done: Promise<void> };
  bareBench: (r: BareRequest) => Promise<BareResult>;
};

/** Builds the app with the bench page into a temporary folder, serves it, starts Chromium; `use` runs, then all stop. */
export async function withBrowser<T>(use: (browser: Browser, origin: string) => Promise<T>): Promise<T> {
  const outDir = mkdtempSync(join(tmpdir(), 'quantscope-bench-'));
  const quiet = { logLevel: 'warn' as const, configFile: 'vite.config.ts' };
  await build({
    ...quiet,
    build: { outDir, emptyOutDir: true, rollupOptions: { input: { main: 'index.html', bench: 'scripts/bench-browser/index.html' } } },
  });
  const server = await preview({ ...quiet, build: { outDir }, preview: { port: PORT, strictPort: true } });
  const executablePath = findChromium();
  if (!executablePath) throw new Error('No Chromium found: apt-get install -y chromium (or set CHROMIUM_PATH).');
  // Memory is measured at once, not at the next garbage collection.
  const browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS, '--enable-blink-features=ForceEagerMeasureMemory'] });
  try {
    return await use(browser, `http://localhost:${PORT}`);
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** Serves the models and inputs the bare bench fetches under /bench-data/. */
async function serveData(page: Page, models: WebModel[]) {
  await page.route('**/bench-data/**', (route) => {
    const [, id, name] = /bench-data\/([^/]+)\/([^/?]+)/.exec(route.request().url()) ?? [];
    const m = models.find((x) => x.id === id);
    const body = !m ? null : name === 'inputs' ? m.inputs : m.bytes[name as keyof WebModel['bytes']];
    if (!body) return route.fulfill({ status: 404 });
    return route.fulfill({
      status: 200,
      headers: { 'Content-Type': 'application/octet-stream', 'Cross-Origin-Resource-Policy': 'same-origin' },
      body: Buffer.from(body.buffer, body.byteOffset, body.byteLength),
    });
  });
}

/** A page that times bare onnxruntime-web on request (each timing in a fresh worker); `close` when done. */
export async function openBarePage(browser: Browser, origin: string, models: WebModel[]) {
  const page = await browser.newPage();
  await serveData(page, models);
  await page.goto(`${origin}/scripts/bench-browser/index.html`);
  return {
    async time(m: WebModel, what: BareRow['what'], threads: number, batch: number, statistics = false): Promise<BareRow> {
      const req: BareRequest = {
        modelUrl: `/bench-data/${m.id}/${what}`,
        inputUrl: `/bench-data/${m.id}/inputs`,
        imageDims: m.imageDims,
        images: m.images,
        threads,
        batch,
        ...(statistics ? { statistics: { input: m.input, derived: m.derived } } : {}),
      };
      const result = await page
        .evaluate((r) => (globalThis as unknown as Win).bareBench(r), req)
        .catch((e: Error) => ({ error: e.message.split('\n')[0] }));
      return { model: m.id, what, threads, batch, result };
    },
    close: () => page.close(),
  };
}

/** Bare onnxruntime-web: FP32 and both int8 forms at 1 and 2 threads, batch 1 and 8 (the activations model is timed in the rounds, next to the workbench). */
export async function bareWasm(browser: Browser, origin: string, models: WebModel[], log: (s: string) => void): Promise<BareRow[]> {
  const bare = await openBarePage(browser, origin, models);
  const rows: BareRow[] = [];
  for (const m of models) {
    for (const what of ['fp32', 'perTensor', 'perChannel'] as const) {
      for (const threads of [1, 2]) {
        for (const batch of [1, 8]) {
          const row = await bare.time(m, what, threads, batch);
          const r = row.result;
          log(`  bare ${m.id} ${what} ${threads}t b${batch}: ${'error' in r ? r.error : `${r.imagesPerSecond.toFixed(1)} images/s`}`);
          rows.push(row);
        }
      }
    }
  }
  await bare.close();
  return rows;
}

/**
 * The workbench as a user drives it: a fresh page, the model and the image folder set on the file inputs, the
 * model's preset chosen, Run, until the per-layer report is drawn; then five layers selected (their charts drawn).
 * Progress events (the store's) give the calibration and evaluation rates; a PerformanceObserver the main
 * thread's long tasks. With `memory`, the page also samples measureUserAgentSpecificMemory each second (a
 * separate run: the sampling would disturb the timings).
 */
export async function appRun(
  browser: Browser,
  origin: string,
  m: { id: string; path: string; preset: string },
  imagesDir: string,
  opts: {
    memory?: boolean;
    /** called with the model and images read, right before Run is clicked (e.g. to time bare runs as close to the workbench's as can be) */
    beforeRun?: () => Promise<void>;
    /** the page's main thread slowed this many times (Chromium's CPU throttling): a slower machine's long tasks */
    cpuThrottle?: number;
    /** a context of earlier visits (its HTTP and code caches); by default a fresh one, closed after */
    context?: BrowserContext;
  } = {},
): Promise<AppRun> {
  const context = opts.context ?? (await browser.newContext({ viewport: { width: 1400, height: 1000 } }));
  const page = await context.newPage();
  if (opts.cpuThrottle) await (await context.newCDPSession(page)).send('Emulation.setCPUThrottlingRate', { rate: opts.cpuThrottle });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(() => {
    const w = globalThis as unknown as Win;
    w.__longTasks = [];
    w.__progress = [];
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ entryTypes: ['longtask'] } as never);
  });
  await page.goto(`${origin}/?demo=0`);
  await page.waitForFunction(() => !!(globalThis as unknown as Win).quantscope);
  await page.evaluate(() => {
    const w = globalThis as unknown as Win;
    let last: Progress | null = null;
    w.quantscope.store.subscribe((s) => {
      if (s.progress && s.progress !== last) w.__progress.push({ ...s.progress });
      last = s.progress;
    });
  });
  if (opts.memory) {
    await page.evaluate(() => {
      type M = { bytes: number; breakdown: { bytes: number; attribution: { scope: string }[] }[] };
      const w = globalThis as unknown as Win;
      w.__memory = { peakTotal: 0, peakWorkers: 0, peakPage: 0, samples: 0, stop: false, done: Promise.resolve() };
      // (No named functions in here: tsx would wrap them in a helper the page lacks.)
      w.__memory.done = (async () => {
        while (!w.__memory.stop) {
          const r = await (performance as unknown as { measureUserAgentSpecificMemory: () => Promise<M> }).measureUserAgentSpecificMemory();
          let workers = 0;
          let pageBytes = 0;
          for (const b of r.breakdown) {
            if (b.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope')) workers += b.bytes;
            else if (b.attribution.some((a) => a.scope === 'Window')) pageBytes += b.bytes;
          }
          const k = w.__memory;
          k.peakTotal = Math.max(k.peakTotal, r.bytes);
          k.peakWorkers = Math.max(k.peakWorkers, workers);
          k.peakPage = Math.max(k.peakPage, pageBytes);
          k.samples++;
          await new Promise((res) => setTimeout(res, 1000));
        }
      })();
    });
  }

  const t0 = Date.now();
  await page.getByTestId('model-input').setInputFiles(m.path);
  await page.getByTestId('model-info').waitFor();
  await page.getByTestId('folder-input').setInputFiles(imagesDir);
  await page.getByTestId('image-count').filter({ hasText: /\d+ images, \d+ with labels/ }).waitFor({ timeout: 300_000 });
  const tRead = Date.now();
  const imageCount = Number(/(\d+) images/.exec(await page.getByTestId('image-count').innerText())![1]);
  await page.getByTestId('preset-select').selectOption(m.preset);
  const calibImages = Number(await page.getByTestId('calib-count').inputValue());
  const evalImages = Number(await page.getByTestId('eval-count').inputValue());
  const tBefore = Date.now();
  // The page saves its copies of the images in the background; timing anything over that measures the saving.
  await page.evaluate(() => (globalThis as unknown as Win).quantscope.savesSettled());
  const savingSeconds = (Date.now() - tRead) / 1000;
  await opts.beforeRun?.();
  // not the workbench's time: drop → report leaves it out
  const beforeRunMs = Date.now() - tBefore;
  const [longBefore, runAt] = await page.evaluate(() => [(globalThis as unknown as Win).__longTasks.length, performance.now()]);
  const tRun = Date.now();
  await page.getByTestId('run-button').click();
  await page.locator('[data-testid=results], [data-testid=run-error]').first().waitFor({ timeout: 20 * 60_000 });
  if (await page.getByTestId('run-error').count()) throw new Error(`The run failed: ${await page.getByTestId('run-error').innerText()}`);
  await page.locator('[data-testid=sqnr-chart][data-rendered=true]').waitFor({ timeout: 120_000 });
  await page.getByTestId('layer-table').waitFor();
  const tReport = Date.now();
  // Charting: five layers selected one after another, each with its weight, channel and activation charts.
  const layers = await page.locator('table[data-testid=layer-table] tbody tr').evaluateAll((trs) => trs.map((t) => t.getAttribute('data-layer')!));
  for (const layer of layers.slice(0, 5)) {
    await page.locator(`table[data-testid=layer-table] tbody tr[data-layer="${layer}"]`).click();
    await page.locator(`[data-testid=layer-details][data-layer="${layer}"]`).waitFor();
    await page.locator('[data-testid=layer-details] [data-rendered=true]').first().waitFor();
  }
  // One measurement after the run, awaited (samples during the run come back rarely: see AppRun.memory), once
  // the sampling has stopped: a measurement asked for while another is pending came back with the figures of
  // an earlier moment (38 MB after a run that held 130-160 MB).
  const after = opts.memory
    ? await page.evaluate(async () => {
        const g = globalThis as unknown as Win;
        g.__memory.stop = true;
        await g.__memory.done;
        type M = { bytes: number; breakdown: { bytes: number; attribution: { scope: string }[] }[] };
        const r = await (performance as unknown as { measureUserAgentSpecificMemory: () => Promise<M> }).measureUserAgentSpecificMemory();
        const workers = r.breakdown.filter((b) => b.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope')).reduce((a, b) => a + b.bytes, 0);
        return { total: r.bytes, workers };
      })
    : undefined;
  const w = await page.evaluate(([n, from]) => {
    const g = globalThis as unknown as Win;
    if (g.__memory) g.__memory.stop = true;
    const s = g.quantscope.store.getState();
    type Entry = { name: string; startTime: number; duration: number };
    const perf = performance as unknown as { getEntriesByType(type: string): Entry[] };
    const charts = perf.getEntriesByType('measure').filter((e) => e.name.startsWith('chart ') && e.startTime >= from);
    const chartDraws = charts.map((e) => ({ name: e.name.slice(6), ms: e.duration })).sort((a, b) => b.ms - a.ms).slice(0, 3);
    // what each task over 100 ms was: the chart draws inside it, if any
    const over100 = g.__longTasks.slice(n).filter((t) => t.duration > 100).map((t) => {
      const inside = charts.filter((c) => c.startTime < t.start + t.duration && c.startTime + c.duration > t.start);
      return `${t.duration.toFixed(0)} ms: ${inside.length ? inside.map((c) => `${c.name} (${c.duration.toFixed(0)} ms)`).join(', ') : 'no chart draw'}`;
    });
    return { over100, long: g.__longTasks.slice(n), early: g.__longTasks.slice(0, n).map((t) => t.duration), progress: g.__progress, memory: g.__memory && { ...g.__memory, done: undefined }, sqnrSamples: s.sqnrSamples, variants: s.report?.variants.length ?? 0, chartDraws, calibrationTiming: s.report?.calibrationTiming ?? null };
  }, [longBefore, runAt]);
  const { sqnrSamples, variants } = w;
  if (opts.context) await page.close();
  else await context.close();
  if (errors.length) throw new Error(`The page reported errors: ${errors.join('; ')}`);

  const calibs = w.progress.filter((p) => p.phase === 'calibrate');
  const calib = calibs.at(-1);
  const calibFirst = calibs[0];
  const calibHalf = calibs.find((p) => p.done >= p.total / 2) ?? calibFirst;
  const evals = w.progress.filter((p) => p.phase === 'evaluate');
  // The evaluation's steady part: after the images that also compare every layer (SQNR samples).
  const from = evals.find((p) => p.done >= sqnrSamples + 1) ?? evals[0];
  const to = evals.at(-1);
  if (!calib || !calibFirst || calib.done <= calibFirst.done || !from || !to || to.done <= from.done) throw new Error('The run reported no calibration or evaluation progress to time.');
  const longs = w.long.map((t) => t.duration);
  return {
    model: m.id,
    cpuThrottle: opts.cpuThrottle ?? 1,
    images: imageCount,
    calibImages,
    evalImages,
    readSeconds: (tRead - t0) / 1000,
    savingSeconds,
    runSeconds: (tReport - tRun) / 1000,
    dropToReportSeconds: (tReport - t0 - beforeRunMs) / 1000,
    calibrationImagesPerSecond: (calib.done - calibFirst.done) / ((calib.elapsedMs - calibFirst.elapsedMs) / 1000),
    calibrationSecondHalfImagesPerSecond: calib.done > calibHalf.done ? (calib.done - calibHalf.done) / ((calib.elapsedMs - calibHalf.elapsedMs) / 1000) : NaN,
    calibrationSetupSeconds: calibFirst.elapsedMs / 1000,
    calibrationTiming: w.calibrationTiming,
    evaluationImagesPerSecond: (to.done - from.done) / ((to.elapsedMs - from.elapsedMs) / 1000),
    variants,
    sqnrSamples,
    longTasks: {
      count: longs.length,
      over100: longs.filter((d) => d > 100).length,
      longestMs: Math.max(0, ...longs),
      totalMs: longs.reduce((a, b) => a + b, 0),
    },
    longTasksBeforeRun: w.early.filter((d) => d > 100),
    longTasksOver100: w.over100,
    chartDraws: w.chartDraws,
    memory: w.memory && after ? { peakTotal: w.memory.peakTotal, peakWorkers: w.memory.peakWorkers, peakPage: w.memory.peakPage, samples: w.memory.samples, afterTotal: after.total, afterWorkers: after.workers } : undefined,
  };
}
