import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { mp3Encoder } from '../../../server/src/audio/encoders.js';
import { decodeWav } from '../../../server/src/audio/wav.js';
import { createCatalog, type Catalog } from '../../../server/src/catalog.js';
import { loadContentPack } from '../../../server/src/content/load.js';
import type { Narration } from '../../../server/src/narration/narration.js';
import { CHAPTER_BREAK_MS } from '../../../server/src/narration/render.js';
import { sha256 } from '../../../server/src/renditions/cache-store.js';
import {
  CacheUnwritable,
  FormatUnavailable,
  RenderAborted,
  RenderBusy,
  RenderTimedOut,
  createRenditions,
  type Renditions,
  type RenditionsOptions,
} from '../../../server/src/renditions/renditions.js';
import { SpeechError } from '../../../server/src/speech/engine.js';
import { FIXTURE_PACK } from '../../helpers/paths.js';
import { FAKE_RATE, LEAD_IN_MS, PAUSE_MS, SOUND_MS, TRAILING_MS, createFakeEngine, eventually, gate, heldWrites, pendingAfter, type FakeEngine } from './fake-engine.js';

let narration: Narration;
let catalog: Catalog;
const folders: string[] = [];
/** Every renditions made: each is let finish its writes before its folders go. */
const made: Renditions[] = [];

beforeAll(async () => {
  catalog = createCatalog(await loadContentPack(FIXTURE_PACK));
  narration = catalog.entries[0]!.narration;
});

afterEach(async () => {
  await Promise.all(made.splice(0).map((renditions) => renditions.idle()));
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});

async function freshFolder(): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), 'atl-renditions-'));
  folders.push(folder);
  return folder;
}

interface Setup {
  readonly engine: FakeEngine;
  readonly renditions: Renditions;
  readonly cacheDir: string;
  readonly discarded: { file: string; reason: string }[];
  readonly storeFailures: { folder: string; error: unknown; next: string | undefined }[];
}

/** Renditions over the fake engine, with MP3 (the real encoder) and WAV, in a fresh cache folder and fallback. */
async function setup(options: Partial<RenditionsOptions> = {}, engine: FakeEngine = createFakeEngine()): Promise<Setup> {
  const cacheDir = options.cacheDir ?? (await freshFolder());
  const discarded: Setup['discarded'] = [];
  const storeFailures: Setup['storeFailures'] = [];
  const renditions = createRenditions({
    engine,
    cacheDir,
    fallbackDir: options.fallbackDir ?? path.join(await freshFolder(), 'fallback'),
    encoders: [mp3Encoder],
    onDiscard: (file, reason) => discarded.push({ file, reason }),
    onStoreFailure: (folder, error, next) => storeFailures.push({ folder, error, next }),
    ...options,
  });
  made.push(renditions);
  return { engine, renditions, cacheDir, discarded, storeFailures };
}

const request = (format: 'mp3' | 'wav' = 'mp3', rate = 1) => ({ narration, format, rate });
const sentenceCount = (): number => narration.chapters.reduce((sum, chapter) => sum + chapter.sentences.length, 0);
/** Every file under a folder, recursively, relative to it. */
async function filesIn(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(folder, path.join(entry.parentPath, entry.name))).sort();
}

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

describe('faults: each is a clear error or a fallback, never a crash or a half-written file', () => {
  test('an engine that crashes mid-render fails that render with its error; the next render works', async () => {
    const engine = createFakeEngine();
    // The second chapter's render crashes once.
    engine.behaviour = (_ssml, call) => (call === 1 ? 'crash' : 'render');
    const { renditions, cacheDir } = await setup({}, engine);
    const error: unknown = await renditions.render(request()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SpeechError);
    expect((error as Error).message).toMatch(/crashed during a render/);
    // Nothing of the episode was stored; the first chapter (complete) may be.
    expect((await filesIn(cacheDir)).filter((file) => !file.startsWith(`renditions${path.sep}chapters`))).toEqual([]);
    expect(await filesIn(cacheDir)).not.toContainEqual(expect.stringMatching(/\.tmp$/));
    const next = await renditions.render(request());
    expect(next.sentences).toHaveLength(sentenceCount());
  });

  test('a chapter rendering ahead when its episode failed goes on to store itself, and idle() waits for that', async () => {
    const engine = createFakeEngine();
    const firstChapter = narration.chapters[0]!.sentences[0]!.mark;
    engine.behaviour = (ssml) => (ssml.includes(`<mark name="${firstChapter}"/>`) ? 'crash' : 'render');
    // The second chapter is rendered and being written when the first one crashes.
    const writes = heldWrites();
    engine.crashGate = writes.started;
    const { renditions, cacheDir } = await setup({ writeFile: writes.writeFile }, engine);
    await expect(renditions.render(request())).rejects.toBeInstanceOf(SpeechError);
    // Its one caller (the episode) has left it, so it is no longer a job anyone can join; still, it writes.
    const idle = renditions.idle();
    expect(await pendingAfter(idle, 50)).toBe(true);
    writes.release();
    await idle;
    const stored = await filesIn(cacheDir);
    expect(stored.filter((file) => file.startsWith(`renditions${path.sep}chapters${path.sep}`) && file.endsWith('.wav'))).toHaveLength(1);
    expect(stored).not.toContainEqual(expect.stringMatching(/\.tmp$/));
  });

  test('a hung engine: the render times out, the engine is told to stop, and the next render works', async () => {
    const engine = createFakeEngine();
    engine.behaviour = (_ssml, call) => (call === 0 ? 'hang' : 'render');
    // Short, but the fake engine answers in a millisecond: no margin is needed for the renders that work.
    const { renditions } = await setup({ renderTimeoutMs: 200 }, engine);
    const error: unknown = await renditions.render(request()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RenderTimedOut);
    expect((error as Error).message).toMatch(/longer than 200 ms/);
    // The real engines kill the worker (or process) when this signal aborts.
    expect(engine.calls[0]!.options.signal?.aborted).toBe(true);
    expect((await renditions.render(request())).sentences).toHaveLength(sentenceCount());
  });

  test('a caller that leaves stops the render only when no other caller wants it', async () => {
    const held = gate();
    const engine = createFakeEngine();
    engine.gate = held.promise;
    const { renditions } = await setup({}, engine);
    const alone = new AbortController();
    const abandoned = renditions.render(request('wav'), { signal: alone.signal });
    await eventually(() => engine.calls.length > 0);
    alone.abort(new Error('listener left'));
    await expect(abandoned).rejects.toBeInstanceOf(RenderAborted);
    expect(engine.calls[0]!.options.signal?.aborted).toBe(true);

    const leaving = new AbortController();
    const staying = renditions.render(request('mp3', 2));
    const left = renditions.render(request('mp3', 2), { signal: leaving.signal });
    await eventually(() => engine.calls.some((call) => call.options.rate === 2));
    leaving.abort();
    await expect(left).rejects.toBeInstanceOf(RenderAborted);
    held.open();
    expect((await staying).sentences).toHaveLength(sentenceCount());
    expect(engine.calls.filter((call) => call.options.rate === 2).every((call) => call.options.signal?.aborted !== true)).toBe(true);
  });

  test.each([
    { damage: 'truncated', apply: async (file: string) => truncate(file, 100), reason: /length 100 is not the recorded/ },
    {
      damage: 'altered',
      apply: async (file: string) => {
        const bytes = await readFile(file);
        bytes[bytes.length - 10] = (bytes[bytes.length - 10]! + 1) % 256;
        await writeFile(file, bytes);
      },
      reason: /content differs from the recorded hash/,
    },
    { damage: 'with a broken record', apply: async (file: string) => writeFile(`${file}.json`, '{"bytes": '), reason: /integrity record is not readable/ },
  ])('a $damage cache entry is discarded and rendered again, never served', async ({ apply, reason }) => {
    const first = await setup();
    const made = await first.renditions.render(request());
    await apply(made.audioFile);
    // A new process, as after a restart: nothing is known about the file.
    const engine = createFakeEngine();
    const next = await setup({ cacheDir: first.cacheDir }, engine);
    const served = await next.renditions.render(request());
    expect(next.discarded).toEqual([{ file: made.audioFile, reason: expect.stringMatching(reason) as string }]);
    const bytes = await readFile(served.audioFile);
    expect(bytes.length).toBe(served.bytes);
    expect(sha256(bytes)).toBe(served.sha256);
    expect(served.sentences).toEqual(made.sentences);
  });

  test('a damaged entry is found in this process too, even after it was verified once', async () => {
    const { renditions, discarded } = await setup();
    const made = await renditions.render(request('wav'));
    await truncate(made.audioFile, 44);
    const served = await renditions.render(request('wav'));
    expect(discarded.map((entry) => entry.file)).toEqual([made.audioFile]);
    expect((await readFile(served.audioFile)).length).toBe(served.bytes);
  });

  test('a damaged chapter or time line is rendered again', async () => {
    const first = await setup();
    await first.renditions.render(request('wav'));
    const folder = path.join(first.cacheDir, 'renditions');
    const timeline = (await filesIn(folder)).find((file) => file.endsWith('.timeline.json'))!;
    await writeFile(path.join(folder, timeline), '{}');
    const chapter = (await filesIn(folder)).find((file) => file.startsWith('chapters') && file.endsWith('.wav'))!;
    await truncate(path.join(folder, chapter), 10);
    const engine = createFakeEngine();
    const next = await setup({ cacheDir: first.cacheDir }, engine);
    const served = await next.renditions.render(request('wav'));
    expect(next.discarded.map((entry) => path.basename(entry.file)).sort()).toEqual([path.basename(chapter), timeline].sort());
    // Only the damaged chapter was rendered again.
    expect(engine.calls).toHaveLength(1);
    expect(served.sentences).toHaveLength(sentenceCount());
  });

  test('an unwritable cache folder: renders go to the fallback folder, reported once, and are served verified', async () => {
    const parent = await freshFolder();
    // A file where the folder should be: mkdir fails (ENOTDIR), even for root, unlike a permission.
    await writeFile(path.join(parent, 'not-a-folder'), '');
    const fallbackDir = path.join(parent, 'fallback');
    const { renditions, storeFailures } = await setup({ cacheDir: path.join(parent, 'not-a-folder'), fallbackDir });
    const made = await renditions.render(request());
    expect(made.audioFile.startsWith(fallbackDir)).toBe(true);
    expect(storeFailures).toHaveLength(1);
    expect(storeFailures[0]).toMatchObject({ folder: path.join(parent, 'not-a-folder', 'renditions'), next: fallbackDir });
    expect((storeFailures[0]!.error as NodeJS.ErrnoException).code).toBe('ENOTDIR');
    expect(sha256(await readFile(made.audioFile))).toBe(made.sha256);
    expect(await renditions.render(request())).toEqual(made);
  });

  test('no folder can be written: CacheUnwritable names them, and nothing half-written stays', async () => {
    const parent = await freshFolder();
    await writeFile(path.join(parent, 'file'), '');
    const { renditions, storeFailures } = await setup({ cacheDir: path.join(parent, 'file', 'a'), fallbackDir: path.join(parent, 'file', 'b') });
    const error: unknown = await renditions.render(request()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CacheUnwritable);
    expect((error as Error).message).toMatch(/cannot be written in .*file.a.renditions nor in .*file.b/);
    expect(storeFailures.map((failure) => failure.next)).toEqual([path.join(parent, 'file', 'b'), undefined]);
    expect(await filesIn(parent)).toEqual(['file']);
  });

  test('a full disk mid-write leaves no partial file, and the render goes to the fallback folder', async () => {
    const cacheDir = await freshFolder();
    const primary = path.join(cacheDir, 'renditions');
    const writeFull = async (file: string, data: Buffer | string): Promise<void> => {
      if (!file.startsWith(primary)) return writeFile(file, data);
      // Half the bytes land, then the disk is full: what writeFile does on ENOSPC.
      await writeFile(file, typeof data === 'string' ? data.slice(0, data.length / 2) : data.subarray(0, data.length / 2));
      throw Object.assign(new Error(`ENOSPC: no space left on device, write '${file}'`), { code: 'ENOSPC' });
    };
    const fallbackDir = path.join(await freshFolder(), 'fallback');
    const { renditions, storeFailures } = await setup({ cacheDir, fallbackDir, writeFile: writeFull });
    const made = await renditions.render(request());
    expect(storeFailures.map((failure) => (failure.error as NodeJS.ErrnoException).code)).toEqual(['ENOSPC']);
    expect(await filesIn(primary)).toEqual([]);
    expect(made.audioFile.startsWith(fallbackDir)).toBe(true);
    expect(sha256(await readFile(made.audioFile))).toBe(made.sha256);
  });
});

describe('streaming a rendition as it is made', () => {
  test('live bytes are the stored file without its Info frame, from the first chapter on', async () => {
    const { renditions } = await setup();
    const stream = await renditions.stream(request());
    expect(stream.kind).toBe('live');
    if (stream.kind !== 'live') return;
    expect(stream.contentType).toBe('audio/mpeg');
    const parts: Buffer[] = [];
    for await (const chunk of stream.chunks) parts.push(chunk);
    const live = Buffer.concat(parts);
    const stored = await readFile((await stream.done).audioFile);
    expect(stored.length).toBeGreaterThan(live.length);
    expect(stored.subarray(stored.length - live.length).equals(live)).toBe(true);
    expect(stored.subarray(0, stored.length - live.length).includes('Info')).toBe(true);
    // Once stored, the same request is ready at once.
    expect((await renditions.stream(request())).kind).toBe('ready');
  });

  test('a render that fails mid-way makes the live bytes throw, never end quietly', async () => {
    const engine = createFakeEngine();
    const lastChapter = narration.chapters.at(-1)!.sentences[0]!.id;
    engine.behaviour = (ssml) => (ssml.includes(`"${lastChapter}"`) ? 'crash' : 'render');
    const { renditions } = await setup({}, engine);
    const stream = await renditions.stream(request());
    expect(stream.kind).toBe('live');
    if (stream.kind !== 'live') return;
    stream.done.catch(() => undefined);
    let bytes = 0;
    const reading = (async () => {
      for await (const chunk of stream.chunks) bytes += chunk.length;
    })();
    await expect(reading).rejects.toThrow(/crashed during a render/);
    expect(bytes).toBeGreaterThan(0);
    await expect(stream.done).rejects.toBeInstanceOf(SpeechError);
  });

  test('a busy renderer refuses a stream before any byte, so the answer can be a 503', async () => {
    const held = gate();
    const engine = createFakeEngine();
    engine.gate = held.promise;
    const { renditions } = await setup({ maxConcurrentRenders: 1, maxPendingRenders: 1 }, engine);
    const running = renditions.render(request('wav', 2));
    await eventually(() => renditions.pendingRenders === 1);
    await expect(renditions.stream(request())).rejects.toBeInstanceOf(RenderBusy);
    held.open();
    await running;
  });

  test('the first chapter, rendered ahead (the warm-up), starts the stream without the engine', async () => {
    const held = gate();
    const engine = createFakeEngine();
    const { renditions } = await setup({}, engine);
    await renditions.renderChapter({ narration, rate: 1 }, narration.chapters[0]!.id);
    expect(engine.calls).toHaveLength(1);
    // From now on the engine does not answer until the gate opens: the first bytes must come from the cache.
    engine.gate = held.promise;
    const stream = await renditions.stream(request());
    expect(stream.kind).toBe('live');
    if (stream.kind !== 'live') return;
    const iterator = stream.chunks[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.length).toBeGreaterThan(0);
    held.open();
    while (!(await iterator.next()).done);
    await stream.done;
    expect(engine.calls).toHaveLength(narration.chapters.length);
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
