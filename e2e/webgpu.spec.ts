import { expect, test } from '@playwright/test';

// @ts-expect-error: plain .mjs helper shared with the npm scripts
import { CHROMIUM_ARGS, findChromium } from '../scripts/chromium.mjs';
import { collectPageErrors, openDemo, runAndWait } from './helpers';

// Headless Chromium offers a software WebGPU adapter with this flag: right for checking numbers, not for speed.
test.use({ launchOptions: { executablePath: findChromium() ?? undefined, args: [...CHROMIUM_ARGS, '--enable-unsafe-webgpu'] } });

test('WebGPU times next to FP32 on the demo, each output checked against WASM', async ({ page }, info) => {
  const errors = collectPageErrors(page);
  await openDemo(page, { calib: 20, evaluate: 20 });
  await runAndWait(page);
  await page.getByTestId('tab-bits').click();
  const panel = page.getByTestId('tradeoff-panel');
  for (const b of ['6', '5', '4', '3', '2']) await panel.locator('fieldset', { hasText: 'Weight bits' }).getByLabel(b, { exact: true }).uncheck();
  for (const b of ['6', '4']) await panel.locator('fieldset', { hasText: 'Activation bits' }).getByLabel(b, { exact: true }).uncheck();
  await page.getByTestId('tradeoff-eval-images').fill('4');
  await page.getByTestId('run-tradeoff').click();
  await expect(page.getByTestId('run-tradeoff')).toHaveText('Run again', { timeout: 5 * 60_000 });
  await expect(page.getByTestId('tradeoff-latency')).toContainText('FP32');
  await page.getByTestId('run-gpu-latency').click();
  const line = page.getByTestId('gpu-latency');
  await expect(line).toHaveAttribute('data-status', /done|error/, { timeout: 5 * 60_000 });
  const text = await line.innerText();
  console.log(`WASM: ${await page.getByTestId('tradeoff-latency').innerText()}\nWebGPU: ${text}`);
  expect(await line.getAttribute('data-status')).toBe('done');
  expect(Number(await page.getByTestId('gpu-latency-result').getAttribute('data-fp32-ms'))).toBeGreaterThan(0);
  expect(text).toMatch(/per-tensor W8A8 [\d.]+ ms \([\d.]+× FP32\); per-channel W8A8 [\d.]+ ms/);
  // FP32 on WebGPU computes what WASM computes, to float rounding (the classifier's two softmax outputs).
  const fp32Diff = Number(/FP32 ([\d.e+-]+)[,.]/.exec(text.split('Largest difference')[1])![1]);
  expect(fp32Diff).toBeLessThan(1e-3);
  await page.screenshot({ path: info.outputPath('webgpu.png'), fullPage: true });
  expect(errors).toEqual([]);
});
