import { expect } from '@playwright/test';
import type { Page } from '@playwright/test';

export const SHARED = process.env.QUANTSCOPE_SHARED ?? '../shared';

/** Reads a percentage shown on the page ("73.0%") as a fraction. */
export async function shownFraction(page: Page, testId: string): Promise<number> {
  const text = await page.getByTestId(testId).innerText();
  const m = /(-?[\d.]+)%/.exec(text);
  if (!m) throw new Error(`No percentage in '${text}' (${testId})`);
  return Number(m[1]) / 100;
}

/**
 * Opens the workbench with its built-in demo and waits for the demo's 200 images; with `counts`, sets how many
 * calibrate and how many are evaluated.
 */
export async function openDemo(page: Page, counts?: { calib: number; evaluate: number }): Promise<void> {
  await page.goto('/');
  await expect(page.getByTestId('image-count')).toContainText('200 images');
  if (!counts) return;
  await page.getByTestId('calib-count').fill(String(counts.calib));
  await page.getByTestId('eval-count').fill(String(counts.evaluate));
}

/** Waits until the page has saved everything it started saving (the workspace in IndexedDB). */
export function savesSettled(page: Page): Promise<void> {
  return page.evaluate(() => (globalThis as unknown as { quantscope: { savesSettled: () => Promise<void> } }).quantscope.savesSettled());
}

export async function runAndWait(page: Page): Promise<void> {
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('progress')).toBeVisible();
  await expect(page.getByTestId('results').or(page.getByTestId('run-error'))).toBeVisible({ timeout: 10 * 60_000 });
  await expect(page.getByTestId('run-error')).toHaveCount(0);
}

export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/** The mixed-precision progress while it profiles: model runs done and to do. */
const PROFILING = /Profiling layers (\d+) \/ (\d+)/;

/** How many model runs the mixed-precision profile in progress has to do in all (from its progress line). */
export async function profileRuns(page: Page): Promise<number> {
  await expect(page.getByTestId('mixed-progress')).toContainText(PROFILING, { timeout: 2 * 60_000 });
  return Number(PROFILING.exec(await page.getByTestId('mixed-progress').innerText())![2]);
}

/**
 * Starts mixed precision (on the bits tab's panel) with `profileImages` and `evalImages`, and waits until its
 * profile has made 40 model runs, a few layers; returns how many the profile has to make in all.
 */
export async function startMixedProfile(page: Page, profileImages: number, evalImages: number): Promise<number> {
  await page.getByTestId('mixed-profile-images').fill(String(profileImages));
  await page.getByTestId('mixed-eval-images').fill(String(evalImages));
  await page.getByTestId('run-mixed').click();
  await expect(page.getByTestId('mixed-progress')).toContainText(/Profiling layers ([4-9]\d|\d{3,}) \//, { timeout: 2 * 60_000 });
  return profileRuns(page);
}
