/**
 * Renditions: an episode's narration rendered to audio plus its time line.
 * This file wires the parts together and answers the callers' questions.
 *
 * - Chapter by chapter (./chapter-renders.ts, ./episode-master.ts): each
 *   chapter is rendered (and cached) on its own and the episode is laid
 *   together from them, with the pause between chapters inserted there, so
 *   the time line is exact by construction. The first chapter is ready long
 *   before the episode, so a listener's first bytes come after one chapter's
 *   render, not the whole episode's ({@link Renditions.stream}, ./rendition-files.ts).
 * - Content-addressed on disk (./cache-store.ts, ./rendition-keys.ts): the key
 *   hashes the engine's SSML, the engine and its version, the voice, the rate
 *   and, for encoded files, the encoder and its settings. Atomic writes, verified reads.
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
import path from 'node:path';
import { wavEncoder, type AudioEncoder, type AudioFormat } from '../audio/formats.js';
import type { Narration } from '../narration/narration.js';
import { isValidRate } from '../speech/espeak-params.js';
import type { SpeechEngine } from '../speech/engine.js';
import { Timelines } from './cache-entries.js';
import { CacheStore, sha256 } from './cache-store.js';
import { ChapterRenders } from './chapter-renders.js';
import { EpisodeMasters } from './episode-master.js';
import { FormatUnavailable, RenderAborted } from './render-errors.js';
import { RenderSlots } from './render-slots.js';
import { entryNames, RenditionKeys } from './rendition-keys.js';
import type { EpisodeTagger } from './episode-tags.js';
import { RenditionFiles } from './rendition-files.js';
import { SingleFlight } from './single-flight.js';
import type { Timeline } from './timings.js';

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
  /** Each episode's ID3 tag, for its MP3 (`episode-tags.ts`); MP3s go untagged without it. */
  readonly tagger?: EpisodeTagger;
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

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${what} must be a positive integer, got ${value}`);
  return value;
}

function checkRate(rate: number): void {
  if (!isValidRate(rate)) throw new RangeError(`rate ${rate} is outside 0.5 to 4`);
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
  // One single flight for chapters, masters and files, so idle() waits for every kind of job.
  const flights = new SingleFlight();
  const keys = new RenditionKeys(engine);
  const timelines = new Timelines(store);
  const chapters = new ChapterRenders({ engine, store, keys, flights, renderTimeoutMs });
  const masters = new EpisodeMasters({ store, keys, timelines, chapters, flights, renderSlots });
  const files = new RenditionFiles({ store, keys, timelines, masters, flights, encodeSlots, tagger: options.tagger });

  const encoderFor = (format: AudioFormat): AudioEncoder => {
    const encoder = encoders.get(format);
    if (encoder === undefined) throw new FormatUnavailable(format);
    return encoder;
  };

  async function render(request: RenditionRequest, renderOptions: RenderOptions = {}): Promise<Rendition> {
    const encoder = encoderFor(request.format);
    checkRate(request.rate);
    const cached = await files.cached(request, encoder);
    if (cached !== undefined) return cached;
    return files.join(request, encoder, renderOptions.signal).result;
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
      const cached = await files.cached(request, encoder);
      if (cached !== undefined) return { kind: 'ready', rendition: cached };
      if (encoder.openStream === undefined) return { kind: 'ready', rendition: await render(request, streamOptions) };
      const { job, result } = files.join(request, encoder, streamOptions.signal);
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
        await chapters.audio(request, index, chapterOptions.signal);
      } finally {
        release();
      }
    },

    async findCached(request) {
      const encoder = encoders.get(request.format);
      if (encoder === undefined || !isValidRate(request.rate)) return undefined;
      return files.cached(request, encoder);
    },

    isCached(request) {
      const encoder = encoders.get(request.format);
      if (encoder === undefined || !isValidRate(request.rate)) return false;
      const master = keys.master(request);
      const file = entryNames.file(files.key(request, encoder), encoder);
      return store.isKnown(file) && store.isKnown(entryNames.timeline(master));
    },

    async cachedTimeline(request) {
      if (!isValidRate(request.rate)) return undefined;
      return timelines.read(keys.master(request));
    },
  };
}
