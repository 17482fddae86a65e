/**
 * One chapter's samples and events: from the cache, or from the engine now,
 * within the render timeout and the callers' signal, brought to the podcast
 * loudness norm, then kept for next time.
 *
 * Loudness is set per chapter, each to the same target (-16 LUFS, true peak
 * under the limiter's ceiling): the first chapter is sent to a listener while
 * the later ones render, so no gain can wait for the whole episode to be
 * measured. Chapters at one target are also one level, and the episode they
 * make measures the same (the pauses between them are below the gates).
 */
import { normalizeLoudness } from '../audio/loudness-normalize.js';
import { decodeWav, encodeWav } from '../audio/wav.js';
import type { SpeechEngine, Synthesis, TimingEvent } from '../speech/engine.js';
import { keepIfPossible, readJson } from './cache-entries.js';
import type { CacheStore } from './cache-store.js';
import { RenderTimedOut } from './render-errors.js';
import { entryNames, type RenditionKeys, type SpokenRequest } from './rendition-keys.js';
import type { SingleFlight } from './single-flight.js';

/** One chapter's render: its samples and the events at the chapter's own times. */
export interface ChapterAudio {
  readonly samples: Int16Array;
  readonly sampleRate: number;
  readonly events: readonly TimingEvent[];
}

export interface ChapterRendersOptions {
  readonly engine: SpeechEngine;
  readonly store: CacheStore;
  readonly keys: RenditionKeys;
  /** Shared with the episode and file jobs: one render per chapter, whoever asks. */
  readonly flights: SingleFlight;
  /** Longest one chapter's render may take, waiting for the engine included, in ms. */
  readonly renderTimeoutMs: number;
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

/** Chapters rendered by the engine, one job per chapter at a time. */
export class ChapterRenders {
  readonly #options: ChapterRendersOptions;

  constructor(options: ChapterRendersOptions) {
    this.#options = options;
  }

  /**
   * Chapter `index` of the request's narration: from the cache, or rendered
   * now. Takes no slot itself (its callers hold one), so no job that holds a
   * slot ever waits for a job that waits for one: the slots cannot deadlock.
   */
  audio(request: SpokenRequest, index: number, signal: AbortSignal | undefined): Promise<ChapterAudio> {
    const { keys, store, flights } = this.#options;
    const chapter = request.narration.chapters[index];
    if (chapter === undefined) return Promise.reject(new RangeError(`episode "${request.narration.episodeId}" has no chapter ${index + 1}`));
    const key = keys.chapter(request, chapter.id);
    return flights.join(
      `chapter:${key}`,
      (jobSignal) => ({
        result: (async (): Promise<ChapterAudio> => {
          const [audio, events] = await Promise.all([store.read(entryNames.chapter(key)), readJson<TimingEvent[]>(store, entryNames.chapterEvents(key))]);
          if (audio !== undefined && events !== undefined) return { ...decodeWav(audio.data), events };
          const synthesis = await this.#synthesize(keys.document(request.narration, request.voice, chapter.id), request, jobSignal);
          const { samples } = await normalizeLoudness(synthesis.samples, synthesis.sampleRate);
          jobSignal.throwIfAborted();
          await keepIfPossible(store, entryNames.chapter(key), encodeWav(samples, synthesis.sampleRate));
          await keepIfPossible(store, entryNames.chapterEvents(key), Buffer.from(JSON.stringify(synthesis.events)));
          return { samples, sampleRate: synthesis.sampleRate, events: synthesis.events };
        })(),
      }),
      signal,
    ).result;
  }

  /** The engine's render of `ssml`, within the timeout and the job's signal. */
  async #synthesize(ssml: string, request: SpokenRequest, signal: AbortSignal): Promise<Synthesis> {
    const { engine, renderTimeoutMs } = this.#options;
    const timeout = AbortSignal.timeout(renderTimeoutMs);
    const both = AbortSignal.any([signal, timeout]);
    try {
      return await abortable(engine.synthesize(ssml, { rate: request.rate, signal: both, ...(request.voice === undefined ? {} : { voice: request.voice }) }), both);
    } catch (error) {
      if (timeout.aborted && !signal.aborted) throw new RenderTimedOut(renderTimeoutMs, { cause: error });
      throw error;
    }
  }
}
