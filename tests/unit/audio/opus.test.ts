import { describe, test, expect, beforeAll, afterEach } from 'vitest';
import { EncoderError } from '../../../server/src/audio/encoder-error.js';
import { availableEncoders } from '../../../server/src/audio/encoders.js';
import { opusEncoder, type OpusProgram } from '../../../server/src/audio/opus.js';
import { decodeWithFfmpeg, requireProgram } from './installed-programs.js';
import { SAMPLE_SECONDS, threeSecondsOfSpeech } from './speech-sample.js';

/** The first Ogg page's packet: `OpusHead`, version 1, then the channel count (RFC 7845 section 5.1). */
function opusHead(ogg: Buffer): { magic: string; version: number; channels: number } {
  expect(ogg.toString('ascii', 0, 4)).toBe('OggS');
  const segments = ogg[26]!;
  const packet = 27 + segments;
  return { magic: ogg.toString('ascii', packet, packet + 8), version: ogg[packet + 8]!, channels: ogg[packet + 9]! };
}

describe.each([
  { program: 'ffmpeg' as OpusProgram, versionArgs: ['-version'] },
  { program: 'opusenc' as OpusProgram, versionArgs: ['--version'] },
])('encodeOpus with $program', ({ program, versionArgs }) => {
  let speech: { samples: Int16Array; sampleRate: number };
  let ogg: Buffer;

  beforeAll(async () => {
    await requireProgram(program, versionArgs);
    speech = await threeSecondsOfSpeech();
    const encoder = opusEncoder({ programs: [program] });
    expect(await encoder.detect()).toBe(program);
    ogg = await encoder.encodeOpus(speech.samples, speech.sampleRate);
  });

  test('writes an Ogg Opus stream for one channel', () => {
    expect(opusHead(ogg)).toEqual({ magic: 'OpusHead', version: 1, channels: 1 });
  });

  test('is about 32 kb/s', () => {
    // Ogg and Opus headers add a few kB on a file this short.
    expect(ogg.length).toBeGreaterThan(((32_000 / 8) * SAMPLE_SECONDS) * 0.7);
    expect(ogg.length).toBeLessThan(((32_000 / 8) * SAMPLE_SECONDS) * 1.6 + 2000);
  });

  test('decodes back (ffmpeg) to the same duration within 100 ms', async () => {
    const decoded = await decodeWithFfmpeg(ogg, 22050);
    expect(Math.abs(decoded.length - speech.samples.length) / 22.05).toBeLessThan(100);
  });
});

describe('opusEncoder without a program', () => {
  const path = process.env.PATH;
  afterEach(() => {
    process.env.PATH = path;
  });

  test('detects nothing and refuses to encode, saying what to install', async () => {
    process.env.PATH = '';
    const encoder = opusEncoder({});
    expect(await encoder.detect()).toBeUndefined();
    const error: unknown = await encoder.encodeOpus(new Int16Array(100), 22050).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EncoderError);
    expect((error as Error).message).toMatch(/needs ffmpeg or opusenc on the PATH.*apt-get install ffmpeg/);
  });

  test('availableEncoders offers Opus only where a program makes it', async () => {
    await requireProgram('ffmpeg', ['-version']);
    expect((await availableEncoders()).map((encoder) => encoder.format)).toEqual(['mp3', 'opus']);
  });
});
