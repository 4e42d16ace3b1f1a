// Learn mode's QAT demonstration: trains the lesson's small network off the main thread (about 10 s here).
import { throttleProgress } from '../core/engine/progress';
import { qatExperiment } from '../core/learn/qat';

self.onmessage = () => {
  const result = qatExperiment(
    [4, 2],
    throttleProgress((done, total) => self.postMessage({ progress: { done, total } })),
  );
  self.postMessage({ result });
};
