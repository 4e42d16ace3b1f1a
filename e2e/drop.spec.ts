import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { expect, test } from '@playwright/test';
import { zipSync } from 'fflate';
import type { Zippable } from 'fflate';
import type { Page } from '@playwright/test';

import { makeAttrInt, makeNode, makeTensor, serializeModel } from '../src/core/onnx/model';
import { writeImages } from '../test/images';
import { tinyClassifier, tinyModel } from '../test/tiny-model';

function thousandClassModel(classes = 1000): Buffer {
  const w = Float32Array.from({ length: classes * 3 }, (_, i) => Math.cos(i));
  const m = tinyModel(
    [
      makeNode('Conv', ['x', 'w'], ['c'], 'classifier'),
      makeNode('GlobalAveragePool', ['c'], ['g'], 'gap'),
      makeNode('Flatten', ['g'], ['f'], 'flat', [makeAttrInt('axis', 1)]),
      makeNode('Softmax', ['f'], ['y'], 'softmax', [makeAttrInt('axis', -1)]),
    ],
    [makeTensor('w', [classes, 3, 1, 1], w)],
    [['x', [-1, 3, 32, 32]]],
    [['y', [-1, classes]]],
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

  const failed: string[] = [];
  page.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
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
  // With the model loaded, each image was decoded for its 32×32 input as it was read, and kept for the run.
  const memory = await page.evaluate(() => (globalThis as unknown as { quantscope: { engine: () => { memory: () => Promise<{ decodedImages: number; decodedBytes: number }> } } }).quantscope.engine().memory());
  expect(memory).toMatchObject({ decodedImages: 6, decodedBytes: 6 * 32 * 32 * 3 });
  // The preprocessing preview's channel pictures load (they were released while still shown).
  await expect(page.getByTestId('tensor-channel-2').locator('img')).toHaveJSProperty('complete', true);
  expect(await page.getByTestId('tensor-channel-2').locator('img').evaluate((i) => (i as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
  expect(failed).toEqual([]);
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

test('labels of a 3-class model (54 images): class folders in sorted order, then a class list that reorders them; a list that does not fit is refused', async ({ page }) => {
  const root = mkdtempSync(join(tmpdir(), 'quantscope-labels-'));
  // 54 images, more than one message to the engine (50 files each): the first holds only cats and dogs, so
  // the birds, which come later but sort first, renumber the classes the page already had.
  for (const [i, c] of ['a/cat', 'a/dog', 'b/bird'].entries()) await writeImages(join(root, 'pets', c), [24, 26, 4][i], 10 + i);
  writeFileSync(join(root, 'classes.txt'), '# output order of the model\n0: dog\n1: cat\n2: bird\n');
  writeFileSync(join(root, 'five.txt'), 'cat\ndog\nbird\nfish\nhorse\n');
  const labels = () =>
    page.evaluate(() => {
      type Q = { store: { getState: () => { images: { name: string; label: number | null; error?: string }[] } } };
      return (globalThis as unknown as { quantscope: Q }).quantscope.store.getState().images.filter((i) => !i.error).map((i) => `${i.name.split('/').at(-2)}=${i.label}`);
    });
  await page.goto('/?demo=0');
  await page.getByTestId('model-input').setInputFiles({ name: 'pets3.onnx', mimeType: 'application/octet-stream', buffer: thousandClassModel(3) });
  await expect(page.getByTestId('model-info')).toContainText('3 classes');
  await dropPaths(page, [join(root, 'pets')]);
  await expect(page.getByTestId('image-count')).toContainText('54 images, 54 with labels');
  await expect(page.getByTestId('label-source')).toContainText("class folders in sorted order, as torchvision's ImageFolder (bird → 0, cat → 1, dog → 2)");
  expect(new Set(await labels())).toEqual(new Set(['bird=0', 'cat=1', 'dog=2']));
  // The model's own order, from a class list.
  await page.getByTestId('label-list-input').setInputFiles(join(root, 'classes.txt'));
  await expect(page.getByTestId('label-source')).toContainText('matched against the 3 class names of classes.txt');
  expect(new Set(await labels())).toEqual(new Set(['dog=0', 'cat=1', 'bird=2']));
  // Five names for three outputs: refused with the reason, the labels stay.
  await page.getByTestId('label-list-input').setInputFiles(join(root, 'five.txt'));
  await expect(page.getByTestId('label-list-error')).toContainText('five.txt holds 5 class names but the model has 3 outputs');
  expect(new Set(await labels())).toEqual(new Set(['dog=0', 'cat=1', 'bird=2']));
});

test('opening a model from a URL (a local server standing in for a model zoo): progress, then loaded; a 404 gets a sentence', async ({ page }) => {
  const model = thousandClassModel();
  const server = createServer((req, res) => {
    // What a model zoo serving other sites sends: CORS allowed.
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.url === '/zoo/imagenet1000.onnx') {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': model.length });
      res.end(model);
    } else {
      res.writeHead(404);
      res.end('not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    await page.goto('/?demo=0');
    await page.getByTestId('model-url').fill(`http://127.0.0.1:${port}/zoo/missing.onnx`);
    await page.getByTestId('model-url-open').click();
    await expect(page.getByText(`127.0.0.1:${port} answered HTTP 404 for /zoo/missing.onnx`)).toBeVisible();
    await page.getByTestId('model-url').fill(`http://127.0.0.1:${port}/zoo/imagenet1000.onnx`);
    await page.getByTestId('model-url-open').click();
    await expect(page.getByTestId('model-info')).toContainText('1000 classes');
    await expect(page.getByTestId('model-info')).toContainText('imagenet1000.onnx');
    await page.getByTestId('model-url').fill('ftp://example.com/m.onnx');
    await page.getByTestId('model-url-open').click();
    await expect(page.getByText('Only https addresses (or http on this machine) can be opened')).toBeVisible();
  } finally {
    server.close();
  }
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

test('a model and images given while the demo is still loading replace it: none of its images stay', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'quantscope-early-'));
  await writeImages(join(dir, 'n01440764'), 6, 11);
  await page.goto('/');
  // At once, before the demo's 200 images are drawn.
  await page.getByTestId('model-input').setInputFiles({ name: 'tiny1000.onnx', mimeType: 'application/octet-stream', buffer: tinyClassifier() });
  await page.getByTestId('folder-input').setInputFiles(dir);
  await expect(page.getByTestId('model-info')).toContainText('tiny1000.onnx');
  await expect(page.getByTestId('image-count')).toContainText('6 images, 6 with labels');
  await page.waitForTimeout(1000);
  await expect(page.getByTestId('image-count')).toContainText('6 images, 6 with labels');
});
