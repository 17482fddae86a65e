/**
 * Loudness and true peak as ITU-R BS.1770-4 measures them, for mono PCM at any
 * sample rate (eSpeak renders 22 050 Hz):
 *
 * - Integrated loudness (LUFS): the K-weighting filter (a high-shelf then a
 *   high-pass, both derived for the signal's own rate from the analogue
 *   prototype, as libebur128 does, so they match the 48 kHz coefficients the
 *   Recommendation lists), the mean square over 400 ms blocks overlapping by
 *   75%, then the blocks above -70 LUFS, then those within 10 LU of their mean.
 * - True peak (dBTP): the largest magnitude of the signal oversampled 4x
 *   (Annex 2) with a windowed-sinc interpolator of 4 phases x 16 taps.
 *
 * Mono is one channel of weight 1, as ffmpeg's `ebur128` and `loudnorm` read
 * it; the tests hold our figures to theirs.
 */

/** Loudness of silence, or of a signal too short for one 400 ms block. */
export const SILENT_LUFS = Number.NEGATIVE_INFINITY;

const ABSOLUTE_GATE_LUFS = -70;
const RELATIVE_GATE_LU = -10;
const BLOCK_SECONDS = 0.4;
const HOP_SECONDS = 0.1;

/** Samples as floats in [-1, 1): Int16 PCM scaled by 1/32768, or floats as they are. */
export type Pcm = Int16Array | Float32Array | Float64Array;

/** The samples as one kind of array (one shape for the loops below to be compiled for), full scale 1. */
function asFloats(samples: Pcm): Float64Array {
  if (samples instanceof Float64Array) return samples;
  const floats = new Float64Array(samples.length);
  const scale = samples instanceof Int16Array ? 1 / 32768 : 1;
  for (let i = 0; i < samples.length; i++) floats[i] = samples[i]! * scale;
  return floats;
}

/** The K-weighting filter's two biquads for `sampleRate`: [b0, b1, b2, a1, a2] each. */
function kWeighting(sampleRate: number): [number[], number[]] {
  // Stage 1, the head's acoustic effect: a high shelf of about +4 dB above 1.5 kHz.
  let f0 = 1681.974450955533;
  const gainDb = 3.999843853973347;
  let q = 0.7071752369554196;
  let k = Math.tan((Math.PI * f0) / sampleRate);
  const vh = 10 ** (gainDb / 20);
  const vb = vh ** 0.4996667741545416;
  let a0 = 1 + k / q + k * k;
  const shelf = [(vh + (vb * k) / q + k * k) / a0, (2 * (k * k - vh)) / a0, (vh - (vb * k) / q + k * k) / a0, (2 * (k * k - 1)) / a0, (1 - k / q + k * k) / a0];
  // Stage 2, RLB weighting: a second-order high-pass at about 38 Hz.
  f0 = 38.13547087602444;
  q = 0.5003270373238773;
  k = Math.tan((Math.PI * f0) / sampleRate);
  a0 = 1 + k / q + k * k;
  const highPass = [1, -2, 1, (2 * (k * k - 1)) / a0, (1 - k / q + k * k) / a0];
  return [shelf, highPass];
}

/** The K-weighted signal squared, summed per 100 ms hop: blocks are four hops. */
function weightedEnergyPerHop(floats: Float64Array, sampleRate: number): { hops: Float64Array; hopLength: number } {
  const [s, h] = kWeighting(sampleRate) as [number[], number[]];
  const hopLength = Math.round(sampleRate * HOP_SECONDS);
  const hops = new Float64Array(Math.floor(floats.length / hopLength));
  // Direct form II transposed, both stages in one pass.
  let s1 = 0;
  let s2 = 0;
  let h1 = 0;
  let h2 = 0;
  for (let hop = 0, i = 0; hop < hops.length; hop++) {
    let sum = 0;
    for (const end = i + hopLength; i < end; i++) {
      const x = floats[i]!;
      const y1 = s[0]! * x + s1;
      s1 = s[1]! * x - s[3]! * y1 + s2;
      s2 = s[2]! * x - s[4]! * y1;
      const y2 = h[0]! * y1 + h1;
      h1 = h[1]! * y1 - h[3]! * y2 + h2;
      h2 = h[2]! * y1 - h[4]! * y2;
      sum += y2 * y2;
    }
    hops[hop] = sum;
  }
  return { hops, hopLength };
}

const lufsOf = (meanSquare: number): number => -0.691 + 10 * Math.log10(meanSquare);

/**
 * Integrated loudness in LUFS ({@link SILENT_LUFS} for silence or under 400 ms).
 * @param samples mono PCM: Int16 (full scale 32768) or floats (full scale 1)
 */
export function integratedLoudness(samples: Pcm, sampleRate: number): number {
  const { hops, hopLength } = weightedEnergyPerHop(asFloats(samples), sampleRate);
  const hopsPerBlock = Math.round(BLOCK_SECONDS / HOP_SECONDS);
  const blockLength = hopLength * hopsPerBlock;
  const blocks: number[] = [];
  for (let first = 0; first + hopsPerBlock <= hops.length; first++) {
    let sum = 0;
    for (let hop = first; hop < first + hopsPerBlock; hop++) sum += hops[hop]!;
    blocks.push(sum / blockLength);
  }
  const audible = blocks.filter((meanSquare) => lufsOf(meanSquare) > ABSOLUTE_GATE_LUFS);
  if (audible.length === 0) return SILENT_LUFS;
  const relativeGate = lufsOf(audible.reduce((a, b) => a + b, 0) / audible.length) + RELATIVE_GATE_LU;
  const gated = audible.filter((meanSquare) => lufsOf(meanSquare) > relativeGate);
  return lufsOf(gated.reduce((a, b) => a + b, 0) / gated.length);
}

const PHASES = 4;
const TAPS = 16;

/**
 * The interpolator, phases 1 to 3 one after another: phase p (p/4 of a sample after
 * input sample n) is 16 taps over inputs n - 7 to n + 8. A Kaiser window (beta 8)
 * over the 64-tap prototype sinc; each phase is normalised to a gain of 1.
 */
const INTERPOLATOR: Float64Array = (() => {
  const taps = new Float64Array((PHASES - 1) * TAPS);
  const beta = 8;
  const bessel = (x: number): number => {
    let sum = 1;
    let term = 1;
    for (let k = 1; k < 30; k++) {
      term *= (x / (2 * k)) ** 2;
      sum += term;
    }
    return sum;
  };
  const half = (PHASES * TAPS) / 2;
  for (let p = 1; p < PHASES; p++) {
    const phase = taps.subarray((p - 1) * TAPS, p * TAPS);
    for (let t = 0; t < TAPS; t++) {
      // Distance in input samples from the interpolated point to input n - 7 + t.
      const d = t - (TAPS / 2 - 1) - p / PHASES;
      const position = d * PHASES;
      const sinc = Math.sin(Math.PI * d) / (Math.PI * d);
      const window = Math.abs(position) >= half ? 0 : bessel(beta * Math.sqrt(1 - (position / half) ** 2)) / bessel(beta);
      phase[t] = sinc * window;
    }
    const sum = phase.reduce((a, b) => a + b, 0);
    for (let t = 0; t < TAPS; t++) phase[t]! /= sum;
  }
  return taps;
})();

/** The most any phase can amplify its inputs: the sum of its taps' magnitudes. */
const INTERPOLATOR_BOUND = Math.max(
  ...[1, 2, 3].map((p) => INTERPOLATOR.subarray((p - 1) * TAPS, p * TAPS).reduce((sum, tap) => sum + Math.abs(tap), 0)),
);

/**
 * For each input sample n, the largest magnitude the 4x oversampled signal
 * reaches from n up to (not including) n + 1: the sample itself and the three
 * points the interpolator finds after it.
 *
 * Interpolating is the costly part, and only peaks matter: where even the
 * largest value the interpolator could make of the inputs around n stays under
 * `floor`, that bound is given instead (it is under `floor` too). With the
 * default `floor` of 0 every value is exact.
 */
export function truePeakEnvelope(samples: Pcm, floor = 0): Float64Array {
  const before = TAPS / 2 - 1;
  // Zeros around the signal, so the loop needs no bounds checks.
  const padded = new Float64Array(samples.length + TAPS);
  padded.set(asFloats(samples), before);
  const envelope = new Float64Array(samples.length);
  const taps = INTERPOLATOR;
  // The largest magnitude in each aligned run of 16 inputs: the 16 inputs a point uses lie in at most two runs.
  const runs = new Float64Array(Math.ceil(padded.length / TAPS));
  for (let i = 0; i < padded.length; i++) {
    const magnitude = Math.abs(padded[i]!);
    if (magnitude > runs[i >> 4]!) runs[i >> 4] = magnitude;
  }
  for (let n = 0; n < samples.length; n++) {
    let peak = Math.abs(padded[n + before]!);
    const inputs = Math.max(runs[n >> 4]!, runs[(n + TAPS - 1) >> 4]!);
    const bound = Math.max(peak, INTERPOLATOR_BOUND * inputs);
    if (bound < floor) {
      envelope[n] = bound;
      continue;
    }
    for (let phase = 0; phase < (PHASES - 1) * TAPS; phase += TAPS) {
      let value = 0;
      for (let t = 0; t < TAPS; t++) value += taps[phase + t]! * padded[n + t]!;
      if (value > peak) peak = value;
      else if (-value > peak) peak = -value;
    }
    envelope[n] = peak;
  }
  return envelope;
}

/** Decibels of a linear magnitude (full scale 1). */
export const toDb = (linear: number): number => 20 * Math.log10(linear);
/** The linear magnitude of `db` decibels. */
export const fromDb = (db: number): number => 10 ** (db / 20);

/** True peak in dBTP (minus infinity for silence). */
export function truePeak(samples: Pcm): number {
  // The true peak is at least the largest sample: only points that could pass it are interpolated.
  let samplePeak = 0;
  for (const value of samples) if (Math.abs(value) > samplePeak) samplePeak = Math.abs(value);
  let peak = 0;
  for (const value of truePeakEnvelope(samples, samples instanceof Int16Array ? samplePeak / 32768 : samplePeak)) if (value > peak) peak = value;
  return toDb(peak);
}
