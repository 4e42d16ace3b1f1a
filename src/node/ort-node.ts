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

/**
 * onnxruntime-node sessions behind the core's runtime interface (tests, CLI, bench).
 *
 * `fused: false` keeps ORT from fusing DequantizeLinear → Conv → QuantizeLinear into its int8 kernels, so a QDQ
 * model is evaluated as ONNX defines it. NOTE: on x86 CPUs with AVX2 but no VNNI, ORT's fused u8s8 kernels
 * add pairs of products in saturating int16 (ORT's documented reduce_range caveat); the browser's WASM kernels
 * do not, so the reference semantics are what matches the browser.
 */
export function nodeSessionFactory({ fused = true } = {}): SessionFactory {
  return (model) => createSession(model, fused);
}

export const createNodeSession: SessionFactory = nodeSessionFactory();

async function createSession(model: Uint8Array, fused: boolean): Promise<RtSession> {
  const session = await ort.InferenceSession.create(model, {
    graphOptimizationLevel: fused ? 'all' : 'basic',
    intraOpNumThreads: 2,
    logSeverityLevel: 3,
  });
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
}
