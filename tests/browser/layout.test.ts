/**
 * How the player looks and reflows, in Chromium: without JavaScript it is
 * still a player (native controls, transcript, downloads); it reflows at
 * 320 CSS px and with text at 200%; targets are 44x44 CSS px; the current
 * sentence is marked in forced colors too, and the sliders' tracks show in
 * every scheme; follow-along scrolls only its own box, instantly under reduced
 * motion, and when switched off nothing the listener sees moves.
 */
import type { Page } from 'playwright-core';
import { describe, expect } from 'vitest';
import { startCompanion } from '../helpers/app.js';
import { browserTest as test, openPage } from '../helpers/browser.js';
import { CONTENT_DIR } from '../helpers/paths.js';
import { audioState, expectOneAnnouncement, openPlayer, pageTasksDone, reach, state, tabTo } from './player-states.js';


const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/**
 * The share of an element's pixel columns that hold something other than the
 * background (its top-left pixel), from a real screenshot decoded in the page:
 * a slider whose track is drawn marks nearly every column, a lone thumb a few.
 */
async function drawnColumns(page: Page, selector: string): Promise<number> {
  const png = await page.locator(selector).screenshot();
  return page.evaluate(async (base64) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const context = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d')!;
    context.drawImage(bitmap, 0, 0);
    const { data, width, height } = context.getImageData(0, 0, bitmap.width, bitmap.height);
    const luminance = (i: number) => 0.2126 * (data[i] ?? 0) + 0.7152 * (data[i + 1] ?? 0) + 0.0722 * (data[i + 2] ?? 0);
    const background = luminance(0);
    let drawn = 0;
    for (let x = 0; x < width; x++) {
      for (let y = 0; y < height; y++) {
        if (Math.abs(luminance((y * width + x) * 4) - background) > 100) {
          drawn++;
          break;
        }
      }
    }
    return drawn / width;
  }, png.toString('base64'));
}

describe('without JavaScript', () => {
  test('the page offers native audio controls with tracks, the transcript, cards and working downloads', async ({ browser, baseUrl }) => {
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
    expect(downloads.map((d) => d.download)).toEqual(['the-tower.mp3', 'the-tower.wav', 'the-tower-transcript.html', 'the-tower.vtt', 'talking-book.epub']);
    // The book renders every episode first: tests/integration/book.test.ts fetches it.
    for (const { href } of downloads.slice(1).filter((d) => d.href !== '/book.epub')) {
      const response = await page.request.get(`${baseUrl}${href}`);
      expect(response.status(), href ?? '').toBe(200);
    }
    expect(await overflow(page)).toBe(0);
    await close();
  });
});

describe('people in the real content', () => {
  test('every person a transcript paragraph names (even by surname alone) has a "Who is this?" link to their card', async ({ browser }) => {
    // The project's own pack, pages only: nothing is rendered to audio here.
    const real = await startCompanion(CONTENT_DIR);
    const { page, close } = await openPage(browser, 'about:blank', { javaScriptEnabled: false });
    try {
      const list = ((await real.app.inject({ url: '/api/episodes' })).json() as { episodes: { id: string; links: { page: string } }[] }).episodes;
      expect(list.length).toBeGreaterThan(0);
      let mentions = 0;
      for (const episode of list) {
        await page.setContent((await real.app.inject({ url: episode.links.page })).body);
        const found = await page.evaluate(() => {
          const cards = Array.from(document.querySelectorAll('#cast > .card'), (card) => ({ id: card.id.replace(/^person-/, ''), name: card.querySelector('h3')?.textContent ?? '' }));
          const missing: string[] = [];
          let named = 0;
          for (const paragraph of document.querySelectorAll('[data-swap="transcript"] p:not(.who)')) {
            if (paragraph.querySelector('a[data-sentence]') === null) continue;
            const text = paragraph.textContent ?? '';
            const who = paragraph.nextElementSibling?.matches('.who') === true ? paragraph.nextElementSibling : null;
            for (const { id, name } of cards) {
              if (!text.includes(name.split(' ').at(-1) ?? name)) continue;
              named++;
              if (!who?.querySelector(`a[data-person="${id}"]`)) missing.push(`${name}: ${text.slice(0, 80)}`);
            }
          }
          // And every such link has its card on the page.
          const dangling = Array.from(document.querySelectorAll('a[data-person]'), (a) => a.getAttribute('href') ?? '').filter((href) => document.querySelector(href) === null);
          return { named, missing, dangling };
        });
        mentions += found.named;
        expect(found.missing, episode.id).toEqual([]);
        expect(found.dangling, episode.id).toEqual([]);
      }
      expect(mentions).toBeGreaterThan(0);
    } finally {
      await close();
      await real.close();
    }
  });
});

describe('reflow, text size and targets', () => {
  test('no horizontal scroll at 320 CSS px, nor with text at 200%', async ({ browser, baseUrl }) => {
    const narrow = await reach(browser, baseUrl, state('320 px wide'));
    expect(await overflow(narrow.page)).toBe(0);
    // The position slider takes a line of its own rather than shrinking to a stub beside its label and clock.
    const widths = await narrow.page.evaluate(() => ({
      slider: document.querySelector('#seek')!.getBoundingClientRect().width,
      row: document.querySelector('.seek')!.getBoundingClientRect().width,
    }));
    expect(widths.slider).toBeGreaterThanOrEqual(widths.row * 0.95);
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

  test('every control is at least 44 by 44 CSS px (sentences and links in running text excepted, as WCAG allows)', async ({ browser, baseUrl }) => {
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
  test.for(['initial', 'dark scheme', 'forced colors emulated'])('%s: both sliders show their whole track, not just a thumb', async (name, { browser, baseUrl }) => {
    const { page, close } = await reach(browser, baseUrl, state(name));
    // Focus rings would draw on every column too: take it off the sliders' way.
    await page.locator('[data-module="play-button"]').focus();
    for (const slider of ['#seek', '#volume']) expect(await drawnColumns(page, slider), slider).toBeGreaterThan(0.9);
    await close();
  });

  test('dark scheme and forced colors keep the current sentence marked and focus visible', async ({ browser, baseUrl }) => {
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
    await pageTasksDone(page);
    return pageScroll;
  }

  test('scrolls its own box to the spoken sentence (not the page), instantly under reduced motion', async ({ browser, baseUrl }) => {
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

  /** Records every scroll of the page and of the transcript box, and every change of the address's hash. */
  const watchTheView = (page: Page) =>
    page.evaluate(() => {
      const w = window as unknown as { __moves: string[]; __focused: Element | null };
      w.__moves = [];
      w.__focused = document.activeElement;
      const box = document.querySelector('[data-swap="transcript"]')!;
      addEventListener('scroll', () => w.__moves.push(`page to ${scrollY}`));
      box.addEventListener('scroll', () => w.__moves.push(`transcript box to ${box.scrollTop}`));
      addEventListener('hashchange', () => w.__moves.push(`hash to ${location.hash}`));
    });
  const view = (page: Page) =>
    page.evaluate(() => ({
      page: scrollY,
      box: document.querySelector('[data-swap="transcript"]')!.scrollTop,
      hash: location.hash,
      focusKept: document.activeElement === (window as unknown as { __focused: Element | null }).__focused,
      moves: (window as unknown as { __moves: string[] }).__moves,
    }));
  /** Waits until the spoken sentence is in chapter 3 and has moved on at least once there, so follow-along had its chances. */
  const hearChapter3 = async (page: Page) => {
    const first = await page.waitForFunction(() => {
      const id = document.querySelector('a.sentence[aria-current="true"]')?.getAttribute('data-sentence');
      return id?.startsWith('c3') === true ? id : undefined;
    });
    const id = await first.jsonValue();
    await page.waitForFunction((was) => {
      const now = document.querySelector('a.sentence[aria-current="true"]')?.getAttribute('data-sentence');
      return now !== was && (now?.startsWith('c3') === true || document.querySelector('audio')!.ended);
    }, id, { timeout: 20_000 });
  };

  interface Jump {
    readonly name: string;
    /** The listener scrolled the transcript box themselves before jumping. */
    readonly boxScrolled: boolean;
    /** Gets ready for the jump (the page may move here, as the listener moves it); returns the jump itself. */
    readonly ready: (page: Page) => Promise<() => Promise<unknown>>;
  }
  const chapterLink = (page: Page) => page.locator('a[data-chapter="2"]');
  const jumps: Jump[] = [
    {
      name: 'Enter on a chapter link',
      boxScrolled: false,
      ready: async (page) => {
        await chapterLink(page).focus();
        return () => page.keyboard.press('Enter');
      },
    },
    {
      name: 'a click on a chapter link',
      boxScrolled: false,
      ready: async (page) => {
        // In view first (as a pointer user scrolls to it), so the click itself needs no scrolling.
        await chapterLink(page).focus();
        return () => chapterLink(page).click();
      },
    },
    {
      name: 'Enter on a chapter link, the transcript box scrolled by the listener',
      boxScrolled: true,
      ready: async (page) => {
        await chapterLink(page).focus();
        return () => page.keyboard.press('Enter');
      },
    },
    {
      name: 'the next-chapter shortcut',
      boxScrolled: false,
      ready: async (page) => {
        await expectOneAnnouncement(page, () => page.keyboard.press('Alt+Shift+PageDown'), 'Chapter 2: The listener');
        return () => page.keyboard.press('Alt+Shift+PageDown');
      },
    },
  ];

  test.for(jumps)('switched off, nothing the listener sees moves: $name', async ({ boxScrolled, ready }, { browser, baseUrl }) => {
    const { page, errors, close } = await openPlayer(browser, baseUrl, '/', { viewport: { width: 800, height: 420 } });
    await page.locator('.settings summary').focus();
    await page.keyboard.press('Enter');
    await tabTo(page, '#follow');
    await page.keyboard.press('Space');
    expect(await page.locator('#follow').isChecked()).toBe(false);
    if (boxScrolled) await page.locator('[data-swap="transcript"]').evaluate((box) => box.scrollTo({ top: 40, behavior: 'instant' }));
    await tabTo(page, '[data-module="play-button"]', { back: true });
    await expectOneAnnouncement(page, () => page.keyboard.press('Enter'), /^Playing: /);
    const jump = await ready(page);

    // Getting ready may have scrolled the page (focus brings a control into view); its scroll event
    // comes with the next frame. Two frames later it has been dispatched, and only then do we watch.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    await watchTheView(page);
    const before = await view(page);
    await expectOneAnnouncement(page, jump, 'Chapter 3: The storm');
    await hearChapter3(page);
    const after = await view(page);
    // The audio went there...
    expect((await audioState(page)).time).toBeGreaterThan(27);
    expect(await page.locator('a[data-chapter="2"]').getAttribute('aria-current')).toBe('true');
    // ...and the spoken sentence is marked, but neither the page, nor the box, nor the address, nor focus moved.
    expect(await page.locator('a.sentence[aria-current="true"]').count()).toBe(1);
    expect(after.moves).toEqual([]);
    expect(after).toEqual({ ...before, moves: [] });
    expect(after.focusKept).toBe(true);
    expect(after.box).toBe(boxScrolled ? 40 : 0);
    expect(errors).toEqual([]);
    await close();
  });

  test('switched back on, it goes to the spoken sentence', async ({ browser, baseUrl }) => {
    const { page, close } = await openPlayer(browser, baseUrl, '/', { viewport: { width: 800, height: 420 }, reducedMotion: 'reduce' });
    await page.locator('.settings summary').click();
    await page.locator('#follow').uncheck();
    await page.locator('[data-module="play-button"]').focus();
    await expectOneAnnouncement(page, () => page.keyboard.press('Enter'), /^Playing: /);
    await chapterLink(page).focus();
    await expectOneAnnouncement(page, () => page.keyboard.press('Enter'), 'Chapter 3: The storm');
    await hearChapter3(page);
    expect(await page.locator('[data-swap="transcript"]').evaluate((box) => box.scrollTop)).toBe(0);
    await page.locator('#follow').focus();
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.querySelector('[data-swap="transcript"]')!.scrollTop > 0);
    // The spoken sentence is inside the box's visible part.
    const inView = await page.evaluate(() => {
      const box = document.querySelector('[data-swap="transcript"]')!.getBoundingClientRect();
      const spoken = document.querySelector('a.sentence[aria-current="true"]')!.getBoundingClientRect();
      return spoken.top >= box.top && spoken.bottom <= box.bottom;
    });
    expect(inView).toBe(true);
    await close();
  });
});
