/**
 * Hostile and random input against the real app: only 2xx, 3xx or 4xx (4xx as
 * problem+json), never 5xx, never a hang, never a file from outside the roots.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FIXTURE_PACK } from '../helpers/paths.js';
import { startCompanion, type TestCompanion } from '../helpers/app.js';

let companion: TestCompanion;

beforeAll(async () => {
  companion = await startCompanion(FIXTURE_PACK);
  // Render once so audio requests below exercise the cache, not the engine.
  await companion.app.inject('/api/episodes/the-light/audio.wav');
});
afterAll(async () => {
  await companion?.close();
});

function expectWellBehaved(response: { statusCode: number; headers: Record<string, unknown>; body: string }, what: string): void {
  expect(response.statusCode, what).toBeLessThan(500);
  if (response.statusCode >= 400 && response.statusCode !== 416) {
    expect(String(response.headers['content-type']), what).toMatch(/^application\/problem\+json/);
  }
  // Nothing from outside the served roots, and no stack traces or paths.
  expect(response.body, what).not.toMatch(/root:x:0:0|"devDependencies"|\n\s+at |\/work\/|node_modules/);
}

describe('path traversal', () => {
  test.each([
    '/assets/..%2f..%2fpackage.json',
    '/assets/%2e%2e/%2e%2e/package.json',
    '/assets/..%5c..%5cpackage.json',
    '/assets/..\\..\\package.json',
    '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/..%2f..%2f..%2fetc%2fpasswd',
    '/assets/player.css%00.js',
    '/episodes/..%2f..%2f..%2fpackage.json',
    '/api/episodes/..%2f..%2fpackage.json/audio',
    '/api/episodes/%2e%2e/audio.wav',
    '/api/pronounce/..%2f..%2fetc%2fpasswd.wav',
    '/assets//etc/passwd',
    '/assets/%252e%252e/%252e%252e/package.json',
  ])('%s is refused without touching files outside the roots', async (url) => {
    const response = await companion.app.inject({ method: 'GET', url });
    expect([400, 403, 404]).toContain(response.statusCode);
    expectWellBehaved(response, url);
  });
});

describe('random requests (property-based)', () => {
  const segment = fc.oneof(
    fc.constantFrom('the-light', 'nope', '..', '%2e%2e', '%00', 'audio', 'audio.wav', 'audio.mp3', 'transcript.json', 'captions.vtt', ''),
    fc.string({ maxLength: 20 }).map(encodeURIComponent),
  );
  const query = fc.dictionary(
    fc.constantFrom('rate', 'format', 'voice', 'profile', 'x', '__proto__', 'constructor'),
    fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('1', '4', '0.5', '1e309', 'NaN', '-1', 'mp3', 'wav', 'opus', 'en-us')),
    { maxKeys: 3 },
  );
  const range = fc.oneof(
    fc.constantFrom('bytes=0-99', 'bytes=-500', 'bytes=100-', 'bytes=9-3', 'bytes=0-0,5-9,2-7', 'bytes=99999999999999999999-', 'bytes=abc', 'items=0-1', 'bytes=', 'bytes=0-1,'.repeat(200)),
    fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => `bytes=${a}-${b}`),
    fc.string({ maxLength: 40 }),
  );

  test('any path, query and Range under /api answers without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 4 }), query, fc.option(range), fc.option(fc.string({ maxLength: 30 })), async (segments, params, rangeHeader, ifNoneMatch) => {
        const search = new URLSearchParams(params as Record<string, string>).toString();
        const url = `/api/episodes/${segments.join('/')}${search ? `?${search}` : ''}`;
        const headers: Record<string, string> = {};
        if (rangeHeader !== null) headers.range = rangeHeader;
        if (ifNoneMatch !== null) headers['if-none-match'] = ifNoneMatch.replace(/[^\x20-\x7e]/g, '');
        const response = await companion.app.inject({ method: 'GET', url, headers });
        expectWellBehaved(response, `${url} ${JSON.stringify(headers)}`);
      }),
      { numRuns: 300 },
    );
  });

  test('Range forms on cached audio: 200, 206 or 416 only', async () => {
    await fc.assert(
      fc.asyncProperty(range, async (rangeHeader) => {
        const response = await companion.app.inject({ method: 'GET', url: '/api/episodes/the-light/audio.wav', headers: { range: rangeHeader } });
        expect([200, 206, 416]).toContain(response.statusCode);
        if (response.statusCode === 206 && !String(response.headers['content-type']).startsWith('multipart/')) {
          expect(response.rawPayload.length).toBe(Number(response.headers['content-length']));
        }
      }),
      { numRuns: 200 },
    );
  });
});
