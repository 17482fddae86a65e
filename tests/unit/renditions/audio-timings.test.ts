/**
 * The tracks against the audio itself: a real episode, rendered by each real
 * engine, encoded to MP3 and Opus (and WAV), decoded again by ffmpeg, and
 * measured. The captions come from the render's time line; these tests check
 * that the listener hears what they say when they say it, at the podcast norm's level.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { availableEncoders, ffmpegMp3Encoder, lameMp3Encoder, mp3Encoder } from '../../../server/src/audio/encoders.js';
import { createCatalog } from '../../../server/src/catalog.js';
import { loadContentPack } from '../../../server/src/content/load.js';
import { createRenditions, type Rendition } from '../../../server/src/renditions/renditions.js';
import { captionsVtt, chaptersJson, chaptersVtt } from '../../../server/src/renditions/tracks.js';
import { createEmbeddedEngine } from '../../../server/src/speech/embedded/embedded-engine.js';
import type { SpeechEngine } from '../../../server/src/speech/engine.js';
import { createNativeEspeakEngine } from '../../../server/src/speech/native/espeak-ng-engine.js';
import { CONTENT_DIR } from '../../helpers/paths.js';
import { expectPodcastNorm, measureLoudness } from '../../helpers/loudness.js';
import { decodeWithFfmpeg, requireProgram } from '../audio/installed-programs.js';

/** The shortest real episode (about a minute and a half): every kind of sentence, chapter turns, names. */
const EPISODE = 'release-and-how-to-watch';
const RATE = 22_050;
const perMs = RATE / 1000;
/** Speech: the RMS level of the 50 ms after a cue start. Measured: 236 at the quietest onset (an "s"), thousands usually. */
const SPEECH_RMS = 100;
/** Silence: the level of the 140 ms before a cue start (the pause between sentences). Measured: 0 to 2. */
const SILENCE_RMS = 30;

/** Cue start and end times, in ms, from a WebVTT file. */
function cueTimes(vtt: string): { start: number; end: number }[] {
  const ms = (h: string, m: string, s: string, t: string): number => ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000 + Number(t);
  return [...vtt.matchAll(/^(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})$/gm)].map((m) => ({
    start: ms(m[1]!, m[2]!, m[3]!, m[4]!),
    end: ms(m[5]!, m[6]!, m[7]!, m[8]!),
  }));
}

/** Root-mean-square level of the samples from `fromMs` to `toMs`. */
function rms(samples: Int16Array, fromMs: number, toMs: number): number {
  const from = Math.max(0, Math.round(fromMs * perMs));
  const to = Math.min(samples.length, Math.round(toMs * perMs));
  let sum = 0;
  for (let i = from; i < to; i++) sum += samples[i]! * samples[i]!;
  return Math.sqrt(sum / Math.max(1, to - from));
}

/** The cue starts (ms) that are not on speech that follows a silence. */
function startsOffSpeech(samples: Int16Array, starts: readonly number[]): number[] {
  return starts.filter((start, i) => rms(samples, start, start + 50) < SPEECH_RMS || (i > 0 && rms(samples, start - 150, start - 10) > SILENCE_RMS));
}

const ENGINES: readonly { name: string; create: () => SpeechEngine; needs?: string }[] = [
  { name: 'embedded', create: () => createEmbeddedEngine() },
  { name: 'espeak-ng', create: () => createNativeEspeakEngine(), needs: 'espeak-ng' },
];

describe.each(ENGINES)('a real episode rendered by the $name engine', ({ create, needs }) => {
  let engine: SpeechEngine;
  let cacheDir: string;
  const renditions: Record<string, Rendition> = {};
  const decoded: Record<string, Int16Array> = {};

  beforeAll(async () => {
    await requireProgram('ffmpeg', ['-version']);
    await requireProgram('lame');
    if (needs !== undefined) await requireProgram(needs);
    engine = create();
    cacheDir = await mkdtemp(path.join(tmpdir(), 'atl-audio-timings-'));
    const catalog = createCatalog(await loadContentPack(CONTENT_DIR));
    const encoders = await availableEncoders();
    // ffmpeg is here (required above), so Opus is too: the test covers every format the server offers.
    expect(encoders.map((encoder) => encoder.format)).toEqual(['mp3', 'opus']);
    expect(encoders[0]).toBe(lameMp3Encoder);
    const made = createRenditions({ engine, cacheDir, encoders });
    const narration = catalog.find(EPISODE)!.narration;
    for (const format of ['mp3', 'opus', 'wav'] as const) {
      const rendition = await made.render({ narration, format, rate: 1 });
      renditions[format] = rendition;
      decoded[format] = await decodeWithFfmpeg(rendition.audioFile, RATE);
    }
    // MP3 comes from the lame program here; where it is missing, from ffmpeg, else from LAME as WebAssembly: those too, from the same chapters.
    for (const [name, encoder] of [['mp3 (ffmpeg)', ffmpegMp3Encoder], ['mp3 (WebAssembly)', mp3Encoder]] as const) {
      const other = await createRenditions({ engine, cacheDir, encoders: [encoder] }).render({ narration, format: 'mp3', rate: 1 });
      renditions[name] = other;
      decoded[name] = await decodeWithFfmpeg(other.audioFile, RATE);
    }
  }, 180_000);

  afterAll(async () => {
    await engine?.close();
    if (cacheDir !== undefined) await rm(cacheDir, { recursive: true, force: true });
  });

  test.each(['mp3', 'mp3 (ffmpeg)', 'mp3 (WebAssembly)', 'opus', 'wav'])('%s: the last cue ends within 100 ms of the decoded audio’s end', (format) => {
    const cues = cueTimes(captionsVtt(renditions[format]!));
    const durationMs = decoded[format]!.length / perMs;
    expect(cues.length).toBe(renditions[format]!.sentences.length);
    expect(Math.abs(cues.at(-1)!.end - durationMs)).toBeLessThan(100);
    // The chapter tracks end there too.
    expect(Math.abs(cueTimes(chaptersVtt(renditions[format]!)).at(-1)!.end - durationMs)).toBeLessThan(100);
    expect(Math.abs(chaptersJson(renditions[format]!).chapters.at(-1)!.endTime * 1000 - durationMs)).toBeLessThan(100);
  });

  test.each(['mp3', 'mp3 (ffmpeg)', 'mp3 (WebAssembly)', 'opus', 'wav'])('%s: every cue starts on speech, right after the silence before it', (format) => {
    const starts = cueTimes(captionsVtt(renditions[format]!)).map((cue) => cue.start);
    expect(startsOffSpeech(decoded[format]!, starts)).toEqual([]);
    // The measure can tell: a quarter of a second earlier, the starts fall in the pauses.
    const early = starts.slice(1).map((start) => start - 250);
    expect(startsOffSpeech(decoded[format]!, early).length).toBeGreaterThan(early.length * 0.9);
  });

  test.each(['mp3', 'mp3 (ffmpeg)', 'mp3 (WebAssembly)', 'opus', 'wav'])('%s: -16 LUFS ±1 with the true peak at most -1 dBTP, as ffmpeg measures it', async (format) => {
    expectPodcastNorm(await measureLoudness(renditions[format]!.audioFile), format);
  });

  test('every format carries the same time line', () => {
    expect(renditions.opus!.sentences).toEqual(renditions.mp3!.sentences);
    expect(renditions.wav!.sentences).toEqual(renditions.mp3!.sentences);
    expect(renditions['mp3 (ffmpeg)']!.sentences).toEqual(renditions.mp3!.sentences);
    expect(renditions['mp3 (WebAssembly)']!.sentences).toEqual(renditions.mp3!.sentences);
    // Same LAME, same settings: the two programs' files decode to the same number of samples.
    expect(decoded['mp3 (ffmpeg)']!.length).toBe(decoded.mp3!.length);
  });
});
