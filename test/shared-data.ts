import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { presetPreprocess, rgbToTensor } from '../src/core/data/preprocess';
import type { RtTensor } from '../src/core/engine/runtime';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** ../shared (or $QUANTSCOPE_SHARED): real models, images and ORT's reference results; absent on a user's clone. */
export const SHARED = resolve(process.env.QUANTSCOPE_SHARED ?? join(root, '..', 'shared'));
export const HAVE_SHARED = existsSync(join(SHARED, 'models', 'mobilenet_v1_0.25_224.onnx'));
export const SKIP_REASON = `../shared is absent (looked in ${SHARED}); set QUANTSCOPE_SHARED to run the tests on real ImageNet models`;

export const OCR_MODELS = join(root, 'node_modules', '@gutenye', 'ocr-models', 'assets');

export interface SharedModel {
  file: string;
  id: string;
  size: number;
  preset: string;
}

export const SHARED_MODELS: SharedModel[] = [
  { id: 'mobilenet_v1_0.25_224', file: 'mobilenet_v1_0.25_224.onnx', size: 224, preset: 'tf-inception' },
  { id: 'squeezenet_v1.1', file: 'squeezenet_v1.1.onnx', size: 227, preset: 'caffe' },
];

export function readShared(...parts: string[]): Uint8Array {
  return new Uint8Array(readFileSync(join(SHARED, ...parts)));
}

/** The exact calibration inputs ORT's reference used: N×H×W×3 uint8 RGB, normalised with the model's preset. */
export function* referenceCalibration(m: SharedModel, limit = Infinity): Generator<RtTensor> {
  const bytes = readShared('reference', 'ort-quantize-static', m.id, 'calib200_rgb_u8.bin');
  const per = m.size * m.size * 3;
  const n = Math.min(bytes.length / per, limit);
  const p = presetPreprocess(m.preset, m.size, m.size);
  for (let i = 0; i < n; i++) {
    yield { data: rgbToTensor(bytes.subarray(i * per, (i + 1) * per), p), dims: [1, 3, m.size, m.size] };
  }
}

export interface OrtQParam {
  src: string;
  op: 'QuantizeLinear' | 'DequantizeLinear';
  scale: number[];
  zp: number[];
  dtype: string;
  axis: number | null;
}

export function referenceQParams(m: SharedModel, name: string): Record<string, OrtQParam> {
  return JSON.parse(new TextDecoder().decode(readShared('reference', 'ort-quantize-static', m.id, `qparams.${name}.json`)));
}
