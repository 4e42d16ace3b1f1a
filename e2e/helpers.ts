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
