import { describe, expect, it } from 'vitest';

import { imagenetClassFromPath, imagenetLabelSpace, classFromNames, customLabelSpace, imageFolderClasses, parseLabelList } from './labels';
import { inputGeometry, presetPreprocess, rgbToTensor, sourceRect, tensorChannels } from './preprocess';
import { resampleRgb } from './resize';
import { splitIndices } from './split';

describe('labels from ImageNet synsets in paths', () => {
  it.each([
    ['n01440764_tench.JPEG', 0],
    ['imagenet-sample/n01443537_goldfish.JPEG', 1],
    ['val/n15075141/ILSVRC2012_val_00000001.JPEG', 999],
    ['cat.jpg', null],
    ['n99999999_unknown.jpg', null],
  ])('%s → %s', (path, k) => expect(imagenetClassFromPath(path)).toBe(k));
  it('detects a 1001-way output with a background class', () => {
    expect(imagenetLabelSpace(1001)?.offset).toBe(1);
    expect(imagenetLabelSpace(1001)?.names[1]).toBe('tench');
    expect(imagenetLabelSpace(1000)?.offset).toBe(0);
    expect(imagenetLabelSpace(10)).toBeNull();
  });
});

describe('preprocessing', () => {
  it('TF preset maps 0..255 to −1..1 in NCHW', () => {
    const p = presetPreprocess('tf-inception', 2, 1);
    const t = rgbToTensor(Uint8Array.of(0, 127, 255, 255, 0, 0), p);
    // R plane, G plane, B plane
    expect(Array.from(t)).toEqual([-1, 1, Math.fround(127 / 127.5 - 1), -1, 1, -1]);
  });
  it('Caffe preset is BGR minus the mean, unscaled', () => {
    const p = presetPreprocess('caffe', 1, 1);
    expect(Array.from(rgbToTensor(Uint8Array.of(10, 20, 30), p))).toEqual([30 - 104, 20 - 117, 10 - 123]);
  });
  it('NHWC interleaves channels', () => {
    const p = presetPreprocess('torchvision', 1, 1, 'NHWC');
    const t = rgbToTensor(Uint8Array.of(255, 0, 0), p);
    expect(t[0]).toBeCloseTo((1 - 0.485) / 0.229, 5);
    expect(t[1]).toBeCloseTo(-0.456 / 0.224, 5);
  });
  it('short side to 256, centre crop 224 of a 400×300 photo', () => {
    const p = presetPreprocess('tf-inception', 224, 224);
    expect(p.resizeShort).toBe(256);
    const r = sourceRect(400, 300, p);
    expect(r.sw).toBeCloseTo(224 * (300 / 256), 6);
    expect(r.sh).toBeCloseTo(224 * (300 / 256), 6);
    expect(r.sx).toBeCloseTo((400 - r.sw) / 2, 6);
  });
  it('reads layout and size from model dims', () => {
    expect(inputGeometry([-1, 3, 224, 224])).toEqual({ layout: 'NCHW', height: 224, width: 224 });
    expect(inputGeometry([1, 299, 299, 3])).toEqual({ layout: 'NHWC', height: 299, width: 299 });
    expect(inputGeometry([-1, 3, -1, -1])).toEqual({ layout: 'NCHW', height: null, width: null });
    expect(inputGeometry([1, 128])).toBeNull();
  });
});

describe('calibration / evaluation split', () => {
  it('keeps file order without a seed', () => {
    expect(splitIndices(6, 2, 10, null)).toEqual({ calib: [0, 1], evaluate: [2, 3, 4, 5] });
  });
  it('is a seeded permutation: disjoint, complete, repeatable', () => {
    const a = splitIndices(50, 10, 40, 42);
    expect(a).toEqual(splitIndices(50, 10, 40, 42));
    expect(new Set([...a.calib, ...a.evaluate]).size).toBe(50);
    expect(a).not.toEqual(splitIndices(50, 10, 40, 43));
  });
});

describe('Lanczos-3 resampling (shared by the browser and the CLI)', () => {
  const img = (w: number, h: number, f: (x: number, y: number, c: number) => number) =>
    Uint8Array.from({ length: w * h * 3 }, (_, i) => f(Math.floor(i / 3) % w, Math.floor(i / 3 / w), i % 3));

  it('is the identity at scale 1, and crops exactly', () => {
    const a = img(9, 7, (x, y, c) => (x * 31 + y * 17 + c * 5) % 256);
    expect(resampleRgb(a, 9, 7, 3, { sx: 0, sy: 0, sw: 9, sh: 7 }, 9, 7)).toEqual(a);
    const crop = resampleRgb(a, 9, 7, 3, { sx: 2, sy: 1, sw: 4, sh: 3 }, 4, 3);
    expect(crop).toEqual(img(4, 3, (x, y, c) => ((x + 2) * 31 + (y + 1) * 17 + c * 5) % 256));
  });

  it('keeps a flat image flat and reads RGBA by dropping alpha', () => {
    const rgba = Uint8Array.from({ length: 40 * 30 * 4 }, (_, i) => [10, 200, 90, 7][i % 4]);
    const out = resampleRgb(rgba, 40, 30, 4, { sx: 0, sy: 0, sw: 40, sh: 30 }, 13, 11);
    for (let i = 0; i < out.length; i += 3) expect([out[i], out[i + 1], out[i + 2]]).toEqual([10, 200, 90]);
  });

  it('antialiases when shrinking: a one-pixel checkerboard becomes mid grey, not aliasing stripes', () => {
    const a = img(64, 64, (x, y) => ((x + y) % 2 ? 255 : 0));
    const out = resampleRgb(a, 64, 64, 3, { sx: 0, sy: 0, sw: 64, sh: 64 }, 16, 16);
    // away from the borders every output pixel averages both colours
    for (let y = 3; y < 13; y++) for (let x = 3; x < 13; x++) expect(Math.abs(out[(y * 16 + x) * 3] - 127.5)).toBeLessThan(3);
  });
});

describe('label lists', () => {
  it('parses plain, indexed, quoted and synset lists', () => {
    expect(parseLabelList('tench\ngoldfish\n\n# comment\ngreat white shark\n')).toEqual(['tench', 'goldfish', 'great white shark']);
    expect(parseLabelList("0: 'tench',\n1: 'goldfish',\n")).toEqual(['tench', 'goldfish']);
    expect(parseLabelList('0 tench\n1 goldfish')).toEqual(['tench', 'goldfish']);
    expect(parseLabelList('n01440764 tench, Tinca tinca\nn01443537 goldfish, Carassius auratus')).toEqual(['n01440764', 'n01443537']);
    expect(parseLabelList('"cat"\n"dog"\r\n')).toEqual(['cat', 'dog']);
    // A name that starts with a digit but is not an index stays whole.
    expect(parseLabelList('3d glasses\n7up')).toEqual(['3d glasses', '7up']);
  });

  it('matches folders deepest first, then the file name start, ignoring case and separators', () => {
    const names = ['Great White Shark', 'tench', 'cat'];
    expect(classFromNames('val/great_white-shark/x.jpg', names)).toBe(0);
    expect(classFromNames('tench/cat/x.jpg', names)).toBe(2);
    expect(classFromNames('photos/cat_001.jpg', names)).toBe(2);
    expect(classFromNames('photos/dog_001.jpg', names)).toBeNull();
    expect(classFromNames('n01440764/x.jpg', parseLabelList('n01440764 tench\nn01443537 goldfish'))).toBe(0);
  });

  it('label spaces: equal counts, one fewer (background), else a sentence naming the file', () => {
    expect(customLabelSpace(['a', 'b', 'c'], 3, 'l.txt')).toEqual({ names: ['a', 'b', 'c'], offset: 0, kind: 'custom' });
    expect(customLabelSpace(['a', 'b'], 3, 'l.txt')).toEqual({ names: ['background', 'a', 'b'], offset: 1, kind: 'custom' });
    expect(customLabelSpace(['a', 'b'], 5, 'l.txt')).toMatch(/l\.txt holds 2 class names but the model has 5 outputs/);
    expect(customLabelSpace(['a'], 5, 'l.txt')).toMatch(/one class name per line/);
  });

  it('ImageFolder: sorted folder names, only when every image has a folder and the folders fit the outputs', () => {
    expect([...imageFolderClasses(['d/dog/1.jpg', 'd/cat/2.jpg', 'd/cat/3.jpg'], 2)!]).toEqual([['cat', 0], ['dog', 1]]);
    expect(imageFolderClasses(['d/dog/1.jpg', 'loose.jpg'], 2)).toBeNull();
    expect(imageFolderClasses(['d/a/1.jpg', 'd/b/1.jpg', 'd/c/1.jpg'], 2)).toBeNull();
    expect(imageFolderClasses(['d/a/1.jpg', 'd/a/2.jpg'], 2)).toBeNull();
  });
});

describe('tensorChannels', () => {
  it('reads NCHW and NHWC alike, names BGR channels, stretches each to its range', () => {
    const rgb = Uint8Array.from([255, 0, 10, 0, 128, 20]); // two pixels
    for (const layout of ['NCHW', 'NHWC'] as const) {
      const p = { ...presetPreprocess('caffe', 2, 1, layout) };
      const t = rgbToTensor(rgb, p);
      const ch = tensorChannels(t, p);
      expect(ch.map((c) => c.source)).toEqual(['B', 'G', 'R']);
      // Caffe: BGR, minus the means (104, 117, 123 in BGR order), no scaling.
      expect(ch[0].min).toBeCloseTo(10 - 104, 5);
      expect(ch[0].max).toBeCloseTo(20 - 104, 5);
      expect(ch[2].max).toBeCloseTo(255 - 123, 5);
      expect([...ch[2].grey]).toEqual([255, 0]);
      expect([...ch[1].grey]).toEqual([0, 255]);
    }
    const flat = tensorChannels(new Float32Array(6).fill(0.5), { width: 2, height: 1, layout: 'NCHW', channelOrder: 'RGB' });
    expect([...flat[0].grey]).toEqual([128, 128]);
    expect(flat[0].mean).toBe(0.5);
  });
});
