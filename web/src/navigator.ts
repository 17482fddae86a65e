/**
 * Moving through an episode by its structure, as DAISY players do: to the
 * previous, same or next sentence, to the previous or next chapter, or by the
 * skip length; "previous" and "next" follow the step the listener chose.
 * Pure functions of the time line and the position: each answers where to go
 * and what to say on landing, or why there is nowhere to go.
 */
import type { Direction, SentenceMove } from './events.js';
import type { Step } from './state.js';
import { timePhrase } from './time.js';
import { brief, chapterIndexAt, landingAt, readableSentences, type Timeline } from './timeline.js';

/** Going back to the previous chapter restarts the current one when this far into it (at normal speed). */
export const RESTART_CHAPTER_SECONDS = 3;

/** Where a move goes, and what to say once there; or what to say instead (`refusal`). */
export type Move = { readonly seconds: number; readonly landing: (at: number) => string } | { readonly refusal: string };

/** What each step is called where the listener chooses it and where a change of step is announced. */
export function stepName(step: Step, skip: number): string {
  return step === 'chapter' ? 'chapter' : step === 'sentence' ? 'sentence' : `${skip} seconds`;
}

/** The index (among the readable sentences) of the sentence spoken at `seconds`, or the last one before it. */
function sentenceIndexAt(sentences: ReturnType<typeof readableSentences>, seconds: number): number {
  const ms = seconds * 1000 + 1;
  return sentences.findLastIndex((s) => s.startMs <= ms);
}

/** The previous, same or next sentence from `seconds`. */
export function sentenceMove(timeline: Timeline | undefined, seconds: number, move: SentenceMove): Move {
  const sentences = timeline === undefined ? [] : readableSentences(timeline);
  if (sentences.length === 0) return { refusal: 'The sentences are not ready yet' };
  const current = sentenceIndexAt(sentences, seconds);
  const index = move === 'repeat' ? Math.max(0, current) : move === 'next' ? current + 1 : current - 1;
  const sentence = sentences[index];
  if (sentence === undefined) return { refusal: index < 0 ? 'This is the first sentence' : 'This is the last sentence' };
  return { seconds: landingAt(sentence.startMs), landing: () => brief(sentence.text) };
}

/** The previous or next chapter; "previous" restarts the current chapter when well into it. */
export function chapterMove(timeline: Timeline | undefined, seconds: number, target: { direction: Direction } | { index: number }, rate: number): Move {
  const chapters = timeline?.chapters ?? [];
  if (chapters.length === 0) return { refusal: 'The chapters are not ready yet' };
  const current = chapterIndexAt(timeline, seconds) ?? 0;
  let index: number;
  if ('index' in target) index = target.index;
  else if (target.direction > 0) index = current + 1;
  else index = seconds - (chapters[current]?.startMs ?? 0) / 1000 > RESTART_CHAPTER_SECONDS * rate ? current : current - 1;
  const chapter = chapters[index];
  if (chapter === undefined) return { refusal: index < 0 ? 'This is the first chapter' : 'This is the last chapter' };
  return { seconds: landingAt(chapter.startMs), landing: () => `Chapter ${chapter.number}: ${chapter.title}` };
}

/** Back or forward by the skip length. */
export function timeMove(seconds: number, direction: Direction, skip: number): Move {
  return { seconds: seconds + direction * skip, landing: (at) => `${direction < 0 ? 'Back' : 'Forward'} ${skip} seconds, at ${timePhrase(at)}` };
}

/** Back or forward by the step the listener chose. */
export function stepMove(timeline: Timeline | undefined, seconds: number, direction: Direction, step: Step, skip: number, rate: number): Move {
  if (step === 'chapter') return chapterMove(timeline, seconds, { direction }, rate);
  if (step === 'sentence') return sentenceMove(timeline, seconds, direction < 0 ? 'previous' : 'next');
  return timeMove(seconds, direction, skip);
}
