import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { decodeWav } from '../../../server/src/audio/wav.js';
import { createCatalog } from '../../../server/src/catalog.js';
import { loadContentPack } from '../../../server/src/content/load.js';
import { CHAPTER_BREAK_MS } from '../../../server/src/narration/render.js';
import { sha256 } from '../../../server/src/renditions/cache-store.js';
import { FormatUnavailable, RenderBusy } from '../../../server/src/renditions/renditions.js';
import { FAKE_RATE, LEAD_IN_MS, PAUSE_MS, SOUND_MS, TRAILING_MS, createFakeEngine, eventually, gate } from './fake-engine.js';
import { catalog, cleanUp, filesIn, narration, request, setup } from './renditions-setup.js';

afterEach(cleanUp);

describe('an episode rendered chapter by chapter', () => {
  test('gives a verified MP3 and WAV with one time line, each sentence starting at its sound', async () => {
    const { engine, renditions } = await setup();
    const mp3 = await renditions.render(request('mp3'));
    const wav = await renditions.render(request('wav'));
    // One render per chapter, shared by both formats.
    expect(engine.calls).toHaveLength(narration.chapters.length);
    for (const rendition of [mp3, wav]) {
      const bytes = await readFile(rendition.audioFile);
      expect(bytes.length).toBe(rendition.bytes);
      expect(sha256(bytes)).toBe(rendition.sha256);
      expect(JSON.parse(await readFile(`${rendition.audioFile}.json`, 'utf8'))).toEqual({ bytes: rendition.bytes, sha256: rendition.sha256 });
    }
    expect(mp3.contentType).toBe('audio/mpeg');
    expect(mp3.sentences).toEqual(wav.sentences);
    expect(mp3.sentences.map((s) => s.id)).toEqual(narration.chapters.flatMap((c) => c.sentences.map((s) => s.id)));

    const { samples } = decodeWav(await readFile(wav.audioFile));
    expect(wav.durationMs).toBe(Math.round((samples.length * 1000) / FAKE_RATE));
    expect(wav.sentences.at(-1)!.endMs).toBe(wav.durationMs);
    for (const sentence of wav.sentences) {
      // On the sound (within 3 ms of where it starts, whole milliseconds rounded up), never on the silence before it.
      const from = Math.floor(((sentence.startMs - LEAD_IN_MS) * FAKE_RATE) / 1000);
      const onset = samples.findIndex((value, i) => i >= from && Math.abs(value) >= 64);
      const late = sentence.startMs - (onset * 1000) / FAKE_RATE;
      expect(late, sentence.id).toBeGreaterThanOrEqual(0);
      expect(late, sentence.id).toBeLessThan(3);
    }
    // The chapter pause: the longer of the engine's own pause at the chapter's end and the 900 ms break, as eSpeak does in one document.
    const firstOfChapter2 = wav.sentences.find((s) => s.chapterId === narration.chapters[1]!.id)!;
    const lastOfChapter1 = wav.sentences.filter((s) => s.chapterId === narration.chapters[0]!.id).at(-1)!;
    const silence = firstOfChapter2.startMs - (lastOfChapter1.startMs + SOUND_MS);
    expect(Math.abs(silence - (Math.max(PAUSE_MS + TRAILING_MS, CHAPTER_BREAK_MS) + LEAD_IN_MS))).toBeLessThanOrEqual(3);
    expect(wav.chapters.map((c) => c.startMs)).toEqual([0, firstOfChapter2.startMs]);
  });

  test('serves the cache afterwards, in this process and the next, without the engine', async () => {
    const first = await setup();
    const made = await first.renditions.render(request());
    const again = await first.renditions.render(request());
    expect(again).toEqual(made);
    expect(first.renditions.isCached(request())).toBe(true);

    const engine = createFakeEngine();
    const next = await setup({ cacheDir: first.cacheDir }, engine);
    expect(next.renditions.isCached(request())).toBe(false);
    expect(await next.renditions.findCached(request())).toEqual(made);
    expect(await next.renditions.render(request())).toEqual(made);
    expect(await next.renditions.cachedTimeline({ narration, rate: 1 })).toMatchObject({ durationMs: made.durationMs });
    expect(engine.calls).toHaveLength(0);
  });

  test('an MP3 render keeps the samples once (as chapters); a WAV asked for later is laid from them, without the engine', async () => {
    const first = await setup();
    const mp3 = await first.renditions.render(request('mp3'));
    const stored = (await filesIn(first.cacheDir)).filter((file) => !file.endsWith('.json'));
    expect(stored.filter((file) => file.endsWith('.wav'))).toHaveLength(narration.chapters.length);
    expect(stored.every((file) => !file.endsWith('.wav') || file.startsWith(`renditions${path.sep}chapters`))).toBe(true);
    expect(first.renditions.isCached(request('wav'))).toBe(false);

    const engine = createFakeEngine();
    const next = await setup({ cacheDir: first.cacheDir }, engine);
    const wav = await next.renditions.render(request('wav'));
    expect(engine.calls).toHaveLength(0);
    expect(wav.sentences).toEqual(mp3.sentences);
    expect(Math.round((decodeWav(await readFile(wav.audioFile)).samples.length * 1000) / FAKE_RATE)).toBe(wav.durationMs);
    expect(next.renditions.isCached(request('wav'))).toBe(true);
  });

  test('keys the cache by the SSML, engine version, voice, rate and format', async () => {
    const { engine, renditions } = await setup();
    const base = await renditions.render(request());
    const keys = new Set([base.key]);
    keys.add((await renditions.render(request('wav'))).key);
    keys.add((await renditions.render(request('mp3', 2))).key);
    keys.add((await renditions.render({ ...request(), voice: 'en-gb' })).key);
    engine.version = '2';
    keys.add((await renditions.render(request())).key);
    expect(keys.size).toBe(5);
    // The voice reaches the engine, and the SSML it hears names it on every sentence.
    const voiced = engine.calls.filter((call) => call.options.voice === 'en-gb');
    expect(voiced).toHaveLength(narration.chapters.length);
    for (const call of voiced) expect(call.ssml).not.toMatch(/<s xml:lang="en-US"/);
  });

  test('refuses a format it cannot make and a rate out of range, before rendering', async () => {
    const { engine, renditions } = await setup();
    await expect(renditions.render({ ...request(), format: 'opus' })).rejects.toBeInstanceOf(FormatUnavailable);
    await expect(renditions.render(request('mp3', 9))).rejects.toThrow(/rate 9 is outside/);
    expect(engine.calls).toHaveLength(0);
  });
});

describe('single flight and bounds', () => {
  test('concurrent requests for one rendition render it once', async () => {
    const { engine, renditions } = await setup();
    const results = await Promise.all([
      renditions.render(request()),
      renditions.render(request()),
      renditions.render(request('wav')),
      renditions.stream(request()).then(async (stream) => (stream.kind === 'live' ? stream.done : stream.rendition)),
      renditions.renderChapter({ narration, rate: 1 }, narration.chapters[0]!.id),
    ]);
    expect(engine.calls).toHaveLength(narration.chapters.length);
    expect(results[1]).toEqual(results[0]);
  });

  test('past the bound, a new render is refused at once with RenderBusy and a Retry-After', async () => {
    const held = gate();
    const engine = createFakeEngine();
    engine.gate = held.promise;
    const { renditions } = await setup({ maxConcurrentRenders: 1, maxPendingRenders: 2 }, engine);
    const other = catalog.entries[0]!.narration;
    const running = renditions.render(request('wav'));
    const waiting = renditions.render({ narration: other, format: 'wav', rate: 2 });
    // Both reach the slots.
    await eventually(() => renditions.pendingRenders === 2);
    const refused: unknown = await renditions.render({ narration: other, format: 'wav', rate: 3 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RenderBusy);
    expect((refused as RenderBusy).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // A request joining a render under way is not refused: it takes no new slot.
    const joining = renditions.render(request('wav'));
    held.open();
    await Promise.all([running, waiting, joining]);
    expect(renditions.pendingRenders).toBe(0);
  });
});

describe('what the engine hears', () => {
  test('the eSpeak profile of each chapter of a real episode: respellings, a language on every sentence, no elements eSpeak ignores', async () => {
    const { CONTENT_DIR } = await import('../../helpers/paths.js');
    const real = createCatalog(await loadContentPack(CONTENT_DIR));
    const story = real.find('the-story')!.narration;
    const { engine, renditions } = await setup();
    await renditions.render({ narration: story, format: 'wav', rate: 1 });
    expect(engine.calls).toHaveLength(story.chapters.length);
    // Two chapters render at a time, so the calls may come in either order: each is matched to its chapter by its first mark.
    const heard = story.chapters.map((chapter) => engine.calls.find((call) => call.ssml.includes(`<mark name="${chapter.sentences[0]!.mark}"/>`))?.ssml ?? '');
    for (const [i, ssml] of heard.entries()) {
      expect(ssml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<speak version="1.0" xmlns="http:\/\/www.w3.org\/2001\/10\/synthesis" xml:lang="en-US">/);
      // Names as respellings (eSpeak ignores <phoneme>), numbers and dates as words (it misreads say-as), no <lang>, no <voice>.
      for (const ignored of ['<phoneme', '<say-as', '<lang', '<voice', 'spell-out']) expect(ssml).not.toContain(ignored);
      // Every sentence names its language, or eSpeak stays in French or German after a switch.
      const sentences = ssml.match(/<s\b[^>]*>/g) ?? [];
      expect(sentences).toHaveLength(story.chapters[i]!.sentences.length);
      for (const start of sentences) expect(start).toMatch(/xml:lang="en-US"/);
      // A mark opens every sentence, named by its id: the timings come from them.
      expect([...ssml.matchAll(/<mark name="([^"]+)"\/>/g)].map((m) => m[1])).toEqual(story.chapters[i]!.sentences.map((s) => s.mark));
    }
    // What eSpeak says: sub aliases for their element, other markup dropped.
    const said = heard.join('\n').replace(/<sub alias='([^']*)'>[^<]*<\/sub>/g, '$1').replace(/<[^>]*>/g, '');
    const marieLaure = real.pack.lexicon.find((entry) => entry.id === 'marie-laure')!;
    expect(said).toContain(marieLaure.respelling);
    expect(said).not.toContain('Marie-Laure');
    // Numbers are words: eSpeak reads "1944" as "nineteen hundred and forty four".
    for (const ssml of heard) expect(ssml.replace(/<[^>]*>/g, '')).not.toMatch(/\d/);
  });
});
