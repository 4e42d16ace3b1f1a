// The bench page's one entry point: window.bareBench(request) times bare onnxruntime-web in a fresh worker.
import type { BareRequest, BareResult } from './protocol';

function bareBench(r: BareRequest): Promise<BareResult> {
  const w = new Worker(new URL('./bare.worker.ts', import.meta.url), { type: 'module' });
  return new Promise<BareResult>((resolve, reject) => {
    w.onmessage = (e: MessageEvent<{ ok: true; result: BareResult } | { ok: false; error: string }>) => {
      if (e.data.ok) resolve(e.data.result);
      else reject(new Error(e.data.error));
    };
    w.onerror = (e) => reject(new Error(e.message || 'the bench worker failed'));
    w.postMessage(r);
  }).finally(() => w.terminate());
}

Object.assign(window, { bareBench });
