import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { OCR_MODELS } from '../../../test/shared-data';
import { weightOf } from '../analysis/inspect';
import { parseModel } from '../onnx/model';
import { normalizeModel } from '../onnx/normalize';
import { GraphIndex } from '../onnx/graph-index';
import { tensorToFloat32 } from '../onnx/model';
import { bnFoldLesson } from './bn-fold';

const bytes = new Uint8Array(readFileSync(join(OCR_MODELS, 'ch_ppocr_mobile_v2.0_cls_infer.onnx')));

describe('the batch-norm folding lesson (PP-OCR classifier, 35 BatchNormalizations)', () => {
  it('finds every Conv + BN pair and folds them as the workbench does: the same weights and biases', () => {
    const l = bnFoldLesson(parseModel(bytes))!;
    expect(l.candidates.length).toBeGreaterThan(20);
    // By default the pair whose folding spreads the channels most.
    const ratio = (p: { spreadBefore: number; spreadAfter: number }) => p.spreadAfter / p.spreadBefore;
    expect(ratio(l.pair)).toBe(Math.max(...l.candidates.map(ratio)));
    expect(ratio(l.pair)).toBeGreaterThan(1);
    // The workbench's own fold of the same model gives the same per-channel |w|max and biases (float32).
    const folded = parseModel(bytes);
    normalizeModel(folded);
    const graph = folded.graph!;
    const conv = graph.node.find((n) => n.name === l.pair.conv)!;
    const w = weightOf({ source: folded, config: {}, layers: [] } as never, conv.name)!;
    const per = w.values.length / w.dims[0];
    for (let c = 0; c < w.dims[0]; c++) {
      let m = 0;
      for (let i = 0; i < per; i++) m = Math.max(m, Math.abs(w.values[c * per + i]));
      expect(m).toBeCloseTo(l.absMaxAfter[c], 5);
    }
    const bias = tensorToFloat32(new GraphIndex(graph).initializers.get(conv.input[2])!);
    l.biasAfter.forEach((b, c) => expect(bias[c]).toBeCloseTo(b, 4));
    // k from its definition.
    l.k.forEach((k, c) => expect(k).toBeCloseTo(l.gamma[c] / Math.sqrt(l.variance[c] + l.epsilon), 9));
  });

  it('a named pair on request; none in a model without BatchNormalization', () => {
    const all = bnFoldLesson(parseModel(bytes))!.candidates;
    expect(bnFoldLesson(parseModel(bytes), all[0].conv)!.pair.conv).toBe(all[0].conv);
    const folded = parseModel(bytes);
    normalizeModel(folded);
    expect(bnFoldLesson(folded)).toBeNull();
  });
});
