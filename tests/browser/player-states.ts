/**
 * The player's states, reached the way a listener reaches them (keyboard
 * first), shared by the interaction tests and the axe scans so that both look
 * at the same pages. Also the small drivers those tests need: focusing by Tab,
 * and watching the one announcer.
 */
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { openPage, type OpenedPage, type PageOptions } from '../helpers/browser.js';

export const FIRST = { id: 'the-tower', title: 'The tower', path: '/' } as const;
export const SECOND = { id: 'the-makers', title: 'The makers', path: '/episodes/the-makers/' } as const;

/** Opens a page and, with script, waits until the player has the episode's timings and metadata. */
export async function openPlayer(browser: Browser, baseUrl: string, pagePath = '/', options: PageOptions = {}, prepare?: (page: Page) => Promise<void>): Promise<OpenedPage> {
  const opened = await openPage(browser, `${baseUrl}${pagePath}`, options, prepare);
  if (options.javaScriptEnabled !== false && prepare === undefined) {
    await watchAnnouncements(opened.page);
    await playerReady(opened.page);
  }
  return opened;
}

export async function playerReady(page: Page): Promise<void> {
  try {
    await page.waitForSelector('a[data-sentence][href]', { state: 'attached', timeout: 30_000 });
    await page.waitForFunction(() => (document.querySelector('audio')?.readyState ?? 0) >= 1, undefined, { timeout: 30_000 });
  } catch (error) {
    const audio = await page.evaluate(() => {
      const a = document.querySelector('audio');
      return { src: a?.currentSrc, readyState: a?.readyState, networkState: a?.networkState, error: a?.error?.message, shown: document.querySelector('[data-module="player-error"]')?.textContent };
    });
    throw new Error(`The player did not get ready: ${JSON.stringify(audio)}`, { cause: error });
  }
}

/** What has focus: tag, accessible-ish name and whether it is the page body. */
export async function focused(page: Page): Promise<{ tag: string; name: string; id: string }> {
  return page.evaluate(() => {
    const el = document.activeElement;
    const label = el instanceof HTMLInputElement || el instanceof HTMLSelectElement ? (el.labels?.[0]?.textContent ?? '') : '';
    return { tag: el?.tagName ?? '', name: (label || el?.textContent || '').trim().replace(/\s+/g, ' '), id: el?.id ?? '' };
  });
}

/** Presses Tab (or Shift+Tab) until the focused element matches `selector`; fails past `limit` presses. */
export async function tabTo(page: Page, selector: string, { back = false, limit = 60 } = {}): Promise<number> {
  for (let presses = 1; presses <= limit; presses++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) === true, selector)) return presses;
  }
  throw new Error(`Tab did not reach ${selector} in ${limit} presses (focus is on ${JSON.stringify(await focused(page))})`);
}

/** Records every text the announcer region shows, one entry per change. */
export async function watchAnnouncements(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __announced?: string[] };
    if (w.__announced !== undefined) return;
    const log: string[] = (w.__announced = []);
    const start = () => {
      const region = document.querySelector('[data-module="announcer"]');
      if (region === null) return;
      new MutationObserver(() => log.push(region.textContent ?? '')).observe(region, { childList: true, characterData: true, subtree: true });
    };
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
    else start();
  });
}

export const announcements = (page: Page): Promise<string[]> => page.evaluate(() => (window as unknown as { __announced: string[] }).__announced.map((t) => t.trim()));

/**
 * Lets every task the page has queued run (two animation frames, then a task):
 * what one event dispatch set off is done by then. Not a wait for time to pass.
 */
export const pageTasksDone = (page: Page): Promise<void> =>
  page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve, 0)))));

/**
 * Runs one listener action and checks the announcer changed exactly once,
 * to `expected`. Returns what it said. A second announcement the action set
 * off later shows up as an extra one in the next action's check.
 */
export async function expectOneAnnouncement(page: Page, action: () => Promise<unknown>, expected: string | RegExp): Promise<string> {
  const before = (await announcements(page)).length;
  await action();
  await page.waitForFunction((n) => (window as unknown as { __announced: string[] }).__announced.length > n, before, { timeout: 15_000 });
  await pageTasksDone(page);
  const said = (await announcements(page)).slice(before);
  expect(said, `announcements after one action: ${JSON.stringify(said)}`).toHaveLength(1);
  if (typeof expected === 'string') expect(said[0]).toBe(expected);
  else expect(said[0]).toMatch(expected);
  return said[0] ?? '';
}

export const audioState = (page: Page) =>
  page.evaluate(() => {
    const audio = document.querySelector('audio')!;
    return { time: audio.currentTime, paused: audio.paused, rate: audio.playbackRate, muted: audio.muted, volume: audio.volume, src: audio.currentSrc };
  });

/** Starts playback from the keyboard: Tab to the Play button and press Enter. */
export async function playFromKeyboard(page: Page): Promise<void> {
  await tabTo(page, '[data-module="play-button"]');
  await expectOneAnnouncement(page, () => page.keyboard.press('Enter'), /^Playing: /);
  await page.waitForFunction(() => (document.querySelector('audio')?.currentTime ?? 0) > 0.3, undefined, { timeout: 15_000 });
}

const problem = JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'Too many renders are under way; try again in 5 seconds.', code: 'ATL_RENDER_BUSY' });

export interface PlayerPageState {
  readonly name: string;
  readonly path?: string;
  readonly options?: PageOptions;
  /** Before the page loads (routes). */
  readonly prepare?: (page: Page) => Promise<void>;
  /** From the loaded page to the state, as a listener gets there. */
  readonly reach?: (page: Page) => Promise<void>;
}

/** Every state the issue lists, each reached as a listener reaches it. */
export const STATES: readonly PlayerPageState[] = [
  { name: 'initial' },
  { name: 'playing', reach: playFromKeyboard },
  {
    name: 'paused mid-chapter',
    reach: async (page) => {
      await playFromKeyboard(page);
      await tabTo(page, '[data-request="chapter"][data-direction="1"]');
      await expectOneAnnouncement(page, () => page.keyboard.press('Enter'), 'Chapter 2: The listener');
      await page.waitForFunction(() => document.querySelector('audio')!.currentTime > 18.5, undefined, { timeout: 10_000 });
      await expectOneAnnouncement(page, () => page.keyboard.press('Alt+Shift+KeyS'), 'Paused');
    },
  },
  {
    name: 'transcript following',
    reach: async (page) => {
      await playFromKeyboard(page);
      await page.waitForSelector('a.sentence[aria-current="true"]');
    },
  },
  {
    name: 'help dialog open',
    reach: async (page) => {
      await tabTo(page, '[data-module="help"] button');
      await page.keyboard.press('Enter');
      await page.waitForSelector('dialog[open]');
    },
  },
  {
    name: 'settings open',
    reach: async (page) => {
      await tabTo(page, '.settings summary');
      await page.keyboard.press('Enter');
      await page.waitForSelector('.settings[open]');
    },
  },
  {
    name: 'sleep timer set',
    reach: async (page) => {
      await tabTo(page, '#sleep');
      await page.selectOption('#sleep', '15');
      await page.keyboard.press('Tab');
      await expectOneAnnouncement(page, () => page.keyboard.press('Enter'), 'Sleep timer: 15 minutes');
    },
  },
  {
    name: 'cast card open',
    path: SECOND.path,
    reach: async (page) => {
      await page.focus('.who a[data-person="ines-varga"]');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#cast dialog[open]');
    },
  },
  {
    name: 'server error shown',
    prepare: async (page) => {
      await page.route('**/transcript.json', (route) => route.fulfill({ status: 503, contentType: 'application/problem+json', body: problem }));
    },
    reach: (page) => page.waitForSelector('[data-module="player-error"]:not([hidden])').then(() => undefined),
  },
  { name: '320 px wide', options: { viewport: { width: 320, height: 640 } } },
  { name: 'dark scheme', options: { colorScheme: 'dark' }, reach: playFromKeyboard },
  { name: 'forced colors emulated', options: { forcedColors: 'active' }, reach: playFromKeyboard },
  {
    // The DOM a listener without JavaScript gets: the page's scripts never run. (axe itself needs
    // script, so it cannot run in a context with JavaScript switched off; the no-script test in
    // player.test.ts checks that context directly.)
    name: 'JavaScript disabled',
    prepare: async (page) => {
      // Any script under /assets/, fingerprinted folder (/assets/<version>/main.js) or not.
      await page.route('**/assets/**/*.js', (route) => route.abort());
    },
    reach: async (page) => {
      // A scan of the enhanced page would prove nothing here: no component may have started.
      await page.waitForLoadState('load');
      const started = await page.locator('[data-module-started]').count();
      if (started > 0 || !(await page.locator('audio').evaluate((a) => (a as HTMLAudioElement).controls))) throw new Error('The player scripts ran in the "JavaScript disabled" state');
    },
  },
];

export function state(name: string): PlayerPageState {
  const found = STATES.find((s) => s.name === name);
  if (found === undefined) throw new Error(`No state "${name}"`);
  return found;
}

/** Opens the page of `s` and brings it to that state. */
export async function reach(browser: Browser, baseUrl: string, s: PlayerPageState): Promise<OpenedPage> {
  const opened = await openPlayer(browser, baseUrl, s.path ?? '/', s.options, s.prepare);
  await s.reach?.(opened.page);
  return opened;
}
