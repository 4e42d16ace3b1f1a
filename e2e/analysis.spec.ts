import { expect, test } from '@playwright/test';

import { collectPageErrors, runAndWait } from './helpers';

test('analysis on the demo: graph, layer views, linked selection, sensitivity with an override, one image', async ({ page }, info) => {
  const errors = collectPageErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('image-count')).toContainText('200 images');
  await runAndWait(page);
  const analysis = page.getByTestId('analysis');
  await expect(analysis).toBeVisible();

  // The worst layer is selected at once, its charts drawn, the URL names it.
  const details = page.getByTestId('layer-details');
  await expect(details).toBeVisible();
  const first = await details.getAttribute('data-layer');
  expect(first).toBeTruthy();
  expect(decodeURIComponent(new URL(page.url()).hash)).toContain(`layer=${first}`);
  await expect(page.getByTestId('activation-histogram')).toHaveAttribute('data-rendered', 'true');
  await expect(page.getByTestId('sqnr-chart')).toHaveAttribute('data-rendered', 'true');
  await expect(page.getByTestId('calibrator-table')).toContainText('MinMax (used)');

  // The graph: one box per node; clicking a conv selects it in the table and the details, with its weights.
  const graph = page.getByTestId('graph');
  expect(await graph.locator('g.gnode.has-row').count()).toBeGreaterThan(40);
  // A conv inside the part of the graph in view (the rest is reached by panning).
  const view = (await graph.boundingBox())!;
  const convNodes = graph.locator('g.gnode.has-row[data-op=Conv]');
  let target = convNodes.first();
  for (let i = 0; i < (await convNodes.count()); i++) {
    const b = await convNodes.nth(i).boundingBox();
    if (b && b.y > view.y && b.y + b.height < view.y + view.height && (await convNodes.nth(i).getAttribute('class'))!.indexOf('selected') < 0) {
      target = convNodes.nth(i);
      break;
    }
  }
  const node = await target.getAttribute('data-node');
  await target.click({ timeout: 10_000 });
  await expect(details).toHaveAttribute('data-layer', node!);
  await expect(page.getByTestId('weight-histogram')).toHaveAttribute('data-rendered', 'true');
  await expect(page.getByTestId('channel-ranges')).toHaveAttribute('data-rendered', 'true');
  await expect(page.getByTestId('weight-spread')).toContainText('×');
  await expect(page.locator(`table[data-testid=layer-table] tr.selected`)).toHaveAttribute('data-layer', node!);
  expect(decodeURIComponent(new URL(page.url()).hash)).toContain(`layer=${node}`);
  // ... and a row of the table selects its node in the graph.
  const row = page.locator('table[data-testid=layer-table] tbody tr').nth(10);
  const rowLayer = await row.getAttribute('data-layer');
  await row.click();
  await expect(graph.locator('g.gnode.selected')).toHaveAttribute('data-node', rowLayer!);
  await page.screenshot({ path: info.outputPath('analysis-layers.png'), fullPage: true });

  // Sensitivity of per-tensor on 8 images, then keep the suggested layers in FP32.
  await page.getByTestId('tab-sensitivity').click();
  await page.getByTestId('sensitivity-images').fill('8');
  await page.getByTestId('run-sensitivity').click();
  await expect(page.getByTestId('sensitivity-progress')).toBeVisible();
  await expect(page.getByTestId('sensitivity-table')).toBeVisible({ timeout: 5 * 60_000 });
  await expect(page.getByTestId('run-sensitivity')).toBeEnabled({ timeout: 5 * 60_000 });
  const rows = page.locator('table[data-testid=sensitivity-table] tbody tr');
  expect(await rows.count()).toBeGreaterThan(40);
  const gains = await rows.locator('td[data-gain]').evaluateAll((tds) => tds.map((t) => Number(t.getAttribute('data-gain'))));
  for (let i = 1; i < gains.length; i++) if (Number.isFinite(gains[i]) && Number.isFinite(gains[i - 1])) expect(gains[i]).toBeLessThanOrEqual(gains[i - 1]);
  await page.screenshot({ path: info.outputPath('analysis-sensitivity.png'), fullPage: true });
  await page.getByTestId('apply-overrides').click();
  await expect(page.getByTestId('variant-per-tensor+fix')).toBeVisible({ timeout: 5 * 60_000 });
  await expect(page.getByTestId('variant-per-tensor+fix')).toContainText('kept in FP32');

  // One image: both top-5s and the layer chart.
  await page.getByTestId('tab-images').click();
  await page.getByTestId('image-list').locator('button').first().click();
  await expect(page.getByTestId('image-detail').locator('table.top5')).toHaveCount(2);
  await expect(page.getByTestId('image-layers')).toHaveAttribute('data-rendered', 'true');
  await page.screenshot({ path: info.outputPath('analysis-image.png'), fullPage: true });
  expect(errors).toEqual([]);
});
