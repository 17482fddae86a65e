import { request as httpRequest } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { planByteResponse, strongEtag, type ByteEntity } from '../../server/src/http/byte-ranges.js';
import { byteResponseBody } from '../../server/src/http/memory-body.js';
import { boundaryOf, readMultipart } from '../unit/http/multipart.js';

// 100 kB whose bytes differ from their neighbours, so a part off by one shows.
const CONTENT = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 13 + (i >> 8)) % 256));
const ENTITY: ByteEntity = {
  size: CONTENT.length,
  etag: strongEtag('0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'),
  lastModified: new Date('2026-01-01T00:00:00Z'),
  contentType: 'audio/mpeg',
  cacheControl: 'public, max-age=3600',
};

let app: FastifyInstance;
let origin: string;

beforeAll(async () => {
  // A tiny app of its own: the module over real sockets, with Fastify's own HEAD route and body handling.
  app = Fastify();
  app.get('/audio.mp3', async (request, reply) => {
    const plan = planByteResponse(request, ENTITY);
    return reply.code(plan.status).headers(plan.headers).send(byteResponseBody(plan, CONTENT));
  });
  origin = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app?.close();
});

const get = async (headers: Record<string, string> = {}) => {
  const response = await fetch(`${origin}/audio.mp3`, { headers });
  return { response, body: Buffer.from(await response.arrayBuffer()) };
};

describe('serving bytes over real HTTP', () => {
  test('without Range: the whole entity with its validators', async () => {
    const { response, body } = await get();
    expect(response.status).toBe(200);
    expect(body.equals(CONTENT)).toBe(true);
    expect(Object.fromEntries(response.headers)).toMatchObject({
      'accept-ranges': 'bytes',
      'content-length': '100000',
      'content-type': 'audio/mpeg',
      etag: ENTITY.etag,
      'last-modified': 'Thu, 01 Jan 2026 00:00:00 GMT',
      'cache-control': 'public, max-age=3600',
    });
  });

  test.each([
    { name: 'a-b', range: 'bytes=1000-66535', start: 1000, end: 66_535 },
    { name: 'a-', range: 'bytes=99000-', start: 99_000, end: 99_999 },
    { name: '-n', range: 'bytes=-500', start: 99_500, end: 99_999 },
  ])('a single range, $name, is exactly those bytes', async ({ range, start, end }) => {
    const { response, body } = await get({ range });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes ${start}-${end}/100000`);
    expect(response.headers.get('content-length')).toBe(String(end - start + 1));
    expect(body.equals(CONTENT.subarray(start, end + 1))).toBe(true);
  });

  test('several ranges come back as multipart/byteranges that parse to the right bytes', async () => {
    const { response, body } = await get({ range: 'bytes=0-99, 50000-50999, -10' });
    expect(response.status).toBe(206);
    expect(Number(response.headers.get('content-length'))).toBe(body.length);
    const parts = readMultipart(body, boundaryOf(response.headers.get('content-type') ?? undefined));
    expect(parts.map((p) => p.headers['content-range'])).toEqual(['bytes 0-99/100000', 'bytes 50000-50999/100000', 'bytes 99990-99999/100000']);
    expect(parts.every((p) => p.headers['content-type'] === 'audio/mpeg')).toBe(true);
    expect(parts[0]?.data.equals(CONTENT.subarray(0, 100))).toBe(true);
    expect(parts[1]?.data.equals(CONTENT.subarray(50_000, 51_000))).toBe(true);
    expect(parts[2]?.data.equals(CONTENT.subarray(99_990))).toBe(true);
  });

  test('a range past the end is 416 naming the size', async () => {
    const { response, body } = await get({ range: 'bytes=100000-' });
    expect(response.status).toBe(416);
    expect(response.headers.get('content-range')).toBe('bytes */100000');
    expect(body.length).toBe(0);
  });

  test('If-None-Match with the ETag is 304 without a body', async () => {
    const { response, body } = await get({ 'if-none-match': ENTITY.etag });
    expect(response.status).toBe(304);
    expect(response.headers.get('etag')).toBe(ENTITY.etag);
    expect(response.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(body.length).toBe(0);
  });

  test('If-Range with an old ETag gets the whole, new entity', async () => {
    const { response, body } = await get({ range: 'bytes=0-99', 'if-range': '"an-older-render"' });
    expect(response.status).toBe(200);
    expect(body.equals(CONTENT)).toBe(true);
  });

  test('If-Range with the current ETag gets the range', async () => {
    const { response, body } = await get({ range: 'bytes=0-99', 'if-range': ENTITY.etag });
    expect(response.status).toBe(206);
    expect(body.length).toBe(100);
  });

  test('HEAD has the full Content-Length and no body on the wire', async () => {
    const { status, headers, received } = await new Promise<{ status: number | undefined; headers: Record<string, unknown>; received: number }>(
      (resolve, reject) => {
        const req = httpRequest(`${origin}/audio.mp3`, { method: 'HEAD' }, (res) => {
          let received = 0;
          res.on('data', (chunk: Buffer) => (received += chunk.length));
          res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, received }));
        });
        req.on('error', reject);
        req.end();
      },
    );
    expect(status).toBe(200);
    expect(headers['content-length']).toBe('100000');
    expect(headers['accept-ranges']).toBe('bytes');
    expect(received).toBe(0);
  });
});
