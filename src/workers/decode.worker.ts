// Decodes and resizes images for the engine worker, on a thread of its own: while the engine runs the model on
// one image, the next ones are decoded here (the engine's thread is busy inside onnxruntime meanwhile).
import { decodeToRgb } from './decode';
import type { DecodeReply, DecodeRequest } from './decode-pool';

self.onmessage = async (e: MessageEvent<DecodeRequest>) => {
  const { id, blob, preprocess } = e.data;
  try {
    const { rgb, width, height } = await decodeToRgb(blob, preprocess);
    self.postMessage({ id, rgb, width, height } satisfies DecodeReply, { transfer: [rgb.buffer] });
  } catch (err) {
    self.postMessage({ id, error: err instanceof Error ? err.message : String(err) } satisfies DecodeReply);
  }
};
