import * as ort from 'onnxruntime-web/wasm';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';

import type { RtSession, RtTensor, SessionFactory } from '../core';
import { identityModel, serializeModel } from '../core/onnx/model';

ort.env.wasm.wasmPaths = { wasm: wasmUrl };
// Threads need SharedArrayBuffer, which needs cross-origin isolation (COOP/COEP headers).
ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
ort.env.logLevel = 'error';

/** Where this worker's sessions run, for anything that reports times. */
export const webRuntimeLabel = `onnxruntime-web ${ort.env.versions.web} WASM, ${ort.env.wasm.numThreads} thread${ort.env.wasm.numThreads === 1 ? '' : 's'}`;

const TYPES: [new (n: number) => RtTensor['data'], ort.Tensor.Type][] = [
  [Float32Array, 'float32'],
  [Int8Array, 'int8'],
  [Uint8Array, 'uint8'],
  [Int32Array, 'int32'],
  [BigInt64Array, 'int64'],
];

/** Turns onnxruntime's terse errors into sentences that say what to do. */
export function explainOrtError(e: unknown): Error {
  const msg = e instanceof Error ? e.message : String(e);
  if (/Could not find an implementation|NOT_IMPLEMENTED|is not a registered function\/op/i.test(msg)) {
    const op = /for (\w+)\(/.exec(msg)?.[1] ?? /:?(\w+)\(-?\d+\) is not a registered/.exec(msg)?.[1];
    return new Error(
      `onnxruntime-web cannot run ${op ? `the op '${op}'` : 'an op'} of this model in the browser (${msg}). Export the model with standard ONNX ops (opset 13–21).`,
    );
  }
  if (/out of memory|Aborted\(OOM\)|memory access out of bounds/i.test(msg)) {
    return new Error(`The browser ran out of memory while running the model (${msg}). Close other tabs or use fewer images.`);
  }
  return new Error(`onnxruntime-web failed: ${msg}`);
}

/**
 * onnxruntime-web runs a model without giving this worker's event loop a turn, so a loop of runs over inputs
 * already in memory (a sensitivity analysis, a statistics pass over decoded images) left every message waiting
 * until it ended: a Cancel, or the page asking for a layer's view, waited up to the whole analysis (9.6 s
 * measured on MobileNet's sensitivity). After a run, once this much time has passed since the last turn, the
 * loop gets one (a MessageChannel hop, ~0.1 ms; timers would be clamped to 4 ms).
 */
const TURN_EVERY_MS = 50;
const turns = new MessageChannel();
const waiting: (() => void)[] = [];
turns.port1.onmessage = () => waiting.shift()?.();
let lastTurn = performance.now();

async function giveEventsATurn(): Promise<void> {
  if (performance.now() - lastTurn < TURN_EVERY_MS) return;
  await new Promise<void>((resolve) => {
    waiting.push(resolve);
    turns.port2.postMessage(null);
  });
  lastTurn = performance.now();
}

let started: Promise<void> | null = null;

/**
 * Starts onnxruntime ahead of the first real session (a one-node model's session, created and released): its
 * WebAssembly compiled and instantiated, its threads started. Called once a model and images are there, so a Run
 * does not wait for it: the calibration's first session took 0.30–0.35 s at Run without it, 32–44 ms with it
 * (SqueezeNet 1.1). A failure here is left for the first real session to report.
 */
export function startRuntime(): Promise<void> {
  started ??= ort.InferenceSession.create(serializeModel(identityModel()), { executionProviders: ['wasm'], logSeverityLevel: 3 }).then(
    (s) => s.release(),
    () => {},
  );
  return started;
}

export const createWebSession: SessionFactory = async (model: Uint8Array): Promise<RtSession> => {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  } catch (e) {
    throw explainOrtError(e);
  }
  return {
    async run(feeds, fetches) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [k, v] of Object.entries(feeds)) {
        const type = TYPES.find(([c]) => v.data instanceof c)?.[1];
        if (!type) throw new Error(`Cannot feed a ${v.data.constructor.name} to onnxruntime-web.`);
        ortFeeds[k] = new ort.Tensor(type, v.data as Float32Array, v.dims);
      }
      let out: ort.InferenceSession.ReturnType;
      try {
        out = await session.run(ortFeeds, fetches);
      } catch (e) {
        throw explainOrtError(e);
      }
      const res: Record<string, RtTensor> = {};
      for (const [k, v] of Object.entries(out)) {
        res[k] = { data: v.data as RtTensor['data'], dims: [...v.dims] };
        v.dispose();
      }
      await giveEventsATurn();
      return res;
    },
    release: () => session.release(),
  };
};
