/**
 * Headless Chromium from Debian's package, driven by playwright-core (no browser download).
 * A missing browser is a failure with the fix in the message, never a skipped test.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.ASTBILL_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots of every page land here (gitignored; the README names it). */
export const SCREENSHOTS = join('test-output', 'screenshots');

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `the console tests need Chromium at ${CHROMIUM}: run 'apt-get install -y chromium' (or set ASTBILL_CHROMIUM)`,
    );
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Logs in through the console's form and waits for the dashboard. */
export async function logIn(page: Page, base: string, name: string, password: string) {
  await page.goto(`${base}/console/#/dashboard`);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
}
