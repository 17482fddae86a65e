import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, test, vi } from 'vitest';
import { EncoderError } from '../../../server/src/audio/encoder-error.js';
import { availableEncoders, bestMp3Encoder, ffmpegMp3Encoder, lameMp3Encoder } from '../../../server/src/audio/encoders.js';
import { runProgram } from '../../../server/src/external-program.js';
import { MP3_ENCODER_DELAY, countFrames } from '../../../server/src/audio/mp3.js';
import { mp3ProgramAvailable, openProgramMp3Stream, type Mp3Program } from '../../../server/src/audio/mp3-program.js';
import { decodeWithFfmpeg, requireProgram } from './installed-programs.js';
import { threeSecondsOfSpeech } from './speech-sample.js';

/** `program` processes that are children of this test process. */
async function children(program: Mp3Program): Promise<string[]> {
  const { stdout } = await runProgram('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)]);
  return stdout.toString('utf8').split('\n').filter((line) => line.trim().endsWith(` ${program}`));
}

test('this machine uses the lame program for MP3: it is installed (as is ffmpeg), and starts faster', async () => {
  await requireProgram('lame');
  expect(await mp3ProgramAvailable('lame')).toBe(true);
  expect(await mp3ProgramAvailable('ffmpeg')).toBe(true);
  expect(await bestMp3Encoder()).toBe(lameMp3Encoder);
  expect((await availableEncoders()).find((encoder) => encoder.format === 'mp3')).toBe(lameMp3Encoder);
});

/** The encoders module as a machine whose PATH holds only `programs` would load it (fresh: availability is kept per module). */
async function encodersWithOnly(programs: readonly string[]): Promise<typeof import('../../../server/src/audio/encoders.js')> {
  const folder = await mkdtemp(path.join(tmpdir(), 'atl-path-'));
  const saved = process.env.PATH;
  try {
    for (const program of programs) await symlink(execFileSync('which', [program]).toString().trim(), path.join(folder, program));
    process.env.PATH = folder;
    vi.resetModules();
    const fresh = await import('../../../server/src/audio/encoders.js');
    // Looked up now, while the PATH is this one.
    await fresh.bestMp3Encoder();
    return fresh;
  } finally {
    process.env.PATH = saved;
    await rm(folder, { recursive: true, force: true });
  }
}

test.each([
  { programs: ['lame', 'ffmpeg'], expected: 'lame-cli' },
  { programs: ['ffmpeg'], expected: 'lame-ffmpeg' },
  { programs: [], expected: 'lame-wasm' },
])('with $programs on the PATH, MP3 comes from $expected', async ({ programs, expected }) => {
  const fresh = await encodersWithOnly(programs);
  expect((await fresh.bestMp3Encoder()).id).toContain(`-${expected}-`);
});

describe.each([
  { program: 'lame' as const, encoder: lameMp3Encoder, versionArgs: ['--version'] },
  { program: 'ffmpeg' as const, encoder: ffmpegMp3Encoder, versionArgs: ['-version'] },
])('MP3 through $program', ({ program, encoder, versionArgs }) => {
  let speech: { samples: Int16Array; sampleRate: number };
  let mp3: Buffer;

  beforeAll(async () => {
    await requireProgram(program, versionArgs);
    speech = await threeSecondsOfSpeech();
    mp3 = await encoder.encode(speech.samples, speech.sampleRate);
  });

  test('writes 48 kb/s mono MP3 after a gapless Info frame, and decodes to exactly the input’s length', async () => {
    expect(mp3.toString('ascii', 13, 17)).toBe('Info');
    expect(mp3.readUInt32BE(21)).toBe(countFrames(mp3) - 1);
    expect(mp3.readUInt32BE(25)).toBe(mp3.length);
    expect(mp3.readUIntBE(50, 3) >> 12).toBe(MP3_ENCODER_DELAY);
    // No ID3 tag at either end, no Xing or LAME frame of the program's own: the Info frame is the only one.
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

  test('gives its bytes as the program writes them, before the end', async () => {
    const arrived: number[] = [];
    let ended = false;
    const stream = openProgramMp3Stream(program, speech.sampleRate, (bytes) => arrived.push(ended ? -bytes.length : bytes.length));
    // Ten times the sample, in steps: the program writes frames while more input comes.
    for (let round = 0; round < 10; round++) await stream.write(speech.samples);
    await vi.waitFor(() => expect(arrived.length).toBeGreaterThan(0), { timeout: 20_000, interval: 10 });
    const { header } = await stream.end();
    ended = true;
    expect(header.toString('ascii', 13, 17)).toBe('Info');
    expect(arrived.filter((size) => size > 0).length).toBeGreaterThan(0);
    expect(await children(program)).toEqual([]);
  });

  test('abandoning stops the process; a finished stream refuses more', async () => {
    const stream = openProgramMp3Stream(program, speech.sampleRate, () => undefined);
    await stream.write(speech.samples);
    stream.abandon();
    await expect(stream.write(speech.samples)).rejects.toBeInstanceOf(EncoderError);
    // Abandoning kills the process without waiting for it: wait for it to go.
    await vi.waitFor(async () => expect(await children(program)).toEqual([]), { timeout: 20_000 });
  });

  test('refuses a bit rate the sample rate cannot carry', () => {
    expect(() => openProgramMp3Stream(program, 22_050, () => undefined, { kbps: 320 })).toThrow(/not an MP3 bit rate/);
  });
});
