/**
 * Renditions: an episode's narration rendered to audio plus its time line.
 *
 * - Content-addressed on disk: the key hashes the engine's SSML, the engine and
 *   its version, the voice and the rate (and the format, for encoded files).
 * - Atomic writes (temporary file, then rename) and verified reads (length and
 *   SHA-256 recorded beside each file): a truncated or altered entry is thrown
 *   away and rendered again, never served.
 * - Single flight: concurrent requests for one rendition share one render.
 * - Bounded: past `maxPendingRenders` distinct renders, new ones are refused with
 *   RenderBusy (the route answers 503 with Retry-After) instead of piling up.
 *
 * One render makes a master WAV and the time line; other formats are encoded
 * from the master, so every format shares the captions' timings.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { decodeWav, encodeWav } from '../audio/wav.js';
import { wavEncoder, type AudioEncoder, type AudioFormat } from '../audio/formats.js';
import { writeAtomic } from '../files.js';
import { renderSsml } from '../narration/render.js';
import type { Narration } from '../narration/narration.js';
import type { SpeechEngine } from '../speech/engine.js';
import { buildTimeline, type Timeline } from './timings.js';

export interface RenditionRequest {
  readonly narration: Narration;
  readonly format: AudioFormat;
  /** Speaking rate multiplier, 1 = normal. */
  readonly rate: number;
  /** Engine voice id; the engine's default when absent. */
  readonly voice?: string;
}

export interface Rendition extends Timeline {
  readonly key: string;
  /** Absolute path of the verified audio file in the cache. */
  readonly audioFile: string;
  readonly format: AudioFormat;
  readonly contentType: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** Too many renders are under way; try again after `retryAfterSeconds`. */
export class RenderBusy extends Error {
  override readonly name = 'RenderBusy';
  constructor(readonly retryAfterSeconds: number) {
    super(`too many renders under way; retry after ${retryAfterSeconds} s`);
  }
}

/** The format was asked for but cannot be made on this machine. */
export class FormatUnavailable extends Error {
  override readonly name = 'FormatUnavailable';
  constructor(readonly format: AudioFormat) {
    super(`the ${format} format cannot be made on this machine`);
  }
}

export interface RenditionsOptions {
  readonly engine: SpeechEngine;
  /** Folder for cached renders; created when missing. */
  readonly cacheDir: string;
  /** Encoders by format; WAV is always there. */
  readonly encoders?: readonly AudioEncoder[];
  /** Distinct renders allowed at once, running or queued (default 8). */
  readonly maxPendingRenders?: number;
  /** Told when a cache entry failed verification and was discarded. */
  readonly onDiscard?: (file: string, reason: string) => void;
}

export interface Renditions {
  /** The audio and time line, from the verified cache or rendered now. */
  render(request: RenditionRequest): Promise<Rendition>;
  /** The time line if it is already in the cache; never renders. */
  cachedTimeline(request: Omit<RenditionRequest, 'format'>): Promise<Timeline | undefined>;
  /** Whether this rendition is made and verified already (no disk access; for rate limits). */
  isCached(request: RenditionRequest): boolean;
  /** Formats this machine can make. */
  readonly formats: readonly AudioFormat[];
}

interface Integrity {
  readonly bytes: number;
  readonly sha256: string;
}

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

export function createRenditions(options: RenditionsOptions): Renditions {
  const { engine, onDiscard } = options;
  const maxPending = options.maxPendingRenders ?? 8;
  const folder = path.resolve(options.cacheDir, 'renditions');
  const encoders = new Map<AudioFormat, AudioEncoder>([[wavEncoder.format, wavEncoder]]);
  for (const encoder of options.encoders ?? []) encoders.set(encoder.format, encoder);

  const inFlight = new Map<string, Promise<unknown>>();
  let pendingRenders = 0;
  // Files verified by hash in this process, with the size and time they had then:
  // an unchanged file is not hashed again on every request.
  const verifiedFiles = new Map<string, { size: number; mtimeMs: number }>();

  const once = <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const running = inFlight.get(key) as Promise<T> | undefined;
    if (running !== undefined) return running;
    const started = work().finally(() => inFlight.delete(key));
    inFlight.set(key, started);
    return started;
  };

  async function discard(file: string, reason: string): Promise<void> {
    onDiscard?.(file, reason);
    verifiedFiles.delete(file);
    await Promise.all([rm(file, { force: true }), rm(`${file}.json`, { force: true })]);
  }

  /** The file's integrity if it is complete and unaltered; otherwise it is removed. */
  async function readVerified(file: string): Promise<Integrity | undefined> {
    let integrity: Integrity;
    try {
      integrity = JSON.parse(await readFile(`${file}.json`, 'utf8')) as Integrity;
    } catch {
      return undefined;
    }
    let info;
    try {
      info = await stat(file);
    } catch {
      await discard(file, 'audio file is missing');
      return undefined;
    }
    const known = verifiedFiles.get(file);
    if (known !== undefined && known.size === info.size && known.mtimeMs === info.mtimeMs) return integrity;
    if (info.size !== integrity.bytes) {
      await discard(file, `length ${info.size} is not the recorded ${integrity.bytes}`);
      return undefined;
    }
    if (sha256(await readFile(file)) !== integrity.sha256) {
      await discard(file, 'content differs from the recorded hash');
      return undefined;
    }
    verifiedFiles.set(file, { size: info.size, mtimeMs: info.mtimeMs });
    return integrity;
  }

  /** Writes data then its integrity record: a record on disk means the file is complete. */
  async function writeVerified(file: string, data: Buffer): Promise<Integrity> {
    const integrity = { bytes: data.length, sha256: sha256(data) };
    await mkdir(folder, { recursive: true });
    await writeAtomic(file, data);
    await writeAtomic(`${file}.json`, JSON.stringify(integrity));
    const info = await stat(file);
    verifiedFiles.set(file, { size: info.size, mtimeMs: info.mtimeMs });
    return integrity;
  }

  // Narrations are built once at start; so is each one's engine SSML per voice
  // (the eSpeak profile names the voice's language on every sentence).
  const ssmlOf = new WeakMap<Narration, Map<string, string>>();
  const keyOf = (request: Omit<RenditionRequest, 'format'>): { key: string; ssml: string } => {
    let byVoice = ssmlOf.get(request.narration);
    if (byVoice === undefined) {
      byVoice = new Map();
      ssmlOf.set(request.narration, byVoice);
    }
    const voiceKey = request.voice ?? '';
    let ssml = byVoice.get(voiceKey);
    if (ssml === undefined) {
      ssml = renderSsml(request.narration, 'espeak', request.voice === undefined ? {} : { voice: request.voice });
      byVoice.set(voiceKey, ssml);
    }
    return { key: sha256(JSON.stringify([ssml, engine.name, engine.version, request.voice ?? 'default', request.rate])), ssml };
  };
  const masterFile = (key: string) => path.join(folder, `${key}.wav`);
  const timelineFile = (key: string) => path.join(folder, `${key}.timeline.json`);

  async function readTimeline(key: string): Promise<Timeline | undefined> {
    if ((await readVerified(timelineFile(key))) === undefined) return undefined;
    try {
      return JSON.parse(await readFile(timelineFile(key), 'utf8')) as Timeline;
    } catch {
      return undefined;
    }
  }

  /** The master WAV and time line: from the cache, or one new render. */
  function master(request: Omit<RenditionRequest, 'format'>): Promise<{ key: string; timeline: Timeline }> {
    const { key, ssml } = keyOf(request);
    return once(`master:${key}`, async () => {
      const [audio, timeline] = await Promise.all([readVerified(masterFile(key)), readTimeline(key)]);
      if (audio !== undefined && timeline !== undefined) return { key, timeline };

      if (pendingRenders >= maxPending) throw new RenderBusy(5);
      pendingRenders++;
      try {
        const synthesis = await engine.synthesize(ssml, {
          rate: request.rate,
          ...(request.voice === undefined ? {} : { voice: request.voice }),
        });
        const durationMs = Math.round((synthesis.samples.length / synthesis.sampleRate) * 1000);
        const fresh = buildTimeline(request.narration, synthesis.events, durationMs);
        await writeVerified(masterFile(key), encodeWav(synthesis.samples, synthesis.sampleRate));
        await writeVerified(timelineFile(key), Buffer.from(JSON.stringify(fresh)));
        return { key, timeline: fresh };
      } finally {
        pendingRenders--;
      }
    });
  }

  const fileOf = (key: string, format: AudioFormat): string | undefined => {
    const encoder = encoders.get(format);
    if (encoder === undefined) return undefined;
    return format === 'wav' ? masterFile(key) : path.join(folder, `${key}.${encoder.extension}`);
  };

  return {
    formats: [...encoders.keys()],

    isCached(request) {
      const file = fileOf(keyOf(request).key, request.format);
      return file !== undefined && verifiedFiles.has(file);
    },

    async cachedTimeline(request) {
      return readTimeline(keyOf(request).key);
    },

    async render(request) {
      const encoder = encoders.get(request.format);
      if (encoder === undefined) throw new FormatUnavailable(request.format);
      const { key, timeline } = await master(request);
      const file = fileOf(key, request.format) ?? masterFile(key);
      const integrity = await once(`file:${file}`, async () => {
        const existing = await readVerified(file);
        if (existing !== undefined) return existing;
        const wav = await readFile(masterFile(key));
        if (request.format === 'wav') {
          // The master went missing between the two steps: render again rather than serve nothing.
          throw new Error('the master render disappeared from the cache');
        }
        const { samples, sampleRate } = decodeWav(wav);
        return writeVerified(file, await encoder.encode(samples, sampleRate));
      });
      return { ...timeline, key, audioFile: file, format: request.format, contentType: encoder.contentType, ...integrity };
    },
  };
}
