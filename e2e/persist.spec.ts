import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, test } from '@playwright/test';

import { writeImages } from '../test/images';
import { tinyClassifier } from '../test/tiny-model';
import { collectPageErrors, openDemo, profileRuns, runAndWait, savesSettled, shownFraction, startMixedProfile } from './helpers';

test('a reload in the middle of the analysis brings back the model, settings, results and the view', async ({ page }) => {
  const errors = collectPageErrors(page);
  await openDemo(page, { calib: 60, evaluate: 40 });
  await page.getByTestId('calibrator-select').selectOption('percentile');
  await runAndWait(page);
  const agreement = await shownFraction(page, 'per-tensor-agreement');
  const row = page.locator('table[data-testid=layer-table] tbody tr').nth(5);
  const layer = await row.getAttribute('data-layer');
  await row.click();
  await expect(page.getByTestId('layer-details')).toHaveAttribute('data-layer', layer!);
  await page.getByTestId('tab-calibration').click();
  // A setting edited after the run, not run yet.
  await page.getByTestId('calib-count').fill('30');

  await page.reload();
  await expect(page.getByTestId('restoring')).toBeVisible();
  await expect(page.getByTestId('analysis')).toBeVisible({ timeout: 5 * 60_000 });
  // The run made again with the settings it was made with, so the same numbers; the edit kept; the view from the address.
  await expect(page.getByTestId('run-summary')).toContainText('Calibrated on 60 images');
  await expect(page.getByTestId('calib-count')).toHaveValue('30');
  await expect(page.getByTestId('calibrator-select')).toHaveValue('percentile');
  expect(await shownFraction(page, 'per-tensor-agreement')).toBe(agreement);
  await expect(page.getByTestId('tab-calibration')).toHaveAttribute('aria-selected', 'true');
  await page.getByTestId('tab-layers').click();
  await expect(page.getByTestId('layer-details')).toHaveAttribute('data-layer', layer!);
  expect(errors).toEqual([]);
});

test('experiments survive a reload: a sensitivity cut short keeps its layers and continues from them; an applied fix is built again; a mixed-precision profile cut short continues', async ({ page }, info) => {
  test.setTimeout(10 * 60_000);
  const errors = collectPageErrors(page);
  const table = page.locator('table[data-testid=sensitivity-table] tbody tr');
  await openDemo(page, { calib: 40, evaluate: 40 });
  await runAndWait(page);
  await page.getByTestId('tab-sensitivity').click();
  await page.getByTestId('sensitivity-images').fill('3');
  await page.getByTestId('run-sensitivity').click();
  await expect(page.getByTestId('sensitivity-progress')).toContainText(/([2-9]|\d\d+) layers done/, { timeout: 3 * 60_000 });
  // Counted first, then the saves waited for: a layer on screen has had its save started (the page saves as
  // it shows), so at least these are kept; more may have come in between.
  const before = await table.count();
  expect(before).toBeGreaterThanOrEqual(2);
  await savesSettled(page);

  // Reloaded while it measures: the run is made again and the layers measured so far are back.
  await page.reload();
  await expect(page.getByTestId('analysis')).toBeVisible({ timeout: 5 * 60_000 });
  await expect(page.getByTestId('tab-sensitivity')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('sensitivity-partial')).toContainText(/Interrupted when the page reloaded or the engine restarted: \d+ of \d+ layers measured/);
  const restored = await table.count();
  expect(restored).toBeGreaterThanOrEqual(before);
  await expect(page.getByTestId('sensitivity-images')).toHaveValue('3');
  const total = Number(/of (\d+) layers/.exec(await page.getByTestId('sensitivity-partial').innerText())![1]);
  await expect(page.getByTestId('resume-sensitivity')).toHaveText(`Measure the remaining ${total - restored} layers`);
  await page.screenshot({ path: info.outputPath('sensitivity-after-reload.png') });

  // It continues from there (the counter starts at the restored layers), and is cancelled again. (Counted,
  // not matched to one number: the counter can pass several layers between two looks.)
  await page.getByTestId('resume-sensitivity').click();
  const layersDone = async () => Number(/(\d+) layers done/.exec((await page.getByTestId('sensitivity-progress').textContent({ timeout: 1000 }).catch(() => null)) ?? '')?.[1] ?? -1);
  await expect.poll(layersDone, { timeout: 3 * 60_000 }).toBeGreaterThanOrEqual(0);
  expect(await layersDone()).toBeGreaterThanOrEqual(restored);
  await expect.poll(layersDone, { timeout: 3 * 60_000 }).toBeGreaterThan(restored);
  await page.getByTestId('cancel-sensitivity').click();
  await expect(page.getByTestId('sensitivity-partial')).toContainText(/^Cancelled: \d+ of \d+ layers measured/, { timeout: 2 * 60_000 });
  const measured = await table.count();
  expect(measured).toBeGreaterThan(restored);

  // Two layers ticked and kept in FP32: a new card, which a reload builds again with the same numbers.
  for (const i of [0, 1]) await table.nth(i).locator('input[type=checkbox]').check();
  await page.getByTestId('apply-overrides').click();
  await expect(page.getByTestId('variant-per-tensor+fix')).toBeVisible({ timeout: 3 * 60_000 });
  const fixed = await shownFraction(page, 'per-tensor+fix-agreement');
  await savesSettled(page);
  await page.reload();
  await expect(page.getByTestId('variant-per-tensor+fix')).toBeVisible({ timeout: 5 * 60_000 });
  await expect(page.getByTestId('variant-per-tensor+fix')).toContainText('kept in FP32');
  expect(await shownFraction(page, 'per-tensor+fix-agreement')).toBe(fixed);
  expect(await table.count()).toBe(measured);
  await expect(page.getByTestId('sensitivity-partial')).toContainText(/^Cancelled: /);

  // Mixed precision reloaded while it profiles the layers: the layers profiled are kept and it continues from
  // them (fewer model runs to go than the first attempt had).
  await page.getByTestId('tab-bits').click();
  const first = await startMixedProfile(page, 2, 8);
  await savesSettled(page);
  await page.reload();
  await expect(page.getByTestId('analysis')).toBeVisible({ timeout: 5 * 60_000 });
  await expect(page.getByTestId('mixed-partial')).toContainText(/^Interrupted when the page reloaded or the engine restarted while it profiled the layers\. The \d+ layers profiled so far are kept/, { timeout: 5 * 60_000 });
  await expect(page.getByTestId('mixed-profile-images')).toHaveValue('2');
  await page.screenshot({ path: info.outputPath('mixed-after-reload.png') });
  await page.getByTestId('resume-mixed').click();
  const again = await profileRuns(page);
  expect(again).toBeLessThan(first);
  await expect(page.getByTestId('mixed-result')).toBeVisible({ timeout: 5 * 60_000 });
  expect(errors).toEqual([]);
});

test('a run cancelled while it evaluates keeps its figures on the images evaluated, and a reload brings back that same run', async ({ page }, info) => {
  const errors = collectPageErrors(page);
  await openDemo(page, { calib: 20, evaluate: 180 });
  // Every evaluated image also compares every layer: a slower evaluation, time to cancel it part way.
  await page.getByTestId('sqnr-samples').fill('180');
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('progress')).toContainText(/Evaluating FP32 and int8: ([5-9]|\d\d+) \/ 180/, { timeout: 2 * 60_000 });
  await page.getByTestId('cancel-button').click();
  await expect(page.getByTestId('partial-notice')).toContainText(/The evaluation was cancelled after \d+ of its 180 images/);
  const notice = await page.getByTestId('partial-notice').innerText();
  const evaluated = Number(/after (\d+) of/.exec(notice)![1]);
  expect(evaluated).toBeGreaterThanOrEqual(5);
  expect(evaluated).toBeLessThan(180);
  await expect(page.getByTestId('run-summary')).toContainText(`evaluated on ${evaluated} of 180 (cancelled there)`);
  const agreement = await shownFraction(page, 'per-tensor-agreement');
  // The analysis works on that run: the layer table is there.
  await expect(page.getByTestId('layer-table')).toBeVisible();
  await page.getByTestId('partial-notice').scrollIntoViewIfNeeded();
  await page.screenshot({ path: info.outputPath('partial-run.png') });
  await savesSettled(page);

  await page.reload();
  await expect(page.getByTestId('partial-notice')).toHaveText(notice, { timeout: 5 * 60_000 });
  expect(await shownFraction(page, 'per-tensor-agreement')).toBe(agreement);
  // Run again: all 180.
  await runAndWait(page);
  await expect(page.getByTestId('partial-notice')).toHaveCount(0);
  await expect(page.getByTestId('run-summary')).toContainText('evaluated on 180 ·');
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
  await openDemo(page, { calib: 40, evaluate: 40 });
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
