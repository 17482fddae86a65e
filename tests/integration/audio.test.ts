/**
 * Audio through the real routes, as podcast apps and the player ask for it:
 * Range (206, multipart, 416), validators (ETag, Last-Modified, 304, 412),
 * HEAD, types and lengths; answered from memory (MP3 here) and, for files too
 * big to hold (WAV here), from disk, which must answer exactly alike. Sockets
 * matter for HEAD and for a client hanging up, so those use a real port.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createByteCache } from '../../server/src/http/memory-cache.js';
import { createEmbeddedEngine } from '../../server/src/speech/embedded/embedded-engine.js';
import type { SpeechEngine } from '../../server/src/speech/engine.js';
import { FIXTURE_PACK } from '../helpers/paths.js';
import { startCompanion, type TestCompanion } from '../helpers/app.js';
import { boundaryOf, readMultipart } from '../unit/http/multipart.js';

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

// A budget that keeps the fixture's MP3 (about 160 kB) and not its WAV (about 1.2 MB): a file
// over a quarter of the budget is streamed from disk.
const byteCache = createByteCache({ maxBytes: 1_000_000 });
const logs: LogLine[] = [];
let companion: TestCompanion;
let origin: string;

/** The embedded engine, counting the renders it has begun: a test can wait until one is under way. */
function countingRenders(engine: SpeechEngine): SpeechEngine & { begun: number } {
  const counting = {
    name: engine.name,
    version: engine.version,
    begun: 0,
    available: () => engine.available(),
    voices: () => engine.voices(),
    close: () => engine.close(),
    synthesize(...args: Parameters<SpeechEngine['synthesize']>) {
      counting.begun++;
      return engine.synthesize(...args);
    },
  };
  return counting;
}
const engine = countingRenders(createEmbeddedEngine());

beforeAll(async () => {
  companion = await startCompanion(FIXTURE_PACK, engine, {
    app: { byteCache },
    fastify: { logger: { level: 'info', stream: { write: (line: string) => logs.push(JSON.parse(line) as LogLine) } } },
  });
  origin = await companion.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await companion?.close();
});

const get = (url: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') => companion.app.inject({ method, url, headers });

/** Each way audio leaves the server: bytes held in memory, and a file streamed from disk. */
const PATHS = [
  { name: 'MP3 from memory', url: '/api/episodes/the-light/audio.mp3', type: 'audio/mpeg', held: true },
  { name: 'WAV from disk', url: '/api/episodes/the-light/audio.wav', type: 'audio/wav', held: false },
] as const;

const whole = new Map<string, { body: Buffer; etag: string; lastModified: string }>();
beforeAll(async () => {
  for (const { url } of PATHS) {
    // A HEAD waits for the stored file (a first GET would get the MP3 as it is being made, see streaming.test.ts).
    expect((await get(url, {}, 'HEAD')).statusCode).toBe(200);
    const response = await get(url);
    whole.set(url, { body: response.rawPayload, etag: String(response.headers.etag), lastModified: String(response.headers['last-modified']) });
  }
});
const full = (url: string) => whole.get(url)!;

/**
 * Resolves once the server has seen the connection of its next request for `url`
 * close (the client gone) and has run what that set off (its close handlers, then
 * the callbacks they queued).
 */
function serverSeesItClose(url: string): Promise<void> {
  const server = companion.app.server;
  return new Promise((resolve) => {
    const onRequest = (request: IncomingMessage): void => {
      if (request.url !== url) return;
      server.off('request', onRequest);
      request.socket.once('close', () => setImmediate(resolve));
    };
    server.on('request', onRequest);
  });
}
/** Waits (with a deadline) until the log since `before` notes a client hanging up. */
const hungUpNoted = (before: number) =>
  vi.waitFor(() => expect(logs.slice(before).some((line) => line.level === 30 && /hung up/.test(line.msg)), JSON.stringify(logs.slice(before))).toBe(true), { timeout: 20_000 });

describe.each(PATHS)('$name', ({ url, type, held }) => {
  test('the budget puts this file where the test says', () => {
    expect(byteCache.keeps(full(url).body.length)).toBe(held);
  });

  test('200: the whole file, its type, exact length, a strong ETag of its content, Last-Modified and Accept-Ranges', async () => {
    const response = await get(url);
    const { body } = full(url);
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({
      'content-type': type,
      'content-length': String(body.length),
      'accept-ranges': 'bytes',
      'cache-control': 'public, no-cache',
      'cross-origin-resource-policy': 'cross-origin',
      'content-disposition': expect.stringMatching(/^inline; filename="the-light\.(mp3|wav)"$/),
    });
    const sha = createHash('sha256').update(response.rawPayload).digest('hex');
    expect(response.headers.etag).toBe(`"${sha.slice(0, 32)}"`);
    expect(new Date(String(response.headers['last-modified'])).getTime()).toBeLessThanOrEqual(Date.now());
    expect(response.rawPayload.equals(body)).toBe(true);
  });

  test('HEAD: the headers of a GET, the full Content-Length, no body', async () => {
    const [head, got] = await Promise.all([get(url, {}, 'HEAD'), get(url)]);
    expect(head.statusCode).toBe(200);
    expect(head.rawPayload.length).toBe(0);
    for (const name of ['content-type', 'content-length', 'etag', 'last-modified', 'accept-ranges']) expect(head.headers[name], name).toBe(got.headers[name]);
  });

  test.each([
    { range: 'bytes=0-99', start: 0, end: 99 },
    { range: 'bytes=0-0', start: 0, end: 0 },
    { range: 'bytes=1000-', start: 1000, end: -1 },
    { range: 'bytes=-500', start: -500, end: -1 },
    { range: 'bytes=100-65635', start: 100, end: 65_635 },
  ])('Range $range: 206 with exactly those bytes', async ({ range, start, end }) => {
    const { body } = full(url);
    const first = start < 0 ? body.length + start : start;
    const last = end < 0 ? body.length - 1 : end;
    const response = await get(url, { range });
    expect(response.statusCode).toBe(206);
    expect(response.headers['content-range']).toBe(`bytes ${first}-${last}/${body.length}`);
    expect(response.headers['content-length']).toBe(String(last - first + 1));
    expect(response.headers['content-type']).toBe(type);
    expect(response.rawPayload.equals(body.subarray(first, last + 1))).toBe(true);
  });

  test('several ranges: multipart/byteranges whose parts are the right bytes', async () => {
    const { body } = full(url);
    const response = await get(url, { range: 'bytes=0-9, 5000-5999, -16' });
    expect(response.statusCode).toBe(206);
    expect(Number(response.headers['content-length'])).toBe(response.rawPayload.length);
    const parts = readMultipart(response.rawPayload, boundaryOf(String(response.headers['content-type'])));
    expect(parts.map((p) => p.headers['content-range'])).toEqual([`bytes 0-9/${body.length}`, `bytes 5000-5999/${body.length}`, `bytes ${body.length - 16}-${body.length - 1}/${body.length}`]);
    expect(parts.every((p) => p.headers['content-type'] === type)).toBe(true);
    expect(parts[1]?.data.equals(body.subarray(5000, 6000))).toBe(true);
    expect(parts[2]?.data.equals(body.subarray(body.length - 16))).toBe(true);
  });

  test('a range past the end: 416, a problem with a stable code, and the size in Content-Range', async () => {
    const { body } = full(url);
    const response = await get(url, { range: `bytes=${body.length}-` });
    expect(response.statusCode).toBe(416);
    expect(response.headers['content-range']).toBe(`bytes */${body.length}`);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ status: 416, code: 'ATL_RANGE_NOT_SATISFIABLE', detail: `The range "bytes=${body.length}-" selects none of the ${body.length} bytes there are.` });
  });

  test.each([
    { name: 'If-None-Match with the ETag', headers: (etag: string) => ({ 'if-none-match': etag }) },
    { name: 'If-None-Match listing it among others', headers: (etag: string) => ({ 'if-none-match': `"old", ${etag}` }) },
    { name: 'If-Modified-Since the Last-Modified date', headers: (_etag: string, modified: string) => ({ 'if-modified-since': modified }) },
  ])('$name: 304 without a body, with the ETag', async ({ headers }) => {
    const { etag, lastModified } = full(url);
    const response = await get(url, headers(etag, lastModified));
    expect(response.statusCode).toBe(304);
    expect(response.rawPayload.length).toBe(0);
    expect(response.headers.etag).toBe(etag);
  });

  test('If-None-Match with another ETag: the whole file', async () => {
    const response = await get(url, { 'if-none-match': '"an-older-render"' });
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload.equals(full(url).body)).toBe(true);
  });

  test('If-Range with an old ETag: the whole, current file instead of a range', async () => {
    const response = await get(url, { range: 'bytes=0-99', 'if-range': '"an-older-render"' });
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload.length).toBe(full(url).body.length);
  });

  test('If-Range with the current ETag: the range', async () => {
    const response = await get(url, { range: 'bytes=0-99', 'if-range': full(url).etag });
    expect(response.statusCode).toBe(206);
    expect(response.rawPayload.length).toBe(100);
  });

  test('If-Match with another ETag: 412, a problem naming the header', async () => {
    const response = await get(url, { 'if-match': '"an-older-render"' });
    expect(response.statusCode).toBe(412);
    expect(response.json()).toMatchObject({ code: 'ATL_PRECONDITION_FAILED', detail: expect.stringContaining('If-Match') });
  });

  test('a Range that is not bytes, or reversed, is ignored: the whole file', async () => {
    for (const range of ['items=0-9', 'bytes=9-3']) {
      const response = await get(url, { range });
      expect(response.statusCode, range).toBe(200);
      expect(response.rawPayload.length, range).toBe(full(url).body.length);
    }
  });
});

describe('a cached file altered on disk', () => {
  /** The file in the render cache that holds exactly `content`. */
  async function cachedFileHolding(content: Buffer): Promise<string> {
    for (const name of await readdir(companion.cacheDir, { recursive: true })) {
      const file = path.join(companion.cacheDir, name);
      const info = await stat(file);
      if (info.isFile() && info.size === content.length && (await readFile(file)).equals(content)) return file;
    }
    throw new Error('the served file is not in the render cache');
  }

  test.each(PATHS)('$name: never sent as it is now; the answer always matches its ETag', async ({ url }) => {
    const before = await get(url);
    const file = await cachedFileHolding(before.rawPayload);
    // Same length, other bytes: a disk fault, or someone editing the cache.
    await writeFile(file, Buffer.alloc(before.rawPayload.length, 0x55));
    const after = await get(url);
    expect(after.statusCode).toBe(200);
    const sha = createHash('sha256').update(after.rawPayload).digest('hex');
    expect(after.headers.etag).toBe(`"${sha.slice(0, 32)}"`);
    expect(after.rawPayload.equals(Buffer.alloc(before.rawPayload.length, 0x55))).toBe(false);
  });
});

describe('formats', () => {
  test.each([
    ['/api/episodes/the-light/audio?format=mp3', 'audio/mpeg'],
    ['/api/episodes/the-light/audio?format=wav', 'audio/wav'],
    ['/api/episodes/the-light/audio', 'audio/mpeg'],
  ])('%s is %s and the same file as its .ext path', async (url, type) => {
    const response = await get(url);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe(type);
    const withExtension = await get(`/api/episodes/the-light/audio.${type === 'audio/wav' ? 'wav' : 'mp3'}`);
    expect(response.headers.etag).toBe(withExtension.headers.etag);
  });
});

describe('the name spoken slowly (pronounce WAV)', () => {
  test('answers ranges and conditional requests like episode audio', async () => {
    const url = '/api/pronounce/ysolde-kerbrat.wav';
    const whole = await get(url);
    expect(whole.statusCode).toBe(200);
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(whole.headers['content-length']).toBe(String(whole.rawPayload.length));
    const range = await get(url, { range: 'bytes=0-43' });
    expect(range.statusCode).toBe(206);
    expect(range.rawPayload.toString('latin1', 0, 4)).toBe('RIFF');
    expect((await get(url, { 'if-none-match': String(whole.headers.etag) })).statusCode).toBe(304);
  });
});

/** Sends a request on a real socket and calls `onResponse` with the response, unread. */
function rawRequest(url: string, options: { method?: string; headers?: Record<string, string> }, onResponse: (response: IncomingMessage) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${origin}${url}`, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (response) => {
      onResponse(response);
      response.on('close', () => resolve());
    });
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? resolve() : reject(error)));
    req.end();
  });
}

describe('over a real socket', () => {
  test.each(PATHS)('HEAD of $name sends the length and no byte of body', async ({ url }) => {
    let received = 0;
    let length: string | undefined;
    await rawRequest(url, { method: 'HEAD' }, (response) => {
      length = response.headers['content-length'];
      response.on('data', (chunk: Buffer) => (received += chunk.length));
    });
    expect(length).toBe(String(full(url).body.length));
    expect(received).toBe(0);
  });

  test.each(PATHS)('a client hanging up in the middle of $name is noted, never logged as a warning or error', async ({ url, held }) => {
    const before = logs.length;
    let received = 0;
    let length = 0;
    const closed = serverSeesItClose(url);
    await rawRequest(url, {}, (response) => {
      length = Number(response.headers['content-length']);
      response.once('data', (chunk: Buffer) => {
        received += chunk.length;
        // A listener seeking elsewhere: the player drops the connection mid-file.
        response.destroy();
      });
    });
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(length);
    // The server notices the closed socket asynchronously. Bytes from memory were all handed to the
    // socket already (nothing to note); a file streamed from disk breaks off, and that is noted.
    await closed;
    if (!held) await hungUpNoted(before);
    const lines = logs.slice(before);
    expect(lines.filter((line) => line.level >= 40), JSON.stringify(lines)).toEqual([]);
    // And it keeps serving.
    const again = await fetch(`${origin}${url}`, { headers: { range: 'bytes=0-9' } });
    expect(again.status).toBe(206);
    expect(Buffer.from(await again.arrayBuffer()).length).toBe(10);
  });

  test('a client leaving while its render is under way: noted at info, no error, and the rendition can still be had', async () => {
    // A rendition not made yet, and the slowest to make (half speed): this request waits seconds for it.
    const url = '/api/episodes/the-light/audio.mp3?rate=0.5';
    const before = logs.length;
    const leaving = new AbortController();
    const begun = engine.begun;
    // The MP3 may come as it is being made: the body is read too, and the hang-up may fall in it.
    const answer = fetch(`${origin}${url}`, { signal: leaving.signal })
      .then((response) => response.arrayBuffer())
      .catch((error: Error) => error.name);
    await vi.waitFor(() => expect(engine.begun).toBeGreaterThan(begun), { timeout: 20_000 });
    leaving.abort();
    expect(await answer).toBe('AbortError');
    await hungUpNoted(before);
    const lines = logs.slice(before);
    expect(lines.filter((line) => line.level >= 40), JSON.stringify(lines)).toEqual([]);
    expect(lines.some((line) => line.level === 30 && /hung up/.test(line.msg)), JSON.stringify(lines)).toBe(true);
    const again = await get(url);
    expect(again.statusCode).toBe(200);
    expect(again.headers['content-type']).toBe('audio/mpeg');
  });

  test('streaming a file from disk and hanging up: the server saw the hang-up and said so at info', async () => {
    // Half speed doubles the WAV (about 2.5 MB): more than a socket buffers, so the server is mid-stream.
    const url = '/api/episodes/the-light/audio.wav?rate=0.5';
    expect((await get(url, { range: 'bytes=0-0' })).statusCode).toBe(206);
    const before = logs.length;
    await rawRequest(url, {}, (response) => {
      response.once('data', () => response.destroy());
    });
    await hungUpNoted(before);
    const lines = logs.slice(before);
    expect(lines.filter((line) => line.level >= 40), JSON.stringify(lines)).toEqual([]);
    expect(lines.some((line) => line.level === 30 && /hung up/.test(line.msg)), JSON.stringify(lines)).toBe(true);
  });
});
