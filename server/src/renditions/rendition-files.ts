/**
 * A rendition's file: from the verified cache, or encoded now from the
 * episode's master, as its samples come when the encoder can stream, its
 * bytes passed on to every listener waiting as they are made.
 *
 * An MP3 starts with its ID3 tag. The bytes sent while it is made start with
 * the tag without chapters (their times are not known until the last chapter
 * is rendered) or picture (see `audio/id3.ts`), padded to the stored tag's
 * size; the stored file's tag has both. Either way the audio starts at the same byte, so a listener whose
 * live answer broke off and who asks the stored file for the rest by byte
 * range lands where it left off (as before, less the gapless Info frame, which
 * only the stored file has).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { AudioEncoder, EncoderStream } from '../audio/formats.js';
import type { EpisodeTag, EpisodeTagger } from './episode-tags.js';
import type { Timelines } from './cache-entries.js';
import type { CacheStore, StoredFile } from './cache-store.js';
import type { EpisodeMasters, PcmPiece } from './episode-master.js';
import type { RenderSlots } from './render-slots.js';
import { entryNames, type RenditionKeys } from './rendition-keys.js';
import type { Rendition, RenditionRequest } from './renditions.js';
import { ReplayLog } from './replay-log.js';
import { chapterLabel } from './tracks.js';
import type { SingleFlight } from './single-flight.js';
import type { Timeline } from './timings.js';

/** The rate both eSpeak engines render at: an encoder is opened for it before the first samples arrive. */
const EXPECTED_SAMPLE_RATE = 22_050;
/** Samples encoded at a time when streaming: 1.5 s at 22 050 Hz. */
const ENCODE_STEP = 1 << 15;

export interface FileJob {
  /** The file's bytes as they are encoded. */
  readonly out: ReplayLog<Buffer>;
  readonly result: Promise<Rendition>;
}

export interface RenditionFilesOptions {
  readonly store: CacheStore;
  readonly keys: RenditionKeys;
  readonly timelines: Timelines;
  readonly masters: EpisodeMasters;
  /** Shared with the chapter and master jobs. */
  readonly flights: SingleFlight;
  /** Held while encoding (not a render slot: the master an encode waits for may need one of those). */
  readonly encodeSlots: RenderSlots;
  /** The ID3 tag of each episode's MP3; none when absent. */
  readonly tagger?: EpisodeTagger | undefined;
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
 * Encodes the master's samples as they are laid together, passing the bytes on
 * (after `first`, when given); returns the encoder's header and the body, to store.
 */
async function encodeAsItComes(encoder: AudioEncoder, pcm: ReplayLog<PcmPiece>, out: ReplayLog<Buffer>, signal: AbortSignal, first?: Buffer): Promise<{ header: Buffer; body: Buffer }> {
  let stream: EncoderStream | undefined;
  const body: Buffer[] = [];
  // `first` goes out with the first audio bytes, not before: until then a failure
  // (a full renderer, a crashed engine) can still be answered with a problem.
  let pending = first;
  const onBytes = (bytes: Buffer): void => {
    body.push(bytes);
    if (pending !== undefined) {
      out.push(pending);
      pending = undefined;
    }
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
    return { header, body: Buffer.concat(body) };
  } finally {
    stream?.abandon();
    if (opening !== undefined) void opening.then((unused) => unused.abandon(), () => undefined);
  }
}

/** Rendition files, one job per file at a time. */
export class RenditionFiles {
  readonly #options: RenditionFilesOptions;

  constructor(options: RenditionFilesOptions) {
    this.#options = options;
  }

  /** The tag a file starts with: MP3s, streamed, when a tagger is given. */
  #tagOf(request: RenditionRequest, encoder: AudioEncoder): EpisodeTag | undefined {
    if (encoder.format !== 'mp3' || encoder.openStream === undefined) return undefined;
    return this.#options.tagger?.(request.narration);
  }

  /** The file's cache key: the master's, the encoder's and the tag's. */
  key(request: RenditionRequest, encoder: AudioEncoder): string {
    return this.#options.keys.file(this.#options.keys.master(request), encoder, this.#tagOf(request, encoder)?.fingerprint);
  }

  /** The rendition if it is whole in the cache (file, record and time line), else undefined. */
  async cached(request: RenditionRequest, encoder: AudioEncoder): Promise<Rendition | undefined> {
    const { keys, store, timelines } = this.#options;
    const master = keys.master(request);
    const key = this.key(request, encoder);
    const [stored, timeline] = await Promise.all([store.find(entryNames.file(key, encoder)), timelines.read(master)]);
    return stored === undefined || timeline === undefined ? undefined : renditionOf(key, stored, encoder, timeline);
  }

  /** Joins (or starts) the job making the file; the caller leaves when `signal` aborts. */
  join(request: RenditionRequest, encoder: AudioEncoder, signal: AbortSignal | undefined): { job: FileJob; result: Promise<Rendition> } {
    const { flights } = this.#options;
    const key = this.key(request, encoder);
    const joined = flights.join(`file:${key}`, (jobSignal) => this.#job(request, encoder, key, jobSignal), signal);
    joined.result.catch(() => undefined);
    return joined;
  }

  /**
   * An encoded file (or the WAV): from the cache, or encoded now from the
   * master's samples, as they come when the encoder can stream. Holds an
   * encode slot (not a render slot: the master it waits for may need one of those).
   */
  #job(request: RenditionRequest, encoder: AudioEncoder, key: string, signal: AbortSignal): FileJob {
    const { keys, store, timelines, masters, encodeSlots } = this.#options;
    const out = new ReplayLog<Buffer>();
    const name = entryNames.file(key, encoder);
    const result = (async (): Promise<Rendition> => {
      const [cached, timeline] = await Promise.all([store.read(name), timelines.read(keys.master(request))]);
      if (cached !== undefined && timeline !== undefined) {
        out.push(cached.data);
        out.end();
        return renditionOf(key, cached.stored, encoder, timeline);
      }
      // A WAV is the master's samples behind a header: no encoding, so no encode slot (its render holds one of those).
      const release = encoder.format === 'wav' ? () => undefined : await encodeSlots.acquire(signal);
      try {
        const joined = masters.join(request, signal);
        const tag = this.#tagOf(request, encoder);
        let data: Buffer;
        if (encoder.openStream === undefined) {
          const { samples, sampleRate } = await joined.result;
          data = await encoder.encode(samples(), sampleRate);
          out.push(data);
          out.end();
        } else {
          const { header, body } = await encodeAsItComes(encoder, joined.job.log, out, signal, tag?.live);
          out.end();
          const { timeline } = await joined.result;
          // The chapters as chapters.json gives them: the same time line.
          const chapters = timeline.chapters.map((chapter) => ({ title: chapterLabel(chapter), startMs: chapter.startMs, endMs: chapter.endMs }));
          data = Buffer.concat(tag === undefined ? [header, body] : [tag.stored(chapters), header, body]);
        }
        const { timeline: made } = await joined.result;
        return renditionOf(key, await store.write(name, data), encoder, made);
      } finally {
        release();
      }
    })();
    result.catch((error: unknown) => out.fail(error));
    return { out, result };
  }
}
