import { afterAll, beforeAll, describe, expect, test } from 'vitest';
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

describe('episode details', () => {
  test('facts carry their sources and, where sources differ, the variants', async () => {
    const response = await get('/api/episodes/the-light');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.formats).toContain('wav');
    const fact = body.facts.find((f: { id: string }) => f.id === 'cast-keeper');
    expect(fact.sources.map((s: { id: string }) => s.id)).toEqual(['note-a', 'note-b']);
    expect(fact.people).toEqual([{ id: 'ada-quill', name: 'Ada Quill' }]);
    expect(fact.sourcesDiffer).toEqual([
      expect.objectContaining({ id: 'kerbrat-spelling', resolved: 'Kerbrat', variants: [{ value: 'Kerbrat', sources: ['note-a'] }, { value: 'Kerbratt', sources: ['note-b'] }] }),
    ]);
  });

  test('duration and chapter starts appear once the episode has been rendered', async () => {
    await get('/api/episodes/the-light/transcript');
    const body = (await get('/api/episodes/the-light')).json();
    expect(body.durationMs).toBeGreaterThan(5000);
    expect(body.chapters[0].startMs).toBe(0);
    expect(body.chapters[1].startMs).toBeGreaterThan(0);
  });
});

describe('SSML profiles', () => {
  test.each(['canonical', 'espeak'])('the %s profile is SSML', async (profile) => {
    const response = await get(`/api/episodes/the-light/ssml?profile=${profile}`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/ssml+xml; charset=utf-8');
    if (unavailable === undefined) expect(validateSsml(response.body)).toBe('');
  });

  test('the plain profile is text', async () => {
    const response = await get('/api/episodes/the-light/ssml?profile=plain');
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(response.body).toContain('Bo Renn directs all three episodes.');
  });
});

describe('tracks from the render', () => {
  test('captions: WebVTT with one cue per sentence, in order', async () => {
    const response = await get('/api/episodes/the-light/captions.vtt');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/vtt; charset=utf-8');
    expect(response.body.startsWith('WEBVTT\n\n')).toBe(true);
    const transcript = (await get('/api/episodes/the-light/transcript')).json();
    const cueIds = [...response.body.matchAll(/^(c\d+\.s\d+)$/gm)].map((m) => m[1]);
    expect(cueIds).toEqual(transcript.sentences.map((s: { id: string }) => s.id));
    expect(response.body).toContain('Ada Quill plays Ysolde Kerbrat &amp; sings the keeper\'s songs &lt;live&gt;.');
  });

  test('chapters: WebVTT and podcast JSON agree', async () => {
    const vtt = (await get('/api/episodes/the-light/chapters.vtt')).body;
    expect(vtt).toMatch(/chapter-1\n00:00:00\.000 --> \d\d:\d\d:\d\d\.\d{3}\nChapter 1: The island\n/);
    const json = await get('/api/episodes/the-light/chapters.json');
    expect(json.headers['content-type']).toBe('application/json+chapters; charset=utf-8');
    const { version, chapters } = json.json();
    expect(version).toBe('1.2.0');
    expect(chapters.map((c: { title: string }) => c.title)).toEqual(['Chapter 1: The island', 'Chapter 2: The people']);
  });

  test('the transcript as an HTML fragment', async () => {
    const response = await get('/api/episodes/the-light/transcript?format=html');
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain('<h3 id="chapter-island">Chapter 1: The island</h3>');
    expect(response.body).toMatch(/<span class="sentence" data-sentence="c1\.s5" data-start="\d+" data-end="\d+">Ysolde Kerbrat keeps/);
  });
});

describe('people and names', () => {
  test('who plays whom', async () => {
    const { people } = (await get('/api/people')).json();
    expect(people).toContainEqual(
      expect.objectContaining({ id: 'ada-quill', roles: [expect.objectContaining({ kind: 'cast', description: 'plays Ysolde Kerbrat' })] }),
    );
  });

  test('a person with the facts that mention them', async () => {
    const body = (await get('/api/people/ada-quill')).json();
    expect(body.facts).toEqual([{ id: 'cast-keeper', text: expect.stringContaining('Ada Quill plays'), episodes: ['the-light'] }]);
  });

  test('how to say a name, with the name spoken slowly', async () => {
    const body = (await get('/api/pronounce/ysolde-kerbrat')).json();
    expect(body).toMatchObject({ ipa: 'izɔld kɛʁbʁa', respelling: 'ee zold kehr brah', language: 'fr-FR', audio: '/api/pronounce/ysolde-kerbrat.wav' });
    const audio = await get(body.audio);
    expect(audio.statusCode).toBe(200);
    expect(audio.headers['content-type']).toBe('audio/wav');
    expect(audio.rawPayload.length).toBeGreaterThan(10_000);
  });

  test.each([
    ['/api/people/nobody', 'ATL_PERSON_NOT_FOUND'],
    ['/api/pronounce/nobody', 'ATL_NAME_NOT_FOUND'],
  ])('%s is a 404 naming what was asked for', async (url, code) => {
    const response = await get(url);
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code, detail: expect.stringContaining('"nobody"') });
  });
});

describe('invalid parameters are 400 problems naming the parameter', () => {
  test.each([
    { url: '/api/episodes/the-light/audio?rate=9', parameter: 'rate' },
    { url: '/api/episodes/the-light/audio?rate=1.1', parameter: 'rate' },
    // Ajv turns these into ±Infinity, which its number limits do not test: found by the hostile-input property test.
    { url: '/api/episodes/the-light/audio?rate=1e309', parameter: 'rate' },
    { url: '/api/episodes/the-light/captions.vtt?rate=-1e309', parameter: 'rate' },
    { url: '/api/episodes/the-light/transcript?rate=1e400', parameter: 'rate' },
    { url: '/api/episodes/the-light/ssml?rate=1e309', parameter: 'rate' },
    { url: '/api/episodes/the-light/audio?format=flac', parameter: 'format' },
    { url: '/api/episodes/the-light/ssml?profile=loud', parameter: 'profile' },
    { url: '/api/episodes/the-light/audio?volume=11', parameter: 'volume' },
    { url: '/api/episodes/the-light/audio?voice=klingon', parameter: 'voice' },
    { url: '/api/episodes/The%20Light/audio', parameter: 'id' },
  ])('$url', async ({ url, parameter }) => {
    const response = await get(url);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = response.json();
    expect(body.code).toBe('ATL_INVALID_PARAMETER');
    expect(body.detail).toContain(parameter);
  });

  test('a rate that is not offered says which rates are', async () => {
    const response = await get('/api/episodes/the-light/audio?rate=1e309');
    expect(response.json().detail).toBe('querystring/rate must be one of 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.75, 3, 3.25, 3.5, 3.75, 4');
  });
});

describe('paths with file extensions, as a static export serves them', () => {
  test.each([
    ['/api/episodes.json', '/api/episodes'],
    ['/api/episodes/the-light.json', '/api/episodes/the-light'],
    ['/api/episodes/the-light/transcript.json', '/api/episodes/the-light/transcript'],
    ['/api/episodes/the-light/transcript.html', '/api/episodes/the-light/transcript?format=html'],
    ['/api/people.json', '/api/people'],
    ['/api/people/ada-quill.json', '/api/people/ada-quill'],
    ['/api/pronounce/ysolde-kerbrat.json', '/api/pronounce/ysolde-kerbrat'],
  ])('%s answers as %s does', async (withExtension, plain) => {
    const [a, b] = await Promise.all([get(withExtension), get(plain)]);
    expect(a.statusCode).toBe(200);
    expect(a.headers['content-type']).toBe(b.headers['content-type']);
    expect(a.body).toBe(b.body);
  });

  test('audio.wav is the same file as audio?format=wav', async () => {
    const [a, b] = await Promise.all([get('/api/episodes/the-light/audio.wav'), get('/api/episodes/the-light/audio?format=wav')]);
    expect(a.statusCode).toBe(200);
    expect(a.rawPayload.equals(b.rawPayload)).toBe(true);
  });
});

describe('SSML options', () => {
  test('one chapter as its own document', async () => {
    const response = await get('/api/episodes/the-light/ssml?chapter=people');
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('The people.');
    expect(response.body).not.toContain('We begin at sea.');
    if (unavailable === undefined) expect(validateSsml(response.body)).toBe('');
  });

  test('the canonical document carries the rate and the voice', async () => {
    const body = (await get('/api/episodes/the-light/ssml?rate=2&voice=en-gb-x-rp')).body;
    expect(body).toMatch(/<prosody rate="2">/);
    expect(body).toContain('name="en-gb-x-rp"');
    if (unavailable === undefined) expect(validateSsml(body)).toBe('');
  });

  test('an unknown chapter is a 404 naming it', async () => {
    const response = await get('/api/episodes/the-light/ssml?chapter=nowhere');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'ATL_CHAPTER_NOT_FOUND', detail: 'There is no chapter "nowhere" in the episode "the-light".' });
  });
});
