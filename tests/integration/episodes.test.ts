import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeWav } from '../../server/src/audio/wav.js';
import { FIXTURE_PACK } from '../helpers/paths.js';
import { startCompanion, type TestCompanion } from '../helpers/app.js';
import { schemaUnavailableReason, validateSsml } from '../helpers/xmllint.js';

let companion: TestCompanion;
const unavailable = schemaUnavailableReason();

beforeAll(async () => {
  companion = await startCompanion(FIXTURE_PACK);
});
afterAll(async () => {
  await companion?.close();
});

const get = (url: string, headers: Record<string, string> = {}) => companion.app.inject({ method: 'GET', url, headers });

describe('the episode API', () => {
  test('GET /healthz answers ok', async () => {
    const response = await get('/healthz');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  test('GET /api/episodes lists the episodes with their chapters and links', async () => {
    const response = await get('/api/episodes');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.episodes).toHaveLength(1);
    expect(body.episodes[0]).toMatchObject({
      id: 'the-light',
      title: 'The light',
      chapters: [
        { id: 'island', number: 1, title: 'The island' },
        { id: 'people', number: 2, title: 'The people' },
      ],
      links: { audio: '/api/episodes/the-light/audio.mp3', ssml: '/api/episodes/the-light.ssml', captions: '/api/episodes/the-light/captions.vtt' },
    });
  });

  test('every link of an episode resolves, including the audio in each format this server makes', async () => {
    const { links, formats } = (await get('/api/episodes/the-light.json')).json() as { links: Record<string, string | Record<string, string>>; formats: string[] };
    expect(Object.keys(links.audioFormats as Record<string, string>).sort()).toEqual([...formats].sort());
    expect(links.audioFormats).toMatchObject({ mp3: '/api/episodes/the-light/audio.mp3', wav: '/api/episodes/the-light/audio.wav' });
    const urls = Object.values(links).flatMap((link) => (typeof link === 'string' ? [link] : Object.values(link)));
    expect(urls.length).toBeGreaterThanOrEqual(11);
    for (const url of urls) expect((await get(url)).statusCode, url).toBe(200);
  });

  test('GET /api/episodes/:id/ssml is schema-valid SSML', async () => {
    const response = await get('/api/episodes/the-light/ssml');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/ssml+xml; charset=utf-8');
    expect(response.body).toContain('<speak version="1.0"');
    if (unavailable === undefined) expect(validateSsml(response.body)).toBe('');
  });

  test.each(['/api/episodes/nope/ssml', '/api/episodes/nope/audio', '/api/episodes/nope/transcript'])(
    'an unknown id is a 404 problem naming the id: %s',
    async (url) => {
      const response = await get(url);
      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toMatchObject({ status: 404, code: 'ATL_EPISODE_NOT_FOUND', detail: 'There is no episode with the id "nope".' });
    },
  );

  test('an unknown route is a 404 problem too', async () => {
    const response = await get('/api/nothing-here');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'ATL_NOT_FOUND' });
  });

  test('GET /api/episodes/:id/audio is real speech in a WAV file', async () => {
    const response = await get('/api/episodes/the-light/audio?format=wav');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('audio/wav');
    expect(response.headers['accept-ranges']).toBe('bytes');
    const { sampleRate, samples } = decodeWav(response.rawPayload);
    const seconds = samples.length / sampleRate;
    expect(seconds).toBeGreaterThan(5);
    // Speech, not silence: a good share of the samples are loud.
    const loud = samples.filter((s) => Math.abs(s) > 1000).length;
    expect(loud / samples.length).toBeGreaterThan(0.05);
  });

  test('a Range request gets 206 and exactly the bytes asked for', async () => {
    const full = (await get('/api/episodes/the-light/audio?format=wav')).rawPayload;
    const response = await get('/api/episodes/the-light/audio?format=wav', { range: 'bytes=0-99' });
    expect(response.statusCode).toBe(206);
    expect(response.rawPayload).toHaveLength(100);
    expect(response.headers['content-range']).toBe(`bytes 0-99/${full.length}`);
    expect(response.rawPayload.equals(full.subarray(0, 100))).toBe(true);
  });

  test('a range past the end is 416', async () => {
    const response = await get('/api/episodes/the-light/audio?format=wav', { range: 'bytes=999999999-' });
    expect(response.statusCode).toBe(416);
  });

  test('the transcript times every sentence in order, within the audio', async () => {
    const response = await get('/api/episodes/the-light/transcript');
    expect(response.statusCode).toBe(200);
    const { durationMs, sentences, chapters } = response.json() as {
      durationMs: number;
      sentences: { id: string; startMs: number; endMs: number; factId?: string }[];
      chapters: { startMs: number }[];
    };
    expect(sentences.map((s) => s.id)).toContain('c2.s2');
    for (const [i, s] of sentences.entries()) {
      expect(s.endMs).toBeGreaterThan(s.startMs);
      if (i > 0) expect(s.startMs).toBeGreaterThan(sentences[i - 1]!.startMs);
    }
    expect(sentences.at(-1)!.endMs).toBe(durationMs);
    expect(chapters[1]!.startMs).toBe(sentences.find((s) => s.id === 'c2.s1')!.startMs);
  });

  test('GET / serves the player page with a labelled region, native audio and the transcript', async () => {
    const response = await get('/');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toMatch(/<section id="player" class="player" aria-labelledby="player-heading"/);
    expect(response.body).toMatch(/<audio controls preload="metadata">\s*<source src="\/api\/episodes\/the-light\/audio.mp3" type="audio\/mpeg">/);
    expect(response.body).toContain('<track kind="captions" src="/api/episodes/the-light/captions.vtt"');
    expect(response.body).toContain('Ada Quill plays Ysolde Kerbrat &amp; sings the keeper&#39;s songs &lt;live&gt;.');
  });

  test('each episode has its own page', async () => {
    const response = await get('/episodes/the-light/');
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('aria-current="page"');
  });
});
