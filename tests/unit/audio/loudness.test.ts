/**
 * The BS.1770 meter and the normaliser: against signals whose loudness and true
 * peak are known, against ffmpeg's `ebur128` on real speech, and the limiter's
 * promises (never above the allowed gain, smooth, zeros stay zero).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SILENT_LUFS, fromDb, integratedLoudness, toDb, truePeak } from '../../../server/src/audio/loudness.js';
import { LIMITER_CEILING_DBTP, MASTER_TARGET_LUFS, limiterGain, normalizeLoudness } from '../../../server/src/audio/loudness-normalize.js';
import { encodeWav } from '../../../server/src/audio/wav.js';
import { measureLoudness } from '../../helpers/loudness.js';
import { requireProgram } from './installed-programs.js';
import { threeSecondsOfSpeech } from './speech-sample.js';

const RATE = 22_050;
const sine = (frequency: number, amplitude: number, seconds: number, phase = 0): Float64Array =>
  Float64Array.from({ length: Math.round(seconds * RATE) }, (_, n) => amplitude * Math.sin((2 * Math.PI * frequency * n) / RATE + phase));

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'atl-loudness-'));
});
afterAll(async () => {
  if (folder !== undefined) await rm(folder, { recursive: true, force: true });
});

describe('the BS.1770 meter', () => {
  test('a 997 Hz sine at full scale reads -3.01 LUFS, and 20 dB down reads 20 LU less (the Recommendation\'s own check)', () => {
    expect(integratedLoudness(sine(997, 1, 5), RATE)).toBeCloseTo(-3.01, 1);
    expect(integratedLoudness(sine(997, 0.1, 5), RATE)).toBeCloseTo(-23.01, 1);
  });

  test('silence, and less than one 400 ms block, has no loudness', () => {
    expect(integratedLoudness(new Int16Array(RATE * 2), RATE)).toBe(SILENT_LUFS);
    expect(integratedLoudness(sine(997, 0.5, 0.3), RATE)).toBe(SILENT_LUFS);
  });

  test('finds the peak between samples: a quarter-rate sine sampled 45° off its crests', () => {
    const signal = sine(RATE / 4, 0.5, 1, Math.PI / 4);
    const samplePeak = Math.max(...signal.map(Math.abs));
    expect(toDb(samplePeak)).toBeCloseTo(toDb(0.5) - 3.01, 1);
    expect(truePeak(signal)).toBeCloseTo(toDb(0.5), 0);
  });

  test('reads real speech as ffmpeg ebur128 does, within 0.2 LU and 0.3 dB', async () => {
    await requireProgram('ffmpeg', ['-version']);
    const { samples, sampleRate } = await threeSecondsOfSpeech();
    const file = path.join(folder, 'speech.wav');
    await writeFile(file, encodeWav(samples, sampleRate));
    const ffmpeg = await measureLoudness(file);
    expect(Math.abs(integratedLoudness(samples, sampleRate) - ffmpeg.integrated)).toBeLessThanOrEqual(0.2);
    expect(Math.abs(truePeak(samples) - ffmpeg.truePeak)).toBeLessThanOrEqual(0.3);
  });
});

describe('the limiter', () => {
  test('its gain never exceeds the allowed gain, and moves at most 1/look-ahead a sample', () => {
    const allowed = Float32Array.from({ length: 5000 }, (_, n) => (n % 700 === 350 ? 0.3 : n % 1300 === 20 ? 0.6 : 1));
    const gain = limiterGain(allowed, 110, 0.0006);
    for (let n = 0; n < allowed.length; n++) {
      expect(gain[n]!).toBeLessThanOrEqual(allowed[n]! + 1e-6);
      if (n > 0) expect(Math.abs(gain[n]! - gain[n - 1]!)).toBeLessThanOrEqual(1 / 110 + 1e-6);
    }
    // It is down at the peak, and comes back up after it (released over 80 ms at 22 050 Hz).
    expect(gain[350]!).toBeLessThanOrEqual(0.3 + 1e-6);
    expect(gain[900]!).toBeGreaterThan(gain[351]! + 0.1);
  });
});

describe('normalizeLoudness', () => {
  test('brings speech to the target with the true peak under the ceiling; zeros stay zero', async () => {
    const { samples, sampleRate } = await threeSecondsOfSpeech();
    const quiet = Int16Array.from(samples, (value) => Math.round(value * 0.2));
    const { samples: out, report } = await normalizeLoudness(quiet, sampleRate);
    expect(Math.abs(integratedLoudness(out, sampleRate) - MASTER_TARGET_LUFS)).toBeLessThanOrEqual(0.2);
    expect(truePeak(out)).toBeLessThanOrEqual(LIMITER_CEILING_DBTP + 0.01);
    expect(report.gainDb).toBeGreaterThan(0);
    for (let n = 0; n < quiet.length; n++) if (quiet[n] === 0) expect(out[n]).toBe(0);
  });

  test('gives silence back as it is', async () => {
    const silence = new Int16Array(RATE);
    expect((await normalizeLoudness(silence, RATE)).samples).toBe(silence);
  });

  test('a louder target or a lower ceiling is met too', async () => {
    const { samples, sampleRate } = await threeSecondsOfSpeech();
    const { samples: out } = await normalizeLoudness(samples, sampleRate, { targetLufs: -14, ceilingDbtp: -4 });
    expect(Math.abs(integratedLoudness(out, sampleRate) + 14)).toBeLessThanOrEqual(0.2);
    expect(truePeak(out)).toBeLessThanOrEqual(-4 + 0.01);
    expect(fromDb(0)).toBe(1);
  });
});
