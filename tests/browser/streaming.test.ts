/**
 * An episode nobody has listened to yet, in Chromium: its MP3 comes as it is
 * made (200, chunked, no length, `no-store`, `Accept-Ranges: none`), so the
 * listener hears it within a chapter's render instead of the whole episode's.
 * Chromium plays such a stream, seeks in it by reading on (it never sends a
 * Range it was told is not supported), and treats its duration as unknown, which
 * the player replaces with the episode's time line. Once stored, the next visit
 * gets the verified file with length and ranges. A render that fails part way
 * reaches the page as a network error, never as a quiet end.
 */
import type { Page, Response } from 'playwright-core';
import { afterEach, describe, expect } from 'vitest';
import { createEmbeddedEngine } from '../../server/src/speech/embedded/embedded-engine.js';
import { SpeechError, type SpeechEngine } from '../../server/src/speech/engine.js';
import { startCompanion, type TestCompanion } from '../helpers/app.js';
import { browserTest as test, NIGHT_RADIO, openPage } from '../helpers/browser.js';
import { audioState, expectOneAnnouncement, FIRST, openPlayer, playFromKeyboard, watchAnnouncements } from './player-states.js';

const companions: TestCompanion[] = [];

afterEach(async () => {
  await Promise.all(companions.splice(0).map((companion) => companion.close()));
});

async function serve(engine?: SpeechEngine): Promise<string> {
  const companion = await startCompanion(NIGHT_RADIO, engine);
  companions.push(companion);
  return companion.app.listen({ host: '127.0.0.1', port: 0 });
}

/** The page's requests for the episode's MP3 and their answers, as Chromium saw them. */
function watchAudio(page: Page): { request: Record<string, string>; status: number; headers: Record<string, string> }[] {
  const seen: { request: Record<string, string>; status: number; headers: Record<string, string> }[] = [];
  page.on('response', (response: Response) => {
    if (!response.url().includes('/audio.mp3')) return;
    seen.push({ request: response.request().headers(), status: response.status(), headers: response.headers() });
  });
  return seen;
}

describe('a cold episode in Chromium', () => {
  test('plays as it is made, seeks by a sentence while live, and is served whole with ranges on the next visit', async ({ browser }) => {
    const baseUrl = await serve();
    const audioAnswers: ReturnType<typeof watchAudio>[] = [];
    const { page, errors, close } = await openPlayer(browser, baseUrl, FIRST.path, {}, async (p) => {
      audioAnswers.push(watchAudio(p));
    });
    const answers = audioAnswers[0]!;
    await watchAnnouncements(page);
    await page.waitForFunction(() => (document.querySelector('audio')?.readyState ?? 0) >= 1);
    // The one request Chromium made: bytes=0-, answered as the audio was being made.
    expect(answers[0]).toMatchObject({ request: { range: 'bytes=0-' }, status: 200, headers: { 'cache-control': 'no-store', 'accept-ranges': 'none' } });
    expect(answers[0]?.headers['content-length']).toBeUndefined();

    await page.waitForSelector('a[data-sentence][href]', { state: 'attached', timeout: 30_000 });
    await playFromKeyboard(page);
    // Chromium cannot know the length of a stream: the slider uses the episode's time line instead.
    const state = await page.evaluate(() => ({ duration: document.querySelector('audio')!.duration, max: Number(document.querySelector<HTMLInputElement>('#seek')!.max) }));
    expect(state.duration).toBe(Infinity);
    expect(state.max).toBeGreaterThan(10);
    expect(await page.locator('#seek').getAttribute('aria-valuetext')).toMatch(/ of \d+ (minute|second)/);

    // A sentence in the last chapter: Chromium reads on through the stream to it, without a Range request.
    const timeline = (await page.evaluate(() => fetch('/api/episodes/the-tower/transcript.json').then((r) => r.json()))) as { sentences: { id: string; startMs: number }[] };
    const cue = timeline.sentences.find((s) => s.id === 'c3.s3')!;
    await page.evaluate(() => {
      const audio = document.querySelector('audio')!;
      audio.addEventListener('seeked', () => ((window as unknown as { __seekedAt: number }).__seekedAt = audio.currentTime), { once: true });
    });
    await page.locator('a[data-sentence="c3.s3"]').focus();
    await expectOneAnnouncement(page, () => page.keyboard.press('Enter'), `Playing from ${Math.floor(cue.startMs / 1000)} seconds`);
    await page.waitForFunction(() => (window as unknown as { __seekedAt?: number }).__seekedAt !== undefined);
    const seekedAt = await page.evaluate(() => (window as unknown as { __seekedAt: number }).__seekedAt);
    expect(Math.abs(seekedAt - cue.startMs / 1000)).toBeLessThan(0.3);
    const after = (await audioState(page)).time;
    await page.waitForFunction((t) => document.querySelector('audio')!.currentTime > t + 0.3, after);
    expect(answers.length).toBe(1);
    expect(errors).toEqual([]);

    // The next visit: the stored file, with its length and ranges; seeking asks for a range.
    await page.reload();
    await page.waitForFunction(() => Number.isFinite(document.querySelector('audio')?.duration ?? Number.NaN));
    const stored = answers.at(-1)!;
    expect(stored.headers).toMatchObject({ 'accept-ranges': 'bytes', 'cache-control': 'public, no-cache' });
    expect(stored.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(Math.abs((await page.evaluate(() => document.querySelector('audio')!.duration)) - (timeline.sentences.length > 0 ? state.max : 0))).toBeLessThan(1);
    expect(errors).toEqual([]);
    await close();
  });
});

/**
 * The real engine with one fault injected: its `failAt`-th render (counting from 0)
 * fails as a crashed worker does, once the renders before it are done and `ready`
 * (the listener's side has what they made) has resolved.
 */
function crashingAt(engine: SpeechEngine, failAt: number, ready: Promise<void>): SpeechEngine & { calls: number } {
  const earlier: Promise<unknown>[] = [];
  const faulty = {
    name: engine.name,
    version: engine.version,
    calls: 0,
    available: () => engine.available(),
    voices: () => engine.voices(),
    close: () => engine.close(),
    async synthesize(...args: Parameters<SpeechEngine['synthesize']>) {
      if (faulty.calls++ === failAt) {
        await Promise.allSettled([...earlier, ready]);
        throw new SpeechError('eSpeak worker crashed during a render (injected by the test)');
      }
      const render = engine.synthesize(...args);
      if (faulty.calls <= failAt) earlier.push(render);
      return render;
    },
  };
  return faulty;
}

describe('a render that fails part way, in Chromium', () => {
  test('Chromium does not take the broken stream for the end: it asks for the rest, which comes from the file rendered again', async ({ browser }) => {
    // The tower has three chapters: the third fails, once the first two are made and the page has started on them.
    let metadataLoaded = (): void => undefined;
    const baseUrl = await serve(crashingAt(createEmbeddedEngine(), 2, new Promise((resolve) => (metadataLoaded = resolve))));
    const audioAnswers: ReturnType<typeof watchAudio>[] = [];
    const { page, close } = await openPage(browser, `${baseUrl}${FIRST.path}`, {}, async (p) => {
      audioAnswers.push(watchAudio(p));
      await p.addInitScript(() => {
        const events: string[] = [];
        (window as unknown as { __media: string[] }).__media = events;
        for (const type of ['error', 'ended', 'loadedmetadata']) {
          document.addEventListener(type, (event) => event.target instanceof HTMLAudioElement && events.push(type), true);
        }
      });
    });
    const answers = audioAnswers[0]!;
    await page.waitForFunction(() => (window as unknown as { __media: string[] }).__media.includes('loadedmetadata'), undefined, { timeout: 30_000 });
    metadataLoaded();
    expect(answers[0]).toMatchObject({ status: 200, headers: { 'cache-control': 'no-store' } });
    // A seek past the end of what can be had: Chromium reads on through the stream, and meets the break.
    await page.evaluate(() => {
      document.querySelector('audio')!.currentTime = 1e6;
    });
    await page.waitForFunction(() => Number.isFinite(document.querySelector('audio')?.duration ?? Number.NaN), undefined, { timeout: 60_000 });
    // The second answer: the rest, from where the stream broke off, out of the stored file.
    expect(answers.length).toBe(2);
    const rest = answers[1]!;
    const from = Number(/^bytes=(\d+)-$/.exec(rest.request.range ?? '')?.[1]);
    expect(from).toBeGreaterThan(0);
    expect(rest.status).toBe(206);
    expect(rest.headers['content-range']).toMatch(new RegExp(`^bytes ${from}-\\d+/\\d+$`));
    expect(rest.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    const media = await page.evaluate(() => ({ events: (window as unknown as { __media: string[] }).__media, error: document.querySelector('audio')!.error?.code }));
    expect(media).toEqual({ events: ['loadedmetadata'], error: undefined });
    await close();
  }, 120_000);
});
