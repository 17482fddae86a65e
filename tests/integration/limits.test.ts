/**
 * Limits that keep one client from hurting the others: renders are rate
 * limited (listening to audio already made never is), and requests are
 * bounded in size.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BODY_LIMIT_BYTES } from '../../server/src/app.js';
import { FIXTURE_PACK } from '../helpers/paths.js';
import { startCompanion, type TestCompanion } from '../helpers/app.js';

let companion: TestCompanion;
let origin: string;

beforeAll(async () => {
  // Two new renders a minute, so the test needs only three renders to meet the limit.
  companion = await startCompanion(FIXTURE_PACK, undefined, { app: { rendersPerMinute: 2 } });
  origin = await companion.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await companion?.close();
});

const get = (url: string, headers: Record<string, string> = {}) => companion.app.inject({ method: 'GET', url, headers });

describe('the render rate limit', () => {
  test('past the limit, a new render is a 429 problem with Retry-After; what is made already is never limited', async () => {
    expect((await get('/api/episodes/the-light/captions.vtt?rate=1.5')).statusCode).toBe(200);
    expect((await get('/api/episodes/the-light/captions.vtt?rate=2')).statusCode).toBe(200);
    const refused = await get('/api/episodes/the-light/captions.vtt?rate=2.5');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.json()).toMatchObject({ status: 429, code: 'ATL_TOO_MANY_RENDERS', detail: expect.stringContaining('2 new renders in a minute') });
    // The same client goes on listening to what is made: tracks, transcript, and audio ranges.
    for (let i = 0; i < 5; i++) {
      expect((await get('/api/episodes/the-light/captions.vtt?rate=1.5')).statusCode).toBe(200);
      expect((await get('/api/episodes/the-light/transcript.json?rate=2')).statusCode).toBe(200);
    }
  });

  test.each(['rate=9', 'rate=1.1', 'loud=yes', 'voice=Klingon'])('a request that validation refuses (%s) never counts, and gets its 400', async (query) => {
    const response = await get(`/api/episodes/the-light/captions.vtt?${query}`);
    expect(response.statusCode).toBe(400);
  });
});

describe('request size', () => {
  test(`a body over ${BODY_LIMIT_BYTES} bytes is refused with a 413 problem before it is read`, async () => {
    expect(companion.app.initialConfig.bodyLimit).toBe(BODY_LIMIT_BYTES);
    const post = (size: number) =>
      companion.app.inject({ method: 'POST', url: '/api/episodes', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ x: 'y'.repeat(size) }) });
    const big = await post(50_000);
    expect(big.statusCode).toBe(413);
    expect(big.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(big.json()).toMatchObject({ status: 413, title: 'Content too large', code: 'ATL_BODY_TOO_LARGE' });
    // Within the limit, no route takes a body anyway.
    const small = await post(10);
    expect(small.statusCode).toBe(404);
    expect(small.json()).toMatchObject({ code: 'ATL_NOT_FOUND', detail: 'Nothing is served at POST /api/episodes.' });
  });

  test('a path parameter longer than 100 characters is not routed; a longer id is refused by its schema', async () => {
    const long = await get(`/api/episodes/${'a'.repeat(101)}.json`);
    expect([400, 404]).toContain(long.statusCode);
    expect(long.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  test('headers over 16 KiB are refused with 431 before any route runs', async () => {
    const { port } = new URL(origin);
    const status = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: ${'p'.repeat(20_000)}\r\n\r\n`);
      });
      let answer = '';
      socket.on('data', (chunk: Buffer) => {
        answer += chunk.toString('latin1');
        if (answer.includes('\r\n')) {
          socket.destroy();
          resolve(answer.split('\r\n')[0] ?? '');
        }
      });
      socket.on('error', reject);
    });
    expect(status).toBe('HTTP/1.1 431 Request Header Fields Too Large');
  });
});
