import { expect, test } from '@playwright/test';

import { compareWithNode } from './compare-node';
import { collectPageErrors, openDemo, runAndWait, shownFraction } from './helpers';

test('the built-in demo loads on first start, quantizes, and its export runs the same in onnxruntime-node', async ({ page }, info) => {
  const errors = collectPageErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('model-info')).toContainText('ch_ppocr_mobile_v2.0_cls');
  // Normalisation did real work on this opset-9 PaddlePaddle export.
  await expect(page.getByTestId('model-info')).toContainText('opset 9 → 13');
  await expect(page.getByTestId('model-info')).toContainText('BatchNormalization folded');
  await expect(page.getByTestId('image-count')).toContainText('200 images, 200 with labels');

  await runAndWait(page);
  const fp32 = await shownFraction(page, 'fp32-top1');
  const agreeT = await shownFraction(page, 'per-tensor-agreement');
  const agreeC = await shownFraction(page, 'per-channel-agreement');
  console.log(`demo: FP32 top-1 ${fp32}, agreement per-tensor ${agreeT}, per-channel ${agreeC}`);
  expect(fp32).toBeGreaterThan(0.85); // a real classifier on real-looking text lines
  expect(agreeC).toBeGreaterThan(0.9);
  expect(agreeT).toBeGreaterThan(0.8);
  // The summary says where calibration spent its time, per image, and how many tensors it collected: those the
  // int8 models read, fewer than the model's float tensors; the classifier's Reshapes and Flatten are merged
  // from their inputs' statistics, not fetched.
  const summary = /Calibrated on \d+ images \(per image: model \d+\.\d ms, statistics \d+\.\d ms, reading \d+\.\d ms; statistics of the (\d+) of (\d+) tensors the int8 models read, (\d+) of them merged from their inputs' instead of fetched\)/;
  await expect(page.getByTestId('run-summary')).toContainText(summary);
  const [, collected, floatTensors, merged] = summary.exec(await page.getByTestId('run-summary').innerText())!.map(Number);
  expect(collected).toBeGreaterThan(40);
  expect(collected).toBeLessThan(floatTensors);
  expect(merged).toBe(3);
  // Every quantized activation has a row, and SQNR values are numbers in dB.
  const rows = page.getByTestId('layer-table').locator('tbody tr');
  expect(await rows.count()).toBeGreaterThan(40);
  await expect(rows.first().locator('[data-variant="per-channel"]')).toContainText('dB');
  // The int8 model is smaller than the FP32 one.
  const size = (id: string) => page.getByTestId(id).innerText();
  expect(await size('per-channel-size')).toMatch(/smaller/);

  // Sorting by per-tensor SQNR puts the worst layer first.
  await page.getByRole('columnheader', { name: /Per-tensor SQNR/ }).click();
  const firstTwo = await rows.locator('[data-variant="per-tensor"]').evaluateAll((els) => els.slice(0, 2).map((e) => parseFloat(e.textContent ?? '')));
  expect(firstTwo[0]).toBeLessThanOrEqual(firstTwo[1]);

  await page.screenshot({ path: info.outputPath('demo-results.png'), fullPage: true });

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-per-channel').click()]);
  expect(download.suggestedFilename()).toMatch(/\.int8\.per-channel\.onnx$/);
  const path = info.outputPath('demo.int8.onnx');
  await download.saveAs(path);
  // onnxruntime-node evaluating the QDQ graph as ONNX defines it (DequantizeLinear → float op → QuantizeLinear)
  // agrees with the browser's fused int8 kernels; measured here: same top-1 on 32/32, max |Δ| 0.035 (9 steps of
  // the uint8 softmax output). Node's own fused u8s8 kernels can differ more on x86 CPUs without VNNI, whose
  // AVX2 int8 dot product saturates at int16 (ORT's documented reduce_range caveat): that figure is printed.
  const agreement = await compareWithNode(page, path, 'per-channel', 32, { graphOptimizationLevel: 'basic' });
  const fused = await compareWithNode(page, path, 'per-channel', 32, { graphOptimizationLevel: 'all' });
  console.log(`demo export, onnxruntime-node vs onnxruntime-web on ${agreement.images} images: reference QDQ max |Δ| ${agreement.maxAbsDiff.toFixed(4)}, same top-1 ${agreement.top1Same}; node fused int8 kernels max |Δ| ${fused.maxAbsDiff.toFixed(4)}, same top-1 ${fused.top1Same}`);
  expect(agreement.images).toBe(32);
  expect(agreement.top1Same).toBe(32);
  expect(agreement.maxAbsDiff).toBeLessThan(0.05);
  expect(errors).toEqual([]);
});

test('a file that is not an ONNX model gets a clear error and the loaded model stays', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('model-info')).toContainText('ch_ppocr_mobile_v2.0_cls');
  await page.getByTestId('model-input').setInputFiles({ name: 'notes.onnx', mimeType: 'text/plain', buffer: Buffer.from('this is not a model\n'.repeat(50)) });
  await expect(page.getByTestId('model-error')).toContainText("'notes.onnx'");
  await expect(page.getByTestId('model-info')).toContainText('ch_ppocr_mobile_v2.0_cls');
});

test('a run can be cancelled, and the workbench is ready for the next one', async ({ page }) => {
  await openDemo(page);
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('progress')).toContainText(/Calibrating|Evaluating/);
  await page.getByTestId('cancel-button').click();
  // Cancelled while calibrating: nothing to show; while evaluating: the figures on the images evaluated so far.
  await expect(page.getByText('Cancelled.').or(page.getByTestId('partial-notice'))).toBeVisible();
  await expect(page.getByTestId('progress')).toHaveCount(0);
  await expect(page.getByTestId('run-button')).toBeEnabled();
  // A cancelled run is not an error.
  await expect(page.getByTestId('run-error')).toHaveCount(0);
});

test('the tensor the model receives is previewed per channel, follows the preset, and the preset is remembered for this model', async ({ page }) => {
  await openDemo(page);
  const ch = (i: number) => page.getByTestId(`tensor-channel-${i}`);
  // PP-OCR: RGB in [−1, 1].
  await expect(ch(0)).toHaveAttribute('data-source', 'R');
  expect(Number(await ch(0).getAttribute('data-min'))).toBeGreaterThanOrEqual(-1);
  expect(Number(await ch(0).getAttribute('data-max'))).toBeLessThanOrEqual(1);
  await expect(ch(0).locator('img')).toBeVisible();
  // Caffe: BGR minus means, no scaling: a channel spans tens of units.
  await page.getByTestId('preset-select').selectOption('caffe');
  await expect(ch(0)).toHaveAttribute('data-source', 'B');
  await expect.poll(async () => Number(await ch(2).getAttribute('data-max')) - Number(await ch(2).getAttribute('data-min'))).toBeGreaterThan(20);
  // Next visit, same model: the choice is back.
  await page.reload();
  await expect(page.getByTestId('image-count')).toContainText('200 images');
  await expect(page.getByTestId('preset-select')).toHaveValue('caffe');
  await expect(ch(0)).toHaveAttribute('data-source', 'B');
});
