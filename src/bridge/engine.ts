import * as Comlink from 'comlink';

import type { EngineApi } from '../workers/engine.worker';

/**
 * The page's handle on the engine worker: started on first use, one at a time. `restart` throws the worker
 * away (after a crash, or to stop work that does not check for cancellation).
 */
let worker: Worker | null = null;
let remote: Comlink.Remote<EngineApi> | null = null;

export function engine(): Comlink.Remote<EngineApi> {
  if (!remote) {
    worker = new Worker(new URL('../workers/engine.worker.ts', import.meta.url), { type: 'module', name: 'quantscope-engine' });
    remote = Comlink.wrap<EngineApi>(worker);
  }
  return remote;
}

export function restartEngine(): void {
  worker?.terminate();
  worker = null;
  remote = null;
}

export const proxy = Comlink.proxy;
export const transfer = Comlink.transfer;
