/**
 * An episode's timings (the server's `/transcript.json`) and the look-ups the
 * player makes in them: which chapter and which sentence a moment falls in.
 */
import type { EpisodeTimeline, TimedSentence } from '../../server/src/shared/timeline.js';

/** The server's `/transcript.json`, as the server declares it (`server/src/shared/timeline.ts`). */
export type Timeline = EpisodeTimeline;
export type { TimedSentence };

/** Jumps land this far past a start, so that the start is the current one even after rounding. */
const PAST_START_SECONDS = 0.01;

/** Where to seek to land at a chapter's or sentence's start. */
export const landingAt = (startMs: number): number => startMs / 1000 + PAST_START_SECONDS;

/** The index of the chapter playing at `seconds`, if any has started. */
export function chapterIndexAt(timeline: Timeline | undefined, seconds: number): number | undefined {
  const ms = seconds * 1000;
  const index = timeline?.chapters.findLastIndex((c) => c.startMs <= ms) ?? -1;
  return index < 0 ? undefined : index;
}

/** The sentence being spoken at `seconds`: none in the pauses between sentences. */
export function sentenceAt(timeline: Timeline | undefined, seconds: number): TimedSentence | undefined {
  const ms = seconds * 1000;
  const sentence = timeline?.sentences.findLast((s) => s.startMs <= ms);
  return sentence !== undefined && ms < sentence.endMs ? sentence : undefined;
}

/**
 * The sentences a listener moves between, in order: those the transcript
 * shows. Chapter titles are reached by chapter, not by sentence.
 */
export const readableSentences = (timeline: Timeline): TimedSentence[] => timeline.sentences.filter((s) => s.kind !== 'chapter-title');

/** The first words of a sentence, to say where a move landed without reading it all. */
export function brief(text: string, words = 10): string {
  const all = text.trim().split(/\s+/);
  return all.length <= words ? text.trim() : `${all.slice(0, words).join(' ').replace(/[,;:]$/, '')}…`;
}
