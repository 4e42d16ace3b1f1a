import { Worker } from 'node:worker_threads';

import type { RangeHelper } from '../core/calib/range-search';
import type { TensorRange } from '../core/quant/qdq';

/**
 * A worker thread that searches ranges (core/calib/range-search.ts), for the bench, the CLI and tests. The
 * worker runs the TypeScript source through tsx, as the rest of the Node side does. `close` ends the thread.
 */
export function nodeRangeHelper(): { helper: RangeHelper; close: () => Promise<void> } {
  const url = new URL('./range.worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const worker = new Worker(`import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(url)}); })`, {
    eval: true,
    name: 'quantscope-ranges',
  });
  worker.unref(); // an idle helper does not keep the process alive
  let nextId = 0;
  const waiting = new Map<number, { resolve: (r: TensorRange[]) => void; reject: (e: Error) => void }>();
  const failAll = (e: Error) => {
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  };
  worker.on('message', (m: { id: number; ranges?: TensorRange[]; error?: string }) => {
    const call = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.ranges) call?.resolve(m.ranges);
    else call?.reject(new Error(m.error));
  });
  worker.on('error', failAll);
  worker.on('exit', () => failAll(new Error('the range-search thread stopped')));
  return {
    helper: (request) =>
      new Promise((resolve, reject) => {
        const id = ++nextId;
        waiting.set(id, { resolve, reject });
        worker.ref();
        worker.postMessage({ id, request });
      }).finally(() => {
        if (!waiting.size) worker.unref();
      }) as Promise<TensorRange[]>,
    close: async () => {
      await worker.terminate();
    },
  };
}
