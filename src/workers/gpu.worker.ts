import * as Comlink from 'comlink';
import * as ort from 'onnxruntime-web/webgpu';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';

import { steadyMedian } from '../core/engine/tradeoff';

/**
 * Times models on WebGPU, in its own worker: onnxruntime-web's WebGPU build (and its 27 MB wasm) loads only when
 * someone asks for WebGPU times, and never mixes with the engine worker's WASM build.
 */
ort.env.wasm.wasmPaths = { wasm: wasmUrl };
ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

type Gpu = { requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string; description?: string } } | null> };

const api = {
  /** The WebGPU adapter this browser offers, or why there is none. */
  async probe(): Promise<{ adapter: string | null; reason?: string }> {
    const gpu = (navigator as unknown as { gpu?: Gpu }).gpu;
    if (!gpu) return { adapter: null, reason: 'This browser has no WebGPU (navigator.gpu is missing).' };
    const a = await gpu.requestAdapter();
    if (!a) return { adapter: null, reason: 'WebGPU is present but offers no adapter (no usable GPU, or it is blocked).' };
    const i = a.info ?? {};
    return { adapter: [i.vendor, i.architecture, i.description].filter(Boolean).join(' ') || 'unnamed adapter' };
  },

  /**
   * Median time of one run on WebGPU over `runs` runs after a warm-up, and the first output (for checking).
   * Ops WebGPU lacks run on the CPU inside the same session, as they would for a user.
   */
  async time(model: Uint8Array, input: { name: string; data: Float32Array; dims: number[] }, runs: number): Promise<{ msPerImage: number; output: Float32Array }> {
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(model, { executionProviders: ['webgpu'], graphOptimizationLevel: 'all', logSeverityLevel: 3 });
    } catch (e) {
      throw new Error(`onnxruntime-web could not create a WebGPU session: ${e instanceof Error ? e.message : String(e)}`);
    }
    try {
      const x = new ort.Tensor('float32', input.data, input.dims);
      const ms: number[] = [];
      let output: Float32Array | null = null;
      for (let i = 0; i <= runs; i++) {
        const t0 = performance.now();
        const out = await session.run({ [input.name]: x });
        const y = out[session.outputNames[0]];
        // Reading the data back is part of the time: a user needs the result on the CPU.
        const data = (await y.getData()) as Float32Array;
        ms.push(performance.now() - t0);
        output ??= Float32Array.from(data);
        for (const t of Object.values(out)) t.dispose();
      }
      return { msPerImage: steadyMedian(ms), output: output! };
    } finally {
      await session.release();
    }
  },
};

export type GpuApi = typeof api;
Comlink.expose(api);
