import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeWav } from '../../server/src/audio/wav.js';
import { FIXTURE_PACK } from '../helpers/paths.js';
import { startCompanion, type TestCompanion } from '../helpers/app.js';

let companion: TestCompanion;

beforeAll(async () => {
  companion = await startCompanion(FIXTURE_PACK);
});
afterAll(async () => {
  await companion?.close();
});

const get = (url: string) => companion.app.inject({ method: 'GET', url });

interface VoiceList {
  engine: string;
  defaultVoice: string | null;
  rates: { min: number; max: number; step: number; values: number[] };
  voices: { id: string; name: string; language: string }[];
}

describe('GET /api/voices', () => {
  test('names each voice for a person, says which is the default and which rates are rendered', async () => {
    const response = await get('/api/voices');
    expect(response.statusCode).toBe(200);
    const body = response.json<VoiceList>();
    expect(body.engine).toBe('embedded');
    expect(body.voices).toContainEqual({ id: 'en-us', name: 'English, United States', language: 'en-US' });
    expect(body.voices).toContainEqual({ id: 'en-gb-scotland', name: 'English, Scotland', language: 'en-GB' });
    // Names a person reads: no eSpeak labels ("English_(Scotland)"), no codes, each one different.
    for (const { name } of body.voices) expect(name).toMatch(/^[A-Z][a-z]+, [A-Z][A-Za-z ]+$/);
    expect(new Set(body.voices.map((v) => v.name)).size).toBe(body.voices.length);
    // The fixture pack is in en-US: its plain audio is the engine's default voice.
    expect(body.defaultVoice).toBe('en-us');
    expect(body.rates).toEqual({ min: 0.5, max: 4, step: 0.25, values: [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.75, 3, 3.25, 3.5, 3.75, 4] });
    expect((await get('/api/voices.json')).json()).toEqual(body);
  });

  test('every voice and rate listed is one the episodes take, and nothing else is', async () => {
    const { voices, rates } = (await get('/api/voices')).json<VoiceList>();
    for (const { id } of voices) expect((await get(`/api/episodes/the-light/ssml?voice=${id}`)).statusCode, id).toBe(200);
    for (const rate of rates.values) expect((await get(`/api/episodes/the-light/ssml?rate=${rate}`)).statusCode, String(rate)).toBe(200);
    expect((await get('/api/episodes/the-light/ssml?voice=en-gb-cornwall')).json()).toMatchObject({ code: 'ATL_INVALID_PARAMETER' });
    expect((await get(`/api/episodes/the-light/ssml?rate=${rates.max + rates.step}`)).statusCode).toBe(400);
  });

  test('takes no query', async () => {
    expect((await get('/api/voices?voice=en-us')).statusCode).toBe(400);
  });
});

/** Cue ids and times of a WebVTT file, in order. */
function cues(vtt: string): { id: string; startMs: number; endMs: number }[] {
  const ms = (time: string): number => {
    const [h, m, s] = time.split(':').map(Number);
    return Math.round(((h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0)) * 1000);
  };
  return [...vtt.matchAll(/^(\S+)\n(\S+) --> (\S+)$/gm)].map(([, id, start, end]) => ({ id: id!, startMs: ms(start!), endMs: ms(end!) }));
}

interface Transcript {
  durationMs: number;
  chapters: { id: string; number: number; startMs: number; endMs: number }[];
  sentences: { id: string; startMs: number; endMs: number }[];
}

describe('a rendition at another rate and voice has one time line', () => {
  const query = 'rate=2&voice=en-gb-scotland';

  test('its captions, chapters and transcript agree with each other and with its audio', async () => {
    const transcript = (await get(`/api/episodes/the-light/transcript.json?${query}`)).json<Transcript>();
    const captions = cues((await get(`/api/episodes/the-light/captions.vtt?${query}`)).body);
    expect(captions).toEqual(transcript.sentences.map(({ id, startMs, endMs }) => ({ id, startMs, endMs })));
    const chapters = cues((await get(`/api/episodes/the-light/chapters.vtt?${query}`)).body);
    expect(chapters).toEqual(transcript.chapters.map(({ number, startMs, endMs }) => ({ id: `chapter-${number}`, startMs, endMs })));
    const json = (await get(`/api/episodes/the-light/chapters.json?${query}`)).json<{ chapters: { startTime: number }[] }>();
    expect(json.chapters.map((c) => Math.round(c.startTime * 1000))).toEqual(transcript.chapters.map((c) => c.startMs));
    const { samples, sampleRate } = decodeWav((await get(`/api/episodes/the-light/audio.wav?${query}`)).rawPayload);
    expect(Math.abs((samples.length * 1000) / sampleRate - transcript.durationMs)).toBeLessThanOrEqual(1);
  });

  test('it has the same sentences as the plain rendition, in order, each spoken in less time', async () => {
    const plain = (await get('/api/episodes/the-light/transcript.json')).json<Transcript>();
    const fast = (await get(`/api/episodes/the-light/transcript.json?${query}`)).json<Transcript>();
    // A player maps a position sentence by sentence between the two.
    expect(fast.sentences.map((s) => s.id)).toEqual(plain.sentences.map((s) => s.id));
    expect(fast.durationMs).toBeLessThan(plain.durationMs * 0.7);
    const spoken = (t: Transcript, i: number) => t.sentences[i]!.endMs - t.sentences[i]!.startMs;
    for (const i of plain.sentences.keys()) expect(spoken(fast, i), plain.sentences[i]!.id).toBeLessThan(spoken(plain, i));
  });
});
