/**
 * What a rendition is called in the cache: the engine's SSML for an episode or
 * a chapter (per voice), the keys that hash it with everything that changes the
 * sound, and the entry names the keys become.
 */
import path from 'node:path';
import type { AudioEncoder } from '../audio/formats.js';
import type { Narration } from '../narration/narration.js';
import { renderChapterSsml, renderSsml } from '../narration/render.js';
import type { SpeechEngine } from '../speech/engine.js';
import { sha256 } from './cache-store.js';
import type { RenditionRequest } from './renditions.js';

/** Bumped when the way an episode is laid together from its chapters changes: old cache entries are then not used. */
const ASSEMBLY_REVISION = 2;
/**
 * The level every chapter is brought to (`audio/loudness-normalize.ts`), in every
 * key: files made before it, or at another level, are never served.
 */
const LEVEL = 'loudness-16lufs-2dbtp-1';

/** A rendition before its format is chosen: what the engine renders. */
export type SpokenRequest = Omit<RenditionRequest, 'format'>;

/** Entry names in the cache store, by key. */
export const entryNames = {
  timeline: (key: string): string => `${key}.timeline.json`,
  file: (key: string, encoder: AudioEncoder): string => `${key}.${encoder.extension}`,
  chapter: (key: string): string => path.join('chapters', `${key}.wav`),
  chapterEvents: (key: string): string => path.join('chapters', `${key}.events.json`),
};

/**
 * Keys: SHA-256 of the SSML, the engine's name and version, the voice, the
 * rate, the part (episode or chapter) and the loudness level; for encoded files, of the master's
 * key and the encoder's id.
 */
export class RenditionKeys {
  readonly #engine: SpeechEngine;
  // Narrations are built once at start; so is each one's engine SSML per voice
  // (the eSpeak profile names the voice's language on every sentence).
  readonly #ssmlOf = new WeakMap<Narration, Map<string, string>>();

  constructor(engine: SpeechEngine) {
    this.#engine = engine;
  }

  /** The eSpeak-profile SSML of the episode, or of one chapter, in `voice`. */
  document(narration: Narration, voice: string | undefined, chapterId?: string): string {
    let byVoice = this.#ssmlOf.get(narration);
    if (byVoice === undefined) {
      byVoice = new Map();
      this.#ssmlOf.set(narration, byVoice);
    }
    const cacheKey = `${voice ?? ''}\n${chapterId ?? ''}`;
    let ssml = byVoice.get(cacheKey);
    if (ssml === undefined) {
      const ssmlOptions = voice === undefined ? {} : { voice };
      ssml = chapterId === undefined ? renderSsml(narration, 'espeak', ssmlOptions) : renderChapterSsml(narration, chapterId, 'espeak', ssmlOptions);
      byVoice.set(cacheKey, ssml);
    }
    return ssml;
  }

  /** The key of the episode's samples and time line. */
  master(request: SpokenRequest): string {
    return this.#key(this.document(request.narration, request.voice), request, `episode-${ASSEMBLY_REVISION}`);
  }

  /** The key of one chapter's samples and events. */
  chapter(request: SpokenRequest, chapterId: string): string {
    return this.#key(this.document(request.narration, request.voice, chapterId), request, 'chapter');
  }

  /**
   * The key of the file `encoder` makes from the master `master` (the WAV is the
   * master itself); `tag` is the fingerprint of the file's ID3 tag, when it has one.
   */
  file(master: string, encoder: AudioEncoder, tag?: string): string {
    if (encoder.format === 'wav') return master;
    return sha256(JSON.stringify(tag === undefined ? [master, encoder.id] : [master, encoder.id, tag]));
  }

  #key(ssml: string, request: SpokenRequest, part: string): string {
    return sha256(JSON.stringify([ssml, this.#engine.name, this.#engine.version, request.voice ?? 'default', request.rate, part, LEVEL]));
  }
}
