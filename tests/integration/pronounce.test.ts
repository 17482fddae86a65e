/**
 * "How do you say it?" through HTTP, measured as sound: the slow name is audibly
 * slow against the same engine's normal-rate rendering, and the spelled-out name
 * says every letter. Durations are of speech (first to last sound), not of the file.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeWav } from '../../server/src/audio/wav.js';
import { loadContentPack } from '../../server/src/content/load.js';
import type { LexiconEntry } from '../../server/src/content/schema.js';
import { nameSsml } from '../../server/src/narration/say-name.js';
import { SOUND_LEVEL } from '../../server/src/audio/samples.js';
import { createNativeEspeakEngine } from '../../server/src/speech/native/espeak-ng-engine.js';
import { requireProgram } from '../unit/audio/installed-programs.js';
import { CONTENT_DIR } from '../helpers/paths.js';
import { startCompanion, type TestCompanion } from '../helpers/app.js';
import { schemaUnavailableReason, validateSsml } from '../helpers/xmllint.js';

let companion: TestCompanion;
let lexicon: readonly LexiconEntry[];
const unavailable = schemaUnavailableReason();

beforeAll(async () => {
  // The real pack's names; writing its seven pages (and their brotli copies) takes seconds on a busy
  // machine, past Fastify's 10 s for a plugin to start, and start-up is not what this file is about.
  companion = await startCompanion(CONTENT_DIR, undefined, { fastify: { pluginTimeout: 120_000 } });
  ({ lexicon } = await loadContentPack(CONTENT_DIR));
});
afterAll(async () => {
  await companion?.close();
});

const get = (url: string) => companion.app.inject({ method: 'GET', url });

/** Seconds from the first sound to the last: the speech, without the silence around it. */
function speechSeconds(samples: Int16Array, sampleRate: number): number {
  const loud = (i: number): boolean => Math.abs(samples[i] ?? 0) >= SOUND_LEVEL;
  let first = 0;
  while (first < samples.length && !loud(first)) first++;
  let last = samples.length - 1;
  while (last > first && !loud(last)) last--;
  return first >= samples.length ? 0 : (last + 1 - first) / sampleRate;
}

const NAMES = [
  { id: 'werner', written: 'Werner' },
  { id: 'marie-laure', written: 'Marie-Laure' },
  { id: 'etienne', written: 'Étienne' },
  { id: 'lars-eidinger', written: 'Lars Eidinger' },
];

describe('a name spoken slowly', () => {
  test.each(NAMES)('$written: at most 60% of the normal rate, by the same engine', async ({ id }) => {
    const { audio } = (await get(`/api/pronounce/${id}`)).json<{ audio: string }>();
    const slow = decodeWav((await get(audio)).rawPayload);
    const { ssml } = nameSsml(lexiconEntry(id), 'slow');
    const normal = await companion.engine.synthesize(ssml, { rate: 1 });
    const slowSeconds = speechSeconds(slow.samples, slow.sampleRate);
    const normalSeconds = speechSeconds(normal.samples, normal.sampleRate);
    expect(normalSeconds).toBeGreaterThan(0.2);
    // The same words at 60% of the rate or less last 1 / 0.6 times as long or more.
    expect(normalSeconds / slowSeconds).toBeLessThanOrEqual(0.6);
  });

  test('the native espeak-ng, which npm start picks where it is installed, says it as slowly', async () => {
    await requireProgram('espeak-ng');
    const engine = createNativeEspeakEngine();
    try {
      for (const { id } of NAMES) {
        const { ssml, rate } = nameSsml(lexiconEntry(id), 'slow');
        const [slow, normal] = [await engine.synthesize(ssml, { rate }), await engine.synthesize(ssml, { rate: 1 })];
        expect(speechSeconds(normal.samples, normal.sampleRate) / speechSeconds(slow.samples, slow.sampleRate), id).toBeLessThanOrEqual(0.6);
      }
    } finally {
      await engine.close();
    }
  });
});

describe('a name spelled out', () => {
  test.each(NAMES)('$written: every letter said, one after another', async ({ id, written }) => {
    const { spelled } = (await get(`/api/pronounce/${id}`)).json<{ spelled: string }>();
    expect(spelled).toBe(`/api/pronounce/${id}/spelled.wav`);
    const response = await get(spelled);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('audio/wav');
    const letters = [...written].filter((c) => /\p{L}/u.test(c)).length;
    const { samples, sampleRate } = decodeWav(response.rawPayload);
    // A letter's name takes about a quarter of a second ("double-u" more); the name said as a word
    // takes under 0.1 s a letter ("Werner": 0.43 s), which is what eSpeak would say if it ignored say-as.
    expect(speechSeconds(samples, sampleRate) / letters).toBeGreaterThan(0.15);
  });

  test('is said from a standard SSML document', async () => {
    const { ssml, rate } = nameSsml(lexiconEntry('etienne'), 'spelled');
    expect(ssml).toMatch(/<say-as interpret-as=["']characters["']>Étienne<\/say-as>/);
    expect(rate).toBe(1);
    if (unavailable === undefined) {
      expect(validateSsml(ssml)).toBe('');
      expect(validateSsml(nameSsml(lexiconEntry('etienne'), 'slow').ssml)).toBe('');
    }
  });

  test('answers ranges, conditional requests and HEAD like the slow name, and 404 for a name not in the lexicon', async () => {
    const url = '/api/pronounce/werner/spelled.wav';
    const whole = await get(url);
    expect((await companion.app.inject({ method: 'GET', url, headers: { range: 'bytes=0-43' } })).statusCode).toBe(206);
    expect((await companion.app.inject({ method: 'GET', url, headers: { 'if-none-match': String(whole.headers.etag) } })).statusCode).toBe(304);
    const head = await companion.app.inject({ method: 'HEAD', url });
    expect(head.headers['content-length']).toBe(String(whole.rawPayload.length));
    // Not the slow name's bytes.
    expect(whole.headers.etag).not.toBe((await get('/api/pronounce/werner.wav')).headers.etag);
    expect((await get('/api/pronounce/nobody/spelled.wav')).json()).toMatchObject({ code: 'ATL_NAME_NOT_FOUND' });
  });
});

function lexiconEntry(id: string): LexiconEntry {
  const entry = lexicon.find((candidate) => candidate.id === id);
  if (entry === undefined) throw new Error(`the content pack has no name "${id}"`);
  return entry;
}
