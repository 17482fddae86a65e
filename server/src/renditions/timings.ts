/**
 * Turns an engine's timing events into sentence and chapter times. The times
 * come from the same render as the audio, so captions and transcript cannot drift.
 */
import type { TimingEvent } from '../speech/engine.js';
import type { Narration, SentenceKind } from '../narration/narration.js';

export interface TimedSentence {
  readonly id: string;
  readonly chapterId: string;
  readonly kind: SentenceKind;
  readonly factId?: string;
  readonly text: string;
  readonly startMs: number;
  readonly endMs: number;
}

export interface TimedChapter {
  readonly id: string;
  readonly number: number;
  readonly title: string;
  readonly startMs: number;
  readonly endMs: number;
}

export interface Timeline {
  readonly durationMs: number;
  readonly sentences: readonly TimedSentence[];
  readonly chapters: readonly TimedChapter[];
}

/**
 * Places every sentence of the narration on the audio's time line, from the
 * mark the narration put before each sentence. A sentence whose mark the engine
 * did not report starts where the one before it did, never before.
 */
export function buildTimeline(narration: Narration, events: readonly TimingEvent[], durationMs: number): Timeline {
  const markTimes = new Map<string, number>();
  for (const event of events) {
    if (event.type === 'mark' && event.name !== undefined && !markTimes.has(event.name)) {
      markTimes.set(event.name, Math.min(Math.max(0, event.audioMs), durationMs));
    }
  }

  const flat = narration.chapters.flatMap((chapter) => chapter.sentences.map((sentence) => ({ chapter, sentence })));
  const starts: number[] = [];
  let previous = 0;
  for (const { sentence } of flat) {
    const start = Math.max(previous, markTimes.get(sentence.id) ?? previous);
    starts.push(start);
    previous = start;
  }

  const sentences = flat.map(({ chapter, sentence }, i): TimedSentence => ({
    id: sentence.id,
    chapterId: chapter.id,
    kind: sentence.kind,
    ...(sentence.factId === undefined ? {} : { factId: sentence.factId }),
    text: sentence.text,
    startMs: starts[i] ?? 0,
    endMs: starts[i + 1] ?? durationMs,
  }));

  const chapters = narration.chapters.map((chapter, c): TimedChapter => {
    const first = sentences.find((s) => s.chapterId === chapter.id);
    const next = narration.chapters[c + 1];
    const nextFirst = next === undefined ? undefined : sentences.find((s) => s.chapterId === next.id);
    return {
      id: chapter.id,
      number: chapter.number,
      title: chapter.title,
      // The first chapter holds the episode's opening too, so it starts at zero.
      startMs: c === 0 ? 0 : (first?.startMs ?? 0),
      endMs: nextFirst?.startMs ?? durationMs,
    };
  });

  return { durationMs, sentences, chapters };
}
