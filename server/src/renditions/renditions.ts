/**
 * Renditions: an episode's narration rendered to audio plus its time line.
 *
 * - Chapter by chapter: each chapter is rendered (and cached) on its own and
 *   the episode is laid together from them, with the pause between chapters
 *   inserted here, so the time line is exact by construction. The first
 *   chapter is ready long before the episode, so a listener's first bytes
 *   come after one chapter's render, not the whole episode's ({@link Renditions.stream}).
 * - Content-addressed on disk (./cache-store.ts): the key hashes the engine's
 *   SSML, the engine and its version, the voice, the rate and, for encoded
 *   files, the encoder and its settings. Atomic writes, verified reads.
 * - Single flight (./single-flight.ts): concurrent requests for one rendition
 *   share one render, which is aborted only when all of them have left.
 * - Bounded (./render-slots.ts): a few renders at once, a few more waiting;
 *   past that, RenderBusy (503 with Retry-After) instead of piling up.
 * - Each chapter render has a timeout; the engine is told to stop when it
 *   fires (a hung worker is killed and replaced) or when every caller left.
 *
 * One render makes the master (the episode's samples) and the time line; every
 * format is encoded from the same samples, so every format shares the captions'
 * timings. The master is kept on disk only as the WAV rendition, when a WAV is
 * asked for: the chapters are cached already, and writing the episode's samples
 * a second time with every render held each MP3 back (the pack rendered 3
 * to 4% slower) and doubled the cache.
 * Domain code: never imports fastify.
 */
import { tmpdir } from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import path from 'node:path';
import { decodeWav, encodeWav } from '../audio/wav.js';
import { wavEncoder, type AudioEncoder, type AudioFormat, type EncoderStream } from '../audio/formats.js';
import { CHAPTER_BREAK_MS, renderChapterSsml, renderSsml } from '../narration/render.js';
import type { Narration } from '../narration/narration.js';
import { isValidRate, planRate } from '../speech/embedded/espeak-params.js';
import type { SpeechEngine, Synthesis, TimingEvent } from '../speech/engine.js';
import { CacheStore, sha256, type StoredFile } from './cache-store.js';
import { CacheUnwritable, FormatUnavailable, RenderAborted, RenderTimedOut } from './render-errors.js';
import { RenderSlots } from './render-slots.js';
import { ReplayLog } from './replay-log.js';
import { SingleFlight } from './single-flight.js';
import { alignToSound, buildTimeline, type Timeline } from './timings.js';

export { CacheUnwritable, FormatUnavailable, RenderAborted, RenderBusy, RenderTimedOut } from './render-errors.js';

export interface RenditionRequest {
  readonly narration: Narration;
  readonly format: AudioFormat;
  /** Speaking rate multiplier, 1 = normal. */
  readonly rate: number;
  /** Engine voice id; the engine's default when absent. */
  readonly voice?: string;
}

/** How long the caller is willing to wait. */
export interface RenderOptions {
  /** The caller leaves when it aborts; the render stops when every caller has left. */
  readonly signal?: AbortSignal;
}

export interface Rendition extends Timeline {
  /** The cache key of the audio file (it covers the format and the encoder's settings). */
  readonly key: string;
  /** Absolute path of the verified audio file in the cache. */
  readonly audioFile: string;
  readonly format: AudioFormat;
  readonly contentType: string;
  readonly bytes: number;
  readonly sha256: string;
}

/**
 * A rendition as {@link Renditions.stream} gives it: `ready` when the verified
 * file is in the cache; `live` while it is being made, its bytes coming as
 * they are encoded.
 */
export type RenditionStream =
  | { readonly kind: 'ready'; readonly rendition: Rendition }
  | {
      readonly kind: 'live';
      readonly format: AudioFormat;
      readonly contentType: string;
      /**
       * The file's bytes from the first, as they are made. Ends after the last
       * byte; when the render fails it throws instead, so a response built on
       * it must be aborted, never ended: a listener never gets a truncated file
       * that looks whole. (It lacks the stored file's gapless MP3 Info frame,
       * which needs the length: played from this copy, MP3 starts 50 ms late.)
       */
      readonly chunks: AsyncIterable<Buffer>;
      /** The rendition once stored in the cache. */
      readonly done: Promise<Rendition>;
    };

export interface RenditionsOptions {
  readonly engine: SpeechEngine;
  /** Folder for cached renders (a `renditions` folder is made in it); created when missing. */
  readonly cacheDir: string;
  /**
   * Where renders go when `cacheDir` cannot be written (read-only, full).
   * Default: a folder in the system's temporary folder, named after `cacheDir`.
   */
  readonly fallbackDir?: string;
  /** Encoders by format; WAV is always there. */
  readonly encoders?: readonly AudioEncoder[];
  /** Episode renders at once (and, apart, encodes at once). Default 4. */
  readonly maxConcurrentRenders?: number;
  /** Renders running or waiting (and, apart, encodes); past this, RenderBusy. Default 8. */
  readonly maxPendingRenders?: number;
  /** Longest one chapter's render may take, waiting for the engine included, in ms. Default 120 000. */
  readonly renderTimeoutMs?: number;
  /** Told when a cache entry failed verification and was discarded. */
  readonly onDiscard?: (file: string, reason: string) => void;
  /** Told when a cache folder cannot be written, and where renders go now (undefined: nowhere, renders fail with CacheUnwritable). */
  readonly onStoreFailure?: (folder: string, error: unknown, nowWritingTo: string | undefined) => void;
  /** Replaces `fs.promises.writeFile` in the cache: for tests of a full disk. */
  readonly writeFile?: (file: string, data: Buffer | string) => Promise<void>;
  /** When no cache folder could be written, how long until they are tried again, in ms. Default 30 000. */
  readonly retryUnwritableMs?: number;
}

export interface Renditions {
  /** The audio and time line, from the verified cache or rendered now. */
  render(request: RenditionRequest, options?: RenderOptions): Promise<Rendition>;
  /**
   * The audio as soon as its first bytes exist: `ready` from the cache, or
   * `live` while it renders (for formats that encode as they go: MP3).
   * Resolves once the first bytes are there, so RenderBusy and other early
   * failures reject it before anything is sent.
   */
  stream(request: RenditionRequest, options?: RenderOptions): Promise<RenditionStream>;
  /** Renders one chapter into the cache, so the episode's first bytes are ready soon (the warm-up). */
  renderChapter(request: Omit<RenditionRequest, 'format'>, chapterId: string, options?: RenderOptions): Promise<void>;
  /** The rendition if it is whole and verified in the cache; never renders. */
  findCached(request: RenditionRequest): Promise<Rendition | undefined>;
  /** The time line if it is already in the cache; never renders. */
  cachedTimeline(request: Omit<RenditionRequest, 'format'>): Promise<Timeline | undefined>;
  /** Whether this rendition is made and verified already (no disk access; for rate limits). */
  isCached(request: RenditionRequest): boolean;
  /** Formats this machine can make. */
  readonly formats: readonly AudioFormat[];
  /** Renders running or waiting for a slot now. */
  readonly pendingRenders: number;
  /**
   * Resolves when no render is under way: every one started so far has ended,
   * its cache writes included, those every listener left as well (a chapter
   * rendering ahead when its episode failed goes on to store itself). For
   * shutting down: afterwards nothing more is written to the cache.
   */
  idle(): Promise<void>;
}

/** Bumped when the way an episode is laid together from its chapters changes: old cache entries are then not used. */
const ASSEMBLY_REVISION = 2;

/** The rate both eSpeak engines render at: an encoder is opened for it before the first samples arrive. */
const EXPECTED_SAMPLE_RATE = 22_050;
/** Samples encoded at a time when streaming: 1.5 s at 22 050 Hz. */
const ENCODE_STEP = 1 << 15;

/** A stretch of the episode's samples, in order. */
interface PcmPiece {
  readonly samples: Int16Array;
  readonly sampleRate: number;
}

/** One chapter's render: its samples and the events at the chapter's own times. */
interface ChapterAudio {
  readonly samples: Int16Array;
  readonly sampleRate: number;
  readonly events: readonly TimingEvent[];
}

/** The episode's master: the samples (kept while the job lives, for the encoders) and time line. */
interface Master {
  /**
   * The samples end to end, joined when first asked: only an encoder that
   * cannot stream (the WAV) asks; the streaming ones take the pieces as they
   * are laid together, so for them the episode is never copied whole.
   */
  samples(): Int16Array;
  readonly sampleRate: number;
  readonly timeline: Timeline;
}

/** `pieces` end to end in one array, made on the first call and kept. */
function joinedOnDemand(pieces: readonly Int16Array[]): () => Int16Array {
  let joined: Int16Array | undefined = pieces.length === 1 ? pieces[0] : undefined;
  return () => {
    if (joined === undefined) {
      joined = new Int16Array(pieces.reduce((sum, piece) => sum + piece.length, 0));
      let offset = 0;
      for (const piece of pieces) {
        joined.set(piece, offset);
        offset += piece.length;
      }
    }
    return joined;
  };
}

interface MasterJob {
  /** The episode's samples as they are laid together. */
  readonly log: ReplayLog<PcmPiece>;
  readonly result: Promise<Master>;
}

interface FileJob {
  /** The file's bytes as they are encoded. */
  readonly out: ReplayLog<Buffer>;
  readonly result: Promise<Rendition>;
}

/** Samples of exact digital silence at the end: the pause the engine already put there. */
function trailingSilence(samples: Int16Array): number {
  let last = samples.length - 1;
  while (last >= 0 && samples[last] === 0) last--;
  return samples.length - 1 - last;
}

/** Rejects as soon as `signal` aborts, whether or not `work` listens to it. */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => undefined);
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${what} must be a positive integer, got ${value}`);
  return value;
}

export function createRenditions(options: RenditionsOptions): Renditions {
  const { engine } = options;
  const renderTimeoutMs = positiveInteger(options.renderTimeoutMs ?? 120_000, 'renderTimeoutMs');
  const concurrency = positiveInteger(options.maxConcurrentRenders ?? 4, 'maxConcurrentRenders');
  const capacity = positiveInteger(options.maxPendingRenders ?? 8, 'maxPendingRenders');
  // Renders (engine work) and encodes (of renders already made) are bounded apart: an encode may wait for a render, never the reverse.
  const renderSlots = new RenderSlots(concurrency, capacity);
  const encodeSlots = new RenderSlots(concurrency, capacity);
  const primary = path.resolve(options.cacheDir, 'renditions');
  const fallback = path.resolve(options.fallbackDir ?? path.join(tmpdir(), `atl-renditions-${sha256(primary).slice(0, 12)}`));
  const store = new CacheStore({
    folders: fallback === primary ? [primary] : [primary, fallback],
    ...(options.onDiscard === undefined ? {} : { onDiscard: options.onDiscard }),
    ...(options.onStoreFailure === undefined ? {} : { onStoreFailure: options.onStoreFailure }),
    ...(options.writeFile === undefined ? {} : { writeFile: options.writeFile }),
    ...(options.retryUnwritableMs === undefined ? {} : { retryUnwritableMs: options.retryUnwritableMs }),
  });
  const encoders = new Map<AudioFormat, AudioEncoder>([[wavEncoder.format, wavEncoder]]);
  for (const encoder of options.encoders ?? []) encoders.set(encoder.format, encoder);
  const flights = new SingleFlight();

  // Narrations are built once at start; so is each one's engine SSML per voice
  // (the eSpeak profile names the voice's language on every sentence).
  const ssmlOf = new WeakMap<Narration, Map<string, string>>();
  const documentOf = (narration: Narration, voice: string | undefined, chapterId?: string): string => {
    let byVoice = ssmlOf.get(narration);
    if (byVoice === undefined) {
      byVoice = new Map();
      ssmlOf.set(narration, byVoice);
    }
    const cacheKey = `${voice ?? ''}\n${chapterId ?? ''}`;
    let ssml = byVoice.get(cacheKey);
    if (ssml === undefined) {
      const ssmlOptions = voice === undefined ? {} : { voice };
      ssml = chapterId === undefined ? renderSsml(narration, 'espeak', ssmlOptions) : renderChapterSsml(narration, chapterId, 'espeak', ssmlOptions);
      byVoice.set(cacheKey, ssml);
    }
    return ssml;
  };
  const checkRate = (rate: number): void => {
    if (!isValidRate(rate)) throw new RangeError(`rate ${rate} is outside 0.5 to 4`);
  };
  const renderKey = (ssml: string, request: Omit<RenditionRequest, 'format'>, part: string): string =>
    sha256(JSON.stringify([ssml, engine.name, engine.version, request.voice ?? 'default', request.rate, part]));
  const masterKey = (request: Omit<RenditionRequest, 'format'>): string => renderKey(documentOf(request.narration, request.voice), request, `episode-${ASSEMBLY_REVISION}`);
  const chapterKey = (request: Omit<RenditionRequest, 'format'>, chapterId: string): string =>
    renderKey(documentOf(request.narration, request.voice, chapterId), request, 'chapter');
  const fileKey = (master: string, encoder: AudioEncoder): string => (encoder.format === 'wav' ? master : sha256(JSON.stringify([master, encoder.id])));

  const names = {
    timeline: (key: string) => `${key}.timeline.json`,
    file: (key: string, encoder: AudioEncoder) => `${key}.${encoder.extension}`,
    chapter: (key: string) => path.join('chapters', `${key}.wav`),
    chapterEvents: (key: string) => path.join('chapters', `${key}.events.json`),
  };

  // Time lines read or written in this process, by entry name: the episode list and every
  // audio request want one, so they come from memory while the store still vouches for the file.
  const timelines = new Map<string, Timeline>();
  const TIMELINES_KEPT = 512;
  async function readTimeline(key: string): Promise<Timeline | undefined> {
    const name = names.timeline(key);
    const known = timelines.get(name);
    if (known !== undefined && store.isKnown(name)) return known;
    const timeline = await readJson<Timeline>(name);
    if (timeline === undefined) {
      timelines.delete(name);
      return undefined;
    }
    keepTimeline(name, timeline);
    return timeline;
  }
  function keepTimeline(name: string, timeline: Timeline): void {
    timelines.delete(name);
    timelines.set(name, timeline);
    // Oldest out first; a dropped one is read from disk again when asked for.
    if (timelines.size > TIMELINES_KEPT) timelines.delete(timelines.keys().next().value!);
  }

  async function readJson<T>(name: string): Promise<T | undefined> {
    const entry = await store.read(name);
    if (entry === undefined) return undefined;
    try {
      return JSON.parse(entry.data.toString('utf8')) as T;
    } catch {
      // Verified, so written by us: only a format change could get here. Render again.
      return undefined;
    }
  }

  /** Stores an intermediate entry; one that cannot be stored is used from memory (the failure was reported). */
  async function keepIfPossible(name: string, data: Buffer): Promise<void> {
    try {
      await store.write(name, data);
    } catch (error) {
      if (!(error instanceof CacheUnwritable)) throw error;
    }
  }

  /** The engine's render of `ssml`, within the timeout and the job's signal. */
  async function synthesize(ssml: string, request: Omit<RenditionRequest, 'format'>, signal: AbortSignal): Promise<Synthesis> {
    const timeout = AbortSignal.timeout(renderTimeoutMs);
    const both = AbortSignal.any([signal, timeout]);
    try {
      return await abortable(engine.synthesize(ssml, { rate: request.rate, signal: both, ...(request.voice === undefined ? {} : { voice: request.voice }) }), both);
    } catch (error) {
      if (timeout.aborted && !signal.aborted) throw new RenderTimedOut(renderTimeoutMs, { cause: error });
      throw error;
    }
  }

  /**
   * One chapter: from the cache, or rendered now. Takes no slot itself (its
   * callers hold one), so no job that holds a slot ever waits for a job that
   * waits for one: the slots cannot deadlock.
   */
  function chapterAudio(request: Omit<RenditionRequest, 'format'>, index: number, signal: AbortSignal | undefined): Promise<ChapterAudio> {
    const chapter = request.narration.chapters[index];
    if (chapter === undefined) return Promise.reject(new RangeError(`episode "${request.narration.episodeId}" has no chapter ${index + 1}`));
    const key = chapterKey(request, chapter.id);
    return flights.join(
      `chapter:${key}`,
      (jobSignal) => ({
        result: (async (): Promise<ChapterAudio> => {
          const [audio, events] = await Promise.all([store.read(names.chapter(key)), readJson<TimingEvent[]>(names.chapterEvents(key))]);
          if (audio !== undefined && events !== undefined) return { ...decodeWav(audio.data), events };
          const synthesis = await synthesize(documentOf(request.narration, request.voice, chapter.id), request, jobSignal);
          await keepIfPossible(names.chapter(key), encodeWav(synthesis.samples, synthesis.sampleRate));
          await keepIfPossible(names.chapterEvents(key), Buffer.from(JSON.stringify(synthesis.events)));
          return synthesis;
        })(),
      }),
      signal,
    ).result;
  }

  /** The episode's samples and time line: from the cache (the WAV rendition's file, when one was made), or laid together from its chapters now (holding a render slot). */
  function masterJob(request: Omit<RenditionRequest, 'format'>, key: string, signal: AbortSignal): MasterJob {
    const log = new ReplayLog<PcmPiece>();
    const result = (async (): Promise<Master> => {
      const [audio, timeline] = await Promise.all([store.read(names.file(key, wavEncoder)), readTimeline(key)]);
      if (audio !== undefined && timeline !== undefined) {
        const { samples, sampleRate } = decodeWav(audio.data);
        log.push({ samples, sampleRate });
        log.end();
        return { samples: () => samples, sampleRate, timeline };
      }
      const release = await renderSlots.acquire(signal);
      let master: Master;
      try {
        master = await layTogether(request, signal, log);
      } finally {
        release();
      }
      // Everything is said: listeners can finish while the files are written.
      log.end();
      await store.write(names.timeline(key), Buffer.from(JSON.stringify(master.timeline)));
      keepTimeline(names.timeline(key), master.timeline);
      return master;
    })();
    result.catch((error: unknown) => log.fail(error));
    return { log, result };
  }

  /**
   * Renders the chapters in order, two at a time (the next renders while this
   * one is passed on), and lays them end to end with the pause between
   * chapters that a whole-episode render has: the longer of the engine's own
   * pause after the chapter and the narration's chapter break (as eSpeak does
   * in one document), shortened with the speech above eSpeak's fastest rate.
   */
  async function layTogether(request: Omit<RenditionRequest, 'format'>, signal: AbortSignal, log: ReplayLog<PcmPiece>): Promise<Master> {
    const { narration } = request;
    const speedUp = planRate(request.rate).speedUp;
    // When one chapter fails, the one rendering ahead is given up too (unless someone else wants it).
    const givingUp = new AbortController();
    const chapterSignal = AbortSignal.any([signal, givingUp.signal]);
    const pending: Promise<ChapterAudio>[] = [];
    const start = (index: number): void => {
      if (index >= narration.chapters.length) return;
      const promise = chapterAudio(request, index, chapterSignal);
      // Failures are met when awaited, in order; this only keeps an early one from going unhandled.
      promise.catch(() => undefined);
      pending[index] = promise;
    };
    start(0);
    start(1);
    const pieces: Int16Array[] = [];
    const events: TimingEvent[] = [];
    let sampleRate = 0;
    let length = 0;
    let trailing = 0;
    try {
      for (let index = 0; index < narration.chapters.length; index++) {
        const chapter = await pending[index]!;
        start(index + 2);
        if (index === 0) sampleRate = chapter.sampleRate;
        else if (chapter.sampleRate !== sampleRate) throw new Error(`the engine rendered chapters at ${sampleRate} Hz and ${chapter.sampleRate} Hz`);
        if (index > 0) {
          const gap = Math.max(0, Math.round((CHAPTER_BREAK_MS * sampleRate) / 1000 / speedUp) - trailing);
          if (gap > 0) {
            const silence = new Int16Array(gap);
            pieces.push(silence);
            log.push({ samples: silence, sampleRate });
            length += gap;
          }
        }
        const offsetMs = (length * 1000) / sampleRate;
        for (const event of alignToSound(chapter.events, chapter.samples, sampleRate)) {
          // Up, like alignToSound: a sentence's time is on or after its first sound.
          events.push({ ...event, audioMs: Math.ceil(event.audioMs + offsetMs) });
        }
        pieces.push(chapter.samples);
        log.push({ samples: chapter.samples, sampleRate });
        length += chapter.samples.length;
        const silent = trailingSilence(chapter.samples);
        trailing = silent === chapter.samples.length ? trailing + silent : silent;
      }
    } catch (error) {
      givingUp.abort(error);
      throw error;
    }
    const durationMs = Math.round((length * 1000) / sampleRate);
    return { samples: joinedOnDemand(pieces), sampleRate, timeline: buildTimeline(narration, events, durationMs) };
  }

  function joinMaster(request: Omit<RenditionRequest, 'format'>, signal: AbortSignal | undefined): { job: MasterJob; result: Promise<Master> } {
    const key = masterKey(request);
    const joined = flights.join(`master:${key}`, (jobSignal) => masterJob(request, key, jobSignal), signal);
    joined.result.catch(() => undefined);
    return joined;
  }

  const renditionOf = (key: string, stored: StoredFile, encoder: AudioEncoder, timeline: Timeline): Rendition => ({
    ...timeline,
    key,
    audioFile: stored.file,
    format: encoder.format,
    contentType: encoder.contentType,
    bytes: stored.bytes,
    sha256: stored.sha256,
  });

  /**
   * An encoded file (or the WAV): from the cache, or encoded now from the
   * master's samples, as they come when the encoder can stream. Holds an
   * encode slot (not a render slot: the master it waits for may need one of those).
   */
  function fileJob(request: RenditionRequest, encoder: AudioEncoder, key: string, signal: AbortSignal): FileJob {
    const out = new ReplayLog<Buffer>();
    const name = names.file(key, encoder);
    const result = (async (): Promise<Rendition> => {
      const master = masterKey(request);
      const [cached, timeline] = await Promise.all([store.read(name), readTimeline(master)]);
      if (cached !== undefined && timeline !== undefined) {
        out.push(cached.data);
        out.end();
        return renditionOf(key, cached.stored, encoder, timeline);
      }
      // A WAV is the master's samples behind a header: no encoding, so no encode slot (its render holds one of those).
      const release = encoder.format === 'wav' ? () => undefined : await encodeSlots.acquire(signal);
      try {
        const joined = joinMaster(request, signal);
        let data: Buffer;
        if (encoder.openStream === undefined) {
          const { samples, sampleRate } = await joined.result;
          data = await encoder.encode(samples(), sampleRate);
          out.push(data);
        } else {
          data = await encodeAsItComes(encoder, joined.job.log, out, signal);
        }
        out.end();
        const { timeline: made } = await joined.result;
        return renditionOf(key, await store.write(name, data), encoder, made);
      } finally {
        release();
      }
    })();
    result.catch((error: unknown) => out.fail(error));
    return { out, result };
  }

  /** Encodes the master's samples as they are laid together, passing the bytes on; returns the file to store. */
  async function encodeAsItComes(encoder: AudioEncoder, pcm: ReplayLog<PcmPiece>, out: ReplayLog<Buffer>, signal: AbortSignal): Promise<Buffer> {
    let stream: EncoderStream | undefined;
    const body: Buffer[] = [];
    const onBytes = (bytes: Buffer): void => {
      body.push(bytes);
      out.push(bytes);
    };
    // Opened before the first samples exist, at the rate eSpeak renders: an encoder program then
    // starts (100 ms or more) while the first chapter renders, not after. Reopened if the rate differs.
    let opening: Promise<EncoderStream> | undefined = encoder.openStream!(EXPECTED_SAMPLE_RATE, onBytes);
    opening.catch(() => undefined);
    try {
      for await (const piece of pcm.read(signal)) {
        if (stream === undefined) {
          const early = opening === undefined ? undefined : await opening.catch(() => undefined);
          opening = undefined;
          if (early !== undefined && piece.sampleRate === EXPECTED_SAMPLE_RATE) stream = early;
          else {
            early?.abandon();
            stream = await encoder.openStream!(piece.sampleRate, onBytes);
          }
        }
        // A chapter is a minute of audio: encode it in short steps, so the first bytes leave early.
        for (let start = 0; start < piece.samples.length; start += ENCODE_STEP) {
          await stream.write(piece.samples.subarray(start, start + ENCODE_STEP));
          // Awaiting the encoder alone can be a microtask: give the event loop (other listeners' requests) a turn.
          await nextTurn();
        }
      }
      if (stream === undefined) throw new Error('the render made no audio');
      const { header } = await stream.end();
      return Buffer.concat([header, ...body]);
    } finally {
      stream?.abandon();
      if (opening !== undefined) void opening.then((unused) => unused.abandon(), () => undefined);
    }
  }

  const encoderFor = (format: AudioFormat): AudioEncoder => {
    const encoder = encoders.get(format);
    if (encoder === undefined) throw new FormatUnavailable(format);
    return encoder;
  };

  /** The rendition if it is whole in the cache (file, record and time line), else undefined. */
  async function fromCache(request: RenditionRequest, encoder: AudioEncoder): Promise<Rendition | undefined> {
    const master = masterKey(request);
    const key = fileKey(master, encoder);
    const [stored, timeline] = await Promise.all([store.find(names.file(key, encoder)), readTimeline(master)]);
    return stored === undefined || timeline === undefined ? undefined : renditionOf(key, stored, encoder, timeline);
  }

  function joinFile(request: RenditionRequest, encoder: AudioEncoder, signal: AbortSignal | undefined): { job: FileJob; result: Promise<Rendition> } {
    const key = fileKey(masterKey(request), encoder);
    const joined = flights.join(`file:${key}`, (jobSignal) => fileJob(request, encoder, key, jobSignal), signal);
    joined.result.catch(() => undefined);
    return joined;
  }

  async function render(request: RenditionRequest, renderOptions: RenderOptions = {}): Promise<Rendition> {
    const encoder = encoderFor(request.format);
    checkRate(request.rate);
    const cached = await fromCache(request, encoder);
    if (cached !== undefined) return cached;
    return joinFile(request, encoder, renderOptions.signal).result;
  }

  return {
    formats: [...encoders.keys()],

    get pendingRenders() {
      return renderSlots.pending;
    },

    idle: () => flights.idle(),

    render,

    async stream(request, streamOptions = {}) {
      const encoder = encoderFor(request.format);
      checkRate(request.rate);
      const cached = await fromCache(request, encoder);
      if (cached !== undefined) return { kind: 'ready', rendition: cached };
      if (encoder.openStream === undefined) return { kind: 'ready', rendition: await render(request, streamOptions) };
      const { job, result } = joinFile(request, encoder, streamOptions.signal);
      const reader = job.out.read(streamOptions.signal)[Symbol.asyncIterator]();
      let first: IteratorResult<Buffer, void>;
      try {
        first = await reader.next();
      } catch (error) {
        // The caller's own abort surfaces as RenderAborted, as from render().
        if (streamOptions.signal?.aborted === true) throw new RenderAborted(streamOptions.signal.reason);
        throw error;
      }
      if (first.done === true) return { kind: 'ready', rendition: await result };
      // No cache folder can take the file (reported already, when the first chapter was kept):
      // it could never be stored and verified, so it is not sent live either; its failure answers.
      if (store.writeFolder === undefined) return { kind: 'ready', rendition: await result };
      const firstBytes = first.value;
      async function* chunks(): AsyncGenerator<Buffer, void, undefined> {
        yield firstBytes;
        for (;;) {
          const next = await reader.next();
          if (next.done === true) return;
          yield next.value;
        }
      }
      return { kind: 'live', format: encoder.format, contentType: encoder.contentType, chunks: chunks(), done: result };
    },

    async renderChapter(request, chapterId, chapterOptions = {}) {
      checkRate(request.rate);
      const index = request.narration.chapters.findIndex((chapter) => chapter.id === chapterId);
      if (index < 0) throw new RangeError(`episode "${request.narration.episodeId}" has no chapter "${chapterId}"`);
      const release = await renderSlots.acquire(chapterOptions.signal);
      try {
        await chapterAudio(request, index, chapterOptions.signal);
      } finally {
        release();
      }
    },

    async findCached(request) {
      const encoder = encoders.get(request.format);
      if (encoder === undefined || !isValidRate(request.rate)) return undefined;
      return fromCache(request, encoder);
    },

    isCached(request) {
      const encoder = encoders.get(request.format);
      if (encoder === undefined || !isValidRate(request.rate)) return false;
      const master = masterKey(request);
      const file = names.file(fileKey(master, encoder), encoder);
      return store.isKnown(file) && store.isKnown(names.timeline(master));
    },

    async cachedTimeline(request) {
      if (!isValidRate(request.rate)) return undefined;
      return readTimeline(masterKey(request));
    },
  };
}
