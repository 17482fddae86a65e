/**
 * Hostile and random input against the real app: only 2xx, 3xx or 4xx (4xx as
 * problem+json), never 5xx, never a hang, never a file from outside the roots.
 * Through app.inject, and over real sockets for what only a socket can carry
 * (raw backslashes and NUL bytes, oversized headers, malformed requests).
 */
// First: it wraps the file system before the server's modules keep references to it.
import { isInside, pathsTouched } from './fs-access.js';
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import path from 'node:path';
import { FIXTURE_PACK } from '../helpers/paths.js';
import { startCompanion, type TestCompanion } from '../helpers/app.js';

let companion: TestCompanion;
let origin: string;
let audioEtag: string;

beforeAll(async () => {
  companion = await startCompanion(FIXTURE_PACK);
  // Render once so audio requests below exercise the cache, not the engine.
  audioEtag = String((await companion.app.inject('/api/episodes/the-light/audio.wav')).headers.etag);
  origin = await companion.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await companion?.close();
});

function expectWellBehaved(response: { statusCode: number; headers: Record<string, unknown>; body: string }, what: string): void {
  expect(response.statusCode, what).toBeLessThan(500);
  if (response.statusCode >= 400) {
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
    const { result: response, paths } = await pathsTouched(() => companion.app.inject({ method: 'GET', url }));
    expect([400, 403, 404]).toContain(response.statusCode);
    expectWellBehaved(response, url);
    // The site and the render cache both live in the cache folder: nothing outside it is even looked at.
    expect(paths.filter((file) => !isInside(file, companion.cacheDir))).toEqual([]);
  });

  test('the recorder sees what a real request reads (so an empty record above means nothing was touched)', async () => {
    const page = await companion.app.inject('/');
    const asset = /(?:src|href)="(\/assets\/[^"]+\.css)"/.exec(page.body)?.[1];
    expect(asset).toBeDefined();
    const { result, paths } = await pathsTouched(() => companion.app.inject(asset!));
    expect(result.statusCode).toBe(200);
    expect(paths.some((file) => isInside(file, path.join(companion.cacheDir, 'site')))).toBe(true);
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

/** The status, content type and body of one raw HTTP exchange; the server closes the connection after it. */
interface RawAnswer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly text: string;
}

/**
 * Writes `request` as bytes on a fresh connection and reads the answer to its end.
 * Fails (instead of hanging) when the server says nothing for 30 seconds.
 */
function exchange(request: Buffer): Promise<RawAnswer> {
  const { port } = new URL(origin);
  return new Promise((resolve, reject) => {
    // Written, not ended: a client that half-closes is one that left, and its render would be stopped.
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.setTimeout(30_000, () => socket.destroy(new Error(`no answer in 30 s to ${JSON.stringify(request.toString('latin1').slice(0, 200))}`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A reset after the answer was written (the server closing on a malformed request) still leaves the answer.
    const done = (error?: Error) => {
      const answer = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
      if (Number.isNaN(status)) return reject(error ?? new Error(`not an HTTP answer: ${JSON.stringify(answer.slice(0, 200))}`));
      const head = answer.split('\r\n\r\n')[0] ?? '';
      resolve({ status, contentType: /\r\ncontent-type: *([^\r]*)/i.exec(head)?.[1], text: answer });
    };
    socket.on('end', () => done());
    socket.on('error', (error) => done(error));
  });
}

describe('raw requests over a real socket (property-based)', () => {
  const target = fc.oneof(
    fc.constantFrom(
      '/api/episodes/the-light/audio.wav',
      '/api/episodes/the-light/audio.mp3',
      '/api/episodes/the-light/captions.vtt',
      '/api/pronounce/ysolde-kerbrat.wav',
      '/',
      '/episodes/the-light/',
      '/assets/',
      '/feed.xml',
    ),
    // Raw bytes a client library would refuse to send: backslashes, dots, NUL, spaces, non-ASCII.
    fc
      .array(fc.oneof(fc.constantFrom('..', '.', '\\', '..\\..', '%2e%2e', '..%2f', '%00', '\u0000', 'assets', 'api', 'episodes', 'the-light', 'audio.wav', 'etc', 'passwd', '~', ' ', '\u00e9'), fc.string({ maxLength: 8 })), { minLength: 1, maxLength: 6 })
      .map((parts) => `/${parts.join('/')}`),
  );
  const range = fc.oneof(
    fc.constantFrom('bytes=0-99', 'bytes=-500', 'bytes=100-', 'bytes=9-3', 'bytes=0-0,5-9,2-7', 'bytes=0-10,5-20,0-', 'bytes=99999999999999999999-', 'bytes=-0', 'bytes=0-', 'bytes=abc', 'items=0-1', 'bytes=', `bytes=${'0-1,'.repeat(500)}0-1`),
    fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => `bytes=${a}-${b}`),
    fc.array(fc.tuple(fc.nat(5000), fc.nat(5000)), { minLength: 2, maxLength: 8 }).map((pairs) => `bytes=${pairs.map(([a, b]) => `${a}-${b}`).join(',')}`),
  );
  const header = fc.oneof(
    range.map((value) => ['Range', value] as const),
    fc.constantFrom('*', 'W/"x"', '"nope"', '"a", "b"', '', 'garbage').map((value) => ['If-None-Match', value] as const),
    fc.constant(null).map(() => ['If-None-Match', audioEtag] as const),
    fc.constant(null).map(() => ['If-Range', audioEtag] as const),
    fc.constantFrom('"stale"', 'Tue, 01 Jan 2030 00:00:00 GMT', 'yesterday').map((value) => ['If-Range', value] as const),
    fc.constantFrom('Thu, 01 Jan 1970 00:00:00 GMT', 'not a date', 'Fri, 31 Dec 9999 23:59:59 GMT').map((value) => ['If-Modified-Since', value] as const),
    fc.constantFrom('gzip, br', 'identity;q=0', '*;q=0', 'br;q=1.5').map((value) => ['Accept-Encoding', value] as const),
    // Oversized: past Node's 16 KiB limit for a request's headers (and still within the socket's buffers,
    // so the client reads the answer before the server closes on the rest).
    fc.integer({ min: 16_500, max: 24_000 }).map((size) => ['X-Padding', 'p'.repeat(size)] as const),
    fc.tuple(fc.stringMatching(/^[A-Za-z-]{1,20}$/), fc.string({ maxLength: 40 }).map((value) => value.replace(/[\r\n]/g, ''))),
  );

  test('any method, target and headers: 2xx, 3xx or a 4xx problem, never 5xx, never a hang', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'HEAD', 'GET', 'OPTIONS', 'DELETE'), target, fc.array(header, { maxLength: 4 }), async (method, path, headers) => {
        const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...headers.map(([name, value]) => `${name}: ${value}`)];
        const answer = await exchange(Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'));
        const what = `${method} ${JSON.stringify(path)} ${JSON.stringify(headers).slice(0, 300)}`;
        expect(answer.status, what).toBeGreaterThanOrEqual(200);
        expect(answer.status, what).toBeLessThan(500);
        if (answer.status >= 400) expect(answer.contentType, `${what}\n${answer.text.slice(0, 400)}`).toMatch(/^application\/problem\+json/);
        expect(answer.text, what).not.toMatch(/root:x:0:0|"devDependencies"|\n\s+at |\/work\/|node_modules/);
      }),
      { numRuns: 250 },
    );
  }, 180_000);

  test.each([
    { name: 'a request line that is not HTTP', request: 'HELLO\r\n\r\n', status: 400 },
    { name: 'a NUL byte in the target', request: 'GET /assets/\u0000/../../package.json HTTP/1.1\r\nHost: x\r\n\r\n', status: 400 },
    { name: 'headers over 16 KiB', request: `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: ${'p'.repeat(20_000)}\r\n\r\n`, status: 431 },
    { name: 'a header without a colon', request: 'GET /healthz HTTP/1.1\r\nHost x\r\n\r\n', status: 400 },
    { name: 'a broken %-escape', request: 'GET /api/episodes/%zz/audio HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', status: 400 },
    // Longer than the router's parameter limit: not routed at all.
    { name: 'a path part over 100 characters', request: `GET /api/pronounce/${'n'.repeat(150)}/audio HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, status: 404 },
  ])('$name: answered $status as a problem', async ({ request, status }) => {
    const answer = await exchange(Buffer.from(request, 'latin1'));
    expect(answer.status).toBe(status);
    expect(answer.contentType).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(answer.text.split('\r\n\r\n')[1] ?? '')).toMatchObject({ status, code: expect.stringMatching(/^ATL_/) });
  });
});
