import * as Comlink from 'comlink';

import type { EngineApi } from '../workers/engine.worker';

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
