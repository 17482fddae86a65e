import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { SOUND_LEVEL, firstSound, innerSilences, joinSamples, leadingSilence, soundSpan, trailingSilence } from '../../../server/src/audio/samples.js';

describe('silence is exact digital zero', () => {
  test.each([
    { name: 'sound between silences', samples: [0, 0, 5, 0, -1, 0, 0, 0], leading: 2, trailing: 3 },
    { name: 'no silence', samples: [1, -1], leading: 0, trailing: 0 },
    { name: 'a whisper is not silence', samples: [0, 1, 0], leading: 1, trailing: 1 },
    { name: 'all silence', samples: [0, 0, 0], leading: 3, trailing: 3 },
    { name: 'nothing', samples: [], leading: 0, trailing: 0 },
  ])('leadingSilence and trailingSilence: $name', ({ samples, leading, trailing }) => {
    expect(leadingSilence(Int16Array.from(samples))).toBe(leading);
    expect(trailingSilence(Int16Array.from(samples))).toBe(trailing);
  });
});

describe('sound is a sample at SOUND_LEVEL or louder, either sign', () => {
  const quiet = SOUND_LEVEL - 1;
  test.each([
    { name: 'quiet padding around speech', samples: [0, quiet, -SOUND_LEVEL, 3, SOUND_LEVEL, -quiet, 0], first: 2, span: [2, 5] },
    { name: 'one loud sample', samples: [quiet, 0, 9000, 0], first: 2, span: [2, 3] },
    { name: 'only a whisper', samples: [quiet, -quiet, 0], first: undefined, span: undefined },
    { name: 'nothing', samples: [], first: undefined, span: undefined },
  ])('firstSound and soundSpan: $name', ({ samples, first, span }) => {
    expect(firstSound(Int16Array.from(samples))).toBe(first);
    expect(soundSpan(Int16Array.from(samples))).toEqual(span);
  });

  test('firstSound looks only within [from, to)', () => {
    const samples = Int16Array.from([100, 0, 0, 100, 0, 100]);
    expect(firstSound(samples, 1)).toBe(3);
    expect(firstSound(samples, 1, 3)).toBeUndefined();
    expect(firstSound(samples, 4, 99)).toBe(5);
  });
});

test('joinSamples lays pieces end to end, views included', () => {
  const backing = Int16Array.from([9, 8, 7, 6]);
  expect(joinSamples([Int16Array.from([1, 2]), new Int16Array(0), backing.subarray(1, 3)])).toEqual(Int16Array.from([1, 2, 8, 7]));
  expect(joinSamples([])).toEqual(new Int16Array(0));
});

describe('innerSilences: the native engine finds its separators with it', () => {
  /** Every sample looked at: the reference the skipping search must agree with. */
  function everySample(samples: Int16Array, minimum: number): [number, number][] {
    const runs: [number, number][] = [];
    let i = 0;
    while (i < samples.length && samples[i] === 0) i++;
    while (i < samples.length) {
      if (samples[i] !== 0) {
        i++;
        continue;
      }
      const start = i;
      while (i < samples.length && samples[i] === 0) i++;
      if (i < samples.length && i - start >= minimum) runs.push([start, i]);
    }
    return runs;
  }

  test('finds exactly the silences inside the audio at least the given length, skipping most samples', () => {
    // Audio as alternating stretches of sound and silence, some silences near the threshold.
    const stretch = fc.record({ sound: fc.integer({ min: 1, max: 300 }), silence: fc.integer({ min: 0, max: 300 }) });
    fc.assert(
      fc.property(fc.array(stretch, { maxLength: 40 }), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 120 }), (stretches, lead, minimum) => {
        const parts: number[] = Array.from({ length: lead }, () => 0);
        for (const { sound, silence } of stretches) parts.push(...Array.from({ length: sound }, (_, i) => (i % 7) - 3 || 1), ...Array.from({ length: silence }, () => 0));
        const samples = Int16Array.from(parts);
        expect(innerSilences(samples, minimum)).toEqual(everySample(samples, minimum));
      }),
      { numRuns: 500 },
    );
  });
});
