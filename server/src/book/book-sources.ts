/**
 * Gathers what the book is made from: each episode's render as the player
 * serves it (MP3 at the normal rate, in the default voice), rendering first
 * what the cache does not hold yet, one episode after another with progress.
 */
import type { Catalog } from '../catalog.js';
import type { Renditions } from '../renditions/renditions.js';
import { DEFAULT_VOICE_ID } from '../speech/espeak-params.js';
import type { SpeechEngine } from '../speech/engine.js';
import type { BookEpisode } from './book-input.js';

/** The rendition the book reads: the player's own MP3. */
export const BOOK_RENDITION = { format: 'mp3', rate: 1 } as const;

/** Where the gathering is: an episode found in the cache, starting to render, or rendered. */
export interface GatherProgress {
  readonly episodeId: string;
  /** 1-based. */
  readonly number: number;
  readonly total: number;
  readonly state: 'in-cache' | 'rendering' | 'rendered';
}

export interface GatherOptions {
  readonly onProgress?: (progress: GatherProgress) => void;
  readonly signal?: AbortSignal;
}

export async function gatherEpisodes(catalog: Catalog, renditions: Renditions, options: GatherOptions = {}): Promise<BookEpisode[]> {
  const episodes: BookEpisode[] = [];
  const total = catalog.entries.length;
  for (const [index, entry] of catalog.entries.entries()) {
    const request = { narration: entry.narration, ...BOOK_RENDITION };
    const report = (state: GatherProgress['state']): void => options.onProgress?.({ episodeId: entry.episode.id, number: index + 1, total, state });
    let rendition = await renditions.findCached(request);
    if (rendition === undefined) {
      report('rendering');
      rendition = await renditions.render(request, options.signal === undefined ? {} : { signal: options.signal });
      report('rendered');
    } else {
      report('in-cache');
    }
    // The rendition is its time line too; the book keeps only the time line's fields.
    const { durationMs, sentences, chapters } = rendition;
    episodes.push({ entry, timeline: { durationMs, sentences, chapters }, audioFile: rendition.audioFile, audioSha256: rendition.sha256 });
  }
  return episodes;
}

/** `media:narrator`: the engine, its version and the voice the book's renders use. */
export async function narratorOf(engine: Pick<SpeechEngine, 'name' | 'version' | 'voices'>): Promise<string> {
  const voices = await engine.voices();
  const voice = voices.find((v) => v.id === DEFAULT_VOICE_ID) ?? voices[0];
  return `the speech engine ${engine.name} ${engine.version}${voice === undefined ? '' : ` (voice: ${voice.name})`}`;
}
