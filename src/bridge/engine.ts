import * as Comlink from 'comlink';

import type { EngineApi } from '../workers/engine.worker';
import type { GpuApi } from '../workers/gpu.worker';

/** What the page was waiting for, in words, by engine method. */
const STEPS: Partial<Record<keyof EngineApi, string>> = {
  loadModel: 'loading the model',
  addFiles: 'reading the images',
  run: 'calibrating and evaluating',
  sensitivity: 'measuring per-layer sensitivity',
  calibrationCurve: 'computing the calibration-size curve',
  tradeoff: 'evaluating bits × granularity',
  mixedPrecision: 'choosing per-layer precision',
  applyOverrides: 'evaluating the per-layer fix',
  imageDetail: 'tracing one image',
};

let remote: Comlink.Remote<EngineApi> | null = null;
let worker: Worker | null = null;
let died: ((reason: string) => void) | null = null;
let death: Promise<never> | null = null;
const pending = new Map<number, string>();
let callId = 0;
const deathListeners = new Set<(e: { step: string | null; reason: string }) => void>();

/** Called when the engine worker died (and was dropped); the next engine() call starts a fresh one. */
export function onEngineDeath(cb: (e: { step: string | null; reason: string }) => void): () => void {
  deathListeners.add(cb);
  return () => deathListeners.delete(cb);
}

function kill(reason: string) {
  if (!worker) return;
  const step = [...pending.values()].map((m) => STEPS[m as keyof EngineApi] ?? m).pop() ?? null;
  worker.terminate();
  worker = null;
  remote = null;
  pending.clear();
  died?.(reason);
  for (const l of deathListeners) l({ step, reason });
}

/**
 * The page's handle on the engine worker, started on first use. Every call also fails at once if the worker
 * dies (an uncaught error or out of memory in it): the worker is dropped, the listeners told which step was
 * running, and the next call starts a new one.
 */
export function engine(): Comlink.Remote<EngineApi> {
  if (!remote) {
    const w = new Worker(new URL('../workers/engine.worker.ts', import.meta.url), { type: 'module', name: 'quantscope-engine' });
    worker = w;
    death = new Promise<never>((_, reject) => {
      died = (reason) => reject(new Error(`The engine stopped (${reason}).`));
    });
    death.catch(() => {});
    w.addEventListener('error', (e) => {
      e.preventDefault();
      kill(e.message || 'an uncaught error in the worker');
    });
    w.addEventListener('messageerror', () => kill('a message it could not read'));
    const raw = Comlink.wrap<EngineApi>(w);
    const myDeath = death;
    remote = new Proxy(raw, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof prop !== 'string' || typeof value !== 'function' || prop === 'then') return value;
        return (...args: unknown[]) => {
          const id = ++callId;
          pending.set(id, prop);
          const call = (value as (...a: unknown[]) => Promise<unknown>)(...args);
          return Promise.race([call, myDeath]).finally(() => pending.delete(id));
        };
      },
    }) as Comlink.Remote<EngineApi>;
  }
  return remote;
}

/** For the tests: makes the engine worker throw an uncaught error, as a crash would. */
export function crashEngineForTest(): void {
  void engine().crashForTest();
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
