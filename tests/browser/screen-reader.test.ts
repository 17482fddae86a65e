/**
 * What a screen reader says, from @guidepup/virtual-screen-reader's browser
 * build running inside the real page in Chromium: each control's role, name
 * and state as the reader walks the player; the slider's time phrase;
 * exactly one live announcement for each thing the listener does; and the
 * page past the player as headings, links and a way past the transcript.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCompanion, type TestCompanion } from '../helpers/app.js';
import { injectVirtualScreenReader, launchBrowser, type VirtualScreenReader } from '../helpers/browser.js';
import { assertBuilt } from './built.js';
import { FIRST, NIGHT_RADIO, openPlayer } from './player-states.js';

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

type Reader = { __virtualScreenReader: VirtualScreenReader };

async function startReader(page: Page): Promise<void> {
  await injectVirtualScreenReader(page);
  await page.evaluate(() => (window as unknown as Reader).__virtualScreenReader.start({ container: document.body }));
}

/** Moves the reader forward (from the top if it lost its place) until it says `phrase`; returns what it said on the way. */
function moveTo(page: Page, phrase: string): Promise<string[]> {
  return page.evaluate(async (wanted) => {
    const reader = (window as unknown as Reader).__virtualScreenReader;
    const said: string[] = [];
    for (let i = 0; i < 400; i++) {
      await reader.next();
      const last = await reader.lastSpokenPhrase();
      said.push(last);
      if (last === wanted) return said;
    }
    throw new Error(`The reader never said "${wanted}"; it said ${JSON.stringify(said.slice(-30))}`);
  }, phrase);
}

/**
 * Activates what the reader is on, waits until it has said `until` (by default, any live
 * announcement; polled, with a deadline), and returns the live announcements heard since.
 * The log is not cleared: an announcement coming late lands in the next act's answer, which
 * then fails.
 */
async function act(page: Page, until?: string): Promise<string[]> {
  return page.evaluate(async (wanted) => {
    const reader = (window as unknown as Reader).__virtualScreenReader;
    const from = (await reader.spokenPhraseLog()).length;
    const since = async (): Promise<string[]> => (await reader.spokenPhraseLog()).slice(from);
    const live = (phrase: string): boolean => phrase.startsWith('polite:') || phrase.startsWith('assertive:');
    await reader.act();
    const deadline = performance.now() + 15_000;
    for (;;) {
      const heard = await since();
      if ((wanted === null ? heard.some(live) : heard.includes(wanted)) || performance.now() > deadline) return heard.filter(live);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }, until ?? null);
}

const spoken = (page: Page) => page.evaluate(() => (window as unknown as Reader).__virtualScreenReader.spokenPhraseLog());

describe('the player as a screen reader speaks it', () => {
  test('walking the player region: every control with its role, name and state', async () => {
    const { page, close } = await openPlayer(browser, baseUrl);
    await startReader(page);
    await moveTo(page, `region, Player: ${FIRST.title}`);
    const said = await moveTo(page, `end of region, Player: ${FIRST.title}`);
    const expected = [
      `heading, Player: ${FIRST.title}, level 2`,
      'button, Play',
      'button, Back 10 seconds',
      'button, Forward 10 seconds',
      'slider, Position, orientated horizontally, max value 37, min value 0, current value 0 seconds of 36 seconds',
      'button, Previous chapter',
      'button, Next chapter',
      'button, Previous episode, disabled',
      'button, Next episode',
      'group, Speed 1 times',
      'button, Slower',
      'button, Faster',
      'button, Mute',
      'slider, Volume, orientated horizontally, max value 100, min value 0, current value 100 percent',
      'button, Where am I?',
      'combobox, Sleep timer, off, has popup listbox, not expanded',
      'button, Set sleep timer',
      'checkbox, Radio: play the next episode when one ends, not checked',
      'checkbox, Keyboard shortcuts (Alt+Shift with a key), checked',
      'checkbox, Follow along in the transcript, checked',
      'button, Keyboard shortcuts, has popup dialog',
      'heading, Chapters, level 3',
      'link, Chapter 1: The voice, current item',
      'link, Chapter 2: The listener',
      'link, Chapter 3: The storm',
      'heading, Downloads, level 3',
      'link, Audio, MP3',
      'link, Audio, WAV (larger)',
      'link, Transcript, HTML',
      'link, Captions, WebVTT',
      'button, Save for offline',
    ];
    const positions = expected.map((phrase) => said.indexOf(phrase));
    expect(
      expected.filter((_, i) => positions[i] === -1),
      `not heard; the reader said:\n${said.join('\n')}`,
    ).toEqual([]);
    // ...and in that order.
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    // Nothing in the player is an application, and no phrase is a bare number.
    expect(said.some((p) => p.startsWith('application'))).toBe(false);
    await close();
  });

  test('one announcement per action: playing, speed, chapters, pausing; the name and the slider follow', async () => {
    const { page, close } = await openPlayer(browser, baseUrl);
    await startReader(page);
    await moveTo(page, 'button, Play');
    expect(await act(page)).toEqual([`polite: Playing: ${FIRST.title}`]);

    await moveTo(page, 'button, Faster');
    const speeds: string[][] = [];
    for (let i = 0; i < 4; i++) speeds.push(await act(page));
    expect(speeds).toEqual([['polite: Speed 1.25 times'], ['polite: Speed 1.5 times'], ['polite: Speed 1.75 times'], ['polite: Speed 2 times']]);

    await moveTo(page, 'button, Next chapter');
    expect(await act(page)).toEqual(['polite: Chapter 2: The listener']);
    expect(await act(page)).toEqual(['polite: Chapter 3: The storm']);

    // The play button's name changed with the state it confirmed.
    await moveTo(page, 'button, Pause');
    expect(await act(page)).toEqual(['polite: Paused']);
    await moveTo(page, 'button, Play');

    // The slider speaks a time phrase, and the place the listener moved it to.
    await page.evaluate(() => (window as unknown as Reader).__virtualScreenReader.clearSpokenPhraseLog());
    await page.focus('#seek');
    await page.keyboard.press('ArrowRight');
    const moved = Number(await page.locator('#seek').inputValue());
    // The first listen streams the episode as it is made: a seek past what has arrived waits
    // for it (measured: a jump to 130 s in a live stream landed 2 s later), and until then the
    // slider rightly shows the position the audio last confirmed. Wait for the seek to land.
    await page.waitForFunction(() => !document.querySelector('audio')!.seeking);
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    const heard = await spoken(page);
    expect(heard.at(-1)).toBe(`slider, Position, orientated horizontally, max value 37, min value 0, current value ${moved} seconds of 36 seconds`);
    expect(heard.filter((p) => p.startsWith('polite:'))).toEqual([]);
    await close();
  });

  test('"Where am I?" and the help dialog, as heard', async () => {
    const { page, close } = await openPlayer(browser, baseUrl);
    await startReader(page);
    await moveTo(page, 'button, Where am I?');
    expect(await act(page)).toEqual([`polite: Episode 1 of 2: ${FIRST.title}. Chapter 1 of 3: The voice. 0 seconds of 36 seconds. 36 seconds left.`]);
    await moveTo(page, 'button, Keyboard shortcuts, has popup dialog');
    expect(await act(page, 'heading, Keyboard shortcuts, level 2')).toEqual([]);
    const heard = await spoken(page);
    expect(heard, JSON.stringify(heard)).toContain("dialog, Keyboard shortcuts, modal");
    expect(heard.at(-1)).toBe('heading, Keyboard shortcuts, level 2');
    await close();
  });

  test('past the player: a way past the transcript, names that lead to cards, and the episodes as headings and links', async () => {
    const { page, close } = await openPlayer(browser, baseUrl);
    await startReader(page);
    await moveTo(page, 'heading, Transcript, level 2');
    // Right after the heading, before the first sentence.
    expect(await moveTo(page, 'link, Skip past the transcript')).toHaveLength(1);
    const names = await moveTo(page, 'end of region, How do you say it?');
    expect(names.join('\n')).toContain('link, Hear Ines Varga');
    expect(names.join('\n')).toContain('link, Ines Varga');
    const episodes = await moveTo(page, 'end of navigation, All episodes');
    const heard = episodes.join('\n');
    expect(heard).toContain('heading, All episodes, level 2');
    expect(heard).toMatch(/heading, The tower, level 3[\s\S]*link, The tower, current page/);
    expect(heard).toMatch(/heading, The makers, level 3[\s\S]*link, The makers/);
    await close();
  });
});
