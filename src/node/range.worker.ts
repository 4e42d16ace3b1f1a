// A helper thread for the calibrators' range searches (see core/calib/range-search.ts), in Node.
import { parentPort } from 'node:worker_threads';

import { searchTasks } from '../core/calib/range-search';
import type { RangeSearchRequest } from '../core/calib/range-search';

parentPort!.on('message', ({ id, request }: { id: number; request: RangeSearchRequest }) => {
  try {
    parentPort!.postMessage({ id, ranges: searchTasks(request) });
  } catch (e) {
    parentPort!.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  }
});
