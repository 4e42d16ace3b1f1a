import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

import sharp from 'sharp';

import type { Preprocess } from '../core/data/preprocess';

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
 * Decode, resize and crop an image file to the model's input as RGB bytes: the short side to
 * `resizeShort` with a Lanczos-3 filter (as PIL's LANCZOS that the reference pipelines use) and a centred
 * crop, or the whole image stretched. Alpha is flattened onto white.
 */
export async function loadRgb(path: string, p: Preprocess): Promise<Uint8Array> {
  let img = sharp(path, { failOn: 'error' }).rotate().flatten({ background: '#ffffff' }).toColourspace('srgb');
  if (p.resize === 'stretch') {
    img = img.resize(p.width, p.height, { fit: 'fill', kernel: 'lanczos3' });
  } else {
    const meta = await sharp(path).rotate().metadata();
    const [w0, h0] = (meta.orientation ?? 1) >= 5 ? [meta.height!, meta.width!] : [meta.width!, meta.height!];
    const k = p.resizeShort / Math.min(w0, h0);
    const w = Math.max(p.width, Math.round(w0 * k));
    const h = Math.max(p.height, Math.round(h0 * k));
    img = img.resize(w, h, { fit: 'fill', kernel: 'lanczos3' }).extract({
      left: Math.floor((w - p.width) / 2),
      top: Math.floor((h - p.height) / 2),
      width: p.width,
      height: p.height,
    });
  }
  const { data, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${path}: expected 3 channels after conversion, got ${info.channels}.`);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
