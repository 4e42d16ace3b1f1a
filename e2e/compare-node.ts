import type { Page } from '@playwright/test';
import * as ort from 'onnxruntime-node';

export interface Agreement {
  images: number;
  maxAbsDiff: number;
  top1Same: number;
}

/**
 * Runs the model file the page exported in onnxruntime-node on the exact inputs the page used, and compares
 * with the outputs onnxruntime-web produced for them in the page.
 */
export async function compareWithNode(
  page: Page,
  modelPath: string,
  variant: string,
  count: number,
  options: ort.InferenceSession.SessionOptions = {},
): Promise<Agreement> {
  const sample = await page.evaluate(
    async ({ variant, count }) => {
      type Q = {
        engine: () => { sampleOutputs: (id: string, p: unknown, ids: number[]) => Promise<{ inputs: Float32Array[]; outputs: Float32Array[]; dims: number[] }> };
        currentPreprocess: () => unknown;
        currentSplit: () => { evalIds: number[] };
      };
      const q = (globalThis as unknown as { quantscope: Q }).quantscope;
      const r = await q.engine().sampleOutputs(variant, q.currentPreprocess(), q.currentSplit().evalIds.slice(0, count));
      // The result (8 images as plain arrays) is built and serialized on the page's main thread, in the task
      // that starts here (~1 s): marked, so that long-task reports leave the test's own work out.
      const g = globalThis as unknown as { __harnessTasks?: number[] };
      (g.__harnessTasks ??= []).push(performance.now());
      return { inputs: r.inputs.map((a) => Array.from(a)), outputs: r.outputs.map((a) => Array.from(a)), dims: r.dims };
    },
    { variant, count },
  );
  const session = await ort.InferenceSession.create(modelPath, { logSeverityLevel: 3, ...options });
  let maxAbsDiff = 0;
  let top1Same = 0;
  const argmax = (a: ArrayLike<number>) => {
    let b = 0;
    for (let i = 1; i < a.length; i++) if (a[i] > a[b]) b = i;
    return b;
  };
  for (let i = 0; i < sample.inputs.length; i++) {
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(sample.inputs[i]), sample.dims) };
    const out = (await session.run(feeds))[session.outputNames[0]].data as Float32Array;
    const web = sample.outputs[i];
    for (let j = 0; j < out.length; j++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(out[j] - web[j]));
    if (argmax(out) === argmax(web)) top1Same++;
  }
  await session.release();
  return { images: sample.inputs.length, maxAbsDiff, top1Same };
}
