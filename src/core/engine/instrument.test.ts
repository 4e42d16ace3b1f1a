import { describe, expect, it } from 'vitest';

import { ocrClassifier, stripeImages } from '../../../test/ocr-fixture';
import { HAVE_SHARED, SHARED_MODELS, SKIP_REASON, readShared, referenceCalibration } from '../../../test/shared-data';
import { tinyModel } from '../../../test/tiny-model';
import { nodeSessionFactory } from '../../node/ort-node';
import type { Histogram } from '../calib/histogram';
import { ActivationStats } from '../calib/stats';
import { makeAttrInt, makeNode, makeTensor, parseModel, serializeModel } from '../onnx/model';
import type { ModelProto } from '../onnx/model';
import { normalizeModel } from '../onnx/normalize';
import { GraphIndex } from '../onnx/graph-index';
import { nodeOutputs, planPass, withExtraOutputs } from './instrument';
import { collectStatistics, observeSamples } from './pipeline';
import type { RtTensor, SessionFactory } from './runtime';

// A Concat's output holds exactly its inputs' values (a Reshape's its input's), so a calibration pass that
// observes the inputs derives the output's statistics instead of fetching and counting it.

const plain = (h: Histogram) => ({ ...h, counts: [...h.counts] });

async function* iterate<T>(xs: Iterable<T>) {
  yield* xs;
}

/** x → Relu a, Sigmoid b; Concat(a, b) c; Reshape(c) r; Concat(c, initializer) k; Concat(a, x) ax */
function concats(): ModelProto {
  return tinyModel(
    [
      makeNode('Relu', ['x'], ['a'], 'relu'),
      makeNode('Sigmoid', ['x'], ['b'], 'sigmoid'),
      makeNode('Concat', ['a', 'b'], ['c'], 'cat', [makeAttrInt('axis', 1)]),
      makeNode('Reshape', ['c', 'shape'], ['r'], 'reshape'),
      makeNode('Concat', ['c', 'w'], ['k'], 'cat_const', [makeAttrInt('axis', 1)]),
      makeNode('Concat', ['a', 'x'], ['ax'], 'cat_input', [makeAttrInt('axis', 1)]),
    ],
    [makeTensor('w', [1, 2, 4], new Float32Array(8).fill(0.5)), makeTensor('shape', [2], BigInt64Array.of(1n, 16n))],
    [['x', [1, 2, 4]]],
    [['r', [1, 16]]],
  );
}

describe('a pass derives what its own observations determine', () => {
  it('plans which tensors to fetch and which to derive (exact table)', () => {
    const m = concats();
    const all = nodeOutputs(m);
    expect(all).toEqual(['a', 'b', 'c', 'r', 'k', 'ax']);
    const p = planPass(m, all, 'x');
    // k reads an initializer, which no pass observes
    expect([...p.derived]).toEqual([
      ['c', ['a', 'b']],
      ['r', ['c']],
      ['ax', ['a', 'x']],
    ]);
    expect(p.fetch).toEqual(['a', 'b', 'k']);
    // without the graph input observed, ax is fetched; without b, c is (and r then derives from the fetched c)
    expect(planPass(m, all, null).fetch).toEqual(['a', 'b', 'k', 'ax']);
    const noB = planPass(m, ['a', 'c', 'r'], 'x');
    expect(noB.fetch).toEqual(['a', 'c']);
    expect([...noB.derived]).toEqual([['r', ['c']]]);
  });

  it('in a graph out of order, a part written after its union is fetched, never derived after it', () => {
    const m = concats();
    const nodes = m.graph!.node;
    // the Reshape of c listed before the Concat that writes c
    m.graph!.node = [nodes[0], nodes[1], nodes[3], nodes[2], nodes[4], nodes[5]];
    const p = planPass(m, ['a', 'b', 'c', 'r'], 'x');
    expect([...p.derived]).toEqual([['r', ['c']]]);
    expect(p.fetch).toEqual(['a', 'b', 'c']);
  });

  it('the PP-OCR classifier: fetches fewer tensors, and every derived tensor has the statistics observing it in the same run gives', async () => {
    const model = ocrClassifier();
    const fetched: string[][] = [];
    const base = nodeSessionFactory();
    const recording: SessionFactory = async (bytes) => {
      const s = await base(bytes);
      return { ...s, run: (feeds, fetches) => (fetched.push(fetches), s.run(feeds, fetches)) };
    };
    const images = stripeImages(7)(4);
    const stats = await collectStatistics(recording, model, iterate(images), images.length);
    const input = new GraphIndex(model.graph!).graphInputs.values().next().value as string;
    const plan = planPass(model, nodeOutputs(model), input);
    // the shape arithmetic's Concat, the Reshape after the pooling, the Softmax's Flatten and Reshape
    expect(plan.derived.size).toBe(4);
    expect(fetched).toHaveLength(4);
    for (const f of fetched) expect(f).toEqual(plan.fetch);
    for (const name of plan.derived.keys()) for (const f of fetched) expect(f).not.toContain(name);

    // the same tensors observed directly, in a run that fetches every tensor (the parts' values as above)
    const direct = new ActivationStats();
    const session = await base(serializeModel(withExtraOutputs(model, nodeOutputs(model))));
    for (const t of images) {
      const outs = await session.run({ [input]: t }, nodeOutputs(model));
      for (const name of plan.derived.keys()) direct.observe(name, outs[name].data as Float32Array);
    }
    await session.release();
    let float = 0;
    for (const name of plan.derived.keys()) {
      expect(stats.nonFloat.has(name), name).toBe(direct.nonFloat.has(name));
      if (direct.nonFloat.has(name)) continue;
      float++;
      expect(plain(stats.histograms.get(name)!), name).toEqual(plain(direct.histograms.get(name)!));
    }
    expect(float).toBe(3);
  });

  it('per-image statistics derive each image\'s own, also when the pass is cancelled part-way', async () => {
    const model = ocrClassifier();
    const input = new GraphIndex(model.graph!).graphInputs.values().next().value as string;
    const images = stripeImages(8)(3);
    const perImage: ActivationStats[] = [];
    const controller = new AbortController();
    const stop = observeSamples(nodeSessionFactory(), model, iterate(images), 3, () => (perImage.push(new ActivationStats(2048, 1)), perImage.at(-1)!), {
      signal: controller.signal,
      onProgress: (done) => done === 2 && controller.abort(),
    });
    await expect(stop).rejects.toThrow();
    expect(perImage).toHaveLength(2);
    const plan = planPass(model, nodeOutputs(model), input);
    for (const [i, s] of perImage.entries()) {
      const alone = new ActivationStats(2048, 1);
      await observeSamples(nodeSessionFactory(), model, iterate([images[i]]), 1, () => alone);
      for (const name of plan.derived.keys()) {
        if (alone.nonFloat.has(name)) expect(s.nonFloat.has(name)).toBe(true);
        else expect(plain(s.histograms.get(name)!), name).toEqual(plain(alone.histograms.get(name)!));
      }
    }
  });

  it.skipIf(!HAVE_SHARED)('SqueezeNet 1.1 (../shared): the calibration fetches none of the fire modules\' Concats, and their statistics are exactly those of fetching them', async () => {
    const m = SHARED_MODELS.find((x) => x.id === 'squeezenet_v1.1')!;
    const model = parseModel(readShared('models', m.file));
    normalizeModel(model);
    const images: RtTensor[] = [...referenceCalibration(m, 6)];
    const input = model.graph!.input[0].name;
    const stats = await collectStatistics(nodeSessionFactory(), model, iterate(images), images.length);
    const concatOutputs = model.graph!.node.filter((n) => n.opType === 'Concat').map((n) => n.output[0]);
    const plan = planPass(model, nodeOutputs(model), input);
    expect(concatOutputs).toHaveLength(8);
    for (const c of concatOutputs) expect(plan.derived.has(c), c).toBe(true);
    const direct = new ActivationStats();
    const session = await nodeSessionFactory()(serializeModel(withExtraOutputs(model, nodeOutputs(model))));
    for (const t of images) {
      const outs = await session.run({ [input]: t }, nodeOutputs(model));
      for (const c of concatOutputs) direct.observe(c, outs[c].data as Float32Array);
    }
    await session.release();
    for (const c of concatOutputs) expect(plain(stats.histograms.get(c)!), c).toEqual(plain(direct.histograms.get(c)!));
  });
});

if (!HAVE_SHARED) console.log(`SKIPPED SqueezeNet's derived Concat statistics: ${SKIP_REASON}`);
