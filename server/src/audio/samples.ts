/**
 * What a stretch of mono 16-bit samples holds, in two words with one meaning
 * each: silence is exact digital zero (how eSpeak makes its pauses), sound is
 * a sample at {@link SOUND_LEVEL} or louder. And pieces of samples joined end
 * to end. Shared by the engines, which lay sentences together, and the
 * renditions, which lay chapters together and align times to sound.
 */

/**
 * A sample this loud or louder (either sign) is sound: about -54 dBFS, a
 * whisper's level, so a program's quiet padding around its speech is not
 * taken for speech. eSpeak's own pauses are exact digital silence (0).
 */
export const SOUND_LEVEL = 64;

/** Samples of silence (exact zero) at the start. All of them when there is nothing else. */
export function leadingSilence(samples: Int16Array): number {
  let first = 0;
  while (first < samples.length && samples[first] === 0) first++;
  return first;
}

/** Samples of silence (exact zero) at the end: the pause the engine already put there. All of them when there is nothing else. */
export function trailingSilence(samples: Int16Array): number {
  let last = samples.length - 1;
  while (last >= 0 && samples[last] === 0) last--;
  return samples.length - 1 - last;
}

/**
 * Runs of silence (exact zero) of at least `minimum` samples, strictly inside
 * `samples` (not at the start or the end): [start, end). Looks at every
 * (minimum / 2)th sample and widens only where it finds a zero: a run that long
 * always holds one of the samples looked at, and the sound between is skipped
 * (scanning every sample cost 200 ms for the pack).
 */
export function innerSilences(samples: Int16Array, minimum: number): [number, number][] {
  const runs: [number, number][] = [];
  const stride = Math.max(1, Math.floor(minimum / 2));
  const lead = leadingSilence(samples);
  let i = lead;
  while (i < samples.length) {
    if (samples[i] !== 0) {
      i += stride;
      continue;
    }
    let start = i;
    while (start > lead && samples[start - 1] === 0) start--;
    let end = i;
    while (end < samples.length && samples[end] === 0) end++;
    if (end < samples.length && end - start >= minimum) runs.push([start, end]);
    i = end + stride;
  }
  return runs;
}

const isSound = (value: number | undefined): boolean => Math.abs(value ?? 0) >= SOUND_LEVEL;

/** The first sound in samples [from, to), or undefined when there is none. */
export function firstSound(samples: Int16Array, from = 0, to = samples.length): number | undefined {
  for (let i = Math.max(0, from); i < Math.min(to, samples.length); i++) if (isSound(samples[i])) return i;
  return undefined;
}

/** Where sound is: [first sound, last sound + 1), or undefined when there is none. */
export function soundSpan(samples: Int16Array): [number, number] | undefined {
  const first = firstSound(samples);
  if (first === undefined) return undefined;
  let last = samples.length - 1;
  while (last > first && !isSound(samples[last])) last--;
  return [first, last + 1];
}

/** `pieces` end to end in one new array. */
export function joinSamples(pieces: readonly Int16Array[]): Int16Array {
  const joined = new Int16Array(pieces.reduce((sum, piece) => sum + piece.length, 0));
  let offset = 0;
  for (const piece of pieces) {
    joined.set(piece, offset);
    offset += piece.length;
  }
  return joined;
}
