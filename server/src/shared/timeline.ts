/**
 * When each sentence and chapter of a rendition is heard: built by the server
 * (`renditions/timings.ts`), sent as `transcript.json`, read by the player
 * (`web/src/`). Types only, with no imports, so both builds can include them.
 */

/** What a sentence is: the episode's title, a chapter's title, a fact, or the words that link facts. */
export type SentenceKind = 'episode-title' | 'chapter-title' | 'fact' | 'link';

/** A sentence placed on the audio's time line. */
export interface TimedSentence {
  readonly id: string;
  readonly chapterId: string;
  readonly kind: SentenceKind;
  /** The fact the sentence says, when it says one. */
  readonly factId?: string;
  readonly text: string;
  readonly startMs: number;
  readonly endMs: number;
}

/** A chapter placed on the audio's time line. */
export interface TimedChapter {
  readonly id: string;
  readonly number: number;
  readonly title: string;
  readonly startMs: number;
  readonly endMs: number;
}

/** Where every sentence and chapter of one rendition is heard, from the same render as its audio. */
export interface Timeline {
  readonly durationMs: number;
  readonly sentences: readonly TimedSentence[];
  readonly chapters: readonly TimedChapter[];
}

/** An episode's time line as `/api/episodes/:id/transcript.json` sends it. */
export interface EpisodeTimeline extends Timeline {
  readonly episodeId: string;
}
