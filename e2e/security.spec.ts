import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, test } from '@playwright/test';

import { makeAttrInt, makeAttrInts, makeNode, makeTensor, serializeModel } from '../src/core/onnx/model';
import { writeImages } from '../test/images';
import { tinyModel } from '../test/tiny-model';
import { openDemo } from './helpers';

const EVIL = '<img src=x onerror=alert(1)>';

/** A small real image classifier whose node and tensor names are HTML. */
function evilModel(): Buffer {
  const w = Float32Array.from({ length: 4 * 3 * 3 * 3 }, (_, i) => Math.sin(i) * 0.5);
  const m = tinyModel(
    [
      makeNode('Conv', ['x', 'w', 'b'], [`${EVIL}_out`], EVIL, [makeAttrInts('kernel_shape', [3, 3]), makeAttrInts('pads', [1, 1, 1, 1])]),
      makeNode('Relu', [`${EVIL}_out`], ['r'], `<script>alert(2)</script>`),
      makeNode('GlobalAveragePool', ['r'], ['g'], 'gap'),
      makeNode('Flatten', ['g'], ['f'], 'flat', [makeAttrInt('axis', 1)]),
      makeNode('Softmax', ['f'], ['y'], 'softmax', [makeAttrInt('axis', -1)]),
    ],
    [makeTensor('w', [4, 3, 3, 3], w), makeTensor('b', [4], Float32Array.of(0.1, -0.1, 0.2, 0))],
    [['x', [-1, 3, 16, 16]]],
    [['y', [-1, 4]]],
  );
  m.producerName = `<b onmouseover=alert(3)>producer</b>`;
  return Buffer.from(serializeModel(m));
}

test('the built app is served with a strict Content-Security-Policy and cross-origin isolation; it fetches nothing off-origin', async ({ page }) => {
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  const res = await page.goto('/');
  // The demo loads (model, images drawn in the worker, onnxruntime's wasm) without leaving the origin.
  await expect(page.getByTestId('image-count')).toContainText('200 images');
  const origin = new URL(page.url()).origin;
  const offOrigin = requests.filter((u) => !u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:'));
  expect(offOrigin).toEqual([]);
  expect(res!.headers()['content-security-policy']).toMatch(/connect-src 'self' blob: data: https: http:\/\/localhost:\* http:\/\/127\.0\.0\.1:\*/);
  const hs = res!.headers();
  expect(hs['content-security-policy']).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(hs['content-security-policy']).not.toMatch(/script-src[^;]*'unsafe-eval'/);
  expect(hs['cross-origin-opener-policy']).toBe('same-origin');
  expect(hs['cross-origin-embedder-policy']).toBe('require-corp');
  expect(await page.evaluate(() => (globalThis as unknown as { crossOriginIsolated: boolean }).crossOriginIsolated)).toBe(true);
});

test('names from a model file are shown as text and never run as HTML or script', async ({ page }) => {
  const dialogs: string[] = [];
  page.on('dialog', async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });
  await openDemo(page);
  await page.getByTestId('model-input').setInputFiles({ name: `${EVIL}.onnx`, mimeType: 'application/octet-stream', buffer: evilModel() });
  await expect(page.getByTestId('model-info')).toContainText(`${EVIL}.onnx`);
  // The demo's text lines make way for the user's model; it gets images of its own.
  await expect(page.getByTestId('image-count')).toContainText('0 images');
  const dir = mkdtempSync(join(tmpdir(), 'quantscope-evil-'));
  await writeImages(dir, 24, 3);
  await page.getByTestId('folder-input').setInputFiles(dir);
  await expect(page.getByTestId('image-count')).toContainText('24 images');
  await page.getByTestId('preset-select').selectOption('ppocr-cls');
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('results').or(page.getByTestId('run-error'))).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('run-error')).toHaveCount(0);
  // The layer is listed by its literal name, and no element was created from it.
  await expect(page.getByTestId('layer-table')).toContainText(EVIL);
  await page.getByTestId('layer-table').getByText(EVIL).first().hover();
  expect(await page.locator('img[src="x"]').count()).toBe(0);

  // The analysis views: the layer selected by name, its charts drawn with the name as text, hovers included.
  await page.getByTestId('layer-table').getByText(EVIL).first().click();
  await expect(page.getByTestId('layer-details')).toHaveAttribute('data-layer', EVIL);
  await expect(page.getByTestId('layer-details').locator('h3')).toHaveText(EVIL);
  for (const id of ['weight-histogram', 'channel-ranges', 'sqnr-chart']) await expect(page.getByTestId(id)).toHaveAttribute('data-rendered', 'true');
  await expect(page.getByTestId('weight-histogram')).toContainText(`Weights of ${EVIL}`);
  // Hover the first bar of the per-layer chart (the evil conv): Plotly draws its hover label from our text.
  const bar = page.getByTestId('sqnr-chart').locator('g.point path').first();
  await bar.hover({ force: true });
  await expect(page.locator('g.hovertext').first()).toContainText(EVIL);
  await expect(page.getByTestId('graph').locator(`g.gnode[data-node="${EVIL}"] title`)).toContainText(EVIL);
  await page.getByTestId('tab-sensitivity').click();
  await page.getByTestId('sensitivity-images').fill('4');
  await page.getByTestId('run-sensitivity').click();
  await expect(page.getByTestId('sensitivity-table')).toContainText(EVIL, { timeout: 120_000 });
  expect(await page.locator('img[src="x"]').count()).toBe(0);
  expect(await page.locator('script:not([src])').count()).toBe(0);
  expect(dialogs).toEqual([]);
});
