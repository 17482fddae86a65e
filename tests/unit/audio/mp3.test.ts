import { describe, test, expect, beforeAll } from 'vitest';
import { EncoderError } from '../../../server/src/audio/encoder-error.js';
import { mp3Encoder } from '../../../server/src/audio/encoders.js';
import { MP3_ENCODER_DELAY, countFrames, encodeMp3, openMp3Stream } from '../../../server/src/audio/mp3.js';
import { decodeWithFfmpeg } from './installed-programs.js';
import { SAMPLE_SECONDS, threeSecondsOfSpeech } from './speech-sample.js';

interface FrameHeader {
  readonly version: '1' | '2' | '2.5';
  readonly layer: number;
  readonly kbps: number;
  readonly sampleRate: number;
  readonly mono: boolean;
  readonly bytes: number;
  readonly samples: number;
}

const KBPS: Record<FrameHeader['version'], readonly number[]> = {
  '1': [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  '2': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  '2.5': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const RATES: Record<FrameHeader['version'], readonly number[]> = { '1': [44100, 48000, 32000], '2': [22050, 24000, 16000], '2.5': [11025, 12000, 8000] };

/** Reads the 4-byte MPEG audio frame header at `at` (ISO/IEC 11172-3 and 13818-3), or undefined without a sync word. */
function frameHeader(mp3: Buffer, at: number): FrameHeader | undefined {
  if (at + 4 > mp3.length || mp3[at] !== 0xff || ((mp3[at + 1] ?? 0) & 0xe0) !== 0xe0) return undefined;
  const b1 = mp3[at + 1]!;
  const b2 = mp3[at + 2]!;
  const b3 = mp3[at + 3]!;
  const version = (['2.5', undefined, '2', '1'] as const)[(b1 >> 3) & 3];
  if (version === undefined) return undefined;
  const layer = 4 - ((b1 >> 1) & 3);
  const kbps = KBPS[version][b2 >> 4] ?? 0;
  const sampleRate = RATES[version][(b2 >> 2) & 3] ?? 0;
  const padding = (b2 >> 1) & 1;
  const samples = version === '1' ? 1152 : 576;
  return { version, layer, kbps, sampleRate, mono: b3 >> 6 === 3, bytes: Math.floor((samples / 8) * ((kbps * 1000) / sampleRate)) + padding, samples };
}

describe('encodeMp3', () => {
  let speech: { samples: Int16Array; sampleRate: number };
  let mp3: Buffer;

  beforeAll(async () => {
    speech = await threeSecondsOfSpeech();
    mp3 = await encodeMp3(speech.samples, speech.sampleRate);
  });

  test('writes MPEG-2 Layer III frames at 48 kb/s, 22 050 Hz, mono, back to back', () => {
    const first = frameHeader(mp3, 0);
    expect(first).toMatchObject({ version: '2', layer: 3, kbps: 48, sampleRate: 22050, mono: true });
    let at = 0;
    let frames = 0;
    while (at < mp3.length) {
      const header = frameHeader(mp3, at);
      expect(header, `frame ${frames} at byte ${at}`).toMatchObject({ version: '2', layer: 3, kbps: 48, sampleRate: 22050, mono: true });
      at += header!.bytes;
      frames++;
    }
    expect(at).toBe(mp3.length);
    // The frames hold the input plus LAME's encoder delay and padding: at most a few frames more.
    expect(frames * 576).toBeGreaterThanOrEqual(speech.samples.length);
    expect(frames * 576 - speech.samples.length).toBeLessThan(576 * 4);
  });

  test('is about 48 kb/s times the duration', () => {
    const expected = (48_000 / 8) * SAMPLE_SECONDS;
    expect(mp3.length).toBeGreaterThan(expected * 0.97);
    expect(mp3.length).toBeLessThan(expected * 1.06);
  });

  test('decodes back (ffmpeg) gapless: the same number of samples, the speech where it was', async () => {
    const decoded = await decodeWithFfmpeg(mp3, 22050);
    // The Info frame's delay and padding let the decoder trim LAME's 576 + 529 samples of delay and its end padding.
    expect(decoded.length).toBe(speech.samples.length);
    const peak = decoded.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
    expect(peak).toBeGreaterThan(3000);
    // Aligned: the decoded speech matches the input at no offset, not at the untrimmed delay of 1 105 samples.
    const similarity = (lag: number): number => {
      let dot = 0;
      let a = 0;
      let b = 0;
      for (let i = 0; i + lag < decoded.length; i++) {
        const x = speech.samples[i]!;
        const y = decoded[i + lag]!;
        dot += x * y;
        a += x * x;
        b += y * y;
      }
      return dot / Math.sqrt(a * b);
    };
    expect(similarity(0)).toBeGreaterThan(0.8);
    expect(similarity(0)).toBeGreaterThan(similarity(MP3_ENCODER_DELAY + 529) + 0.3);
  });

  test('starts with an Info frame that names the frame count, the length, the delay and the padding', () => {
    // MPEG-2 mono: the tag follows 4 header bytes and 9 of side information.
    expect(mp3.toString('ascii', 13, 17)).toBe('Info');
    expect(mp3.readUInt32BE(17)).toBe(3);
    const frames = mp3.readUInt32BE(21);
    expect(frames).toBe(countFrames(mp3) - 1);
    expect(mp3.readUInt32BE(25)).toBe(mp3.length);
    expect(mp3.toString('ascii', 29, 33)).toBe('LAME');
    const delayAndPadding = mp3.readUIntBE(29 + 21, 3);
    expect(delayAndPadding >> 12).toBe(MP3_ENCODER_DELAY);
    expect(frames * 576 - MP3_ENCODER_DELAY - (delayAndPadding & 0xfff)).toBe(speech.samples.length);
  });

  test('streams: bytes come as samples go in, and are the whole file but its Info frame', async () => {
    const stream = await openMp3Stream(speech.sampleRate);
    const half = Math.floor(speech.samples.length / 2);
    const first = await stream.write(speech.samples.subarray(0, half));
    const second = await stream.write(speech.samples.subarray(half));
    const { tail, gapless } = await stream.end();
    expect(first.length).toBeGreaterThan(0);
    expect(Buffer.concat([gapless, first, second, tail]).equals(mp3)).toBe(true);
    await expect(stream.write(speech.samples)).rejects.toThrow(/finished/);
  });

  test('gives the same bytes for concurrent encodes as for one at a time (each has its own LAME instance)', async () => {
    const [a, b] = await Promise.all([encodeMp3(speech.samples, speech.sampleRate), mp3Encoder.encode(speech.samples, speech.sampleRate)]);
    expect(a.equals(mp3)).toBe(true);
    expect(b.equals(mp3)).toBe(true);
  });

  test('keeps another MP3 sample rate and bit rate when asked', async () => {
    const at44 = await encodeMp3(new Int16Array(44100), 44100, { kbps: 64 });
    expect(frameHeader(at44, 0)).toMatchObject({ version: '1', layer: 3, kbps: 64, sampleRate: 44100, mono: true });
  });

  test('refuses a bit rate the sample rate cannot carry', async () => {
    await expect(encodeMp3(speech.samples, 22050, { kbps: 320 })).rejects.toBeInstanceOf(EncoderError);
    await expect(encodeMp3(speech.samples, 22050, { kbps: 50 })).rejects.toThrow(/not an MP3 bit rate/);
    await expect(encodeMp3(speech.samples, 0)).rejects.toThrow(/sample rate/);
  });
});
