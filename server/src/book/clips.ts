/**
 * Each sentence's clip of its episode's audio, taken from the render's time
 * line (the times captions and transcript use). A sentence the time line does
 * not place, or places on no audio, cannot be read aloud in sync: the book
 * refuses, naming the episode and the sentence.
 */
import type { NarrationChapter, NarrationSentence } from '../narration/narration.js';
import type { BookEpisode } from './book-input.js';

/** A sentence and the stretch of its episode's audio that says it. */
export interface SentenceClip {
  readonly chapter: NarrationChapter;
  readonly sentence: NarrationSentence;
  readonly beginMs: number;
  readonly endMs: number;
}

/** The content pack cannot make a valid book; the message names the episode and the sentence. */
export class BookRefused extends Error {
  override readonly name = 'BookRefused';
  constructor(
    readonly episodeId: string,
    readonly sentenceId: string,
    reason: string,
  ) {
    super(`episode "${episodeId}", sentence ${sentenceId}: ${reason}`);
  }
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(3)} s`;
const quoted = (text: string): string => `"${text.length > 60 ? `${text.slice(0, 60)}…` : text}"`;

/**
 * Every sentence of the episode with its clip, in reading order.
 * @throws BookRefused for the first sentence with no timing: missing from the
 * time line, with other words there, or with an empty clip or one outside the audio.
 */
export function sentenceClips({ entry, timeline }: BookEpisode): SentenceClip[] {
  const timed = new Map(timeline.sentences.map((s) => [s.id, s]));
  const episodeId = entry.episode.id;
  return entry.narration.chapters.flatMap((chapter) =>
    chapter.sentences.map((sentence): SentenceClip => {
      const refuse = (reason: string): never => {
        throw new BookRefused(episodeId, sentence.id, `${quoted(sentence.text)} ${reason}`);
      };
      const times = timed.get(sentence.id);
      if (times === undefined) return refuse('has no timing: the render\'s time line does not place it');
      if (times.text !== sentence.text) return refuse(`has no timing: the render's time line holds other words there (${quoted(times.text)})`);
      const { startMs, endMs } = times;
      if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs <= startMs) {
        return refuse(`has no timing: its clip is empty (from ${seconds(startMs)} to ${seconds(endMs)}); the engine reported no time for it or for the sentence after it`);
      }
      if (startMs < 0 || endMs > timeline.durationMs) return refuse(`has no timing: its clip (${seconds(startMs)} to ${seconds(endMs)}) lies outside the audio (${seconds(timeline.durationMs)})`);
      return { chapter, sentence, beginMs: startMs, endMs };
    }),
  );
}

/** The overlay's playing time: the sum of its clips, in ms. */
export const clipsDurationMs = (clips: readonly SentenceClip[]): number => clips.reduce((sum, clip) => sum + (clip.endMs - clip.beginMs), 0);
