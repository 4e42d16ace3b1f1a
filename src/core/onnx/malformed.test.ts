import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { OCR_MODELS } from '../../../test/shared-data';
import { tinyModel } from '../../../test/tiny-model';
import { mulberry32 } from '../data/split';
import { OnnxError } from './errors';
import { makeAttrInt, makeNode, makeTensor, serializeModel } from './model';
import { openModel } from './open';

/** A small image classifier, the base of the hand-made cases. */
function classifier(inputDims = [1, 3, 32, 32]) {
  return tinyModel(
    [
      makeNode('Conv', ['x', 'w'], ['c'], 'conv'),
      makeNode('Relu', ['c'], ['r'], 'relu'),
      makeNode('GlobalAveragePool', ['r'], ['g'], 'gap'),
      makeNode('Flatten', ['g'], ['y'], 'flat', [makeAttrInt('axis', 1)]),
    ],
    [makeTensor('w', [10, 3, 1, 1], Float32Array.from({ length: 30 }, (_, i) => Math.sin(i)))],
    [['x', inputDims]],
    [['y', [1, 10]]],
  );
}

/** Either it opens, or it fails with an OnnxError that names the file: never a TypeError, never a hang. */
function outcome(bytes: Uint8Array, name: string): 'opened' | 'refused' {
  try {
    openModel(bytes, name);
    return 'opened';
  } catch (e) {
    if (!(e instanceof OnnxError)) throw new Error(`${name}: ${String(e)} escaped as ${(e as Error).name}`);
    expect(e.message).toContain(name);
    return 'refused';
  }
}

describe('malformed model corpus', () => {
  const tiny = serializeModel(classifier());
  const ocr = new Uint8Array(readFileSync(join(OCR_MODELS, 'ch_ppocr_mobile_v2.0_cls_infer.onnx')));

  it('truncated and bit-flipped files of two real models open or are refused with a sentence', () => {
    const r = mulberry32(2026);
    const tally = { opened: 0, refused: 0 };
    for (const [label, base] of [['tiny', tiny], ['ppocr-cls', ocr]] as const) {
      for (let k = 1; k < 40; k++) tally[outcome(base.slice(0, Math.floor((base.length * k) / 40)), `${label}.truncated-${k}.onnx`)]++;
      const flips = label === 'tiny' ? 300 : 60;
      for (let k = 0; k < flips; k++) {
        const b = base.slice();
        const n = 1 + Math.floor(r() * 4);
        for (let j = 0; j < n; j++) b[Math.floor(r() * b.length)] ^= 1 << Math.floor(r() * 8);
        tally[outcome(b, `${label}.flipped-${k}.onnx`)]++;
      }
    }
    console.log(`malformed corpus: ${tally.opened + tally.refused} damaged model files tried, ${tally.refused} refused with a sentence, ${tally.opened} still valid models`);
    expect(tally.refused).toBeGreaterThan(50);
  });

  it('each hand-made case gets its own reason', () => {
    const cases: [string, Uint8Array, RegExp][] = [
      ['empty.onnx', new Uint8Array(0), /is empty \(0 bytes\)/],
      ['notes.onnx', new TextEncoder().encode('this is not a model\n'.repeat(20)), /not a readable ONNX model|holds no graph/],
      ['photo.onnx', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]), /is an image, not an ONNX model/],
      ['archive.onnx', Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0]), /is a zip archive/],
      ['random.onnx', Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24), /not a readable ONNX model|holds no graph|declares no operator set/],
      ['huge.onnx', serializeModel(classifier([1, 3, 100000, 100000])), /larger than 8192 pixels/],
      ['not-image.onnx', serializeModel(classifier([1, 7])), /not an image tensor/],
    ];
    const noWeight = classifier();
    noWeight.graph!.initializer = [];
    cases.push(['missing-initializer.onnx', serializeModel(noWeight), /reads 'w', which no node, initializer or input provides/]);
    const cyclic = classifier();
    // conv reads the Relu's output: conv → relu → conv.
    cyclic.graph!.node[0].input[0] = 'r';
    cyclic.graph!.input = [];
    const withInput = classifier();
    cyclic.graph!.input = withInput.graph!.input;
    cases.push(['cycle.onnx', serializeModel(cyclic), /has a cycle in its graph/]);
    const foreign = classifier();
    foreign.graph!.node[1].opType = 'FancyAct';
    foreign.graph!.node[1].domain = 'com.example';
    cases.push(['foreign-op.onnx', serializeModel(foreign), /uses the op 'FancyAct' of the domain 'com\.example'/]);
    for (const [name, bytes, reason] of cases) {
      let message = '';
      try {
        openModel(bytes, name);
      } catch (e) {
        expect(e).toBeInstanceOf(OnnxError);
        message = (e as Error).message;
      }
      expect(message, name).toMatch(reason);
      expect(message).toContain(name);
    }
  });
});
