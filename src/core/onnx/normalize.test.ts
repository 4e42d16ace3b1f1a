import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { mulberry32 } from '../data/split';
import { createNodeSession } from '../../node/ort-node';
import { OCR_MODELS } from '../../../test/shared-data';
import { OnnxError } from './errors';
import { topologicalSort } from './graph-index';
import { defaultOpset, makeNode, parseModel, serializeModel } from './model';
import { normalizeModel } from './normalize';
import { fixInputDims } from './passes/fix-input-dims';

const CLS = join(OCR_MODELS, 'ch_ppocr_mobile_v2.0_cls_infer.onnx');

function randomInput(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

describe('normalizeModel on the PP-OCR classifier (opset 9, Constant weights, unfused BatchNorm)', () => {
  const original = parseModel(new Uint8Array(readFileSync(CLS)));
  const model = parseModel(serializeModel(original));
  const report = normalizeModel(model);

  it('reports what it did', () => {
    expect(report.opset).toEqual({ from: 9, to: 13, rewritten: expect.any(Number) });
    expect(report.opset.rewritten).toBeGreaterThan(0);
    expect(report.constantsToInitializers).toBeGreaterThan(100);
    expect(report.batchNormsFolded.length).toBe(35);
    expect(defaultOpset(model)).toBe(13);
    const ops = new Set(model.graph!.node.map((n) => n.opType));
    expect(ops.has('BatchNormalization')).toBe(false);
    expect(ops.has('Constant')).toBe(false);
  });

  it('computes the same function: FP32 outputs equal before and after (atol 1e-5)', async () => {
    fixInputDims(model.graph!, 'x', [3, 48, 192]);
    const before = await createNodeSession(serializeModel(original));
    const after = await createNodeSession(serializeModel(model));
    let worst = 0;
    for (let s = 0; s < 4; s++) {
      const x = { data: randomInput(3 * 48 * 192, s), dims: [1, 3, 48, 192] };
      const a = (await before.run({ x }, ['softmax_0.tmp_0']))['softmax_0.tmp_0'].data as Float32Array;
      const b = (await after.run({ x }, ['softmax_0.tmp_0']))['softmax_0.tmp_0'].data as Float32Array;
      a.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - b[i]))));
    }
    await before.release();
    await after.release();
    console.log(`PP-OCR cls: max |Δ| of FP32 outputs after normalisation ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-5);
  });
});

describe('graph checks', () => {
  it('a cycle is reported as a sentence', () => {
    const m = parseModel(new Uint8Array(readFileSync(CLS)));
    m.graph!.node.push(makeNode('Add', ['loop_b', 'x'], ['loop_a'], 'a'), makeNode('Relu', ['loop_a'], ['loop_b'], 'b'));
    expect(() => topologicalSort(m.graph!)).toThrow(OnnxError);
    expect(() => topologicalSort(m.graph!)).toThrow(/cycle through 2 nodes/);
  });
  it('fixInputDims refuses a size the model fixes otherwise', () => {
    const m = parseModel(new Uint8Array(readFileSync(CLS)));
    expect(() => fixInputDims(m.graph!, 'x', [3, 48])).toThrow(/has 4 dims/);
    expect(() => fixInputDims(m.graph!, 'nope', [3, 48, 192])).toThrow(/no tensor input named 'nope'/);
  });
});

describe('nameNodes', () => {
  it('names unnamed nodes and renames repeated names, leaving unique names alone', async () => {
    const { nameNodes } = await import('./passes/name-nodes');
    const graph = { node: [makeNode('Relu', ['a'], ['b'], ''), makeNode('Relu', ['b'], ['c'], 'Relu_0'), makeNode('Relu', ['c'], ['d'], 'x'), makeNode('Relu', ['d'], ['e'], 'x')] };
    expect(nameNodes(graph as never)).toBe(2);
    const names = graph.node.map((n) => n.name);
    expect(names).toEqual(['Relu_0_1', 'Relu_0', 'x', 'x_1']);
    expect(new Set(names).size).toBe(4);
  });
});
