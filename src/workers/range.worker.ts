// A helper thread for the calibrators' range searches (see core/calib/range-search.ts): the engine posts it
// half of a calibration-size curve point's searches and does the other half meanwhile.
import { searchTasks } from '../core/calib/range-search';
import type { RangeReply, RangeRequest } from './range-helper';

self.onmessage = (e: MessageEvent<RangeRequest>) => {
  const { id, request } = e.data;
  try {
    self.postMessage({ id, ranges: searchTasks(request) } satisfies RangeReply);
  } catch (err) {
    self.postMessage({ id, error: err instanceof Error ? err.message : String(err) } satisfies RangeReply);
  }
};
