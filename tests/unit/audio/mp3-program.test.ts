import { beforeAll, describe, expect, test } from 'vitest';
import { EncoderError } from '../../../server/src/audio/encoder-error.js';
import { availableEncoders, ffmpegMp3Encoder } from '../../../server/src/audio/encoders.js';
import { runProgram } from '../../../server/src/audio/external-program.js';
import { MP3_ENCODER_DELAY, countFrames } from '../../../server/src/audio/mp3.js';
import { ffmpegMp3Available, openFfmpegMp3Stream } from '../../../server/src/audio/mp3-program.js';
import { decodeWithFfmpeg, requireProgram } from './installed-programs.js';
import { threeSecondsOfSpeech } from './speech-sample.js';

/** ffmpeg processes that are children of this test process. */
async function childFfmpegs(): Promise<string[]> {
  const { stdout } = await runProgram('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)]);
  return stdout.toString('utf8').split('\n').filter((line) => line.includes('ffmpeg'));
}

describe('MP3 through ffmpeg', () => {
  let speech: { samples: Int16Array; sampleRate: number };
  let mp3: Buffer;

  beforeAll(async () => {
    await requireProgram('ffmpeg', ['-version']);
    speech = await threeSecondsOfSpeech();
    mp3 = await ffmpegMp3Encoder.encode(speech.samples, speech.sampleRate);
  });

  test('is what this machine uses for MP3, since ffmpeg has libmp3lame', async () => {
    expect(await ffmpegMp3Available()).toBe(true);
    expect((await availableEncoders()).find((encoder) => encoder.format === 'mp3')).toBe(ffmpegMp3Encoder);
  });

  test('writes 48 kb/s mono MP3 after a gapless Info frame, and decodes to exactly the input’s length', async () => {
    expect(mp3.toString('ascii', 13, 17)).toBe('Info');
    expect(mp3.readUInt32BE(21)).toBe(countFrames(mp3) - 1);
    expect(mp3.readUInt32BE(25)).toBe(mp3.length);
    expect(mp3.readUIntBE(50, 3) >> 12).toBe(MP3_ENCODER_DELAY);
    // No ID3 tag at either end, no Xing frame of ffmpeg's own: the Info frame is the only one.
    expect(mp3.subarray(17).includes('Info')).toBe(false);
    expect(mp3.toString('ascii', 0, 3)).not.toBe('ID3');
    expect(mp3.toString('ascii', mp3.length - 128, mp3.length - 125)).not.toBe('TAG');
    const expected = (48_000 / 8) * (speech.samples.length / speech.sampleRate);
    expect(mp3.length).toBeGreaterThan(expected * 0.97);
    expect(mp3.length).toBeLessThan(expected * 1.06);
    const decoded = await decodeWithFfmpeg(mp3, speech.sampleRate);
    expect(decoded.length).toBe(speech.samples.length);
    expect(decoded.reduce((max, value) => Math.max(max, Math.abs(value)), 0)).toBeGreaterThan(3000);
  });

  test('gives its bytes as ffmpeg writes them, before the end', async () => {
    const arrived: number[] = [];
    let ended = false;
    const stream = openFfmpegMp3Stream(speech.sampleRate, (bytes) => arrived.push(ended ? -bytes.length : bytes.length));
    // Ten times the sample, in steps: ffmpeg writes frames while more input comes.
    for (let round = 0; round < 10; round++) await stream.write(speech.samples);
    while (arrived.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const { header } = await stream.end();
    ended = true;
    expect(header.toString('ascii', 13, 17)).toBe('Info');
    expect(arrived.filter((size) => size > 0).length).toBeGreaterThan(0);
    expect(await childFfmpegs()).toEqual([]);
  });

  test('abandoning stops the ffmpeg process; a finished stream refuses more', async () => {
    const stream = openFfmpegMp3Stream(speech.sampleRate, () => undefined);
    await stream.write(speech.samples);
    stream.abandon();
    await expect(stream.write(speech.samples)).rejects.toBeInstanceOf(EncoderError);
    for (let tries = 0; tries < 100 && (await childFfmpegs()).length > 0; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await childFfmpegs()).toEqual([]);
  });

  test('refuses a bit rate the sample rate cannot carry', () => {
    expect(() => openFfmpegMp3Stream(22_050, () => undefined, { kbps: 320 })).toThrow(/not an MP3 bit rate/);
  });
});
