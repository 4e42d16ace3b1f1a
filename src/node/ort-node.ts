import * as ort from 'onnxruntime-node';

import type { RtSession, RtTensor, SessionFactory } from '../core/engine/runtime';

const TYPE_OF: [new (n: number) => RtTensor['data'], ort.Tensor.Type][] = [
  [Float32Array, 'float32'],
  [Int8Array, 'int8'],
  [Uint8Array, 'uint8'],
  [Int32Array, 'int32'],
  [BigInt64Array, 'int64'],
];

export function toOrt(t: RtTensor): ort.Tensor {
  const type = TYPE_OF.find(([c]) => t.data instanceof c)?.[1];
  if (!type) throw new Error(`Cannot pass a ${t.data.constructor.name} to onnxruntime.`);
  return new ort.Tensor(type, t.data as Float32Array, t.dims);
}

/** onnxruntime-node sessions behind the core's runtime interface (tests, CLI, bench). */
export const createNodeSession: SessionFactory = async (model: Uint8Array): Promise<RtSession> => {
  const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'all', intraOpNumThreads: 2 });
  return {
    async run(feeds, fetches) {
      const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, toOrt(v)]));
      const out = await session.run(ortFeeds, fetches);
      return Object.fromEntries(
        Object.entries(out).map(([k, v]) => [k, { data: v.data as RtTensor['data'], dims: [...v.dims] }]),
      );
    },
    release: () => session.release(),
  };
};
