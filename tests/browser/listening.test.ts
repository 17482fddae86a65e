/**
 * Listening over time, in Chromium: what the player remembers between visits
 * and offers to resume, changing episode in place (focus and audio kept, or
 * moved to the heading of a replaced part), radio play across episodes, the
 * sleep timer, the Media Session and its handlers (hardware media keys), and
 * "Save for offline" served by the service worker without a network.
 */
import type { Page } from 'playwright-core';
import { describe, expect } from 'vitest';
import { browserTest as test } from '../helpers/browser.js';
import { audioState, expectOneAnnouncement, FIRST, focused, openPlayer, pageTasksDone, playerReady, playFromKeyboard, SECOND, tabTo, watchAnnouncements } from './player-states.js';


async function openSettings(page: Page): Promise<void> {
  if ((await page.locator('.settings').getAttribute('open')) === null) {
    await page.locator('.settings summary').focus();
    await page.keyboard.press('Enter');
  }
}

/** Puts the audio `seconds` before the end with the slider (End, then arrows back), as a listener would. */
async function nearTheEnd(page: Page, seconds: number): Promise<void> {
  await page.locator('#seek').focus();
  await page.keyboard.press('End');
  for (let i = 0; i < Math.ceil(seconds / 5); i++) await page.keyboard.press('ArrowLeft');
  await page.waitForFunction((s) => {
    const a = document.querySelector('audio')!;
    return !a.seeking && a.duration - a.currentTime < s + 6;
  }, seconds);
}

describe('what the player remembers', () => {
  test('speed, volume, skip length and the shortcut setting survive a reload', async ({ browser, baseUrl }) => {
    const { page, close } = await openPlayer(browser, baseUrl);
    await page.locator('[data-step="1"]').focus();
    await expectOneAnnouncement(page, () => page.keyboard.press('Enter'), 'Speed 1.25 times');
    await expectOneAnnouncement(page, () => page.keyboard.press('Enter'), 'Speed 1.5 times');
    await page.locator('#volume').focus();
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowLeft');
    await openSettings(page);
    await page.locator('#skip-length').selectOption('30');
    await page.locator('#shortcuts').uncheck();

    await page.reload();
    await playerReady(page);
    expect(await audioState(page)).toMatchObject({ rate: 1.5, volume: 0.8 });
    expect(await page.locator('[data-rate-spoken]').textContent()).toBe('1.5 times');
    expect(await page.locator('#volume').getAttribute('aria-valuetext')).toBe('80 percent');
    expect(await page.locator('[data-request="skip"][data-direction="-1"]').textContent()).toBe('Back 30 seconds');
    expect(await page.locator('#skip-length').inputValue()).toBe('30');
    expect(await page.locator('#shortcuts').isChecked()).toBe(false);
    await close();
  });

  test('the position in each episode is remembered, and the player offers to resume there', async ({ browser, baseUrl }) => {
    const { page, close } = await openPlayer(browser, baseUrl);
    await playFromKeyboard(page);
    await tabTo(page, '[data-request="skip"][data-direction="1"]');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('audio')!.currentTime > 20);
    await page.keyboard.press('Alt+Shift+KeyS');
    await page.waitForFunction(() => document.querySelector('audio')!.paused);
    // Remembered to a tenth of a second, and said in whole seconds.
    const stoppedAt = Math.round((await audioState(page)).time * 10) / 10;

    await page.reload();
    await watchAnnouncements(page);
    await playerReady(page);
    const resume = page.locator('[data-module="resume"]');
    expect(await resume.isVisible()).toBe(true);
    expect(await resume.textContent()).toContain(`You stopped at ${Math.floor(stoppedAt)} seconds.`);
    await tabTo(page, '[data-module="resume"] button');
    await expectOneAnnouncement(page, () => page.keyboard.press('Enter'), `Playing: ${FIRST.title}, from ${Math.floor(stoppedAt)} seconds`);
    expect(Math.abs((await audioState(page)).time - stoppedAt)).toBeLessThan(1.5);
    // The offer is gone, and focus went to Play/Pause rather than to <body>.
    expect(await resume.isVisible()).toBe(false);
    expect((await focused(page)).name).toBe('Pause');
    await close();
  });
});

describe('episodes', () => {
  test('next and previous episode change in place: focus, region and transcript follow, one announcement', async ({ browser, baseUrl }) => {
    const { page, errors, close } = await openPlayer(browser, baseUrl);
    await tabTo(page, '[data-request="episode"][data-direction="1"]');
    await expectOneAnnouncement(page, () => page.keyboard.press('Enter'), `Episode 2 of 2: ${SECOND.title}`);
    expect(new URL(page.url()).pathname).toBe(SECOND.path);
    expect(await page.title()).toMatch(/^The makers – /);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(SECOND.title);
    expect(await page.getByRole('region', { name: `Player: ${SECOND.title}` }).count()).toBe(1);
    expect(await page.locator('[data-swap="transcript"] h3').allTextContents()).toEqual(['Chapter 1: The cast', 'Chapter 2: Behind the camera']);
    expect(await page.locator('a[aria-current="page"]').textContent()).toBe(SECOND.title);
    expect(await page.locator('audio track[kind="captions"]').getAttribute('src')).toBe('/api/episodes/the-makers/captions.vtt');
    expect(await page.evaluate(() => document.activeElement?.matches('[data-request="episode"][data-direction="1"]'))).toBe(true);
    expect(await page.locator(':focus').getAttribute('aria-disabled')).toBe('true');
    await page.waitForSelector('[data-swap="transcript"] a[data-sentence][href]', { state: 'attached' });
    expect((await audioState(page)).src).toContain('/the-makers/');

    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Alt+Shift+KeyS');
    await page.waitForFunction(() => !document.querySelector('audio')!.paused);
    await expectOneAnnouncement(page, () => page.keyboard.press('Enter'), `Playing: ${FIRST.title}`);
    expect(new URL(page.url()).pathname).toBe('/episodes/the-tower/');
    await page.waitForFunction(() => document.querySelector('audio')!.currentSrc.includes('/the-tower/') && document.querySelector('audio')!.currentTime > 0.3);
    expect(errors).toEqual([]);
    await close();
  });

  test('when the part holding focus is replaced by the next episode\'s, focus goes to the heading of its section', async ({ browser, baseUrl }) => {
    const { page, errors, close } = await openPlayer(browser, baseUrl);
    // On a chapter link, in the player: to the player's heading.
    await tabTo(page, 'a[data-chapter="0"]');
    await expectOneAnnouncement(page, () => page.keyboard.press('Alt+Shift+Digit0'), `Episode 2 of 2: ${SECOND.title}`);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('player-heading');
    expect((await focused(page)).name).toBe(`Player: ${SECOND.title}`);
    // On a transcript sentence, when the browser's Back button brings the first episode back: to the transcript's heading.
    await page.waitForSelector('[data-swap="transcript"] a[data-sentence][href]', { state: 'attached' });
    await tabTo(page, '[data-swap="transcript"] a[data-sentence]');
    await expectOneAnnouncement(page, () => page.goBack(), `Episode 1 of 2: ${FIRST.title}`);
    expect(new URL(page.url()).pathname).toBe(FIRST.path);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('transcript-heading');
    expect(errors).toEqual([]);
    await close();
  });

  test('radio play goes on to the next episode when one ends', async ({ browser, baseUrl }) => {
    const { page, errors, close } = await openPlayer(browser, baseUrl);
    await openSettings(page);
    await page.locator('#radio').check();
    await nearTheEnd(page, 3);
    await playFromKeyboard(page);
    await page.waitForFunction(() => document.querySelector('audio')!.currentSrc.includes('/the-makers/'), undefined, { timeout: 20_000 });
    await page.waitForFunction(() => document.querySelector('audio')!.currentTime > 0.3, undefined, { timeout: 15_000 });
    const said = await page.evaluate(() => (window as unknown as { __announced: string[] }).__announced.at(-1));
    expect(said).toBe(`Playing: ${SECOND.title}`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(SECOND.title);
    expect(errors).toEqual([]);
    await close();
  });

  test('the sleep timer stops at the end of the episode, even in radio play', async ({ browser, baseUrl }) => {
    const { page, errors, close } = await openPlayer(browser, baseUrl);
    await openSettings(page);
    await page.locator('#radio').check();
    await page.locator('#sleep').selectOption('episode');
    await page.locator('[data-module="sleep-timer"] button').focus();
    await expectOneAnnouncement(page, () => page.keyboard.press('Enter'), 'Sleep timer: stops at the end of this episode');
    await nearTheEnd(page, 3);
    await playFromKeyboard(page);
    await page.waitForFunction(() => document.querySelector('audio')!.ended, undefined, { timeout: 15_000 });
    // Said at the end, and radio play did not go on to the next episode.
    await page.waitForFunction((said) => (window as unknown as { __announced: string[] }).__announced.at(-1) === said, `Sleep timer: stopped at the end of ${FIRST.title}`);
    await pageTasksDone(page);
    expect((await audioState(page)).src).toContain('/the-tower/');
    expect(await page.locator('[data-sleep-status]').isVisible()).toBe(false);
    expect(errors).toEqual([]);
    await close();
  });

  test('the sleep timer in minutes pauses when its time is up', async ({ browser, baseUrl }) => {
    const { page, errors, close } = await openPlayer(browser, baseUrl, '/', {}, (p) => p.clock.install());
    await watchAnnouncements(page);
    await playerReady(page);
    await playFromKeyboard(page);
    await page.locator('#sleep').selectOption('5');
    await page.locator('[data-module="sleep-timer"] button').focus();
    await expectOneAnnouncement(page, () => page.keyboard.press('Enter'), 'Sleep timer: 5 minutes');
    await expectOneAnnouncement(page, () => page.clock.fastForward('05:01'), 'Sleep timer: paused');
    expect((await audioState(page)).paused).toBe(true);
    expect(await page.locator('[data-module="play-button"]').textContent()).toBe('Play');
    expect(errors).toEqual([]);
    await close();
  });

  test('the Media Session knows the episode and chapter', async ({ browser, baseUrl }) => {
    const { page, close } = await openPlayer(browser, baseUrl);
    await playFromKeyboard(page);
    await page.locator('[data-request="chapter"][data-direction="1"]').focus();
    await expectOneAnnouncement(page, () => page.keyboard.press('Enter'), 'Chapter 2: The listener');
    const session = await page.evaluate(() => {
      const { metadata, playbackState } = navigator.mediaSession;
      return { title: metadata?.title, artist: metadata?.artist, album: metadata?.album, playbackState };
    });
    expect(session).toEqual({ title: FIRST.title, artist: 'Chapter 2: The listener', album: 'Night Radio: a test companion', playbackState: 'playing' });
    await close();
  });
});

describe('when the audio cannot be loaded', () => {
  test('the page says why, Play says it once without claiming to play, and Play tries again', async ({ browser, baseUrl }) => {
    const busy = JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'Too many renders are under way; try again in 5 seconds.', code: 'ATL_RENDER_BUSY' });
    let failing = true;
    // What the audio element and the network did, for the failure message: the error was never shown
    // once in CI and once in 8 runs here with both cores kept busy, and not in 27 runs since.
    const answered: string[] = [];
    const { page, errors, close } = await openPlayer(browser, baseUrl, '/', {}, async (p) => {
      await p.addInitScript(() => {
        const log: string[] = ((window as unknown as { __mediaLog: string[] }).__mediaLog = []);
        for (const type of ['loadstart', 'error', 'emptied', 'abort', 'suspend', 'stalled', 'loadedmetadata']) {
          document.addEventListener(type, (event) => log.push(`${performance.now().toFixed(0)} ms ${type} at ${(event.target as Element).tagName}, networkState ${document.querySelector('audio')?.networkState}`), true);
        }
      });
      p.on('response', (response) => {
        if (/\/audio\./.test(response.url())) answered.push(`${response.status()} ${response.url()} (${response.request().headers().range ?? 'no range'})`);
      });
      await p.route(/\/audio\.(mp3|wav)$/, (route) =>
        failing ? route.fulfill({ status: 503, contentType: 'application/problem+json', body: busy }) : route.fallback(),
      );
    });
    await watchAnnouncements(page);
    // Both sources fail, maybe before the player's script runs: the reason is shown all the same.
    const shown = page.locator('[data-module="player-error"]');
    await shown.waitFor().catch(async (error: unknown) => {
      const media = await page.evaluate(() => {
        const audio = document.querySelector('audio')!;
        return { networkState: audio.networkState, readyState: audio.readyState, error: audio.error?.code, src: audio.currentSrc, events: (window as unknown as { __mediaLog: string[] }).__mediaLog };
      });
      throw new Error(`the error was never shown. The audio element: ${JSON.stringify(media)}. Audio answers: ${JSON.stringify(answered)}`, { cause: error });
    });
    expect(await shown.textContent()).toBe('The audio could not be loaded. Too many renders are under way; try again in 5 seconds.');

    await tabTo(page, '[data-module="play-button"]');
    await expectOneAnnouncement(page, () => page.keyboard.press('Enter'), 'The audio could not be loaded. Too many renders are under way; try again in 5 seconds.');
    expect(await page.locator('[data-module="play-button"]').textContent()).toBe('Play');
    expect((await audioState(page)).paused).toBe(true);
    expect((await focused(page)).name).toBe('Play');

    // The server recovers: the same button tries again, and now it plays.
    failing = false;
    await expectOneAnnouncement(page, () => page.keyboard.press('Enter'), `Playing: ${FIRST.title}`);
    await page.waitForFunction(() => document.querySelector('audio')!.currentTime > 0.3, undefined, { timeout: 15_000 });
    expect(await shown.isVisible()).toBe(false);
    expect(errors).toEqual([]);
    await close();
  });
});

describe('hardware media keys', () => {
  test('the Media Session handlers play, pause, seek and move by chapter, each said once', async ({ browser, baseUrl }) => {
    // The handlers the page gives the browser, kept so the test can press the "keys" itself.
    const { page, errors, close } = await openPlayer(browser, baseUrl, '/', {}, async (p) => {
      await p.addInitScript(() => {
        const actions: Record<string, MediaSessionActionHandler> = ((window as unknown as { __mediaActions: typeof actions }).__mediaActions = {});
        const set = navigator.mediaSession.setActionHandler.bind(navigator.mediaSession);
        navigator.mediaSession.setActionHandler = (action, handler) => {
          if (handler !== null) actions[action] = handler;
          set(action, handler);
        };
      });
    });
    await watchAnnouncements(page);
    await playerReady(page);
    const press = (action: MediaSessionAction, details: Partial<MediaSessionActionDetails> = {}) =>
      page.evaluate(({ action, details }) => (window as unknown as { __mediaActions: Record<string, MediaSessionActionHandler> }).__mediaActions[action]?.({ action, ...details }), {
        action,
        details,
      });
    expect(await page.evaluate(() => Object.keys((window as unknown as { __mediaActions: object }).__mediaActions).sort())).toEqual([
      'nexttrack',
      'pause',
      'play',
      'previoustrack',
      'seekbackward',
      'seekforward',
      'seekto',
    ]);

    // A key press first: media keys, like any user gesture, let the page play.
    await tabTo(page, '[data-module="play-button"]');
    await expectOneAnnouncement(page, () => press('play'), `Playing: ${FIRST.title}`);
    await page.waitForFunction(() => document.querySelector('audio')!.currentTime > 0.3);
    await expectOneAnnouncement(page, () => press('pause'), 'Paused');
    expect(await page.evaluate(() => navigator.mediaSession.playbackState)).toBe('paused');
    await press('seekto', { seekTime: 20 });
    await page.waitForFunction(() => Math.abs(document.querySelector('audio')!.currentTime - 20) < 0.1 && !document.querySelector('audio')!.seeking);
    await expectOneAnnouncement(page, () => press('nexttrack'), 'Chapter 3: The storm');
    await expectOneAnnouncement(page, () => press('seekbackward'), 'Back 10 seconds, at 17 seconds');
    await expectOneAnnouncement(page, () => press('seekforward'), 'Forward 10 seconds, at 27 seconds');
    // At the very start of chapter 3, "previous" goes to chapter 2 rather than restarting 3.
    await expectOneAnnouncement(page, () => press('previoustrack'), 'Chapter 2: The listener');
    expect(await page.evaluate(() => navigator.mediaSession.metadata?.artist)).toBe('Chapter 2: The listener');
    // Focus stayed where the listener left it.
    expect((await focused(page)).name).toBe('Play');
    expect(errors).toEqual([]);
    await close();
  });
});

describe('offline', () => {
  test('"Save for offline" keeps the episode, and the page, timings and audio then work without a network', async ({ browser, baseUrl }) => {
    const { page, errors, close } = await openPlayer(browser, baseUrl, '/', { serviceWorker: true });
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 15_000 });
    await page.locator('[data-module="offline"] button').focus();
    await expectOneAnnouncement(page, () => page.keyboard.press('Enter'), `Saved for offline: ${FIRST.title}`);
    expect(await page.locator('[data-module="offline"] button').textContent()).toBe('Remove the offline copy');

    await page.context().setOffline(true);
    await page.reload();
    await watchAnnouncements(page);
    await playerReady(page);
    expect(await page.locator('[data-module="player-error"]').isVisible()).toBe(false);
    await playFromKeyboard(page);
    expect((await audioState(page)).time).toBeGreaterThan(0.3);
    await page.context().setOffline(false);
    expect(errors).toEqual([]);
    await close();
  });
});
