import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import sharp from 'sharp';

import { mulberry32 } from '../src/core/data/split';

/** Stripes and blobs as PNG files of varied sizes (images sharp and browsers decode like photos), plus one text file. */
export async function writeImages(dir: string, count: number, seed = 5): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const r = mulberry32(seed);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const w = 160 + Math.floor(r() * 80);
    const h = 40 + Math.floor(r() * 20);
    const px = Buffer.alloc(w * h * 3);
    const f = 2 + r() * 10;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = 128 + 100 * Math.sin((x / w) * f * Math.PI) * Math.cos((y / h) * 3);
        px.set([v, 255 - v, (v * 3) % 255], (y * w + x) * 3);
      }
    }
    const name = `img_${String(i).padStart(3, '0')}.png`;
    await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toFile(join(dir, name));
    names.push(name);
  }
  writeFileSync(join(dir, 'notes.txt'), 'not an image');
  return names;
}
