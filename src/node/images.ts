import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

import sharp from 'sharp';

import type { Preprocess } from '../core/data/preprocess';
import { sourceRect } from '../core/data/preprocess';
import { resampleRgb } from '../core/data/resize';

const IMAGE_EXT = /\.(jpe?g|png|webp|gif|tiff?|avif|bmp)$/i;

export interface ImageFile {
  path: string;
  /** path relative to the folder given, for labels (ImageFolder subfolders, synsets in names) */
  name: string;
}

/** Image files under a folder, recursively, in a stable (sorted) order. */
export function listImages(dir: string): ImageFile[] {
  const out: ImageFile[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d).sort()) {
      const p = join(d, entry);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (IMAGE_EXT.test(entry)) out.push({ path: p, name: relative(dir, p) });
    }
  };
  walk(dir);
  return out;
}

/**
 * Decode an image file (EXIF orientation applied, alpha flattened onto white, sRGB) and resize/crop it to the
 * model's input with the core's Lanczos-3 resampler, the same the browser worker uses.
 */
export async function loadRgb(path: string, p: Preprocess): Promise<Uint8Array> {
  const { data, info } = await sharp(path, { failOn: 'error' })
    .rotate()
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${path}: expected 3 channels after conversion, got ${info.channels}.`);
  return resampleRgb(data, info.width, info.height, 3, sourceRect(info.width, info.height, p), p.width, p.height);
}
