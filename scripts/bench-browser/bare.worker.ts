// Bare onnxruntime-web, as a page using it directly would: one session, float32 inputs, fetch the model's outputs.
// One worker per request, because the WASM runtime fixes its thread count when it starts.
import * as ort from 'onnxruntime-web/wasm';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';

import { ActivationStats } from '../../src/core/calib/stats';
import type { BareRequest, BareResult } from './protocol';

ort.env.wasm.wasmPaths = { wasm: wasmUrl };
ort.env.logLevel = 'error';

async function bench(r: BareRequest): Promise<BareResult> {
  ort.env.wasm.numThreads = r.threads;
  const [model, input] = await Promise.all(
    [r.modelUrl, r.inputUrl].map(async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer())),
  );
  const pixels = new Float32Array(input.buffer, 0, input.byteLength / 4);
  const per = r.imageDims.reduce((a, b) => a * b, 1);
  const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const inputName = session.inputNames[0];
  const stats = r.statistics ? new ActivationStats() : null;
  let runMs = 0;
  let statisticsMs = 0;
  const run = async (first: number) => {
    const data = pixels.slice(first * per, (first + r.batch) * per);
    const t0 = performance.now();
    const out = await session.run({ [inputName]: new ort.Tensor('float32', data, [r.batch, ...r.imageDims]) });
    const t1 = performance.now();
    if (stats) {
      if (r.statistics!.input !== null) stats.observe(r.statistics!.input, data);
      for (const [name, t] of Object.entries(out)) stats.observe(name, t.data as Float32Array);
    }
    runMs += t1 - t0;
    statisticsMs += performance.now() - t1;
    for (const t of Object.values(out)) t.dispose();
  };
  const runs = Math.floor(r.images / r.batch);
  await run(0); // warm-up
  runMs = statisticsMs = 0;
  const t = performance.now();
  for (let i = 0; i < runs; i++) await run(i * r.batch);
  if (stats) {
    const t2 = performance.now();
    for (const [name, parts] of r.statistics!.derived) stats.deriveUnion(name, parts);
    statisticsMs += performance.now() - t2;
  }
  const seconds = (performance.now() - t) / 1000;
  await session.release();
  return {
    imagesPerSecond: (runs * r.batch) / seconds,
    runs,
    ...(stats ? { split: { runMs: runMs / (runs * r.batch), statisticsMs: statisticsMs / (runs * r.batch) } } : {}),
    runtime: `onnxruntime-web ${ort.env.versions.web} WASM, ${ort.env.wasm.numThreads} thread${r.threads === 1 ? '' : 's'}${self.crossOriginIsolated ? '' : ' (not cross-origin isolated)'}`,
  };
}

// onnxruntime's thread pool starts this same module as its pthread workers: they must keep their own handler.
if (!self.name?.startsWith('em-pthread')) {
  self.onmessage = async (e: MessageEvent<BareRequest>) => {
    try {
      self.postMessage({ ok: true, result: await bench(e.data) });
    } catch (err) {
      self.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  };
}
