import type { RangeHelper, RangeSearchRequest } from '../core/calib/range-search';
import type { TensorRange } from '../core/quant/qdq';
import { helperWorker } from './helper-worker';

export interface RangeRequest {
  id: number;
  request: RangeSearchRequest;
}

export type RangeReply = { id: number; ranges: TensorRange[] } | { id: number; error: string };

const helper = helperWorker<Omit<RangeRequest, 'id'>, { ranges: TensorRange[] }>(
  () => new Worker(new URL('./range.worker.ts', import.meta.url), { type: 'module', name: 'quantscope-ranges' }),
  'the range-search thread',
);

/**
 * The engine's range-search helper thread (started on first use), or undefined where none can run. A helper
 * that dies fails what it had (the engine then searches those ranges itself) and is not used again.
 */
export function webRangeHelper(): RangeHelper | undefined {
  if (!helper.available()) return undefined;
  return async (request) => {
    const reply = helper.call({ request });
    if (!reply) throw new Error('the range-search thread is not running');
    return (await reply).ranges;
  };
}
