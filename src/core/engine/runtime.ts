import type { NumericArray } from '../onnx/model';

/** A tensor crossing the boundary to an inference runtime: plain data, so it can also cross threads. */
export interface RtTensor {
  data: NumericArray;
  dims: number[];
}

/**
 * The one thing the core needs from an inference runtime (onnxruntime-web in a worker, onnxruntime-node in
 * tests and the CLI): run a model on feeds and fetch named tensors.
 */
export interface RtSession {
  run(feeds: Record<string, RtTensor>, fetches: string[]): Promise<Record<string, RtTensor>>;
  release(): Promise<void>;
}

export type SessionFactory = (model: Uint8Array) => Promise<RtSession>;

export class CancelledError extends Error {
  constructor() {
    super('Cancelled.');
    this.name = 'CancelledError';
  }
}

/** Anything with an `aborted` flag: an AbortSignal, or a plain object across a worker boundary. */
export interface Cancel {
  readonly aborted: boolean;
}

export function throwIfAborted(signal?: Cancel): void {
  if (signal?.aborted) throw new CancelledError();
}
