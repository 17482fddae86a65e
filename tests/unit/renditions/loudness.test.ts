/**
 * Every episode at the podcast norm, as a third-party meter reads the files a
 * listener gets: each episode of the real pack rendered by each real engine
 * (embedded and native eSpeak NG), encoded to MP3, and measured by ffmpeg's
 * `ebur128` (ITU-R BS.1770): -16 LUFS ±1 integrated, true peak at most -1 dBTP.
 * Then one episode at another rate and voice, as MP3 and Opus (the WAV and the
 * normal rate's Opus are measured in ./audio-timings.test.ts, from its renders).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { availableEncoders } from '../../../server/src/audio/encoders.js';
import { createCatalog, type Catalog } from '../../../server/src/catalog.js';
import { loadContentPack } from '../../../server/src/content/load.js';
import { createRenditions, type Renditions } from '../../../server/src/renditions/renditions.js';
import { createEmbeddedEngine } from '../../../server/src/speech/embedded/embedded-engine.js';
import type { SpeechEngine } from '../../../server/src/speech/engine.js';
import { createNativeEspeakEngine } from '../../../server/src/speech/native/espeak-ng-engine.js';
import { expectPodcastNorm, measureLoudness, type MeasuredLoudness } from '../../helpers/loudness.js';
import { CONTENT_DIR } from '../../helpers/paths.js';
import { requireProgram } from '../audio/installed-programs.js';

const catalog: Catalog = createCatalog(await loadContentPack(CONTENT_DIR));

const ENGINES: readonly { name: string; create: () => SpeechEngine; needs?: string }[] = [
  { name: 'embedded', create: () => createEmbeddedEngine() },
  { name: 'espeak-ng', create: () => createNativeEspeakEngine(), needs: 'espeak-ng' },
];

describe.each(ENGINES)('loudness of every episode, $name engine', ({ name, create, needs }) => {
  let engine: SpeechEngine;
  let cacheDir: string;
  let renditions: Renditions;

  beforeAll(async () => {
    await requireProgram('ffmpeg', ['-version']);
    if (needs !== undefined) await requireProgram(needs);
    engine = create();
    cacheDir = await mkdtemp(path.join(tmpdir(), `atl-loudness-${name}-`));
    renditions = createRenditions({ engine, cacheDir, encoders: await availableEncoders() });
  });
  afterAll(async () => {
    await engine?.close();
    if (cacheDir !== undefined) await rm(cacheDir, { recursive: true, force: true });
  });

  test('every episode as MP3: -16 LUFS ±1, true peak at most -1 dBTP', async () => {
    const measured: Record<string, MeasuredLoudness> = {};
    // Each file is measured while the next episode renders.
    const measuring: Promise<void>[] = [];
    for (const entry of catalog.entries) {
      const rendition = await renditions.render({ narration: entry.narration, format: 'mp3', rate: 1 });
      const measurement = measureLoudness(rendition.audioFile).then((result) => void (measured[entry.episode.id] = result));
      // Awaited below, all together; this only keeps a failure meanwhile from going unhandled.
      measurement.catch(() => undefined);
      measuring.push(measurement);
    }
    await Promise.all(measuring);
    for (const [id, result] of Object.entries(measured)) expectPodcastNorm(result, `${name} ${id}.mp3`);
  }, 300_000);

  test('another rate and voice, as MP3 and Opus, is at the norm too', async () => {
    const narration = catalog.find('release-and-how-to-watch')!.narration;
    for (const format of ['opus', 'mp3'] as const) {
      const rendition = await renditions.render({ narration, format, rate: 2, voice: 'en-gb-x-rp' });
      expectPodcastNorm(await measureLoudness(rendition.audioFile), `${name} rate 2 en-gb-x-rp ${format}`);
    }
  }, 120_000);
});
