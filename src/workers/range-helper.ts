import type { RangeHelper, RangeSearchRequest } from '../core/calib/range-search';
import type { TensorRange } from '../core/quant/qdq';

export interface RangeRequest {
  id: number;
  request: RangeSearchRequest;
}

export type RangeReply = { id: number; ranges: TensorRange[] } | { id: number; error: string };

let worker: Worker | null = null;
let failed = false;
let nextId = 0;
const waiting = new Map<number, { resolve: (r: TensorRange[]) => void; reject: (e: Error) => void }>();

function rangeWorker(): Worker | null {
  if (worker || failed) return worker;
  try {
    const w = new Worker(new URL('./range.worker.ts', import.meta.url), { type: 'module', name: 'quantscope-ranges' });
    w.onmessage = (e: MessageEvent<RangeReply>) => {
      const call = waiting.get(e.data.id);
      waiting.delete(e.data.id);
      if (!call) return;
      if ('error' in e.data) call.reject(new Error(e.data.error));
      else call.resolve(e.data.ranges);
    };
    // A helper that dies fails what it had (the engine then searches those ranges itself) and is not used again.
    w.onerror = (e) => {
      e.preventDefault();
      failed = true;
      worker = null;
      w.terminate();
      for (const c of waiting.values()) c.reject(new Error(`the range-search thread stopped (${e.message || 'an error'})`));
      waiting.clear();
    };
    worker = w;
  } catch {
    failed = true; // no nested workers here: the engine searches every range itself
  }
  return worker;
}

/** The engine's range-search helper thread (started on first use), or undefined where none can run. */
export function webRangeHelper(): RangeHelper | undefined {
  if (!rangeWorker()) return undefined;
  return (request) =>
    new Promise<TensorRange[]>((resolve, reject) => {
      const w = rangeWorker();
      if (!w) return reject(new Error('the range-search thread is not running'));
      const id = ++nextId;
      waiting.set(id, { resolve, reject });
      w.postMessage({ id, request } satisfies RangeRequest);
    });
}
