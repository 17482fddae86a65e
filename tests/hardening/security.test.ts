/**
 * Security through HTTP on a real port: the headers of every kind of answer
 * (Content-Security-Policy without 'unsafe-inline', X-Content-Type-Options,
 * Referrer-Policy, Cross-Origin-Resource-Policy); no stack trace or file path in
 * any answer, even when the speech engine fails with messages full of them; and
 * the render rate limit at its default (30 new renders a client a minute), which
 * never throttles listening to audio already made.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RENDERS_PER_MINUTE } from '../../server/src/plugins/security.js';
import { ESPEAK_VOICES } from '../../server/src/speech/espeak-params.js';
import { createNativeEspeakEngine } from '../../server/src/speech/native/espeak-ng-engine.js';
import { startCompanion, type TestCompanion } from '../helpers/app.js';
import { FIXTURE_PACK } from '../helpers/paths.js';
import { get, type Answer } from './running-server.js';

const running: TestCompanion[] = [];
afterAll(async () => {
  for (const companion of running) await companion.close();
});

async function listening(companion: TestCompanion): Promise<string> {
  running.push(companion);
  return companion.app.listen({ host: '127.0.0.1', port: 0 });
}

/** The directives of a Content-Security-Policy header, by name. */
function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0] !== undefined && words[0] !== '')
      .map(([name, ...values]) => [name!.toLowerCase(), values]),
  );
}

describe('security headers on every kind of answer', () => {
  let origin: string;
  const answers = new Map<string, Answer>();

  beforeAll(async () => {
    origin = await listening(await startCompanion(FIXTURE_PACK));
    const audio = await get(origin, '/api/episodes/the-light/audio.wav');
    expect(audio.status).toBe(200);
    const page = await get(origin, '/');
    const assets = [...page.body.toString().matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1]!);
    expect(assets.length).toBeGreaterThan(0);
    const requests: [string, string, Record<string, string>?][] = [
      ['the player page', '/'],
      ['an episode page', '/episodes/the-light/'],
      ...assets.map((asset): [string, string] => [`the asset ${asset}`, asset]),
      ['the episode list', '/api/episodes'],
      ['an episode', '/api/episodes/the-light.json'],
      ['SSML', '/api/episodes/the-light.ssml'],
      ['captions', '/api/episodes/the-light/captions.vtt'],
      ['a transcript', '/api/episodes/the-light/transcript.html'],
      ['audio', '/api/episodes/the-light/audio.wav'],
      ['an audio range', '/api/episodes/the-light/audio.wav', { range: 'bytes=0-99' }],
      ['audio not modified', '/api/episodes/the-light/audio.wav', { 'if-none-match': String(audio.headers.etag) }],
      ['a range not satisfiable', '/api/episodes/the-light/audio.wav', { range: 'bytes=999999999-' }],
      ['the feed', '/feed.xml'],
      ['people', '/api/people'],
      ['health', '/healthz'],
      ['a 404 problem', '/nowhere'],
      ['a 400 problem', '/api/episodes/the-light/audio.wav?rate=9'],
    ];
    for (const [name, url, headers] of requests) answers.set(name, await get(origin, url, headers === undefined ? {} : { headers }));
  }, 120_000);

  test('the answers cover pages, assets, API, tracks, audio (200, 206, 304, 416) and problems', () => {
    const statuses = new Set([...answers.values()].map((answer) => answer.status));
    for (const status of [200, 206, 304, 400, 404, 416]) expect(statuses, String(status)).toContain(status);
  });

  test('a Content-Security-Policy with no unsafe-inline or unsafe-eval, scripts and styles from our own origin only', () => {
    for (const [name, answer] of answers) {
      const policy = String(answer.headers['content-security-policy'] ?? '');
      expect(policy, name).not.toBe('');
      expect(policy, name).not.toMatch(/unsafe-inline|unsafe-eval|unsafe-hashes|\*/);
      const found = directives(policy);
      expect(found.get('default-src'), name).toEqual(["'self'"]);
      expect(found.get('script-src'), name).toEqual(["'self'"]);
      expect(found.get('style-src'), name).toEqual(["'self'"]);
      expect(found.get('object-src'), name).toEqual(["'none'"]);
      expect(found.get('frame-ancestors'), name).toEqual(["'none'"]);
    }
  });

  test('nosniff, no referrer, and a Cross-Origin-Resource-Policy (cross-origin only where podcast apps and other sites fetch: audio, tracks, transcripts, the feed, their problems too)', () => {
    const crossOrigin = new Set(['captions', 'a transcript', 'audio', 'an audio range', 'audio not modified', 'a range not satisfiable', 'the feed', 'a 400 problem']);
    for (const [name, answer] of answers) {
      expect(answer.headers['x-content-type-options'], name).toBe('nosniff');
      expect(answer.headers['referrer-policy'], name).toBe('no-referrer');
      const policy = answer.headers['cross-origin-resource-policy'];
      expect(policy, name).toBe(crossOrigin.has(name) ? 'cross-origin' : 'same-origin');
    }
  });

  test('the pages need nothing inline that the policy would block: no inline script, style element or style attribute', () => {
    for (const name of ['the player page', 'an episode page']) {
      const html = answers.get(name)!.body.toString();
      // Data blocks (JSON) are not run, so the policy allows them; any other <script> must have a src.
      const inlineScripts = [...html.matchAll(/<script\b([^>]*)>/g)].filter(([, attributes]) => !/\bsrc=/.test(attributes!) && !/type="application\/(ld\+)?json"/.test(attributes!));
      expect(inlineScripts, name).toEqual([]);
      expect(html, name).not.toMatch(/<style\b|\sstyle="|\son[a-z]+="/i);
    }
  });
});

describe('no stack trace or file path in any answer', () => {
  /** What an engine that fails loudly writes: an error naming files, and a stack. */
  const LOUD_FAILURE = 'Error: cannot open /work/secret/espeak-data/en_dict\n    at loadVoice (/usr/lib/node_modules/espeak/loader.js:12:3)\n    at main (/home/someone/engine.js:40:9)';
  let origin: string;
  const logs: string[] = [];

  beforeAll(async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'atl-loud-engine-'));
    const program = path.join(folder, 'espeak-ng');
    // The real native adapter, over a program that says it is eSpeak NG and then fails every render loudly.
    await writeFile(
      program,
      `#!/bin/sh\ncase "$1" in --version) echo "eSpeak NG text-to-speech: 1.51  Data at: /usr/lib/espeak-ng-data"; exit 0;; --voices) exec espeak-ng --voices;; esac\nprintf '%s\\n' '${LOUD_FAILURE}' >&2\nexit 3\n`,
    );
    await chmod(program, 0o755);
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString('utf8'));
        done();
      },
    });
    const companion = await startCompanion(FIXTURE_PACK, createNativeEspeakEngine({ program }), { fastify: { logger: { level: 'warn', stream } } });
    origin = await listening(companion);
    running.push({ app: companion.app, cacheDir: folder, engine: companion.engine, close: () => rm(folder, { recursive: true, force: true }) });
  });

  test.each([
    '/api/episodes/the-light/audio.mp3',
    '/api/episodes/the-light/audio.wav?rate=2&voice=fr-fr',
    '/api/episodes/the-light/captions.vtt',
    '/api/episodes/the-light/chapters.json',
    '/api/episodes/the-light/transcript.json',
    '/api/episodes/the-light/transcript.html',
    '/api/pronounce/ysolde-kerbrat.wav',
  ])('%s: a 503 problem in plain words; the paths and stack are in the log only', async (url) => {
    const answer = await get(origin, url);
    expect(answer.status).toBe(503);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = answer.body.toString();
    expect(body).not.toMatch(/\/work\/|\/usr\/|\/home\/|\/tmp\/|\bat \w+ \(|\.js:\d+|espeak-data|ENOENT|Error:/);
    expect(JSON.parse(body)).toMatchObject({ status: 503, code: 'ATL_RENDER_FAILED', detail: expect.stringMatching(/^[A-Z][^/\\]*\.$/) });
    // The failure did carry them: the log has them for whoever runs the server.
    expect(logs.join('')).toContain('/work/secret/espeak-data/en_dict');
  });
});

describe('the render rate limit at its default', () => {
  let origin: string;
  /** The renditions nobody asked for yet, each a new render: rates other than 1, any voice. */
  const uncached = (i: number) => {
    const rates = [0.5, 0.75, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.75, 3, 3.25, 3.5, 3.75, 4];
    const route = ['audio.wav', 'captions.vtt', 'transcript.json'][i % 3];
    return `/api/episodes/the-light/${route}?rate=${rates[i % rates.length]}&voice=${ESPEAK_VOICES[Math.floor(i / rates.length) % ESPEAK_VOICES.length]!.id}`;
  };

  beforeAll(async () => {
    origin = await listening(await startCompanion(FIXTURE_PACK));
    // Audio made before: by another client, so that it does not count against the one tested.
    expect((await get(origin, '/api/episodes/the-light/audio.wav', { localAddress: '127.0.0.2' })).status).toBe(200);
  }, 120_000);

  test(`the ${RENDERS_PER_MINUTE + 1}st new render a client asks for in a minute is a 429 problem with Retry-After; listening to what is made never is`, async () => {
    expect(RENDERS_PER_MINUTE).toBe(30);
    // At once, as a script would: those the renderer cannot take are answered 503 busy, and count too.
    const first = await Promise.all(Array.from({ length: RENDERS_PER_MINUTE }, (_, i) => get(origin, uncached(i))));
    for (const answer of first) expect([200, 503], answer.body.toString()).toContain(answer.status);
    const refused = await get(origin, uncached(RENDERS_PER_MINUTE));
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(JSON.parse(refused.body.toString())).toMatchObject({ status: 429, code: 'ATL_TOO_MANY_RENDERS' });
    // The same client keeps listening: audio ranges, the whole file, its captions and transcript.
    for (let i = 0; i < 40; i++) {
      const range = await get(origin, '/api/episodes/the-light/audio.wav', { headers: { range: `bytes=${i * 1000}-${i * 1000 + 999}` } });
      expect(range.status).toBe(206);
    }
    for (const url of ['/api/episodes/the-light/audio.wav', '/api/episodes/the-light/captions.vtt', '/api/episodes/the-light/transcript.json']) {
      expect((await get(origin, url)).status, url).toBe(200);
    }
    // Another listener is not held back by this one.
    const other = await get(origin, uncached(RENDERS_PER_MINUTE + 1), { localAddress: '127.0.0.3' });
    expect(other.status).toBe(200);
  }, 180_000);
});
