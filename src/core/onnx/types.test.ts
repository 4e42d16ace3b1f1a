import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { HAVE_SHARED, OCR_MODELS, SHARED, SKIP_REASON } from '../../../test/shared-data';
import { loadNormalized, noiseInput } from '../../../test/ocr-fixture';
import { tinyModel } from '../../../test/tiny-model';
import { collectStatistics } from '../engine/pipeline';
import { createNodeSession } from '../../node/ort-node';
import { DataType, makeAttrInt, makeNode, makeTensor, valueDims } from './model';
import type { ModelProto } from './model';
import { inferElemTypes, nonFloatOutputs } from './types';

describe('inferElemTypes: element types from the graph alone', () => {
  // x → Conv → Relu; shape arithmetic Shape → Gather → Cast → Concat → Reshape; Equal → Where; TopK; an op
  // of another domain.
  const model = tinyModel(
    [
      makeNode('Conv', ['x', 'w'], ['c'], 'conv'),
      makeNode('Relu', ['c'], ['r'], 'relu'),
      makeNode('Shape', ['r'], ['shape'], 'shape'),
      makeNode('Gather', ['shape', 'zero'], ['n'], 'gather', [makeAttrInt('axis', 0)]),
      makeNode('Cast', ['n'], ['nf'], 'cast', [makeAttrInt('to', DataType.FLOAT)]),
      makeNode('Unsqueeze', ['n', 'axes'], ['n1'], 'unsqueeze'),
      makeNode('Concat', ['n1', 'minus1'], ['dims'], 'concat', [makeAttrInt('axis', 0)]),
      makeNode('Reshape', ['r', 'dims'], ['flat'], 'reshape'),
      makeNode('Equal', ['flat', 'flat'], ['mask'], 'equal'),
      makeNode('Where', ['mask', 'flat', 'flat'], ['picked'], 'where'),
      makeNode('TopK', ['picked', 'k'], ['values', 'indices'], 'topk'),
      makeNode('MaxPool', ['r'], ['pooled', 'argmax'], 'pool'),
      makeNode('Dropout', ['values'], ['dropped', 'keep'], 'dropout'),
      { ...makeNode('Custom', ['values'], ['custom'], 'custom'), domain: 'com.example' },
      makeNode('Relu', ['custom'], ['after'], 'relu2'),
    ],
    [
      makeTensor('w', [1, 1, 1, 1], Float32Array.of(1)),
      makeTensor('zero', [], BigInt64Array.of(0n)),
      makeTensor('axes', [1], BigInt64Array.of(0n)),
      makeTensor('minus1', [1], BigInt64Array.of(-1n)),
      makeTensor('k', [1], BigInt64Array.of(1n)),
    ],
    [['x', [1, 1, 4, 4]]],
    [['after', [-1]]],
  );
  const types = inferElemTypes(model);
  it.each([
    ['x', DataType.FLOAT],
    ['c', DataType.FLOAT],
    ['r', DataType.FLOAT],
    ['shape', DataType.INT64],
    ['n', DataType.INT64],
    ['nf', DataType.FLOAT],
    ['n1', DataType.INT64],
    ['dims', DataType.INT64],
    ['flat', DataType.FLOAT],
    ['mask', DataType.BOOL],
    ['picked', DataType.FLOAT],
    ['values', DataType.FLOAT],
    ['indices', DataType.INT64],
    ['pooled', DataType.FLOAT],
    ['argmax', DataType.INT64],
    ['dropped', DataType.FLOAT],
    ['keep', DataType.BOOL],
    ['custom', undefined],
    ['after', undefined],
  ] as [string, number | undefined][])('%s', (name, type) => {
    expect(types.get(name)).toBe(type);
  });
  it('names the non-float outputs, leaving the unknown ones out', () => {
    expect(nonFloatOutputs(model)).toEqual(new Set(['shape', 'n', 'n1', 'dims', 'mask', 'indices', 'argmax', 'keep']));
  });
  it('does not depend on the order of the nodes', () => {
    const shuffled: ModelProto = { ...model, graph: { ...model.graph!, node: [...model.graph!.node].reverse() } };
    expect(inferElemTypes(shuffled)).toEqual(types);
  });
});

// What the graph says must be what the runtime gives: every node output of each real model fetched once,
// the statistics recording which came back as something other than float32.
async function observedNonFloat(model: ModelProto, dims: number[]): Promise<Set<string>> {
  const stats = await collectStatistics(createNodeSession, model, (async function* () { yield noiseInput(dims, 7); })(), 1);
  return new Set(stats.nonFloat);
}

describe('the non-float tensors the graph names are the ones onnxruntime returns', () => {
  const cases: [string, string, [string, number[]] | undefined, number[]][] = [
    ['PP-OCR classifier', join(OCR_MODELS, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'), ['x', [3, 48, 192]], [1, 3, 48, 192]],
    ['PP-OCRv4 recogniser', join(OCR_MODELS, 'ch_PP-OCRv4_rec_infer.onnx'), ['x', [3, 48, 160]], [1, 3, 48, 160]],
    ['PP-OCRv4 detector', join(OCR_MODELS, 'ch_PP-OCRv4_det_infer.onnx'), ['x', [3, 64, 64]], [1, 3, 64, 64]],
  ];
  it.each(cases)('%s', async (_, path, fix, dims) => {
    const model = loadNormalized(path, fix);
    const observed = await observedNonFloat(model, dims);
    expect(nonFloatOutputs(model)).toEqual(observed);
  });
  it('the recogniser has shape arithmetic to find', async () => {
    expect(nonFloatOutputs(loadNormalized(cases[1][1], cases[1][2])).size).toBeGreaterThan(10);
  });
  it.skipIf(!HAVE_SHARED).each(['mobilenet_v1_0.25_224.onnx', 'squeezenet_v1.1.onnx', 'mobilenet_v2_1.0_224_quant_dequant.onnx'])('%s (../shared)', async (file) => {
    const model = loadNormalized(join(SHARED, 'models', file));
    const dims = valueDims(model.graph!.input[0])!.map((d) => (d > 0 ? d : 1));
    expect(nonFloatOutputs(model)).toEqual(await observedNonFloat(model, dims));
  });
  if (!HAVE_SHARED) console.log(`SKIPPED the ImageNet models' non-float tensors: ${SKIP_REASON}`);
});
