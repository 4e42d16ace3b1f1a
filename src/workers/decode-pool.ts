import type { Preprocess } from '../core';
import { decodeToRgb } from './decode';

export interface DecodeRequest {
  id: number;
  blob: Blob;
  preprocess: Preprocess;
}

export type DecodeReply = { id: number; rgb: Uint8Array; width: number; height: number } | { id: number; error: string };

type Decoded = { rgb: Uint8Array; width: number; height: number };

let worker: Worker | null = null;
let failed = false;
let nextId = 0;
const waiting = new Map<number, { resolve: (d: Decoded) => void; reject: (e: Error) => void }>();

function decodeWorker(): Worker | null {
  if (worker || failed) return worker;
  try {
    const w = new Worker(new URL('./decode.worker.ts', import.meta.url), { type: 'module', name: 'quantscope-decode' });
    w.onmessage = (e: MessageEvent<DecodeReply>) => {
      const call = waiting.get(e.data.id);
      waiting.delete(e.data.id);
      if (!call) return;
      if ('error' in e.data) call.reject(new Error(e.data.error));
      else call.resolve(e.data);
    };
    // A decoder that dies fails what it had; later images are decoded on the engine's own thread.
    w.onerror = (e) => {
      e.preventDefault();
      failed = true;
      worker = null;
      w.terminate();
      for (const c of waiting.values()) c.reject(new Error(`the image decoder stopped (${e.message || 'an error'})`));
      waiting.clear();
    };
    worker = w;
  } catch {
    failed = true; // no nested workers here: decode in place
  }
  return worker;
}

/**
 * Decodes and resizes an image to RGB bytes for the model, on the decoder worker when there is one (so it
 * overlaps the engine's model runs), else on this thread. Same result either way: the same code runs.
 */
export function decodeImage(blob: Blob, preprocess: Preprocess): Promise<Decoded> {
  const w = decodeWorker();
  if (!w) return decodeToRgb(blob, preprocess);
  const id = ++nextId;
  return new Promise<Decoded>((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    w.postMessage({ id, blob, preprocess } satisfies DecodeRequest);
  });
}
