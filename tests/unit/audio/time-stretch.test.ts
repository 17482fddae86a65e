import { describe, test, expect } from 'vitest';
import { timeStretch } from '../../../server/src/audio/time-stretch.js';

const RATE = 22050;

function sine(frequency: number, seconds: number): Int16Array {
  return Int16Array.from({ length: Math.round(seconds * RATE) }, (_, i) => Math.round(12000 * Math.sin((2 * Math.PI * frequency * i) / RATE)));
}

/** Estimated frequency from rising zero crossings, ignoring the edges. */
function frequencyOf(samples: Int16Array): number {
  const from = Math.floor(samples.length * 0.1);
  const to = Math.floor(samples.length * 0.9);
  let crossings = 0;
  for (let i = from + 1; i < to; i++) if ((samples[i - 1] ?? 0) < 0 && (samples[i] ?? 0) >= 0) crossings++;
  return crossings / ((to - from) / RATE);
}

describe('timeStretch', () => {
  test('shortens by the speed factor and keeps the pitch', () => {
    const input = sine(180, 2);
    for (const speed of [1.25, 1.6, 2]) {
      const output = timeStretch(input, RATE, speed);
      expect(output.length).toBe(Math.round(input.length / speed));
      expect(frequencyOf(output)).toBeGreaterThan(170);
      expect(frequencyOf(output)).toBeLessThan(190);
    }
  });

  test('keeps the level: no fade at the start, no doubling in the overlaps', () => {
    const output = timeStretch(sine(200, 1), RATE, 1.5);
    const peak = output.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
    expect(peak).toBeGreaterThan(11000);
    expect(peak).toBeLessThan(13500);
    const firstMs = output.subarray(0, Math.round(RATE / 1000) * 5);
    expect(firstMs.reduce((max, value) => Math.max(max, Math.abs(value)), 0)).toBeGreaterThan(8000);
  });

  test('leaves silence silent and a speed of 1 unchanged', () => {
    expect(timeStretch(new Int16Array(5000), RATE, 1.7).every((value) => value === 0)).toBe(true);
    const input = sine(300, 0.1);
    expect(timeStretch(input, RATE, 1)).toEqual(input);
    expect(timeStretch(new Int16Array(0), RATE, 2)).toEqual(new Int16Array(0));
    expect(timeStretch(Int16Array.from([1, 2, 3]), RATE, 2).length).toBe(2);
  });

  test('rejects a non-positive speed', () => {
    expect(() => timeStretch(new Int16Array(10), RATE, 0)).toThrow(RangeError);
    expect(() => timeStretch(new Int16Array(10), RATE, Number.NaN)).toThrow(RangeError);
  });
});
