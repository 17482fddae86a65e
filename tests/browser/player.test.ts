import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCompanion, type TestCompanion } from '../helpers/app.js';
import { axeViolations, describeViolations, launchBrowser } from '../helpers/browser.js';
import { CONTENT_DIR, ROOT } from '../helpers/paths.js';

let companion: TestCompanion;
let browser: Browser;
let baseUrl: string;

beforeAll(async () => {
  if (!existsSync(path.join(ROOT, 'dist', 'web', 'main.js'))) {
    throw new Error('The player scripts are not built: run `npm run build` first (npm test does).');
  }
  companion = await startCompanion(CONTENT_DIR);
  // Browser tests talk to a real port, like a listener's browser does.
  baseUrl = await companion.app.listen({ host: '127.0.0.1', port: 0 });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await companion?.close();
});

async function openPlayer(): Promise<Page> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${baseUrl}/`);
  expect(errors).toEqual([]);
  return page;
}

describe('the player page in Chromium', () => {
  test('axe-core finds no violations (WCAG 2.2 AA and best practice)', async () => {
    const page = await openPlayer();
    const violations = await axeViolations(page);
    expect(violations, describeViolations(violations)).toEqual([]);
    await page.close();
  });

  test('the player is a labelled region with a heading, and the transcript is there as text', async () => {
    const page = await openPlayer();
    const region = page.getByRole('region', { name: /^Player: / });
    await expect(region.count()).resolves.toBe(1);
    await expect(region.getByRole('heading', { level: 2 }).count()).resolves.toBe(1);
    const transcript = page.getByRole('region', { name: 'Transcript' });
    expect(await transcript.getByRole('heading', { level: 3 }).count()).toBeGreaterThan(0);
    expect((await transcript.innerText()).length).toBeGreaterThan(200);
    await page.close();
  });

  test('Tab reaches the audio control and the keyboard starts playback', async () => {
    const page = await openPlayer();
    let focused = '';
    for (let presses = 0; presses < 15 && focused !== 'AUDIO'; presses++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.tagName ?? '');
    }
    expect(focused).toBe('AUDIO');
    // The native control plays on Space when it has focus; wait until the audio can play first.
    await page.waitForFunction(() => (document.querySelector('audio')?.readyState ?? 0) >= 1, undefined, { timeout: 30_000 });
    await page.keyboard.press('Space');
    await page.waitForFunction(() => (document.querySelector('audio')?.currentTime ?? 0) > 0.5, undefined, { timeout: 15_000 });
    const state = await page.evaluate(() => ({ paused: document.querySelector('audio')!.paused, time: document.querySelector('audio')!.currentTime }));
    expect(state.paused).toBe(false);
    expect(state.time).toBeGreaterThan(0.5);
    await page.close();
  });
});
