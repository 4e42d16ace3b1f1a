import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, test } from '@playwright/test';

import { writeImages } from '../test/images';
import { tinyClassifier } from '../test/tiny-model';
import { collectPageErrors, runAndWait, shownFraction } from './helpers';

test('a reload in the middle of the analysis brings back the model, settings, results and the view', async ({ page }) => {
  const errors = collectPageErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('image-count')).toContainText('200 images');
  await page.getByTestId('calib-count').fill('60');
  await page.getByTestId('eval-count').fill('40');
  await page.getByTestId('calibrator-select').selectOption('percentile');
  await runAndWait(page);
  const agreement = await shownFraction(page, 'per-tensor-agreement');
  const row = page.locator('table[data-testid=layer-table] tbody tr').nth(5);
  const layer = await row.getAttribute('data-layer');
  await row.click();
  await expect(page.getByTestId('layer-details')).toHaveAttribute('data-layer', layer!);
  await page.getByTestId('tab-calibration').click();

  await page.reload();
  await expect(page.getByTestId('restoring')).toBeVisible();
  await expect(page.getByTestId('analysis')).toBeVisible({ timeout: 5 * 60_000 });
  // The same settings, so the same numbers; the view from the address.
  await expect(page.getByTestId('calib-count')).toHaveValue('60');
  await expect(page.getByTestId('calibrator-select')).toHaveValue('percentile');
  expect(await shownFraction(page, 'per-tensor-agreement')).toBe(agreement);
  await expect(page.getByTestId('tab-calibration')).toHaveAttribute('aria-selected', 'true');
  await page.getByTestId('tab-layers').click();
  await expect(page.getByTestId('layer-details')).toHaveAttribute('data-layer', layer!);
  expect(errors).toEqual([]);
});

test('an engine crash is survived: the user is told which step failed, the workspace comes back, work goes on', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'quantscope-crash-'));
  await writeImages(join(dir, 'n01440764'), 6, 7);
  await page.goto('/?demo=0');
  await page.getByTestId('model-input').setInputFiles({ name: 'tiny1000.onnx', mimeType: 'application/octet-stream', buffer: tinyClassifier() });
  await expect(page.getByTestId('model-info')).toContainText('1000 classes');
  await page.getByTestId('folder-input').setInputFiles(dir);
  await expect(page.getByTestId('image-count')).toContainText('6 images, 6 with labels');
  await page.getByTestId('calib-count').fill('3');
  await runAndWait(page);

  await page.evaluate(() => (globalThis as unknown as { quantscope: { crashEngineForTest: () => void } }).quantscope.crashEngineForTest());
  await expect(page.getByTestId('engine-notice')).toContainText('The engine stopped');
  await expect(page.getByTestId('engine-notice')).toContainText('forced crash for a test');
  // The model and the images (kept in IndexedDB) are back in a new worker, and the run was made again.
  await expect(page.getByTestId('analysis')).toBeVisible({ timeout: 2 * 60_000 });
  await expect(page.getByTestId('model-info')).toContainText('tiny1000.onnx');
  await expect(page.getByTestId('image-count')).toContainText('6 images, 6 with labels');
  await expect(page.getByTestId('calib-count')).toHaveValue('3');
  // And the new engine works.
  await runAndWait(page);
  await expect(page.getByTestId('per-channel-agreement')).toContainText('%');
});

test('results export as one file and import again on a fresh page, with the view they were saved with', async ({ page, browser }, info) => {
  await page.goto('/');
  await expect(page.getByTestId('image-count')).toContainText('200 images');
  await page.getByTestId('calib-count').fill('40');
  await page.getByTestId('eval-count').fill('40');
  await runAndWait(page);
  const agreement = await shownFraction(page, 'per-channel-agreement');
  const rows = await page.locator('table[data-testid=layer-table] tbody tr').count();
  await page.getByTestId('tab-sensitivity').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-results').click()]);
  const path = info.outputPath('results.json');
  await download.saveAs(path);

  // Another browser profile: nothing of the run exists there.
  const other = await browser.newContext();
  const fresh = await other.newPage();
  await fresh.goto('/?demo=0');
  await fresh.getByTestId('import-results-input').setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"format":"something else"}') });
  await expect(fresh.getByTestId('import-error')).toContainText("'broken.json' is JSON but not a Quantscope results file");
  await fresh.getByTestId('import-results-input').setInputFiles(path);
  await expect(fresh.getByTestId('imported-notice')).toContainText('ch_ppocr_mobile_v2.0_cls');
  expect(await shownFraction(fresh, 'per-channel-agreement')).toBe(agreement);
  expect(await fresh.locator('table[data-testid=layer-table] tbody tr').count()).toBe(rows);
  await expect(fresh.getByTestId('tab-sensitivity')).toHaveAttribute('aria-selected', 'true');
  await other.close();
});
