import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeWav } from '../../server/src/audio/wav.js';
import { helmetHeaders } from '../../server/src/plugins/security.js';
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

describe('episode JSON, prepared once and sent as it is asked for', () => {
  // Rendered first: before its render an episode's JSON lacks timings and is not kept.
  beforeAll(async () => {
    expect((await get('/api/episodes/the-light/transcript.json')).statusCode).toBe(200);
  });

  test.each([
    { name: 'brotli', accept: 'gzip, deflate, br', coding: 'br', decode: brotliDecompressSync },
    { name: 'gzip', accept: 'gzip', coding: 'gzip', decode: gunzipSync },
    { name: 'no coding', accept: undefined, coding: undefined, decode: (bytes: Buffer) => bytes },
  ])('$name: the same JSON, with its length, ETag, Vary and the security headers', async ({ accept, coding, decode }) => {
    for (const url of ['/api/episodes/the-light.json', '/api/episodes']) {
      const plain = await get(url);
      const response = await get(url, accept === undefined ? {} : { 'accept-encoding': accept });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers, url).toMatchObject({
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(response.rawPayload.length),
        etag: plain.headers.etag,
        'cache-control': 'no-cache',
        vary: 'accept-encoding',
        'x-content-type-options': 'nosniff',
        'content-security-policy': expect.stringContaining("default-src 'self'"),
      });
      expect(response.headers['content-encoding'], url).toBe(coding);
      expect(decode(response.rawPayload).equals(plain.rawPayload), url).toBe(true);
      expect(JSON.parse(plain.body), url).toBeTypeOf('object');
    }
  });

  test('If-None-Match with its ETag: 304 with no body; another ETag: the JSON', async () => {
    const first = await get('/api/episodes/the-light.json');
    expect(first.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    const again = await get('/api/episodes/the-light.json', { 'if-none-match': String(first.headers.etag), 'accept-encoding': 'br' });
    expect(again.statusCode).toBe(304);
    expect(again.rawPayload.length).toBe(0);
    expect(again.headers.etag).toBe(first.headers.etag);
    const other = await get('/api/episodes/the-light.json', { 'if-none-match': '"0000"' });
    expect(other.statusCode).toBe(200);
    expect(other.body).toBe(first.body);
  });

  test('the 304 and HEAD answers carry the same security headers as every other answer', async () => {
    const first = await get('/api/episodes/the-light.json');
    const notModified = await get('/api/episodes/the-light.json', { 'if-none-match': String(first.headers.etag) });
    const head = await companion.app.inject({ method: 'HEAD', url: '/api/episodes/the-light.json' });
    expect(notModified.statusCode).toBe(304);
    expect(head.statusCode).toBe(200);
    expect(head.rawPayload.length).toBe(0);
    expect(head.headers['content-length']).toBe(first.headers['content-length']);
    const security = await helmetHeaders();
    expect(Object.keys(security).length).toBeGreaterThanOrEqual(10);
    for (const answer of [first, notModified, head]) {
      for (const [name, value] of Object.entries(security)) expect(answer.headers[name], `${answer.statusCode} ${name}`).toBe(value);
    }
  });

  test('an unknown episode is still a problem with the security headers', async () => {
    const response = await get('/api/episodes/nobody.json');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'ATL_EPISODE_NOT_FOUND' });
    expect(response.headers['content-security-policy']).toBe((await helmetHeaders())['content-security-policy']);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('episode JSON is logged like every other answer', () => {
  const lines: { level: number; msg: string; url?: string; status?: number }[] = [];
  let logged: TestCompanion;
  beforeAll(async () => {
    logged = await startCompanion(FIXTURE_PACK, undefined, {
      fastify: { logger: { level: 'debug', stream: { write: (line: string) => lines.push(JSON.parse(line) as (typeof lines)[number]) } } },
    });
    expect((await logged.app.inject('/api/episodes/the-light/transcript.json')).statusCode).toBe(200);
  });
  afterAll(async () => {
    await logged?.close();
  });

  test('one "answered" line per request, with its status: 200, then 304', async () => {
    const first = await logged.app.inject('/api/episodes/the-light.json');
    const again = await logged.app.inject({ url: '/api/episodes/the-light.json', headers: { 'if-none-match': String(first.headers.etag) } });
    expect([first.statusCode, again.statusCode]).toEqual([200, 304]);
    const answered = lines.filter((line) => line.msg === 'answered' && line.url === '/api/episodes/the-light.json');
    expect(answered.map((line) => [line.level, line.status])).toEqual([
      [20, 200],
      [20, 304],
    ]);
  });
});
