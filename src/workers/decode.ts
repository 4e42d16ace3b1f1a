import { resampleRgb, sourceRect } from '../core';
import type { Preprocess } from '../core';

/**
 * Decode an image file and resize/crop it to the model's input, off the main thread. Returns RGB bytes;
 * alpha is composited over white, grayscale and CMYK come out as RGB from the browser's decoder.
 */
export async function decodeToRgb(blob: Blob, p: Preprocess): Promise<{ rgb: Uint8Array; width: number; height: number }> {
  let bmp: ImageBitmap;
  try {
    bmp = await createImageBitmap(blob);
  } catch {
    throw new Error(blob.size === 0 ? 'the file is empty' : 'the browser cannot decode it as an image (corrupt or not an image)');
  }
  try {
    // Full-size pixels, then the same Lanczos-3 resampling the CLI uses, so both feed identical tensors.
    const canvas = new OffscreenCanvas(bmp.width, bmp.height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, bmp.width, bmp.height);
    ctx.drawImage(bmp, 0, 0);
    const rgba = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
    const rgb = resampleRgb(rgba, bmp.width, bmp.height, 4, sourceRect(bmp.width, bmp.height, p), p.width, p.height);
    return { rgb, width: bmp.width, height: bmp.height };
  } finally {
    bmp.close();
  }
}
