import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

import { CALIBRATORS } from '../core/calib/calibrators';
import type { CalibratorId } from '../core/calib/calibrators';
import { imagenetClassFromPath, imagenetLabelSpace } from '../core/data/labels';
import { PREPROCESS_PRESETS, inputGeometry, presetPreprocess, rgbToTensor } from '../core/data/preprocess';
import type { Preprocess } from '../core/data/preprocess';
import type { VariantSpec } from '../core/engine/experiment';
import { prepareVariants } from '../core/engine/experiment';
import { evaluate } from '../core/engine/pipeline';
import type { Evaluation, Variant } from '../core/engine/pipeline';
import type { RtTensor } from '../core/engine/runtime';
import { parseModel } from '../core/onnx/model';
import { normalizeModel, summarizeModel } from '../core/onnx/normalize';
import { fixInputDims } from '../core/onnx/passes/fix-input-dims';
import { defaultQuantConfig } from '../core/quant/config';
import type { LayerOverride, QuantConfig } from '../core/quant/config';
import { listImages, loadRgb } from '../node/images';
import type { ImageFile } from '../node/images';
import { nodeSessionFactory } from '../node/ort-node';

const USAGE = `Quantscope command line: the workbench's engine on onnxruntime-node.

  quantscope quantize --model M.onnx --calib DIR [--eval DIR] --out M.int8.onnx [--report report.json] [options]
  quantscope sweep    --model M.onnx --calib DIR [--eval DIR] [--report sweep.json] [options]

quantize builds one int8 QDQ model and reports its accuracy; sweep evaluates every calibrator × weight
granularity × {plain, CLE, CLE + bias correction} from one calibration and prints a table.

Quantization
  --calibrator minmax|percentile|entropy|mse   (default minmax)
  --weights per-channel|per-tensor             (default per-channel)
  --w-bits N, --a-bits N                        2..8 or 16 (default 8; below 8 simulated in int8/uint8;
                                                16 uses int16/uint16 QDQ at opset 21, not both at once)
  --a-symmetric                                 int8 symmetric activations (default uint8 asymmetric)
  --layer NAME=CHOICES                          per-layer override, repeatable; CHOICES joined by ':' from
                                                fp32, wN, aN, per-channel, per-tensor (e.g. --layer conv1=w4:per-tensor)
  --cle                                         cross-layer equalisation
  --bias-correction                             empirical bias correction
  --percentile P                                for --calibrator percentile (default 99.999)
Data
  --calib-count N                               calibration images (default 100)
  --eval-count N                                evaluation images (default: all the rest)
                                                With --eval absent, --calib's folder is split: the first
                                                calib-count images (sorted by path) calibrate, the rest evaluate.
Preprocessing (default: the preset guessed from the model)
  --preset ${PREPROCESS_PRESETS.map((p) => p.id).join('|')}
  --size N or WxH, --resize-short N, --scale X, --mean R,G,B, --std R,G,B, --bgr, --rgb, --layout nchw|nhwc
  --label-offset N                              added to ImageNet class indices (default: 1 for 1001-way models)
Runtime
  --fused-kernels   run with ORT's fused int8 kernels (on x86 without VNNI they saturate; the default evaluates
                    the QDQ graph as ONNX defines it, which is what the browser's WebAssembly kernels compute)
  --sqnr-images N   images for per-layer error (default 64)
  --quiet           no progress bar
`;

class UsageError extends Error {}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      calib: { type: 'string' },
      eval: { type: 'string' },
      out: { type: 'string' },
      report: { type: 'string' },
      calibrator: { type: 'string', default: 'minmax' },
      weights: { type: 'string', default: 'per-channel' },
      'w-bits': { type: 'string', default: '8' },
      'a-bits': { type: 'string', default: '8' },
      'a-symmetric': { type: 'boolean', default: false },
      layer: { type: 'string', multiple: true },
      cle: { type: 'boolean', default: false },
      'bias-correction': { type: 'boolean', default: false },
      percentile: { type: 'string' },
      'calib-count': { type: 'string', default: '100' },
      'eval-count': { type: 'string' },
      preset: { type: 'string' },
      size: { type: 'string' },
      'resize-short': { type: 'string' },
      scale: { type: 'string' },
      mean: { type: 'string' },
      std: { type: 'string' },
      bgr: { type: 'boolean' },
      rgb: { type: 'boolean' },
      layout: { type: 'string' },
      'label-offset': { type: 'string' },
      'fused-kernels': { type: 'boolean', default: false },
      'sqnr-images': { type: 'string', default: '64' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  return { command: positionals[0], values };
}

type Values = ReturnType<typeof parse>['values'];

function int(v: string | undefined, name: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not '${v}'.`);
  return n;
}

function triple(v: string, name: string): [number, number, number] {
  const parts = v.split(',').map(Number);
  if (parts.length !== 3 || parts.some((x) => !Number.isFinite(x))) throw new UsageError(`--${name} takes three numbers, e.g. 0.485,0.456,0.406, not '${v}'.`);
  return parts as [number, number, number];
}

class ProgressBar {
  private start = Date.now();
  constructor(private quiet: boolean) {}
  update(label: string, done: number, total: number) {
    if (this.quiet || !total) return;
    if (!process.stderr.isTTY) {
      // A log, not a terminal: one line per finished phase.
      if (done === total) process.stderr.write(`${label}: ${total} done in ${((Date.now() - this.start) / 1000).toFixed(1)} s\n`);
      return;
    }
    const width = 30;
    const filled = Math.round((width * done) / total);
    const elapsed = (Date.now() - this.start) / 1000;
    const eta = done ? (elapsed / done) * (total - done) : 0;
    process.stderr.write(`\r${label.padEnd(16)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${done < total ? ` ~${Math.ceil(eta)} s left` : '          '}`);
    if (done === total) process.stderr.write('\n');
  }
  reset() {
    this.start = Date.now();
  }
}

export async function main(argv: string[]): Promise<number> {
  const { command, values: v } = parse(argv);
  if (v.help || !command) {
    process.stdout.write(USAGE);
    return command || v.help ? 0 : 1;
  }
  if (command !== 'quantize' && command !== 'sweep') throw new UsageError(`Unknown command '${command}'. Use 'quantize' or 'sweep'.`);
  if (!v.model) throw new UsageError('--model is required: the .onnx file to quantize.');
  if (!v.calib) throw new UsageError('--calib is required: a folder of calibration images.');
  if (command === 'quantize' && !v.out) throw new UsageError('--out is required: where to write the int8 model.');
  if (!CALIBRATORS.some((c) => c.id === v.calibrator)) throw new UsageError(`--calibrator must be one of ${CALIBRATORS.map((c) => c.id).join(', ')}.`);
  if (v.weights !== 'per-channel' && v.weights !== 'per-tensor') throw new UsageError(`--weights must be per-channel or per-tensor.`);
  const weightBits = int(v['w-bits'], 'w-bits', 2, 16);
  const activationBits = int(v['a-bits'], 'a-bits', 2, 16);

  // ***** model *****
  const model = parseModel(new Uint8Array(readFileSync(v.model)), basename(v.model));
  const fp32Bytes = readFileSync(v.model).length;
  const normalization = normalizeModel(model);
  const summary = summarizeModel(model);
  const input = summary.inputs[0];
  const geometry = inputGeometry(input?.dims ?? []);
  if (!input || !geometry) throw new UsageError(`The model's input ${input?.name ?? ''} is not an image tensor (N×3×H×W or N×H×W×3).`);
  const outDims = summary.outputs[0]?.dims ?? [];
  const classes = outDims[outDims.length - 1] ?? 0;
  const p = preprocessFrom(v, geometry, classes);
  const dims = p.layout === 'NCHW' ? [1, 3, p.height, p.width] : [1, p.height, p.width, 3];
  fixInputDims(model.graph!, input.name, dims.slice(1));
  const labelOffset = v['label-offset'] !== undefined ? int(v['label-offset'], 'label-offset', -10, 10) : (imagenetLabelSpace(classes)?.offset ?? 0);

  // ***** images *****
  const calibCount = int(v['calib-count'], 'calib-count', 1, 1_000_000);
  let calibFiles = listImages(v.calib);
  let evalFiles = v.eval ? listImages(v.eval) : [];
  if (!calibFiles.length) throw new UsageError(`No images found in ${v.calib}.`);
  if (!v.eval) {
    evalFiles = calibFiles.slice(calibCount);
  }
  calibFiles = calibFiles.slice(0, calibCount);
  if (v['eval-count'] !== undefined) evalFiles = evalFiles.slice(0, int(v['eval-count'], 'eval-count', 1, 1_000_000));
  if (!evalFiles.length) throw new UsageError('No evaluation images: give --eval DIR, or more images than --calib-count in --calib.');

  const bar = new ProgressBar(!!v.quiet);
  const broken: string[] = [];
  const load = async function* (files: ImageFile[]) {
    for (const f of files) {
      try {
        const rgb = await loadRgb(f.path, p);
        const k = imagenetClassFromPath(f.name);
        yield { tensor: { data: rgbToTensor(rgb, p), dims } as RtTensor, label: k === null ? null : k + labelOffset };
      } catch (e) {
        if (!broken.includes(f.name)) broken.push(f.name);
        process.stderr.write(`\nskipped ${f.name}: ${(e as Error).message}\n`);
      }
    }
  };
  const calibration = async function* () {
    for await (const s of load(calibFiles)) yield s.tensor;
  };

  // ***** variants *****
  const base: QuantConfig = {
    ...defaultQuantConfig,
    calibrator: v.calibrator as CalibratorId,
    weightGranularity: v.weights,
    weightBits,
    activationBits,
    ...(v['a-symmetric'] ? { activationType: 'int8' as const, activationSymmetric: true } : {}),
    layerOverrides: parseLayerOverrides(v.layer ?? [], model.graph!.node.map((n) => n.name)),
    calibratorOptions: { ...defaultQuantConfig.calibratorOptions, ...(v.percentile ? { percentile: Number(v.percentile) } : {}) },
  };
  const specs: VariantSpec[] =
    command === 'quantize'
      ? [{ id: 'int8', config: base, cle: v.cle, biasCorrection: v['bias-correction'] }]
      : CALIBRATORS.flatMap((c) =>
          (['per-tensor', 'per-channel'] as const).flatMap((g) =>
            (['plain', 'cle', 'cle+bc'] as const).map((d) => ({
              id: `${c.id}/${g}/${d}`,
              config: { ...base, calibrator: c.id, weightGranularity: g },
              cle: d !== 'plain',
              biasCorrection: d === 'cle+bc',
            })),
          ),
        );
  const createSession = nodeSessionFactory({ fused: !!v['fused-kernels'] });
  const started = Date.now();
  const prepared = await prepareVariants(createSession, model, specs, calibration, calibFiles.length, {
    onProgress: (phase, done, total) => bar.update(phase, done, total),
  });
  bar.reset();
  const ev = await evaluate(createSession, model, prepared.variants, load(evalFiles), evalFiles.length, {
    sqnrSamples: int(v['sqnr-images'], 'sqnr-images', 0, 1_000_000),
    onProgress: (d, t) => bar.update('evaluate', d, t),
  });

  const report = buildReport(v.model, fp32Bytes, normalization, p, calibFiles.length, prepared.variants, ev, prepared.biasShifts, specs, broken, Date.now() - started);
  if (command === 'quantize') {
    writeFileSync(v.out!, prepared.variants[0].bytes);
    const r = report.variants[0];
    process.stdout.write(
      `${basename(v.model)} → ${v.out}\n` +
        `  FP32  top-1 ${fmt(ev.fp32.top1)}  top-5 ${fmt(ev.fp32.top5)}  ${(fp32Bytes / 1024).toFixed(0)} KB\n` +
        `  int8  top-1 ${fmt(r.int8.top1)}  top-5 ${fmt(r.int8.top5)}  agreement ${fmt(r.int8.agreement_top1)}  ${(r.size_bytes.int8 / 1024).toFixed(0)} KB\n` +
        `  ${calibFiles.length} calibration and ${ev.samples} evaluation images\n`,
    );
  } else {
    process.stdout.write(sweepTable(report.variants, ev));
  }
  if (v.report) {
    const out = command === 'quantize' ? { ...report.variants[0], ...report.common } : report;
    writeFileSync(v.report, JSON.stringify(out, null, 2));
  }
  return 0;
}

function preprocessFrom(v: Values, geometry: NonNullable<ReturnType<typeof inputGeometry>>, classes: number): Preprocess {
  const presetId = v.preset ?? (classes === 1001 ? 'tf-inception' : geometry.height === 227 ? 'caffe' : classes === 2 && geometry.height === null ? 'ppocr-cls' : 'torchvision');
  if (!PREPROCESS_PRESETS.some((x) => x.id === presetId)) throw new UsageError(`Unknown --preset '${presetId}'.`);
  let width = geometry.width ?? (presetId === 'ppocr-cls' ? 192 : 224);
  let height = geometry.height ?? (presetId === 'ppocr-cls' ? 48 : 224);
  if (v.size) {
    const m = /^(\d+)(?:x(\d+))?$/.exec(v.size);
    if (!m) throw new UsageError(`--size takes N or WxH, not '${v.size}'.`);
    width = Number(m[1]);
    height = Number(m[2] ?? m[1]);
  }
  const p = presetPreprocess(presetId, width, height, v.layout ? (v.layout.toUpperCase() as 'NCHW' | 'NHWC') : geometry.layout);
  if (v['resize-short']) p.resizeShort = int(v['resize-short'], 'resize-short', 1, 100_000);
  if (v.scale) p.scale = Number(v.scale);
  if (v.mean) p.mean = triple(v.mean, 'mean');
  if (v.std) p.std = triple(v.std, 'std');
  if (v.bgr) p.channelOrder = 'BGR';
  if (v.rgb) p.channelOrder = 'RGB';
  return p;
}

export function parseLayerOverrides(specs: string[], nodeNames: string[]): Record<string, LayerOverride> {
  const out: Record<string, LayerOverride> = {};
  for (const spec of specs) {
    const at = spec.lastIndexOf('=');
    if (at <= 0) throw new UsageError(`--layer takes NAME=CHOICES, e.g. conv1=w4:per-tensor, not '${spec}'.`);
    const name = spec.slice(0, at);
    if (!nodeNames.includes(name)) throw new UsageError(`--layer names '${name}', which is not a node of the model.`);
    const o: LayerOverride = (out[name] ??= {});
    for (const choice of spec.slice(at + 1).split(':')) {
      const bits = /^([wa])([2-8])$/.exec(choice);
      if (choice === 'fp32') o.keepFp32 = true;
      else if (choice === 'per-channel' || choice === 'per-tensor') o.weightGranularity = choice;
      else if (bits) o[bits[1] === 'w' ? 'weightBits' : 'activationBits'] = Number(bits[2]);
      else throw new UsageError(`--layer ${name}: '${choice}' is not one of fp32, w2..w8, a2..a8, per-channel, per-tensor.`);
    }
  }
  return out;
}

const fmt = (x: number | null) => (x === null ? '   —  ' : `${(x * 100).toFixed(1).padStart(5)}%`);

function buildReport(
  modelPath: string,
  fp32Bytes: number,
  normalization: unknown,
  preprocess: Preprocess,
  calibCount: number,
  variants: Variant[],
  ev: Evaluation,
  biasShifts: Record<string, unknown>,
  specs: VariantSpec[],
  broken: string[],
  ms: number,
) {
  const common = {
    model: modelPath,
    preprocess,
    normalization,
    images: { calibration: calibCount, evaluation: ev.samples, skipped: broken },
    fp32: { top1: ev.fp32.top1, top5: ev.fp32.top5 },
    seconds: ms / 1000,
  };
  return {
    common,
    variants: variants.map((variant, i) => {
      const e = ev.variants[i];
      const spec = specs[i];
      return {
        id: variant.id,
        config: { ...variant.config, cle: !!spec.cle, bias_correction: !!spec.biasCorrection },
        fp32: common.fp32,
        int8: { top1: e.top1, top5: e.top5, agreement_top1: e.agreementTop1, output_sqnr_db: e.outputSqnrDb, output_kl: e.outputKl },
        size_bytes: { fp32: fp32Bytes, int8: variant.bytes.length, packed_at_weight_bits: variant.packedSizeBytes },
        per_layer: variant.layers.map((l) => {
          const err = e.layers.find((x) => x.tensor === l.tensor);
          return { name: l.node, op: l.op, fused: l.fused ?? null, depthwise: !!l.depthwise, tensor: l.tensor, sqnr_db: err?.sqnrDb ?? null, mse: err?.mse ?? null, cosine: err?.cosine ?? null, max_abs_error: err?.maxAbs ?? null };
        }),
        tensors: variant.qdq.tensors.map((t) => ({ name: t.name, kind: t.kind, dtype: t.dtype, scale: t.scale, zero_point: t.zeroPoint, axis: t.axis, range: t.range ?? null })),
        fused: variant.qdq.fused,
        bias_correction: biasShifts[variant.id] ?? null,
      };
    }),
  };
}

function sweepTable(rows: ReturnType<typeof buildReport>['variants'], ev: Evaluation): string {
  let s = `FP32 top-1 ${fmt(ev.fp32.top1)} on ${ev.samples} images\n\n| calibrator | weights | fixes | top-1 | agreement | output SQNR |\n|---|---|---|---|---|---|\n`;
  for (const r of rows) {
    const [cal, g, d] = r.id.split('/');
    s += `| ${cal} | ${g} | ${d} | ${fmt(r.int8.top1).trim()} | ${fmt(r.int8.agreement_top1).trim()} | ${r.int8.output_sqnr_db.toFixed(1)} dB |\n`;
  }
  return s;
}

export async function run(argv: string[]): Promise<void> {
  try {
    process.exitCode = await main(argv);
  } catch (e) {
    if (e instanceof UsageError || (e instanceof Error && e.name === 'OnnxError')) {
      process.stderr.write(`quantscope: ${e.message}\nRun 'quantscope --help' for the options.\n`);
      process.exitCode = 2;
    } else if (e instanceof TypeError && /Unknown option|ERR_PARSE_ARGS/.test(`${(e as NodeJS.ErrnoException).code} ${e.message}`)) {
      process.stderr.write(`quantscope: ${e.message}\nRun 'quantscope --help' for the options.\n`);
      process.exitCode = 2;
    } else {
      throw e;
    }
  }
}
