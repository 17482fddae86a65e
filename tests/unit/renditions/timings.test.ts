import { describe, expect, test } from 'vitest';
import { SOUND_LEVEL } from '../../../server/src/audio/samples.js';
import { MAX_LEAD_IN_MS, alignToSound } from '../../../server/src/renditions/timings.js';
import type { TimingEvent } from '../../../server/src/speech/engine.js';

const RATE = 1000; // one sample a millisecond keeps the arithmetic readable

/** Silence with sound in the given [from, to) millisecond spans. */
function signal(length: number, spans: readonly [number, number][]): Int16Array {
  const samples = new Int16Array(length);
  for (const [from, to] of spans) samples.fill(2000, from, to);
  return samples;
}

const mark = (name: string, audioMs: number): TimingEvent => ({ type: 'mark', audioMs, textPosition: 1, name });

describe('alignToSound', () => {
  test.each([
    { name: 'moves a mark over the lead-in silence to the first sound', events: [mark('a', 100)], spans: [[149, 400]], expected: [149] },
    { name: 'leaves a mark already on sound', events: [mark('a', 100)], spans: [[50, 400]], expected: [100] },
    { name: 'ignores sound quieter than the sound level', events: [mark('a', 0)], spans: [[20, 400]], quiet: [5, 10], expected: [20] },
    { name: 'does not move further than the longest lead-in', events: [mark('a', 0)], spans: [[MAX_LEAD_IN_MS + 5, 900]], expected: [0] },
    { name: 'never moves past the next mark', events: [mark('a', 0), mark('b', 60)], spans: [[100, 400]], expected: [0, 100] },
    { name: 'stays put in silence that runs to the end', events: [mark('a', 950)], spans: [[0, 100]], expected: [950] },
  ])('$name', ({ events, spans, expected, quiet }) => {
    const samples = signal(1000, spans as [number, number][]);
    if (quiet !== undefined) samples.fill(SOUND_LEVEL - 1, quiet[0], quiet[1]);
    expect(alignToSound(events, samples, RATE).map((event) => event.audioMs)).toEqual(expected);
  });

  test('moves a sentence event with its mark and leaves word events alone', () => {
    const events: TimingEvent[] = [{ type: 'sentence', audioMs: 10, textPosition: 1 }, mark('a', 10), { type: 'word', audioMs: 12, textPosition: 3, length: 4 }];
    expect(alignToSound(events, signal(500, [[59, 300]]), RATE).map((event) => [event.type, event.audioMs])).toEqual([
      ['sentence', 59],
      ['mark', 59],
      ['word', 12],
    ]);
  });

  test('rounds up to the millisecond, so a time is never just before the sound', () => {
    const samples = new Int16Array(22_050);
    samples.fill(3000, 1103);
    // Sample 1103 is at 50.02 ms: 51, not 50.
    expect(alignToSound([mark('a', 0)], samples, 22_050)[0]!.audioMs).toBe(51);
  });
});
