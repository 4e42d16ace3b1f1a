import { expect, test } from '@playwright/test';

import { collectPageErrors, openDemo, profileRuns, runAndWait, startMixedProfile } from './helpers';

test('analysis on the demo: graph, layer views, linked selection, sensitivity with an override, one image', async ({ page }, info) => {
  const errors = collectPageErrors(page);
  await openDemo(page);
  // Before a run the images are shown with their split; the grid draws only the rows in view.
  const grid = page.getByTestId('dataset-grid');
  await expect(grid).toHaveAttribute('data-count', '200');
  expect(Number(await grid.getAttribute('data-rendered-cells'))).toBeLessThan(80);
  await expect(grid.locator('img').first()).toBeVisible();
  expect(await grid.locator('[data-split=calibration]').count()).toBeGreaterThan(0);
  await page.getByTestId('calib-count').fill('40');
  await page.getByTestId('eval-count').fill('40');
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
  // (laid out in a task of its own, which may come after the charts now that Plotly is loaded before the run)
  await expect.poll(() => graph.locator('g.gnode.has-row').count()).toBeGreaterThan(40);
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

  // A long sensitivity (20 images: minutes) cancelled while it measures: it stops with the layers measured so
  // far (the engine used to take no message until its loop of model runs ended, so Cancel did nothing).
  await page.getByTestId('tab-sensitivity').click();
  await page.getByTestId('sensitivity-images').fill('20');
  await page.getByTestId('run-sensitivity').click();
  await expect(page.getByTestId('sensitivity-progress')).toContainText(/[1-9]\d* layers? done/, { timeout: 2 * 60_000 });
  await page.getByTestId('cancel-sensitivity').click();
  await expect(page.getByTestId('sensitivity-partial')).toContainText(/Cancelled: [1-9]\d* of \d+ layers measured, shown below/, { timeout: 5 * 60_000 });
  await expect(page.getByTestId('resume-sensitivity')).toContainText(/Measure the remaining \d+ layers/);
  await expect(page.getByTestId('run-sensitivity')).toBeEnabled();

  // Sensitivity of per-tensor on 2 images, then keep the suggested layers in FP32.
  await page.getByTestId('sensitivity-images').fill('2');
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
  // The table scrolls inside its panel: in a 1280 px window the page does not scroll sideways and the third
  // variant card is in view (the table's columns used to widen the results column past the window's edge).
  await page.setViewportSize({ width: 1280, height: 1000 });
  const sideways = await page.evaluate(() => {
    const d = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return d.scrollWidth - d.clientWidth;
  });
  expect(sideways).toBeLessThanOrEqual(0);
  const card = await page.getByTestId('variant-per-tensor+fix').boundingBox();
  expect(card!.x + card!.width).toBeLessThanOrEqual(1280);
  await page.screenshot({ path: info.outputPath('analysis-sensitivity-1280.png') });
  await page.setViewportSize({ width: 1400, height: 1000 });

  // One image: both top-5s and the layer chart.
  await page.getByTestId('tab-images').click();
  await page.getByTestId('image-list').locator('button').first().click();
  await expect(page.getByTestId('image-detail').locator('table.top5')).toHaveCount(2);
  await expect(page.getByTestId('image-layers')).toHaveAttribute('data-rendered', 'true');
  await page.screenshot({ path: info.outputPath('analysis-image.png'), fullPage: true });

  // The dataset view after the run: the images per-tensor changed, each with FP32 → int8; one opens in Images.
  await page.getByTestId('tab-dataset').click();
  await page.getByTestId('dataset-filter-changed').check();
  const changed = Number(await page.getByTestId('dataset-grid').getAttribute('data-count'));
  const report = await page.evaluate(() => {
    type R = { fp32: { predictions: number[] }; variants: { id: string; predictions: number[] }[] };
    const r = (globalThis as unknown as { quantscope: { store: { getState: () => { report: R } } } }).quantscope.store.getState().report;
    const v = r.variants.find((x) => x.id === 'per-tensor')!;
    return r.fp32.predictions.filter((p, k) => p !== v.predictions[k]).length;
  });
  expect(changed).toBe(report);
  if (changed > 0) {
    await expect(page.getByTestId('dataset-grid').locator('.dataset-cell.changed').first()).toBeVisible();
    await page.getByTestId('dataset-grid').locator('.dataset-cell.changed img').first().waitFor();
    await page.screenshot({ path: info.outputPath('dataset.png'), fullPage: true });
    await page.getByTestId('dataset-grid').locator('.dataset-cell.changed').first().click();
    await expect(page.getByTestId('image-detail')).toBeVisible();
  }
  expect(errors).toEqual([]);
});

test('calibration-size curve on the demo: every calibrator × size measured, CSV with its configuration', async ({ page }, info) => {
  const errors = collectPageErrors(page);
  await openDemo(page);
  await runAndWait(page);
  await page.getByTestId('tab-calibration').click();
  expect(decodeURIComponent(new URL(page.url()).hash)).toContain('tab=calibration');
  await page.getByTestId('curve-draws').fill('1');
  await page.getByTestId('curve-eval-images').fill('24');
  // MinMax only, to keep the test short (the unit tests cover several calibrators and draws).
  await page.getByTestId('curve-panel').getByLabel('Percentile').uncheck();
  await page.getByTestId('curve-panel').getByLabel('Entropy (KL)').uncheck();
  await page.getByTestId('curve-panel').getByLabel('MSE').uncheck();
  // Cancelled once its third point is in (the page's own Cancel button, clicked from inside the page as the
  // point arrives: a click from here could land after the curve's end), then continued.
  await page.evaluate(() => {
    type Store = { subscribe: (f: (s: { curve: { points: unknown[] } | null }) => void) => () => void };
    const store = (globalThis as unknown as { quantscope: { store: Store } }).quantscope.store;
    const stop = store.subscribe((s) => {
      if ((s.curve?.points.length ?? 0) < 3) return;
      stop();
      (globalThis as unknown as { document: { querySelector: (q: string) => { click: () => void } | null } }).document.querySelector('[data-testid=cancel-curve]')?.click();
    });
  });
  await page.getByTestId('run-curve').click();
  await expect(page.getByTestId('curve-progress')).toBeVisible();
  await expect(page.getByTestId('curve-partial')).toContainText(/Cancelled: [3-7] points measured/, { timeout: 5 * 60_000 });
  const kept = Number(/Cancelled: (\d+)/.exec(await page.getByTestId('curve-partial').innerText())![1]);
  await expect(page.getByTestId('resume-curve')).toBeEnabled();
  const added: number[] = [];
  page.on('console', (m) => {
    if (m.text().startsWith('curve point ')) added.push(Number(m.text().slice(12)));
  });
  await page.evaluate(() => {
    type Store = { subscribe: (f: (s: { curve: { points: unknown[] } | null }, p: { curve: { points: unknown[] } | null }) => void) => () => void };
    const store = (globalThis as unknown as { quantscope: { store: Store } }).quantscope.store;
    store.subscribe((s, p) => {
      if (s.curve && p.curve && s.curve.points.length > p.curve.points.length) console.log(`curve point ${s.curve.points.length}`);
    });
  });
  await page.getByTestId('resume-curve').click();
  await expect(page.getByTestId('run-curve')).toHaveText('Run again', { timeout: 5 * 60_000 });
  // Only the missing points were measured: the first new one was number kept + 1.
  expect(added[0]).toBe(kept + 1);
  expect(added.at(-1)).toBe(8);
  await expect(page.getByTestId('run-curve')).toHaveText('Run again');
  await expect(page.getByTestId('curve-chart')).toHaveAttribute('data-rendered', 'true');
  // 100 calibration images: sizes 1, 2, 4, …, 64, 100.
  const heads = await page.locator('table[data-testid=curve-table] thead th').allInnerTexts();
  expect(heads.slice(1)).toEqual(['1', '2', '4', '8', '16', '32', '64', '100']);
  const cells = await page.locator('table[data-testid=curve-table] td[data-size]').evaluateAll((tds) => tds.map((t) => Number(t.getAttribute('data-agreement'))));
  expect(cells.length).toBe(8);
  for (const v of cells) {
    expect(v).toBeGreaterThanOrEqual(0);
    expect(v).toBeLessThanOrEqual(1);
  }
  // With all 100 images MinMax keeps the demo (the main run agrees on 96%).
  expect(cells[7]).toBeGreaterThan(0.8);
  await expect(page.getByTestId('curve-outliers')).toBeVisible();
  // the engine split the range searches with its helper thread, which loaded and listens
  const helper = page.workers().find((w) => /range\.worker/.test(w.url()));
  expect(helper, 'the range-search helper thread started').toBeTruthy();
  expect(await helper!.evaluate(() => typeof (globalThis as { onmessage?: unknown }).onmessage)).toBe('function');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('curve-csv').click()]);
  const path = info.outputPath('curve.csv');
  await download.saveAs(path);
  const { readFileSync } = await import('node:fs');
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  expect(lines[0]).toMatch(/^# Quantscope calibration-size curve; variant per-tensor; seed 1; 1 draws; 24 evaluation images; config \{/);
  expect(lines[1]).toBe('calibrator,calibration_images,draw,agreement_top1,output_sqnr_db');
  // 7 partial sizes × 1 draw + the full set.
  expect(lines.length - 2).toBe(7 + 1);
  await page.screenshot({ path: info.outputPath('calibration-curve.png'), fullPage: true });

  // Granularity × bits, a small grid: W8 and W2, A8.
  await page.getByTestId('tab-bits').click();
  const panel = page.getByTestId('tradeoff-panel');
  for (const b of ['6', '5', '4', '3']) await panel.locator('fieldset', { hasText: 'Weight bits' }).getByLabel(b, { exact: true }).uncheck();
  for (const b of ['6', '4']) await panel.locator('fieldset', { hasText: 'Activation bits' }).getByLabel(b, { exact: true }).uncheck();
  await page.getByTestId('tradeoff-eval-images').fill('24');
  await expect(page.getByTestId('run-tradeoff')).toHaveText('Run 4 configurations');
  await page.getByTestId('run-tradeoff').click();
  await expect(page.getByTestId('run-tradeoff')).toHaveText('Run again', { timeout: 5 * 60_000 });
  const cellsT = await page.locator('table[data-testid=tradeoff-table] td[data-wbits]').evaluateAll((tds) =>
    tds.map((t) => ({ g: t.getAttribute('data-granularity'), w: Number(t.getAttribute('data-wbits')), agreement: Number(t.getAttribute('data-agreement')), packed: Number(t.getAttribute('data-packed')) })),
  );
  expect(cellsT.length).toBe(4);
  for (const g of ['per-tensor', 'per-channel']) {
    const [w8, w2] = [8, 2].map((w) => cellsT.find((c) => c.g === g && c.w === w)!);
    // Weights packed at 2 bits; biases, scales and the graph stay.
    expect(w2.packed).toBeLessThan(w8.packed * 0.75);
    expect(w8.agreement).toBeGreaterThan(0.8);
  }
  await expect(page.getByTestId('tradeoff-chart')).toHaveAttribute('data-rendered', 'true');
  await page.screenshot({ path: info.outputPath('bits-granularity.png'), fullPage: true });

  // Mixed precision cancelled while it profiles the layers, then run again: it continues from the layers
  // profiled (fewer model runs to go), and chooses.
  const first = await startMixedProfile(page, 2, 24);
  await page.getByTestId('cancel-mixed').click();
  await expect(page.getByTestId('mixed-partial')).toContainText(/^Cancelled while it profiled the layers\. The \d+ layers profiled so far are kept/);
  await page.getByTestId('resume-mixed').click();
  expect(await profileRuns(page)).toBeLessThan(first);
  await expect(page.getByTestId('mixed-result')).toBeVisible({ timeout: 5 * 60_000 });
  expect(errors).toEqual([]);
});
