import type { Preprocess } from '../core';
import { decodeToRgb } from './decode';
import { helperWorker } from './helper-worker';

export interface DecodeRequest {
  id: number;
  blob: Blob;
  preprocess: Preprocess;
}

export type DecodeReply = { id: number; rgb: Uint8Array; width: number; height: number } | { id: number; error: string };

type Decoded = { rgb: Uint8Array; width: number; height: number };

const decoder = helperWorker<Omit<DecodeRequest, 'id'>, Decoded>(
  () => new Worker(new URL('./decode.worker.ts', import.meta.url), { type: 'module', name: 'quantscope-decode' }),
  'the image decoder',
);

/**
 * Decodes and resizes an image to RGB bytes for the model, on the decoder worker when there is one (so it
 * overlaps the engine's model runs), else on this thread. Same result either way: the same code runs.
 */
export function decodeImage(blob: Blob, preprocess: Preprocess): Promise<Decoded> {
  // A decoder that died fails what it had; later images are decoded on the engine's own thread.
  return decoder.call({ blob, preprocess }) ?? decodeToRgb(blob, preprocess);
}
