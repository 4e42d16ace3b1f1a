// Learn mode's QAT demonstration: trains the lesson's small network off the main thread (about 10 s here).
import { qatExperiment } from '../core/learn/qat';

self.onmessage = () => {
  let last = 0;
  const result = qatExperiment([4, 2], (done, total) => {
    const now = performance.now();
    if (done === total || now - last > 100) {
      last = now;
      self.postMessage({ progress: { done, total } });
    }
  });
  self.postMessage({ result });
};
