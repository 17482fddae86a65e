/**
 * Speech brought to the podcast norm: -16 LUFS integrated with the true peak
 * at most -1 dBTP (Apple; AES TD1004), measured per ITU-R BS.1770 (./loudness.ts).
 *
 * eSpeak's speech has a high crest factor (the-story: -21.6 LUFS with peaks at
 * -0.2 dBTP), so the gain that brings it to -16 LUFS would push its peaks far
 * over the ceiling. A true-peak limiter takes them down: it looks 5 ms ahead,
 * so the gain is already down when a peak comes, and comes back over 80 ms,
 * smoothly (a gain that moves within a few samples is heard as a click or as
 * distortion). The limiter's reductions lower the loudness a little, so the
 * gain is measured and set again until the loudness is on target.
 *
 * The ceiling here is below -1 dBTP: MP3 and Opus encoders add overshoot of
 * their own, and it is the decoded file that must stay under -1 dBTP.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { SILENT_LUFS, fromDb, integratedLoudness, toDb, truePeakEnvelope } from './loudness.js';

/** The podcast norm's integrated loudness. */
export const TARGET_LUFS = -16;
/**
 * Where the master is aimed: a little above the norm, because the encoders' low-pass
 * takes high frequencies (which K-weighting counts more) away. Measured on the pack:
 * MP3 (48 kb/s) and Opus (32 kb/s) files read 0.4 to 0.6 LU under the PCM they were
 * made from, so files land at about -16.2 and the WAV at -15.7, all within ±1.
 */
export const MASTER_TARGET_LUFS = -15.7;
/** The norm's true-peak ceiling, for the encoded files. */
export const MAX_TRUE_PEAK_DBTP = -1;
/**
 * Where the limiter holds the PCM's true peak: 1 dB under the norm, for the
 * encoders' own overshoot (measured on the pack at 48 kb/s MP3 and 32 kb/s Opus:
 * see the README of this folder).
 */
export const LIMITER_CEILING_DBTP = -2;
/**
 * The ceiling of the master Opus is made from, normalised again to it (so its
 * loudness stays): libopus at 32 kb/s adds 2.4 to 2.6 dB of true peak in CELT mode
 * (see ../audio/opus.ts), where LAME adds 0.2. Through opusenc (used only without
 * ffmpeg) it adds 3.3 dB: those files peak at about -0.7 dBTP, over the norm.
 */
export const OPUS_CEILING_DBTP = -4;

const LOOK_AHEAD_SECONDS = 0.005;
const RELEASE_SECONDS = 0.08;
/** Loudness within this of the target is on target: well inside the norm's ±1 LU. */
const TOLERANCE_LU = 0.2;
const MAX_PASSES = 8;

export interface LoudnessOptions {
  readonly targetLufs?: number;
  readonly ceilingDbtp?: number;
}

/** What normalising did: the loudness and true peak before and after, and the gain applied before limiting. */
export interface LoudnessReport {
  readonly inputLufs: number;
  readonly outputLufs: number;
  readonly outputTruePeakDbtp: number;
  readonly gainDb: number;
}

/** For each sample, the largest gain (at most 1) that keeps `peaks * gain` under `ceiling`. */
function allowedGain(peaks: Float64Array, gain: number, ceiling: number): Float32Array {
  const allowed = new Float32Array(peaks.length);
  for (let n = 0; n < peaks.length; n++) {
    const peak = peaks[n]! * gain;
    allowed[n] = peak > ceiling ? ceiling / peak : 1;
  }
  return allowed;
}

/**
 * The limiter's gain curve: never above `allowed` at any sample, and smooth.
 * 1. The least allowed gain over the next `lookAhead` samples (a sliding minimum).
 * 2. Released towards 1 with a time constant, never above step 1.
 * 3. Averaged over `lookAhead` samples: the gain ramps down over the look-ahead
 *    before a peak. Each sample of that average is at most the allowed gain of
 *    every sample within `lookAhead` after it, so the result stays under `allowed`.
 */
export function limiterGain(allowed: Float32Array, lookAhead: number, releasePerSample: number): Float32Array {
  const length = allowed.length;
  const held = new Float32Array(length);
  // Step 1: a monotonic queue of indices with increasing allowed gain, over [n, n + lookAhead).
  const queue = new Int32Array(length + 1);
  let head = 0;
  let tail = 0;
  let next = 0;
  let released = 1;
  for (let n = 0; n < length; n++) {
    for (; next < Math.min(length, n + lookAhead); next++) {
      while (tail > head && allowed[queue[tail - 1]!]! >= allowed[next]!) tail--;
      queue[tail++] = next;
    }
    while (queue[head]! < n) head++;
    const least = allowed[queue[head]!]!;
    // Step 2.
    released += (1 - released) * releasePerSample;
    if (least < released) released = least;
    held[n] = released;
  }
  // Step 3: a running mean over the last `lookAhead` samples; before the start, the first
  // sample's gain (so a peak at the very start is already met: that gain covers it).
  const gain = new Float32Array(length);
  const first = held[0] ?? 1;
  let sum = lookAhead * first;
  for (let n = 0; n < length; n++) {
    sum += held[n]! - (n >= lookAhead ? held[n - lookAhead]! : first);
    gain[n] = sum / lookAhead;
  }
  return gain;
}

function largest(values: Float64Array): number {
  let most = 0;
  for (const value of values) if (value > most) most = value;
  return most;
}

function applied(samples: Int16Array, gain: number, curve: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let n = 0; n < samples.length; n++) {
    const value = Math.round(samples[n]! * gain * curve[n]!);
    out[n] = value > 32767 ? 32767 : value < -32768 ? -32768 : value;
  }
  return out;
}

/**
 * `samples` at the target loudness with the true peak under the ceiling. Silence,
 * and audio shorter than one 400 ms block, come back as they are. Exact zeros
 * stay zero (gain only multiplies), so the silence the time line is aligned
 * to (`renditions/timings.ts`) is where it was. Each pass over the samples is
 * a turn of its own: other requests are answered in between.
 */
export async function normalizeLoudness(samples: Int16Array, sampleRate: number, options: LoudnessOptions = {}): Promise<{ samples: Int16Array; report: LoudnessReport }> {
  const target = options.targetLufs ?? MASTER_TARGET_LUFS;
  const ceilingDb = options.ceilingDbtp ?? LIMITER_CEILING_DBTP;
  const inputLufs = integratedLoudness(samples, sampleRate);
  if (inputLufs === SILENT_LUFS) return { samples, report: { inputLufs, outputLufs: inputLufs, outputTruePeakDbtp: toDb(0), gainDb: 0 } };
  const lookAhead = Math.max(1, Math.round(sampleRate * LOOK_AHEAD_SECONDS));
  const releasePerSample = 1 - Math.exp(-1 / (sampleRate * RELEASE_SECONDS));
  const ceilingLinear = fromDb(ceilingDb);
  let gainDb = target - inputLufs;
  // Exact true peaks only where they could reach the ceiling with up to 12 dB more gain than the first guess.
  const peaks = truePeakEnvelope(samples, ceilingLinear / fromDb(gainDb + 12));
  await nextTurn();
  // The interpolated peaks move a little with the gain curve under them: aim a hair lower, and check.
  let ceiling = ceilingLinear * 0.995;
  let out = samples;
  let outputLufs = inputLufs;
  let outputPeak = Number.NaN;
  // The last two tries, for the secant step: the limiter makes loudness grow less than the gain.
  let previous: { gainDb: number; lufs: number } | undefined;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const gain = fromDb(gainDb);
    const curve = limiterGain(allowedGain(peaks, gain, ceiling), lookAhead, releasePerSample);
    await nextTurn();
    out = applied(samples, gain, curve);
    outputLufs = integratedLoudness(out, sampleRate);
    await nextTurn();
    outputPeak = Number.NaN;
    if (Math.abs(target - outputLufs) > TOLERANCE_LU) {
      const slope = previous === undefined || previous.lufs === outputLufs ? 1 : (outputLufs - previous.lufs) / (gainDb - previous.gainDb);
      previous = { gainDb, lufs: outputLufs };
      // Between half and all of the gain reaches the loudness; clamp so a flat stretch cannot send it far.
      gainDb += (target - outputLufs) / Math.min(1, Math.max(0.25, slope));
      continue;
    }
    outputPeak = largest(truePeakEnvelope(out, ceilingLinear));
    if (outputPeak <= ceilingLinear) break;
    ceiling *= ceilingLinear / outputPeak;
  }
  if (Number.isNaN(outputPeak)) outputPeak = largest(truePeakEnvelope(out, ceilingLinear));
  return { samples: out, report: { inputLufs, outputLufs, outputTruePeakDbtp: toDb(outputPeak), gainDb } };
}
