/**
 * How the player looks and reflows, in Chromium: without JavaScript it is
 * still a player (native controls, transcript, downloads); it reflows at
 * 320 CSS px and with text at 200%; targets are 44x44 CSS px; the current
 * sentence is marked in forced colors too; follow-along scrolls only its own
 * box, instantly under reduced motion, and not at all when switched off.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCompanion, type TestCompanion } from '../helpers/app.js';
import { launchBrowser, openPage } from '../helpers/browser.js';
import { assertBuilt } from './built.js';
import { expectOneAnnouncement, NIGHT_RADIO, openPlayer, reach, state } from './player-states.js';

let companion: TestCompanion;
let browser: Browser;
let baseUrl: string;

beforeAll(async () => {
  assertBuilt();
  companion = await startCompanion(NIGHT_RADIO);
  baseUrl = await companion.app.listen({ host: '127.0.0.1', port: 0 });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await companion?.close();
});

const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

describe('without JavaScript', () => {
  test('the page offers native audio controls with tracks, the transcript, cards and working downloads', async () => {
    const { page, close } = await openPage(browser, `${baseUrl}/`, { javaScriptEnabled: false });
    const audio = await page.evaluate(() => {
      const a = document.querySelector('audio')!;
      return { controls: a.controls, sources: Array.from(a.querySelectorAll('source'), (s) => s.getAttribute('src')), tracks: a.querySelectorAll('track').length };
    });
    expect(audio).toEqual({ controls: true, sources: ['/api/episodes/the-tower/audio.mp3', '/api/episodes/the-tower/audio.wav'], tracks: 2 });
    expect(await page.locator('[data-controls]').isVisible()).toBe(false);
    expect(await page.locator('a[data-sentence]').count()).toBeGreaterThan(8);
    // Sentences are plain text without script: no link goes nowhere.
    expect(await page.locator('a[data-sentence][href]').count()).toBe(0);
    expect(await page.getByRole('region', { name: 'Transcript' }).innerText()).toContain('Elodie Marchal keeps a small radio in a tower by the sea.');
    // Each "Who is this?" link lands on a card of the page.
    const people = await page.locator('a[data-person]').evaluateAll((links) => links.map((a) => document.querySelector((a as HTMLAnchorElement).hash) !== null));
    expect(people.length).toBeGreaterThan(0);
    expect(people.every(Boolean)).toBe(true);
    const downloads = await page.locator('.downloads a').evaluateAll((links) => links.map((a) => ({ href: a.getAttribute('href'), download: a.getAttribute('download') })));
    expect(downloads.map((d) => d.download)).toEqual(['the-tower.mp3', 'the-tower.wav', 'the-tower-transcript.html', 'the-tower.vtt']);
    for (const { href } of downloads.slice(1)) {
      const response = await page.request.get(`${baseUrl}${href}`);
      expect(response.status(), href ?? '').toBe(200);
    }
    expect(await overflow(page)).toBe(0);
    await close();
  });
});

describe('reflow, text size and targets', () => {
  test('no horizontal scroll at 320 CSS px, nor with text at 200%', async () => {
    const narrow = await reach(browser, baseUrl, state('320 px wide'));
    expect(await overflow(narrow.page)).toBe(0);
    await narrow.page.locator('.settings summary').click();
    await narrow.page.locator('[data-module="help"] > button').click();
    expect(await overflow(narrow.page)).toBe(0);
    await narrow.close();

    const { page, close } = await openPlayer(browser, baseUrl);
    await page.evaluate(() => (document.documentElement.style.fontSize = '200%'));
    expect(await overflow(page)).toBe(0);
    // Nothing is cut off: every control shows all of its text.
    const clipped = await page.locator('button, select, label').evaluateAll((els) =>
      els.filter((el) => el.getClientRects().length > 0 && el.scrollWidth > el.clientWidth + 1).map((el) => el.textContent),
    );
    expect(clipped).toEqual([]);
    await close();
  });

  test('every control is at least 44 by 44 CSS px (sentences and links in running text excepted, as WCAG allows)', async () => {
    const { page, close } = await openPlayer(browser, baseUrl);
    await page.locator('.settings summary').click();
    const small = await page
      .locator('.player button, .player select, .player input, .player summary, .chapters a, .downloads a, .episodes a, .site-title a')
      .evaluateAll((els) =>
        els
          .filter((el) => el.getClientRects().length > 0)
          .map((el) => ({ el: el.outerHTML.slice(0, 80), box: el.getBoundingClientRect() }))
          .filter(({ box }) => box.width < 44 || box.height < 44)
          .map(({ el, box }) => `${el} ${box.width}x${box.height}`),
      );
    expect(small).toEqual([]);
    await close();
  });
});

describe('colour schemes', () => {
  test('dark scheme and forced colors keep the current sentence marked and focus visible', async () => {
    const dark = await reach(browser, baseUrl, state('dark scheme'));
    expect(await dark.page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(18, 18, 18)');
    await dark.close();

    const { page, close } = await reach(browser, baseUrl, state('forced colors emulated'));
    await page.waitForSelector('a.sentence[aria-current="true"]');
    const marker = await page.locator('a.sentence[aria-current="true"]').evaluate((a) => {
      const style = getComputedStyle(a);
      return { decoration: style.textDecorationLine, background: style.backgroundColor };
    });
    expect(marker.decoration).toBe('underline');
    expect(marker.background).not.toBe('rgba(0, 0, 0, 0)');
    const ring = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement!);
      return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
    });
    expect(ring.style).toBe('solid');
    expect(ring.width).toBeGreaterThanOrEqual(2);
    await close();
  });
});

describe('follow-along', () => {
  /** Records the transcript box's scroll requests. */
  const spyOnScrolls = (page: Page) =>
    page.evaluate(() => {
      const w = window as unknown as { __scrolls: string[] };
      w.__scrolls = [];
      const box = document.querySelector('[data-swap="transcript"]')!;
      const original = box.scrollTo.bind(box);
      box.scrollTo = ((options: ScrollToOptions) => {
        w.__scrolls.push(String(options.behavior));
        original(options);
      }) as typeof box.scrollTo;
    });
  const scrolls = (page: Page) => page.evaluate(() => (window as unknown as { __scrolls: string[] }).__scrolls);

  /** Plays, then jumps to the last chapter with the keyboard (focus stays in the player); returns the page's scroll before the jump. */
  async function playLastChapter(page: Page): Promise<number> {
    await page.locator('[data-module="play-button"]').focus();
    await expectOneAnnouncement(page, () => page.keyboard.press('Enter'), /^Playing: /);
    await page.locator('a[data-chapter="2"]').focus();
    const pageScroll = await page.evaluate(() => scrollY);
    await expectOneAnnouncement(page, () => page.keyboard.press('Enter'), 'Chapter 3: The storm');
    await page.waitForFunction(() => document.querySelector('[data-chapter="2"]') !== null && document.querySelector('a.sentence[aria-current="true"]')?.getAttribute('data-sentence')?.startsWith('c3') === true);
    await page.waitForTimeout(300);
    return pageScroll;
  }

  test('scrolls its own box to the spoken sentence (not the page), instantly under reduced motion', async () => {
    for (const reducedMotion of ['no-preference', 'reduce'] as const) {
      const { page, close } = await openPlayer(browser, baseUrl, '/', { viewport: { width: 800, height: 420 }, reducedMotion });
      await spyOnScrolls(page);
      const pageScroll = await playLastChapter(page);
      expect(await scrolls(page), reducedMotion).toContain(reducedMotion === 'reduce' ? 'instant' : 'smooth');
      await page.waitForFunction(() => document.querySelector('[data-swap="transcript"]')!.scrollTop > 0);
      // The page itself stayed put, so the focused control is still in view.
      expect(await page.evaluate(() => scrollY)).toBe(pageScroll);
      await close();
    }
  });

  test('switched off, it never scrolls', async () => {
    const { page, close } = await openPlayer(browser, baseUrl, '/', { viewport: { width: 800, height: 420 } });
    await page.locator('.settings summary').click();
    await page.locator('#follow').uncheck();
    await spyOnScrolls(page);
    await playLastChapter(page);
    expect(await scrolls(page)).toEqual([]);
    expect(await page.evaluate(() => document.querySelector('[data-swap="transcript"]')!.scrollTop)).toBe(0);
    // The spoken sentence is still marked.
    expect(await page.locator('a.sentence[aria-current="true"]').count()).toBe(1);
    await close();
  });
});
