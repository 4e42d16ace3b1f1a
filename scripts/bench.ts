// npm run bench: throughput and overhead figures measured side by side in one run (no assertions).
// Node part (onnxruntime-node) on the ../shared ImageNet models; the bundle's initial JS size from dist/.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { ActivationStats } from '../src/core/calib/stats';
import type { CalibratorId } from '../src/core/calib/calibrators';
import { searchRanges } from '../src/core/calib/range-search';
import { collectPerImageStatistics, curveTensors, doublingSizes, permutation, rangeTensors } from '../src/core/engine/calibration-curve';
import { calibrationChoice } from '../src/core/engine/coverage';
import { buildVariant, collectStatistics, emptyCalibrationTiming } from '../src/core/engine/pipeline';
import { qRange } from '../src/core/quant/qparams';
import { nodeOutputs, planPass, withExtraOutputs } from '../src/core/engine/instrument';
import type { RtTensor } from '../src/core/engine/runtime';
import { parseModel, serializeModel } from '../src/core/onnx/model';
import { normalizeModel } from '../src/core/onnx/normalize';
import { defaultQuantConfig } from '../src/core/quant/config';
import { nodeSessionFactory } from '../src/node/ort-node';
import { nodeRangeHelper } from '../src/node/range-helper';
import { HAVE_SHARED, SHARED, SHARED_MODELS, SKIP_REASON, readShared, referenceCalibration } from '../test/shared-data';
import { appRun, bareWasm, openBarePage, withBrowser } from './bench-web';
import type { AppRun, BareRow, WebModel } from './bench-web';
import type { BareResult } from './bench-browser/protocol';

const N = Number(process.env.BENCH_IMAGES ?? 64);
/** The calibration-size curve is measured on the largest set: every calibration input ORT's reference used (200). */
const CURVE_N = Number(process.env.BENCH_CURVE_IMAGES ?? Infinity);
/** Rounds of the browser comparison: bare runs, then the workbench, timed side by side. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

async function timeRuns(run: (x: RtTensor) => Promise<unknown>, inputs: RtTensor[]): Promise<number> {
  await run(inputs[0]); // warm-up
  const t = performance.now();
  for (const x of inputs) await run(x);
  return (performance.now() - t) / 1000;
}

/** Seconds to run `inputs` through a model fetching `names`, after its session's creation and a warm-up run. */
async function timeOutputs(factory: ReturnType<typeof nodeSessionFactory>, bytes: Uint8Array, names: string[], inputName: string, inputs: RtTensor[]) {
  const session = await factory(bytes);
  try {
    return await timeRuns((x) => session.run({ [inputName]: x }, names), inputs);
  } finally {
    await session.release();
  }
}

async function* iterate<T>(xs: T[]) {
  yield* xs;
}

const rows: string[][] = [];
const webModels: WebModel[] = [];
/** onnxruntime-node images/s by model and form, for the browser table's "× node" column */
const nodeRate = new Map<string, number>();
const curveRows: string[] = [];
const row = (...c: (string | number)[]) => rows.push(c.map(String));
/** The second thread the range searches are split with (the engine worker has one too). */
const rangeHelper = nodeRangeHelper();

if (!HAVE_SHARED) console.log(`Model benchmarks skipped: ${SKIP_REASON}`);
for (const m of HAVE_SHARED ? SHARED_MODELS : []) {
  const model = parseModel(readShared('models', m.file));
  normalizeModel(model);
  const inputs = [...referenceCalibration(m, N)];
  const inputName = model.graph!.input[0].name;
  const out = model.graph!.output[0].name;
  const fused = nodeSessionFactory({ fused: true });
  const reference = nodeSessionFactory({ fused: false });

  const fp32 = await fused(serializeModel(model));
  const tFp32 = await timeRuns((x) => fp32.run({ [inputName]: x }, [out]), inputs);
  await fp32.release();

  // Calibration as the workbench runs it (statistics of the tensors its per-tensor and per-channel models read,
  // guessed from the graph and checked on the first image's) against a bare run fetching the same tensors; and
  // a bare run fetching every activation, what calibration fetched before.
  const names = nodeOutputs(model);
  const allActivations = serializeModel(withExtraOutputs(model, names));
  const configs = (['per-tensor', 'per-channel'] as const).map((g) => ({ ...defaultQuantConfig, weightGranularity: g }));
  const choice = calibrationChoice(model, configs);
  const t0 = performance.now();
  const timing = emptyCalibrationTiming();
  const stats = await collectStatistics(fused, model, iterate(inputs), inputs.length, { timing, ...choice });
  const tStats = (performance.now() - t0) / 1000;
  // what the calibration fetched after its first image: the tensors it collects, less those it derives (a
  // Concat's output from its inputs')
  const plan = planPass(model, names.filter((n) => stats.histograms.has(n)), stats.histograms.has(inputName) ? inputName : null);
  const read = plan.fetch;
  const calibration = serializeModel(withExtraOutputs(model, read));
  // the two bare runs alternated, twice each (timed one after the other, this machine's drift decided which won)
  let tBareAll = 0;
  let tBare = 0;
  for (let k = 0; k < 2; k++) {
    tBareAll += (await timeOutputs(fused, allActivations, names, inputName, inputs)) / 2;
    tBare += (await timeOutputs(fused, calibration, read, inputName, inputs)) / 2;
  }

  const qdq: Record<string, Uint8Array> = {};
  for (const g of ['per-tensor', 'per-channel'] as const) {
    const v = buildVariant(g, model, stats, { ...defaultQuantConfig, weightGranularity: g });
    qdq[g] = v.bytes;
    for (const [label, factory] of [['int8 fused kernels', fused], ['int8 reference QDQ', reference]] as const) {
      const s = await factory(v.bytes);
      const t = await timeRuns((x) => s.run({ [inputName]: x }, [out]), inputs);
      await s.release();
      row(m.id, `${label}, ${g}`, (N / t).toFixed(1), (tFp32 / t).toFixed(2));
      if (factory === fused) nodeRate.set(`${m.id}/${g === 'per-tensor' ? 'perTensor' : 'perChannel'}`, N / t);
    }
  }
  nodeRate.set(`${m.id}/fp32`, N / tFp32);
  const pixels = new Float32Array(inputs.reduce((a, x) => a + x.data.length, 0));
  inputs.reduce((at, x) => (pixels.set(x.data as Float32Array, at), at + x.data.length), 0);
  webModels.push({
    id: m.id,
    file: m.file,
    preset: m.preset,
    imageDims: inputs[0].dims.slice(1),
    bytes: { fp32: serializeModel(model), perTensor: qdq['per-tensor'], perChannel: qdq['per-channel'], calibration, allActivations },
    input: stats.histograms.has(inputName) ? inputName : null,
    derived: [...plan.derived],
    inputs: pixels,
    images: N,
  });
  // The calibration-size curve on the largest set (per-image pass, then for 3 draws every subset merged and its
  // ranges computed by 4 calibrators) against one calibration on the same images with the 4 calibrators'
  // ranges; statistics (model runs, histograms, merges) and range searches timed apart. Range searches are
  // split between this thread and a helper, on both sides, as the workbench does (the curve's are also timed
  // on one thread, not counted, for comparison).
  const calibrators: CalibratorId[] = ['minmax', 'percentile', 'entropy', 'mse'];
  const scheme = { range: qRange('uint8', false), symmetric: false };
  const curveInputs = [...referenceCalibration(m, CURVE_N)];
  const CN = curveInputs.length;
  // One calibration as the workbench runs it: statistics of the tensors its int8 models read, then ranges.
  const oneCalibration = async () => {
    const t1 = performance.now();
    const once = await collectStatistics(fused, model, iterate(curveInputs), curveInputs.length, choice);
    const stats = (performance.now() - t1) / 1000;
    await searchRanges(only(once, rangeTensors(model, defaultQuantConfig, once)), calibrators, scheme, undefined, rangeHelper.helper);
    return { once, stats, total: (performance.now() - t1) / 1000 };
  };
  const only = (st: ActivationStats, searched: Set<string>) => new Map([...st.histograms].filter(([name]) => searched.has(name)));
  const curve = async (once: ActivationStats) => {
    // the tensors a QDQ model reads ranges of (the curve searches only those): the same on both sides
    const searched = rangeTensors(model, defaultQuantConfig, once);
    let t2 = performance.now();
    // as the workbench does: the per-image pass collects only what the curve's int8 models read
    const perImage = await collectPerImageStatistics(fused, model, iterate(curveInputs), curveInputs.length, { only: curveTensors(model, defaultQuantConfig, once) });
    let stats = (performance.now() - t2) / 1000;
    let ranges = 0;
    let oneThread = 0;
    let points = 0;
    for (let draw = 0; draw < 3; draw++) {
      const order = permutation(CN, 1 + draw);
      const merged = new ActivationStats();
      let used = 0;
      for (const size of doublingSizes(CN)) {
        if (size === CN && draw > 0) continue;
        const tm = performance.now();
        while (used < size) merged.merge(perImage[order[used++]]);
        const tr = performance.now();
        await searchRanges(only(merged, searched), calibrators, scheme, undefined, rangeHelper.helper);
        const te = performance.now();
        stats += (tr - tm) / 1000;
        ranges += (te - tr) / 1000;
        points += calibrators.length;
        await searchRanges(only(merged, searched), calibrators, scheme);
        oneThread += (performance.now() - te) / 1000;
        t2 += performance.now() - te; // not part of the curve
      }
    }
    return { stats, ranges, oneThread, points, total: (performance.now() - t2) / 1000 };
  };
  // Five pairs of a calibration and a curve side by side, their order alternated: this machine's speed drifts
  // within seconds (MobileNet's one calibration, model runs alone: 578, 264, 614 ms in three pairs of one bench
  // run) and whatever runs first in a pair ran faster in some runs, so each pair's ratio compares neighbours in
  // time; the table shows the pair with the median ratio, and every ratio. A calibration first, untimed, picks
  // the curve's tensors (the same each time).
  const { once: chosen } = await oneCalibration();
  const pairs: { a: Awaited<ReturnType<typeof oneCalibration>>; c: Awaited<ReturnType<typeof curve>>; ratio: number }[] = [];
  for (let k = 0; k < 5; k++) {
    let a: Awaited<ReturnType<typeof oneCalibration>>;
    let c: Awaited<ReturnType<typeof curve>>;
    if (k % 2 === 0) {
      a = await oneCalibration();
      c = await curve(chosen);
    } else {
      c = await curve(chosen);
      a = await oneCalibration();
    }
    pairs.push({ a, c, ratio: c.total / a.total });
  }
  const byRatio = [...pairs].sort((x, y) => x.ratio - y.ratio);
  const { a, c } = byRatio[2];
  curveRows.push(
    `| ${m.id} | ${CN} | ${a.stats.toFixed(1)} s + ${(a.total - a.stats).toFixed(1)} s | ${c.stats.toFixed(1)} s (${(c.stats / a.stats).toFixed(2)}×) | ` +
      `${c.ranges.toFixed(1)} s (${c.points} points; one thread ${c.oneThread.toFixed(1)} s) | ${c.total.toFixed(1)} s | ${byRatio[2].ratio.toFixed(2)}× (pairs ${byRatio.map((x) => x.ratio.toFixed(2)).join(', ')}) |`,
  );
  row(m.id, 'FP32', (N / tFp32).toFixed(1), '1.00');
  row(m.id, `bare run fetching every activation (${names.length} tensors)`, (N / tBareAll).toFixed(1), (tFp32 / tBareAll).toFixed(2));
  row(m.id, `calibration: bare run fetching the ${read.length} tensors the calibration fetches (of the ${read.length + plan.derived.size} the int8 models read, ${plan.derived.size} derived from others)`, (N / tBare).toFixed(1), (tFp32 / tBare).toFixed(2));
  row(m.id, `calibration with statistics of those (× bare: ${(tStats / tBare).toFixed(2)}; in the same pass, per image: model run ${(timing.runMs / timing.samples).toFixed(1)} ms + statistics ${(timing.statisticsMs / timing.samples).toFixed(1)} ms, ${((timing.runMs + timing.statisticsMs + timing.readMs) / timing.runMs).toFixed(2)}× the run)`, (N / tStats).toFixed(1), (tFp32 / tStats).toFixed(2));
}
await rangeHelper.close();

console.log(`\nonnxruntime-node, 2 threads, batch 1, ${N} images each (BENCH_IMAGES to change)\n`);
console.log('| model | what | images/s | × FP32 speed |\n|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
if (curveRows.length) {
  console.log(`\nCalibration-size curve vs one calibration on the same images, the largest set (every calibration input of ORT's reference; evaluations excluded; statistics = model runs fetching the tensors the int8 models read (both sides, as the workbench does), histograms, merges; ranges = the 4 calibrators' searches, split between two threads as in the workbench)\n`);
  console.log('| model | images | one calibration: statistics + ranges | curve statistics: per-image pass + merges (× one calibration\'s statistics, target ≤ 1.3) | curve ranges | curve in total | × one calibration with its ranges (target ≤ 1.3): the median of 5 pairs, each a calibration and the curve right after it |\n|---|---|---|---|---|---|---|');
  for (const r of curveRows) console.log(r);
}

// The browser: bare onnxruntime-web, then the workbench itself driven through its UI on all sample images.
const IMAGES = join(SHARED, 'images', 'imagenet-sample');
if (webModels.length && existsSync(IMAGES) && process.env.BENCH_BROWSER !== '0') {
  const log = (x: string) => console.log(x);
  console.log('\nBrowser (system Chromium, headless; the production build served like `vite preview`)…');
  const { bare, rounds, runs } = await withBrowser(async (browser, origin) => {
    const bare = await bareWasm(browser, origin, webModels, log);
    // The workbench against bare runs timed right before it, in rounds: this machine's speed drifts by up to 2×
    // within minutes, so a ratio is only as good as its two sides are close in time.
    const barePage = await openBarePage(browser, origin, webModels);
    const rounds: Round[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      for (const m of webModels) {
        const rate = async (what: BareRow['what']) => {
          const r = (await barePage.time(m, what, 2, 1)).result;
          return 'imagesPerSecond' in r ? r.imagesPerSecond : NaN;
        };
        let bareAll = NaN;
        let bareCalib = NaN;
        let bareEval = NaN;
        let bareStats: Round['bareStats'] = null;
        // with the workbench's page open, its model and images read, right before its Run: the calibration
        // starts a second after the bare run with the calibration's outputs ends
        // Each bare rate is the best of two timings, the five alternated: a single timing was off by up to 1.5×
        // (SqueezeNet fetching every activation: 21.4, then 31.6 and 31.3 images/s in the same minute; with the
        // calibration's outputs 23.5–26.2 as the last of five, 38–41 timed again: the workbench's calibration
        // then showed as 0.73–0.81× "bare").
        const beforeRun = async () => {
          const best: Record<BareRow['what'], number> = { fp32: 0, perTensor: 0, perChannel: 0, allActivations: 0, calibration: 0 };
          for (let k = 0; k < 2; k++) {
            for (const what of Object.keys(best) as BareRow['what'][]) best[what] = Math.max(best[what], await rate(what));
            const r = (await barePage.time(m, 'calibration', 2, 1, true)).result;
            if ('split' in r && r.split && (!bareStats || r.imagesPerSecond > bareStats.imagesPerSecond)) bareStats = { imagesPerSecond: r.imagesPerSecond, ...r.split };
          }
          bareEval = 1 / (1 / best.fp32 + 1 / best.perTensor + 1 / best.perChannel);
          bareAll = best.allActivations;
          bareCalib = best.calibration;
        };
        const run = await appRun(browser, origin, { id: m.id, path: join(SHARED, 'models', m.file), preset: m.preset }, IMAGES, { beforeRun });
        log(`  round ${round}, workbench ${m.id}: calibration ${(bareCalib / run.calibrationImagesPerSecond).toFixed(2)}× bare, evaluation ${(run.evaluationImagesPerSecond / bareEval).toFixed(2)}× bare; drop → report ${run.dropToReportSeconds.toFixed(1)} s`);
        rounds.push({ round, bareAll, bareCalib, bareEval, bareStats, run });
      }
    }
    await barePage.close();
    const runs = rounds.map((r) => r.run);
    const mobile = webModels.find((m) => m.id.startsWith('mobilenet_v1'));
    if (mobile) {
      const r = await appRun(browser, origin, { id: mobile.id, path: join(SHARED, 'models', mobile.file), preset: mobile.preset }, IMAGES, { memory: true });
      log(`  workbench ${mobile.id} with memory sampling: drop → report ${r.dropToReportSeconds.toFixed(1)} s`);
      runs.push(r);
      // A slower machine (Chromium's CPU throttling of the page): where long tasks would appear first.
      const slow = await appRun(browser, origin, { id: mobile.id, path: join(SHARED, 'models', mobile.file), preset: mobile.preset }, IMAGES, { cpuThrottle: 3 });
      log(`  workbench ${mobile.id} with the main thread slowed 3×: ${slow.longTasks.over100} tasks over 100 ms, longest ${slow.longTasks.longestMs.toFixed(0)} ms`);
      runs.push(slow);
    }
    return { bare, rounds, runs };
  });
  printWeb(bare, rounds, runs);
} else if (webModels.length) {
  console.log(`\nBrowser benchmarks skipped: ${process.env.BENCH_BROWSER === '0' ? 'BENCH_BROWSER=0' : `no images in ${IMAGES}`}.`);
}

/** The engine's split of a calibration pass, per image: "17.6 + 4.8 + 0.8 ms | 1.32×" (two table cells). */
function split(r: AppRun): string {
  const t = r.calibrationTiming;
  if (!t?.samples) return '– | –';
  const per = (x: number) => (x / t.samples).toFixed(1);
  return `${per(t.runMs)} + ${per(t.statisticsMs)} + ${per(t.readMs)} ms | ${((t.runMs + t.statisticsMs + t.readMs) / t.runMs).toFixed(2)}×`;
}

/** One round of the side-by-side comparison: bare rates (2 threads, batch 1) timed right before the workbench's run. */
interface Round {
  round: number;
  /** the model fetching every activation (what calibration fetched before it fetched only what it reads) */
  bareAll: number;
  /** the model fetching the tensors the calibration collects (those the int8 models read) */
  bareCalib: number;
  /** the bare run with the calibration's outputs folding them into the core's statistics, no app around it */
  bareStats: { imagesPerSecond: number; runMs: number; statisticsMs: number } | null;
  /** FP32 + per-tensor + per-channel, one image through each */
  bareEval: number;
  run: AppRun;
}

function median(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function printWeb(bare: BareRow[], rounds: Round[], runs: AppRun[]) {
  const cell = (model: string, what: BareRow['what'], threads: number, batch: number) => {
    const r = bare.find((b) => b.model === model && b.what === what && b.threads === threads && b.batch === batch)?.result;
    if (!r) return '–';
    if ('error' in r) return `fails: ${r.error.slice(0, 60)}`;
    return `${r.imagesPerSecond.toFixed(1)} (${(r.imagesPerSecond / nodeRate.get(`${model}/${what}`)!).toFixed(2)}× node)`;
  };
  const runtime = bare.map((b) => b.result).find((r): r is BareResult => 'runtime' in r)?.runtime.replace(/, \d threads?.*/, '') ?? 'onnxruntime-web';
  console.log(`\nBare ${runtime} in Chromium, images/s (${N} images; × node: against onnxruntime-node, 2 threads, batch 1, fused kernels)\n`);
  console.log('| model | threads | batch | FP32 | int8 per-tensor | int8 per-channel |\n|---|---|---|---|---|---|');
  for (const m of webModels) {
    for (const threads of [1, 2]) {
      for (const batch of [1, 8]) {
        console.log(`| ${m.id} | ${threads} | ${batch} | ${cell(m.id, 'fp32', threads, batch)} | ${cell(m.id, 'perTensor', threads, batch)} | ${cell(m.id, 'perChannel', threads, batch)} |`);
      }
    }
  }

  console.log(`\nThe workbench's pipeline against bare onnxruntime-web on the same models (2 threads, batch 1: what the workbench uses), in ${ROUNDS} rounds: each round times the bare runs with the workbench's page open, its model and images read, right before its Run; each bare rate is the best of two timings, the five alternated\n`);
  console.log('Both sides after set-up: the bare runs after their session\'s creation and a warm-up run, the workbench after its first image (that set-up in its own column).\n');
  console.log('The calibration fetches the tensors the int8 models read (guessed from the graph, checked on the first image\'s statistics; one session, unless the check finds otherwise). The split is the engine\'s own, per calibration image after the first, in the same pass: the model run fetching those tensors (the bare run\'s work), then folding them into the statistics, then waiting for the next image; its ratio is (all three) / (the model run). The bare run fetching every activation is what calibration fetched before. The second half: the workbench\'s calibration timed over its last half of the images, past the start\'s transient (some 20 runs at 2–4× their later time while V8 compiles onnxruntime\'s WebAssembly to its optimising tier on the same two cores: seen run by run and in a trace). The bare run folding its outputs into the core statistics: the statistics\' own cost, with no app around them.\n');
  console.log('| model | round | calibration set-up: instrumented models, sessions, first image | calibration: workbench (decode, preprocess, run, statistics) | bare run with the same outputs | cost × bare (target ≤ 1.3) | the second half of the calibration images: workbench, × bare | the bare run folding its outputs into the core statistics, no app around it: images/s (run + statistics per image; × bare) | the workbench pass split: model run + statistics + reading, per image | × its model run | bare run fetching every activation | evaluation: workbench (decode, preprocess, FP32 + int8 models, metrics) | bare runs of the same models | × bare speed (target ≥ 0.9) |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const { round, bareAll, bareCalib, bareEval, bareStats: bs, run: r } of rounds) {
    const withStats = bs ? `${bs.imagesPerSecond.toFixed(1)} images/s (${bs.runMs.toFixed(1)} + ${bs.statisticsMs.toFixed(1)} ms; ${(bareCalib / bs.imagesPerSecond).toFixed(2)}×)` : '–';
    // The evaluation runs FP32 and each variant (per-tensor, per-channel) on every image.
    const evalBare = r.variants === 2 ? bareEval : NaN;
    console.log(
      `| ${r.model} | ${round} | ${r.calibrationSetupSeconds.toFixed(2)} s | ${r.calibrationImagesPerSecond.toFixed(1)} images/s | ${bareCalib.toFixed(1)} images/s | ${(bareCalib / r.calibrationImagesPerSecond).toFixed(2)}× | ${r.calibrationSecondHalfImagesPerSecond.toFixed(1)} images/s, ${(bareCalib / r.calibrationSecondHalfImagesPerSecond).toFixed(2)}× | ${withStats} | ${split(r)} | ${bareAll.toFixed(1)} images/s | ` +
        `${r.evaluationImagesPerSecond.toFixed(1)} images/s | ${evalBare.toFixed(1)} images/s | ${(r.evaluationImagesPerSecond / evalBare).toFixed(2)}× |`,
    );
  }
  for (const m of webModels) {
    const rs = rounds.filter((x) => x.run.model === m.id);
    if (!rs.length) continue;
    const calib = rs.map((x) => x.bareCalib / x.run.calibrationImagesPerSecond);
    const half = rs.map((x) => x.bareCalib / x.run.calibrationSecondHalfImagesPerSecond);
    const withStats = rs.flatMap((x) => (x.bareStats ? [x.bareCalib / x.bareStats.imagesPerSecond] : []));
    const evals = rs.map((x) => x.run.evaluationImagesPerSecond / x.bareEval);
    const range = (xs: number[]) => `${median(xs).toFixed(2)}× (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;
    console.log(`\n${m.id}, median of ${rs.length} rounds (range): calibration cost ${range(calib)} a bare run with the same outputs (target ≤ 1.3), over its second half ${range(half)}, the bare run folding its outputs into the core statistics ${withStats.length ? range(withStats) : '–'}; evaluation ${range(evals)} bare speed (target ≥ 0.9).`);
  }

  const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
  console.log('\nThe workbench driven through its UI: the model and the image folder handed to the page, the preset chosen, Run; then 5 layers selected (their charts drawn)\n');
  console.log('| model | images (calibrate / evaluate) | reading the images (then saving their copies in the background, waited for before Run) | Run → per-layer report | drop → per-layer report | main-thread tasks > 50 ms from Run to the charts (> 100 ms, target 0; longest) | before Run: tasks > 100 ms (page start, reading the model and images) | memory: page + workers (target ≤ 1 GB at the peak) |\n|---|---|---|---|---|---|---|---|');
  for (const r of runs) {
    const mem = r.memory
      ? `after the run ${mb(r.memory.afterTotal)} (workers ${mb(r.memory.afterWorkers)}); largest of ${r.memory.samples} samples during it ${mb(Math.max(r.memory.peakTotal, r.memory.afterTotal))}`
      : 'not sampled in this run';
    console.log(
      `| ${r.model}${r.cpuThrottle > 1 ? `, page's CPU slowed ${r.cpuThrottle}× (Chromium's throttling: a slower machine)` : ''} | ${r.images} (${r.calibImages} / ${r.evalImages}) | ${r.readSeconds.toFixed(1)} s (+ ${r.savingSeconds.toFixed(1)} s) | ${r.runSeconds.toFixed(1)} s | ${r.dropToReportSeconds.toFixed(1)} s | ` +
        `${r.longTasks.count} (${r.longTasks.over100}; ${r.longTasks.longestMs.toFixed(0)} ms${r.longTasksOver100.length ? `; ${r.longTasksOver100.join('; ')}` : ''}) | ` +
        `${r.longTasksBeforeRun.length ? r.longTasksBeforeRun.map((d) => `${d.toFixed(0)} ms`).join(', ') : 'none'} | ${mem} |`,
    );
  }
}

const dist = 'dist/assets';
if (existsSync(dist)) {
  const html = readFileSync('dist/index.html', 'utf8');
  const initial = [...html.matchAll(/(?:src|href)="\/assets\/([^"]+\.(?:js|css))"/g)].map((x) => x[1]);
  const gz = initial.reduce((a, f) => a + gzipSync(readFileSync(join(dist, f))).length, 0);
  const worker = readdirSync(dist).filter((f) => f.startsWith('engine.worker') && f.endsWith('.js'));
  const wgz = worker.reduce((a, f) => a + gzipSync(readFileSync(join(dist, f))).length, 0);
  console.log(`\nInitial JS+CSS of the page (gzip): ${(gz / 1024).toFixed(1)} KB (${initial.join(', ')}); engine worker (loaded on first use): ${(wgz / 1024).toFixed(1)} KB gzip.`);
} else {
  console.log('\nRun `npm run build` first for the bundle size.');
}
