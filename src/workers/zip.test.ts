import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';

import { DEFAULT_ZIP_LIMITS, unzipFiles } from './zip';

/** Incompressible bytes (a seeded xorshift), so sizes in the archive are what they say. */
const bytes = (n: number, seed = 1) => {
  let x = seed * 2654435761 || 1;
  return Uint8Array.from({ length: n }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x & 255;
  });
};

describe('unzipFiles', () => {
  it('reads folders (deflated and stored), keeps paths under the archive name, skips macOS and hidden noise', async () => {
    const zip = zipSync({
      'n01440764/a.jpg': [bytes(5000), { level: 6 }],
      'n01443537/b.png': [bytes(3000, 2), { level: 0 }],
      'n01443537/': new Uint8Array(0),
      '__MACOSX/n01440764/._a.jpg': bytes(10),
      '.DS_Store': bytes(10),
    });
    const { entries, error } = await unzipFiles(new Blob([zip]), 'imagenet.zip');
    expect(error).toBeUndefined();
    expect(entries.map((e) => e.path)).toEqual(['imagenet/n01440764/a.jpg', 'imagenet/n01443537/b.png']);
    expect(new Uint8Array(await entries[0].blob!.arrayBuffer())).toEqual(bytes(5000));
    expect(new Uint8Array(await entries[1].blob!.arrayBuffer())).toEqual(bytes(3000, 2));
  });

  it('a zip bomb: the inflating entry stops at its limit, the rest of the archive still loads', async () => {
    const zip = zipSync({ 'bomb.bin': [new Uint8Array(40 * 2 ** 20), { level: 9 }], 'ok.jpg': bytes(2000) });
    expect(zip.length).toBeLessThan(200_000);
    const { entries } = await unzipFiles(new Blob([zip]), 'b.zip');
    expect(entries[0].error).toMatch(/zip bomb/);
    expect(entries[0].blob).toBeUndefined();
    expect(entries[1].blob?.size).toBe(2000);
    // And the archive-wide limit.
    const res = await unzipFiles(new Blob([zipSync({ a: bytes(3 * 2 ** 20), b: bytes(3 * 2 ** 20, 3) })]), 'big.zip', { ...DEFAULT_ZIP_LIMITS, maxTotalBytes: 4 * 2 ** 20 });
    expect(res.error).toMatch(/big\.zip inflates past 4 MB/);
    expect(res.entries[0].blob?.size).toBe(3 * 2 ** 20);
    expect(res.entries[1].error).toMatch(/over its size limit/);
  });

  it('not a zip, truncated, empty: a sentence naming the archive, never a throw', async () => {
    const notZip = await unzipFiles(new Blob([bytes(1000)]), 'photos.zip');
    expect(notZip.error).toMatch(/photos\.zip/);
    const zip = zipSync({ 'a.jpg': [bytes(100_000), { level: 0 }], 'b.jpg': bytes(100) });
    const cut = await unzipFiles(new Blob([zip.subarray(0, 50_000)]), 'cut.zip');
    expect(cut.entries[0].error).toMatch(/cut short/);
    const empty = await unzipFiles(new Blob([zipSync({})]), 'empty.zip');
    expect(empty.error).toMatch(/holds no files/);
  });
});
