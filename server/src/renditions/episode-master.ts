/**
 * The episode's master: its samples and time line, laid together from its
 * chapters with the pause between chapters inserted here, so the time line is
 * exact by construction; or read back from the WAV rendition when one was made.
 * Its samples reach the encoders as they are laid together.
 */
import { joinSamples, trailingSilence } from '../audio/samples.js';
import { decodeWav } from '../audio/wav.js';
import { wavEncoder } from '../audio/formats.js';
import { CHAPTER_BREAK_MS } from '../narration/render.js';
import { planRate } from '../speech/espeak-params.js';
import type { TimingEvent } from '../speech/engine.js';
import type { Timelines } from './cache-entries.js';
import type { CacheStore } from './cache-store.js';
import type { ChapterAudio, ChapterRenders } from './chapter-renders.js';
import type { RenderSlots } from './render-slots.js';
import { entryNames, type RenditionKeys, type SpokenRequest } from './rendition-keys.js';
import { ReplayLog } from './replay-log.js';
import type { SingleFlight } from './single-flight.js';
import { alignToSound, buildTimeline, type Timeline } from './timings.js';

/** A stretch of the episode's samples, in order. */
export interface PcmPiece {
  readonly samples: Int16Array;
  readonly sampleRate: number;
}

/** The episode's master: the samples (kept while the job lives, for the encoders) and time line. */
export interface Master {
  /**
   * The samples end to end, joined when first asked: only an encoder that
   * cannot stream (the WAV) asks; the streaming ones take the pieces as they
   * are laid together, so for them the episode is never copied whole.
   */
  samples(): Int16Array;
  readonly sampleRate: number;
  readonly timeline: Timeline;
}

export interface MasterJob {
  /** The episode's samples as they are laid together. */
  readonly log: ReplayLog<PcmPiece>;
  readonly result: Promise<Master>;
}

export interface EpisodeMastersOptions {
  readonly store: CacheStore;
  readonly keys: RenditionKeys;
  readonly timelines: Timelines;
  readonly chapters: ChapterRenders;
  /** Shared with the chapter and file jobs. */
  readonly flights: SingleFlight;
  /** Held while the chapters render (engine work). */
  readonly renderSlots: RenderSlots;
}

/** `pieces` end to end in one array, made on the first call and kept. */
function joinedOnDemand(pieces: readonly Int16Array[]): () => Int16Array {
  let joined: Int16Array | undefined = pieces.length === 1 ? pieces[0] : undefined;
  return () => (joined ??= joinSamples(pieces));
}

/** Episode masters, one job per master at a time. */
export class EpisodeMasters {
  readonly #options: EpisodeMastersOptions;

  constructor(options: EpisodeMastersOptions) {
    this.#options = options;
  }

  /** Joins (or starts) the job making the request's master; the caller leaves when `signal` aborts. */
  join(request: SpokenRequest, signal: AbortSignal | undefined): { job: MasterJob; result: Promise<Master> } {
    const key = this.#options.keys.master(request);
    const joined = this.#options.flights.join(`master:${key}`, (jobSignal) => this.#job(request, key, jobSignal), signal);
    joined.result.catch(() => undefined);
    return joined;
  }

  /** The episode's samples and time line: from the cache (the WAV rendition's file, when one was made), or laid together from its chapters now (holding a render slot). */
  #job(request: SpokenRequest, key: string, signal: AbortSignal): MasterJob {
    const { store, timelines, renderSlots } = this.#options;
    const log = new ReplayLog<PcmPiece>();
    const result = (async (): Promise<Master> => {
      const [audio, timeline] = await Promise.all([store.read(entryNames.file(key, wavEncoder)), timelines.read(key)]);
      if (audio !== undefined && timeline !== undefined) {
        const { samples, sampleRate } = decodeWav(audio.data);
        log.push({ samples, sampleRate });
        log.end();
        return { samples: () => samples, sampleRate, timeline };
      }
      const release = await renderSlots.acquire(signal);
      let master: Master;
      try {
        master = await this.#layTogether(request, signal, log);
      } finally {
        release();
      }
      // Everything is said: listeners can finish while the files are written.
      log.end();
      await timelines.write(key, master.timeline);
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
  async #layTogether(request: SpokenRequest, signal: AbortSignal, log: ReplayLog<PcmPiece>): Promise<Master> {
    const { narration } = request;
    const speedUp = planRate(request.rate).speedUp;
    // When one chapter fails, the one rendering ahead is given up too (unless someone else wants it).
    const givingUp = new AbortController();
    const chapterSignal = AbortSignal.any([signal, givingUp.signal]);
    const pending: Promise<ChapterAudio>[] = [];
    const start = (index: number): void => {
      if (index >= narration.chapters.length) return;
      const promise = this.#options.chapters.audio(request, index, chapterSignal);
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
}
