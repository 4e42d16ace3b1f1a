import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { expect, test } from '@playwright/test';
import sharp from 'sharp';

import { makeAttrInt, makeNode, makeTensor, serializeModel } from '../src/core/onnx/model';
import { OCR_MODELS } from '../test/shared-data';
import { tinyModel } from '../test/tiny-model';
import { collectPageErrors, runAndWait } from './helpers';

function classifier(inputDims = [1, 3, 32, 32], op = 'Relu', domain = '') {
  const m = tinyModel(
    [
      makeNode('Conv', ['x', 'w'], ['c'], 'conv'),
      makeNode(op, ['c'], ['r'], 'act'),
      makeNode('GlobalAveragePool', ['r'], ['g'], 'gap'),
      makeNode('Flatten', ['g'], ['y'], 'flat', [makeAttrInt('axis', 1)]),
    ],
    [makeTensor('w', [10, 3, 1, 1], Float32Array.from({ length: 30 }, (_, i) => Math.sin(i)))],
    [['x', inputDims]],
    [['y', [1, 10]]],
  );
  m.graph!.node[1].domain = domain;
  if (domain) m.opsetImport.push({ $typeName: 'onnx.OperatorSetIdProto', domain, version: 1n } as never);
  return m;
}

test('a corpus of broken models and images: every one refused with a sentence naming it, no uncaught error, the page stays usable', async ({ page }) => {
  const errors = collectPageErrors(page);
  await page.goto('/?demo=0');
  const ocr = readFileSync(join(OCR_MODELS, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'));
  const missing = classifier();
  missing.graph!.initializer = [];
  const cyclic = classifier();
  cyclic.graph!.node[0].input[0] = 'r';
  const flipped = Buffer.from(ocr);
  for (let i = 0; i < 12; i++) flipped[(i * 7919 + 13) % 400] ^= 0x5a;
  const models: [string, Buffer, RegExp][] = [
    ['empty.onnx', Buffer.alloc(0), /empty \(0 bytes\)/],
    ['readme.onnx', Buffer.from('# not a model\n'.repeat(40)), /not a readable ONNX model|holds no graph/],
    ['half.onnx', ocr.subarray(0, ocr.length >> 1), /not a readable ONNX model|could not be prepared|reads/],
    ['header-flipped.onnx', flipped, /half\.onnx|header-flipped\.onnx/],
    ['missing-weights.onnx', Buffer.from(serializeModel(missing)), /reads 'w', which no node, initializer or input provides/],
    ['cycle.onnx', Buffer.from(serializeModel(cyclic)), /cycle/],
    ['huge-input.onnx', Buffer.from(serializeModel(classifier([1, 3, 65536, 65536]))), /larger than 8192 pixels/],
    ['photo.onnx', await sharp({ create: { width: 8, height: 8, channels: 3, background: '#f00' } }).png().toBuffer(), /is an image, not an ONNX model/],
  ];
  let tried = 0;
  for (const [name, buffer, reason] of models) {
    await page.getByTestId('model-input').setInputFiles({ name, mimeType: 'application/octet-stream', buffer });
    const err = page.getByTestId('model-error');
    await expect(err).toContainText(`'${name}'`);
    const text = await err.innerText();
    if (name !== 'header-flipped.onnx') expect(text).toMatch(reason);
    tried++;
  }

  // A model with an op no browser runtime has: refused at once, naming the op and its domain.
  await page.getByTestId('model-input').setInputFiles({ name: 'custom-op.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from(serializeModel(classifier([1, 3, 32, 32], 'FancyAct', 'com.example'))) });
  await expect(page.getByTestId('model-error')).toContainText("'custom-op.onnx' uses the op 'FancyAct' of the domain 'com.example'");
  tried++;
  // A good model after all of them.
  await page.getByTestId('model-input').setInputFiles({ name: 'good.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from(serializeModel(classifier())) });
  await expect(page.getByTestId('model-info')).toContainText('good.onnx');

  // Images: good ones in unusual formats load, broken ones are listed with their reason.
  const px = (channels: 3 | 4) => sharp({ create: { width: 40, height: 30, channels, background: '#3366cc' } });
  const images = [
    { name: 'grey.png', mimeType: 'image/png', buffer: await px(3).greyscale().png().toBuffer() },
    { name: 'alpha.png', mimeType: 'image/png', buffer: await px(4).png().toBuffer() },
    { name: 'cmyk.jpg', mimeType: 'image/jpeg', buffer: await px(3).toColourspace('cmyk').jpeg().toBuffer() },
    { name: 'ok.jpg', mimeType: 'image/jpeg', buffer: await px(3).jpeg().toBuffer() },
    { name: 'corrupt.jpg', mimeType: 'image/jpeg', buffer: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0, 1, 2, 3]) },
    { name: 'cut.png', mimeType: 'image/png', buffer: (await px(3).png().toBuffer()).subarray(0, 40) },
    { name: 'zero.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(0) },
    { name: 'model.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') },
  ];
  await page.getByTestId('files-input').setInputFiles(images);
  tried += images.length;
  await expect(page.getByTestId('image-count')).toContainText('4 images');
  await page.getByTestId('broken-files').locator('summary').click();
  const broken = page.getByTestId('broken-files');
  await expect(broken).toContainText('corrupt.jpg: the image is corrupt');
  await expect(broken).toContainText('cut.png: the image is corrupt');
  await expect(broken).toContainText('zero.jpg: the file is empty');
  await expect(broken).toContainText('model.txt: not an image');

  await page.getByTestId('calib-count').fill('2');
  await runAndWait(page);
  console.log(`malformed inputs tried in the browser: ${tried} (${models.length + 1} models, ${images.length} images), uncaught page errors: ${errors.length}`);

  // Still usable: the demo loads and runs.
  await page.getByTestId('demo-button').click();
  await expect(page.getByTestId('image-count')).toContainText('200 images');
  await page.getByTestId('calib-count').fill('20');
  await page.getByTestId('eval-count').fill('20');
  await runAndWait(page);
  expect(errors).toEqual([]);
});
