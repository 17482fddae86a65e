/**
 * Answers sent before routing (server/src/http/ready-answers.ts): the episode JSON
 * and the held MP3, asked over a real socket (the only way to reach them; `inject`
 * goes straight to Fastify), must be exactly what the routes answer through Fastify
 * (asked with `inject`): status, headers and bytes, for every kind of request a
 * ready answer takes. Everything else must reach the routes: other paths, queries,
 * methods, the problems (412, 416), every request once the server shuts down, and
 * every request when debug logging is on.
 */
import { readdir, stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createByteCache } from '../../server/src/http/memory-cache.js';
import { ReadyAnswers } from '../../server/src/http/ready-answers.js';
import { keptExchange } from '../../server/src/keep-exchange-shapes.js';
import { FIXTURE_PACK } from '../helpers/paths.js';
import { startCompanion, type TestCompanion } from '../helpers/app.js';

interface Answer {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

/** Fields Node's server adds per connection or per answer, which `inject` does not see alike. */
const PER_CONNECTION = ['date', 'connection', 'keep-alive', 'transfer-encoding'];

const readyAnswers = new ReadyAnswers();
const byteCache = createByteCache({ maxBytes: 10_000_000 });
let companion: TestCompanion;
let origin: string;

beforeAll(async () => {
  companion = await startCompanion(FIXTURE_PACK, undefined, { app: { readyAnswers, byteCache } });
  origin = await companion.app.listen({ host: '127.0.0.1', port: 0 });
  // Made and held: a HEAD waits for the stored MP3; the JSON is prepared once the episode is rendered.
  expect((await companion.app.inject({ method: 'HEAD', url: '/api/episodes/the-light/audio.mp3' })).statusCode).toBe(200);
  expect((await companion.app.inject({ url: '/api/episodes/the-light/audio.mp3', headers: { range: 'bytes=0-0' } })).statusCode).toBe(206);
  // The captions too: a first request for them is counted by the render limit (its headers say so), later ones are not.
  for (const url of ['/api/episodes/the-light.json', '/api/episodes', '/api/episodes/the-light/captions.vtt']) expect((await companion.app.inject(url)).statusCode).toBe(200);
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

/** The same request through Fastify's routes. */
async function throughRoutes(path: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' | 'POST' = 'GET'): Promise<Answer> {
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

/** Asks `path` over a socket and through the routes; says whether the socket's answer was a ready one. */
async function both(path: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' | 'POST' = 'GET') {
  const before = readyAnswers.answered;
  const socket = await overSocket(path, headers, method);
  const ready = readyAnswers.answered - before;
  expect(ready, 'at most one answer per request').toBeLessThanOrEqual(1);
  return { socket, routes: await throughRoutes(path, headers, method), ready: ready === 1 };
}

describe('answered before routing, exactly as the routes answer', () => {
  const JSON_PATHS = ['/api/episodes/the-light.json', '/api/episodes/the-light', '/api/episodes', '/api/episodes.json'];
  const JSON_HEADERS: Record<string, string>[] = [{}, { 'accept-encoding': 'gzip, deflate, br' }, { 'accept-encoding': 'gzip' }, { 'accept-encoding': 'identity;q=0, br;q=0' }];

  test.each(JSON_PATHS)('the JSON at %s: every coding, 304, and HEAD', async (path) => {
    const etag = String((await throughRoutes(path)).headers.etag);
    for (const [method, headers] of [
      ...JSON_HEADERS.map((h) => ['GET', h] as const),
      ['GET', { 'if-none-match': etag }] as const,
      ['GET', { 'if-none-match': `W/${etag}`, 'accept-encoding': 'br' }] as const,
      ['HEAD', { 'accept-encoding': 'gzip, deflate, br' }] as const,
    ]) {
      const { socket, routes, ready } = await both(path, headers, method);
      expect(ready, `${method} ${JSON.stringify(headers)}`).toBe(true);
      expect(comparable(socket), `${method} ${JSON.stringify(headers)}`).toEqual(comparable(routes));
    }
  });

  test('the held MP3: whole, one range, several, 304, If-Range, HEAD', async () => {
    const path = '/api/episodes/the-light/audio.mp3';
    const whole = await throughRoutes(path);
    const etag = String(whole.headers.etag);
    const lastModified = String(whole.headers['last-modified']);
    const kinds: [string, Record<string, string>][] = [
      ['GET', {}],
      ['GET', { range: 'bytes=0-65535' }],
      ['GET', { range: 'bytes=-500' }],
      ['GET', { range: 'bytes=0-9,100-199,5000-' }],
      ['GET', { 'if-none-match': etag }],
      ['GET', { 'if-modified-since': lastModified }],
      ['GET', { range: 'bytes=0-99', 'if-range': etag }],
      ['GET', { range: 'bytes=0-99', 'if-range': '"another"' }],
      ['GET', { range: 'not bytes at all' }],
      ['HEAD', { range: 'bytes=0-99' }],
    ];
    for (const [method, headers] of kinds) {
      const { socket, routes, ready } = await both(path, headers, method as 'GET' | 'HEAD');
      expect(ready, `${method} ${JSON.stringify(headers)}`).toBe(true);
      expect(comparable(socket), `${method} ${JSON.stringify(headers)}`).toEqual(comparable(routes));
    }
    // The security headers are there as on every answer, with the audio's own cross-origin policy.
    const { socket } = await both(path, { range: 'bytes=0-0' });
    expect(socket.headers).toMatchObject({ 'cross-origin-resource-policy': 'cross-origin', 'x-content-type-options': 'nosniff', 'content-security-policy': expect.stringContaining("default-src 'self'") });
    expect(socket.body).toEqual(whole.body.subarray(0, 1));
  });
});

describe('left to the routes', () => {
  test.each([
    ['a range that cannot be satisfied (416 problem)', '/api/episodes/the-light/audio.mp3', { range: 'bytes=99999999-' }, 416],
    ['a precondition that fails (412 problem)', '/api/episodes/the-light/audio.mp3', { 'if-match': '"not-this"' }, 412],
    ['a query string, which the route validates', '/api/episodes/the-light.json?loud=yes', {}, 400],
    ['a query string the route takes', '/api/episodes/the-light/audio.mp3?rate=1', { range: 'bytes=0-9' }, 206],
    ['the same path spelled another way', '/api/episodes/the%2Dlight.json', {}, 200],
    ['a path with no ready answer', '/api/episodes/the-light/captions.vtt', {}, 200],
  ] as const)('%s', async (_name, path, headers, status) => {
    const { socket, routes, ready } = await both(path, headers);
    expect(ready).toBe(false);
    expect(socket.status).toBe(status);
    expect(comparable(socket)).toEqual(comparable(routes));
  });

  test('another method', async () => {
    const { socket, ready } = await both('/api/episodes/the-light.json', {}, 'POST');
    expect(ready).toBe(false);
    expect(socket.status).toBe(404);
    expect(JSON.parse(socket.body.toString())).toMatchObject({ code: 'ATL_NOT_FOUND' });
  });

  test('audio no longer held (evicted, or discarded as corrupt): the route reads it again, and it is ready once more', async () => {
    const path = '/api/episodes/the-light/audio.mp3';
    const whole = await throughRoutes(path);
    const file = await heldFile(whole.body.length);
    // As the render cache does when it discards an entry.
    byteCache.forget(file);
    const before = readyAnswers.answered;
    expect((await overSocket(path)).body.equals(whole.body)).toBe(true);
    expect(readyAnswers.answered - before, 'the route answered').toBe(0);
    expect((await overSocket(path)).body.equals(whole.body)).toBe(true);
    expect(readyAnswers.answered - before, 'held again, answered before routing').toBe(1);
  });
});

describe('when every request goes to the routes', () => {
  /** A ready answer for `/ready` that says where it came from. */
  const probe = (answers: ReadyAnswers) =>
    answers.set(['/ready'], {
      send: (_request, response) => {
        response.end('ready');
        return true;
      },
    });
  const request = { method: 'GET', url: '/ready', headers: {} } as IncomingMessage;

  test('while the server shuts down (Fastify answers 503 and closes the connection)', async () => {
    const answers = new ReadyAnswers();
    const other = await startCompanion(FIXTURE_PACK, undefined, { app: { readyAnswers: answers } });
    try {
      probe(answers);
      const address = await other.app.listen({ host: '127.0.0.1', port: 0 });
      const response = await fetch(`${address}/ready`);
      expect(await response.text()).toBe('ready');
    } finally {
      await other.close();
    }
    let written = false;
    const response = { end: () => (written = true), writeHead: () => response } as unknown as ServerResponse;
    expect(answers.tryAnswer(request, response)).toBe(false);
    expect(written).toBe(false);
  });

  test('when debug logging is on (the access log writes a line for every answer)', async () => {
    const answers = new ReadyAnswers();
    const lines: { msg: string; url?: string }[] = [];
    const other = await startCompanion(FIXTURE_PACK, undefined, {
      app: { readyAnswers: answers },
      fastify: { logger: { level: 'debug', stream: { write: (line: string) => lines.push(JSON.parse(line) as { msg: string }) } } },
    });
    try {
      probe(answers);
      const address = await other.app.listen({ host: '127.0.0.1', port: 0 });
      const response = await fetch(`${address}/ready`);
      expect(response.status).toBe(404);
      expect(answers.answered).toBe(0);
      expect(lines.some((line) => line.msg === 'answered' && line.url === '/ready')).toBe(true);
    } finally {
      await other.close();
    }
  });
});

/** The render cache's file of `size` bytes (the MP3 the byte cache holds). */
async function heldFile(size: number): Promise<string> {
  const folder = join(companion.cacheDir, 'renditions');
  for (const name of await readdir(folder)) {
    if (name.endsWith('.mp3') && (await stat(join(folder, name))).size === size) return join(folder, name);
  }
  throw new Error(`no MP3 of ${size} bytes in ${folder}`);
}

describe('the last exchange is held while the server waits (server/src/keep-exchange-shapes.ts)', () => {
  test('whether a ready answer or a route answered it', async () => {
    for (const [path, ready] of [['/api/episodes/the-light.json', 1], ['/healthz', 0]] as const) {
      const before = readyAnswers.answered;
      expect((await overSocket(path)).status).toBe(200);
      expect(readyAnswers.answered - before).toBe(ready);
      expect(keptExchange()?.request.url).toBe(path);
    }
  });
});
