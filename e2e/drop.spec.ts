import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { expect, test } from '@playwright/test';
import { zipSync } from 'fflate';
import type { Zippable } from 'fflate';
import type { Page } from '@playwright/test';

import { makeAttrInt, makeNode, makeTensor, serializeModel } from '../src/core/onnx/model';
import { writeImages } from '../test/images';
import { tinyModel } from '../test/tiny-model';

function thousandClassModel(): Buffer {
  const w = Float32Array.from({ length: 1000 * 3 }, (_, i) => Math.cos(i));
  const m = tinyModel(
    [
      makeNode('Conv', ['x', 'w'], ['c'], 'classifier'),
      makeNode('GlobalAveragePool', ['c'], ['g'], 'gap'),
      makeNode('Flatten', ['g'], ['f'], 'flat', [makeAttrInt('axis', 1)]),
      makeNode('Softmax', ['f'], ['y'], 'softmax', [makeAttrInt('axis', -1)]),
    ],
    [makeTensor('w', [1000, 3, 1, 1], w)],
    [['x', [-1, 3, 32, 32]]],
    [['y', [-1, 1000]]],
  );
  return Buffer.from(serializeModel(m));
}

/** A real drag-and-drop of files and folders from disk, through the DevTools protocol. */
async function dropPaths(page: Page, paths: string[]) {
  const client = await page.context().newCDPSession(page);
  const data = { items: [], files: paths, dragOperationsMask: 1 };
  for (const type of ['dragEnter', 'dragOver', 'drop'] as const) {
    await client.send('Input.dispatchDragEvent', { type, x: 700, y: 400, data });
  }
}

test('dropping an ImageFolder tree adds its images with labels from the synset folders, and lists broken files', async ({ page }) => {
  const root = mkdtempSync(join(tmpdir(), 'quantscope-drop-'));
  const tree = join(root, 'val');
  // ImageNet synsets as class folders (tench, goldfish), a nested folder, and files that are not images.
  await writeImages(join(tree, 'n01440764'), 3, 1);
  await writeImages(join(tree, 'n01443537', 'more'), 2, 2);
  mkdirSync(join(tree, 'unlabelled'), { recursive: true });
  copyFileSync(join(tree, 'n01440764', 'img_000.png'), join(tree, 'unlabelled', 'photo.png'));
  writeFileSync(join(tree, 'unlabelled', 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 1, 2, 3]));
  writeFileSync(join(tree, 'unlabelled', 'empty.png'), Buffer.alloc(0));

  await page.goto('/?demo=0');
  // A 1000-class model, so ImageNet synsets in folder names become labels.
  await page.getByTestId('model-input').setInputFiles({ name: 'imagenet1000.onnx', mimeType: 'application/octet-stream', buffer: thousandClassModel() });
  await expect(page.getByTestId('model-info')).toContainText('1000 classes');

  await dropPaths(page, [tree]);
  // 6 decodable images, 5 of them in synset folders; 2 text files and 2 broken images are listed with reasons.
  await expect(page.getByTestId('image-count')).toContainText('6 images, 5 with labels');
  await expect(page.getByTestId('broken-files')).toContainText('4 files skipped');
  await page.getByTestId('broken-files').locator('summary').click();
  await expect(page.getByTestId('broken-files')).toContainText('broken.jpg: the image is corrupt');
  await expect(page.getByTestId('broken-files')).toContainText('empty.png: the file is empty');
  await expect(page.getByTestId('broken-files')).toContainText('notes.txt: not an image');
});

test('dropping a .zip of an ImageFolder tree loads its images with labels; a zip bomb inside is skipped with its reason', async ({ page }) => {
  const root = mkdtempSync(join(tmpdir(), 'quantscope-zip-'));
  await writeImages(join(root, 'n01440764'), 3, 3);
  await writeImages(join(root, 'n01443537'), 2, 4);
  const files: Zippable = {};
  for (const dir of ['n01440764', 'n01443537']) {
    for (const f of readdirSync(join(root, dir))) files[`val/${dir}/${f}`] = new Uint8Array(readFileSync(join(root, dir, f)));
  }
  files['val/bomb.png'] = [new Uint8Array(64 * 2 ** 20), { level: 9 }];
  files['__MACOSX/val/._x.png'] = new Uint8Array(8);
  const zipPath = join(root, 'photos.zip');
  writeFileSync(zipPath, zipSync(files));

  await page.goto('/?demo=0');
  await page.getByTestId('model-input').setInputFiles({ name: 'imagenet1000.onnx', mimeType: 'application/octet-stream', buffer: thousandClassModel() });
  await expect(page.getByTestId('model-info')).toContainText('1000 classes');
  await dropPaths(page, [zipPath]);
  await expect(page.getByTestId('image-count')).toContainText('5 images, 5 with labels');
  // The bomb and the two notes.txt files of writeImages; the macOS resource fork is not the user's data.
  await expect(page.getByTestId('broken-files')).toContainText('3 files skipped');
  await page.getByTestId('broken-files').locator('summary').click();
  await expect(page.getByTestId('broken-files')).toContainText('photos/val/bomb.png: inflates past');
  await expect(page.getByTestId('broken-files')).toContainText('possible zip bomb');
});

const SHARED = resolve(process.env.QUANTSCOPE_SHARED ?? '../shared');
const haveShared = existsSync(join(SHARED, 'models', 'mobilenet_v1_0.25_224.onnx'));

test('dropping a model file and the ImageNet sample folder together loads both, with labels', async ({ page }) => {
  test.skip(!haveShared, `../shared is absent (looked in ${SHARED})`);
  await page.goto('/?demo=0');
  await dropPaths(page, [join(SHARED, 'models', 'mobilenet_v1_0.25_224.onnx'), join(SHARED, 'images', 'imagenet-sample')]);
  await expect(page.getByTestId('model-info')).toContainText('1001 classes (index 0 = background)');
  await expect(page.getByTestId('image-count')).toContainText('500 images, 500 with labels', { timeout: 120_000 });
});
