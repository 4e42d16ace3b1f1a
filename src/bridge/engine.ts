import * as Comlink from 'comlink';

import type { EngineApi } from '../workers/engine.worker';
import type { GpuApi } from '../workers/gpu.worker';

/**
 * The page's handle on the engine worker, started on first use.
 */
let remote: Comlink.Remote<EngineApi> | null = null;

export function engine(): Comlink.Remote<EngineApi> {
  if (!remote) {
    const worker = new Worker(new URL('../workers/engine.worker.ts', import.meta.url), { type: 'module', name: 'quantscope-engine' });
    remote = Comlink.wrap<EngineApi>(worker);
  }
  return remote;
}

export const proxy = Comlink.proxy;
export const transfer = Comlink.transfer;

let gpuRemote: Comlink.Remote<GpuApi> | null = null;

/** The WebGPU timing worker, started the first time WebGPU times are asked for. */
export function gpu(): Comlink.Remote<GpuApi> {
  if (!gpuRemote) {
    const worker = new Worker(new URL('../workers/gpu.worker.ts', import.meta.url), { type: 'module', name: 'quantscope-webgpu' });
    gpuRemote = Comlink.wrap<GpuApi>(worker);
  }
  return gpuRemote;
}
