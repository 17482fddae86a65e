/**
 * One pipeline: the answers a player asks for most (the prepared episode JSON and
 * audio held in memory) go through Fastify's lifecycle like every other answer.
 * Asked over a real socket, each is what `inject` gets (status, headers, bytes),
 * carries the security headers, and is written to the access log with its status;
 * problems (412, 416, a bad query) come from the error handler.
 */
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createByteCache } from '../../server/src/http/memory-cache.js';
import { helmetHeaders } from '../../server/src/plugins/security.js';
import { FIXTURE_PACK } from '../helpers/paths.js';
import { startCompanion, type TestCompanion } from '../helpers/app.js';

interface Answer {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
}
interface LogLine {
  level: number;
  msg: string;
  url?: string;
  status?: number;
}

/** Fields Node's server adds per connection or per answer, which `inject` does not see alike. */
const PER_CONNECTION = ['date', 'connection', 'keep-alive', 'transfer-encoding'];
const MP3 = '/api/episodes/the-light/audio.mp3';

const byteCache = createByteCache({ maxBytes: 10_000_000 });
const lines: LogLine[] = [];
let companion: TestCompanion;
let origin: string;

beforeAll(async () => {
  companion = await startCompanion(FIXTURE_PACK, undefined, {
    app: { byteCache },
    fastify: { logger: { level: 'debug', stream: { write: (line: string) => lines.push(JSON.parse(line) as LogLine) } } },
  });
  origin = await companion.app.listen({ host: '127.0.0.1', port: 0 });
  // Made and held: a HEAD waits for the stored MP3; the JSON is prepared once the episode is rendered.
  expect((await companion.app.inject({ method: 'HEAD', url: MP3 })).statusCode).toBe(200);
  expect((await companion.app.inject({ url: MP3, headers: { range: 'bytes=0-0' } })).statusCode).toBe(206);
  for (const url of ['/api/episodes/the-light.json', '/api/episodes']) expect((await companion.app.inject(url)).statusCode).toBe(200);
});
afterAll(async () => {
  await companion?.close();
});

/** `path` asked over a socket, the answer as sent (bodies not decoded). */
function overSocket(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${origin}${path}`, { method, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

async function injected(path: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET'): Promise<Answer> {
  const response = await companion.app.inject({ method, url: path, headers });
  return { status: response.statusCode, headers: response.headers, body: response.rawPayload };
}

/** An answer with what may differ between two correct answers taken out: per-connection fields, and a multipart boundary (random). */
function comparable({ status, headers, body }: Answer): { status: number; headers: Record<string, unknown>; body: string } {
  const boundary = /boundary=(\S+)/.exec(String(headers['content-type'] ?? ''))?.[1];
  const unbound = (text: string) => (boundary === undefined ? text : text.split(boundary).join('BOUNDARY'));
  const kept = Object.fromEntries(
    Object.entries(headers)
      .filter(([name]) => !PER_CONNECTION.includes(name))
      .map(([name, value]) => [name, unbound(String(value))]),
  );
  return { status, headers: kept, body: unbound(body.toString('latin1')) };
}

/** The access log's lines for `path` written since `from` lines. */
const answeredSince = (from: number, path: string) => lines.slice(from).filter((line) => line.msg === 'answered' && line.url === path);

/** Asks over a socket, then checks the access log has its line and `inject` gets the same answer. */
async function throughThePipeline(path: string, headers: Record<string, string>, method: 'GET' | 'HEAD' = 'GET'): Promise<Answer> {
  const before = lines.length;
  const socket = await overSocket(path, headers, method);
  const label = `${method} ${path} ${JSON.stringify(headers)}`;
  expect(answeredSince(before, path).map((line) => line.status), label).toEqual([socket.status]);
  expect(comparable(socket), label).toEqual(comparable(await injected(path, headers, method)));
  return socket;
}

describe('the prepared episode JSON', () => {
  const PATHS = ['/api/episodes/the-light.json', '/api/episodes/the-light', '/api/episodes', '/api/episodes.json'];

  test.each(PATHS)('%s: each coding from Accept-Encoding, 304 on its strong ETag, HEAD, all logged', async (path) => {
    const plain = await throughThePipeline(path, {});
    const etag = String(plain.headers.etag);
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const codings = [
      { headers: { 'accept-encoding': 'gzip, deflate, br' }, coding: 'br', decode: brotliDecompressSync },
      { headers: { 'accept-encoding': 'gzip' }, coding: 'gzip', decode: gunzipSync },
      { headers: { 'accept-encoding': 'gzip;q=0.5, br;q=0.4' }, coding: 'gzip', decode: gunzipSync },
      { headers: { 'accept-encoding': 'br;q=0, gzip;q=0' }, coding: undefined, decode: (bytes: Buffer) => bytes },
    ];
    for (const { headers, coding, decode } of codings) {
      const answer = await throughThePipeline(path, headers);
      expect(answer.status).toBe(200);
      expect(answer.headers['content-encoding'], JSON.stringify(headers)).toBe(coding);
      expect(answer.headers).toMatchObject({ etag, vary: 'accept-encoding', 'content-length': String(answer.body.length) });
      expect(decode(answer.body).equals(plain.body), JSON.stringify(headers)).toBe(true);
    }
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`]) {
      const notModified = await throughThePipeline(path, { 'if-none-match': ifNoneMatch, 'accept-encoding': 'br' });
      expect(notModified.status).toBe(304);
      expect(notModified.body.length).toBe(0);
      expect(notModified.headers.etag).toBe(etag);
    }
    const head = await throughThePipeline(path, { 'accept-encoding': 'gzip, deflate, br' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-encoding']).toBe('br');
  });

  test('a query the route does not take is a 400 problem from the error handler, logged', async () => {
    const answer = await throughThePipeline('/api/episodes/the-light.json?loud=yes', {});
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body.toString())).toMatchObject({ code: 'ATL_INVALID_PARAMETER', detail: 'querystring/loud is not a known parameter' });
  });
});

describe('audio held in memory', () => {
  test('whole, one range, a suffix, several ranges, 304, If-Modified-Since, If-Range, a Range that is not bytes, HEAD: all logged', async () => {
    const whole = await throughThePipeline(MP3, {});
    expect(whole.status).toBe(200);
    const etag = String(whole.headers.etag);
    const lastModified = String(whole.headers['last-modified']);
    const kinds: [string, Record<string, string>, number, Buffer | undefined][] = [
      ['GET', { range: 'bytes=0-65535' }, 206, whole.body.subarray(0, 65_536)],
      ['GET', { range: 'bytes=-500' }, 206, whole.body.subarray(-500)],
      ['GET', { range: 'bytes=0-9,100-199,5000-' }, 206, undefined],
      ['GET', { 'if-none-match': etag }, 304, Buffer.alloc(0)],
      ['GET', { 'if-modified-since': lastModified }, 304, Buffer.alloc(0)],
      ['GET', { range: 'bytes=0-99', 'if-range': etag }, 206, whole.body.subarray(0, 100)],
      ['GET', { range: 'bytes=0-99', 'if-range': '"another"' }, 200, whole.body],
      ['GET', { range: 'not bytes at all' }, 200, whole.body],
      ['HEAD', { range: 'bytes=0-99' }, 200, Buffer.alloc(0)],
    ];
    for (const [method, headers, status, body] of kinds) {
      const answer = await throughThePipeline(MP3, headers, method as 'GET' | 'HEAD');
      expect(answer.status, JSON.stringify(headers)).toBe(status);
      if (body !== undefined) expect(answer.body.equals(body), JSON.stringify(headers)).toBe(true);
    }
  });

  test.each<{ name: string; headers: Record<string, string>; status: number; code: string }>([
    { name: 'a range that cannot be satisfied', headers: { range: 'bytes=99999999-' }, status: 416, code: 'ATL_RANGE_NOT_SATISFIABLE' },
    { name: 'a precondition that fails', headers: { 'if-match': '"not-this"' }, status: 412, code: 'ATL_PRECONDITION_FAILED' },
  ])('$name: a $status problem from the error handler, logged', async ({ headers, status, code }) => {
    const answer = await throughThePipeline(MP3, headers);
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(answer.body.toString())).toMatchObject({ status, code });
  });

  test('every answer carries the security headers, with the audio cross-origin', async () => {
    const security = await helmetHeaders();
    for (const headers of [{}, { range: 'bytes=0-0' }, { range: 'bytes=99999999-' }] as Record<string, string>[]) {
      const answer = await overSocket(MP3, headers);
      for (const [name, value] of Object.entries(security)) {
        expect(answer.headers[name], `${name} ${JSON.stringify(headers)}`).toBe(name === 'cross-origin-resource-policy' ? 'cross-origin' : value);
      }
    }
  });

  test('audio no longer held (evicted, or discarded as corrupt) is read again and verified: the same bytes', async () => {
    const whole = await overSocket(MP3);
    const file = await heldFile(whole.body.length);
    expect(byteCache.heldFiles).toBeGreaterThan(0);
    // As the render cache does when it discards an entry.
    byteCache.forget(file);
    expect(byteCache.heldFiles).toBe(0);
    const again = await overSocket(MP3, { range: 'bytes=100-199' });
    expect(again.status).toBe(206);
    expect(again.body.equals(whole.body.subarray(100, 200))).toBe(true);
    expect(byteCache.heldFiles, 'held again').toBe(1);
  });
});

/** The render cache's MP3 of `size` bytes (the one the byte cache holds). */
async function heldFile(size: number): Promise<string> {
  const folder = join(companion.cacheDir, 'renditions');
  for (const name of await readdir(folder)) {
    if (name.endsWith('.mp3') && (await stat(join(folder, name))).size === size) return join(folder, name);
  }
  throw new Error(`no MP3 of ${size} bytes in ${folder}`);
}
