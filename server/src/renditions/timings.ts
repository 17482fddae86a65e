/**
 * Turns an engine's timing events into sentence and chapter times. The times
 * come from the same render as the audio, so captions and transcript cannot drift.
 */
import { firstSound } from '../audio/samples.js';
import type { Narration } from '../narration/narration.js';
import type { TimedChapter, TimedSentence, Timeline } from '../shared/timeline.js';
import type { TimingEvent } from '../speech/engine.js';

// Declared with the player's types; the render cache and the routes import them from here too.
export type { TimedChapter, TimedSentence, Timeline };

/** How far after a mark its sentence's sound may start and still be moved to: eSpeak's lead-in is 12 to 50 ms. */
export const MAX_LEAD_IN_MS = 250;

/**
 * Moves each mark and sentence event forward to where its sound starts.
 *
 * Why: eSpeak reports a mark where its sentence begins, which is before a
 * short stretch of silence (measured: 12 ms at the start of a document, 49 ms
 * after a pause, in both engines). A caption or a transcript seek then starts
 * on silence. The audio is right here, so read it: the event moves to the
 * first sound (../audio/samples.ts), if that comes within
 * {@link MAX_LEAD_IN_MS} and before the next event of its kind; otherwise it stays.
 * Events keep their order, and no event moves past the end.
 */
export function alignToSound(events: readonly TimingEvent[], samples: Int16Array, sampleRate: number): TimingEvent[] {
  const durationMs = (samples.length * 1000) / sampleRate;
  const starts = events.filter((event) => event.type !== 'word').map((event) => event.audioMs);
  const later = (ms: number): number => starts.find((start) => start > ms) ?? durationMs;
  return events.map((event) => {
    if (event.type === 'word') return event;
    const from = Math.max(0, Math.round((event.audioMs * sampleRate) / 1000));
    const limit = Math.min(samples.length, Math.round((Math.min(event.audioMs + MAX_LEAD_IN_MS, later(event.audioMs)) * sampleRate) / 1000));
    const sound = firstSound(samples, from, limit);
    // Rounded up, so the time is on or after the first sound, never just before it.
    return sound === undefined ? event : { ...event, audioMs: Math.ceil((sound * 1000) / sampleRate) };
  });
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
    const start = Math.max(previous, markTimes.get(sentence.mark) ?? previous);
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
