/**
 * The MP3 of an episode nobody has asked for yet, sent while it is being made
 * (issue 5: first byte under a second): a GET from the first byte gets the bytes
 * as they are encoded, chunked, with no length, no validators and `no-store`;
 * any other request (a later range, a condition, HEAD) waits for the stored,
 * verified file; later requests get that file with ranges. A render that fails
 * part way aborts the answer instead of ending it, and a listener leaving stops
 * the render. Real sockets throughout: chunking and aborts are what is tested.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../../server/src/app.js';
import { mp3Encoder } from '../../server/src/audio/encoders.js';
import { createCatalog } from '../../server/src/catalog.js';
import { loadContentPack } from '../../server/src/content/load.js';
import { createRenditions, type RenditionsOptions } from '../../server/src/renditions/renditions.js';
import { readsFromTheStart } from '../../server/src/routes/episodes.js';
import { startCompanion, type TestCompanion } from '../helpers/app.js';
import { FIXTURE_PACK } from '../helpers/paths.js';
import { createFakeEngine, eventually, gate, heldWrites, pendingAfter, type FakeEngine } from '../unit/renditions/fake-engine.js';

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A whole exchange on a real socket: `complete` is false when the server broke the answer off. */
interface Exchange {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly complete: boolean;
}

function exchange(origin: string, url: string, options: { method?: string; headers?: Record<string, string>; leaveAfterFirstChunk?: boolean } = {}): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${origin}${url}`, { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      const done = () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks), complete: response.complete });
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        // A listener closing the tab once the audio has started.
        if (options.leaveAfterFirstChunk === true) response.destroy();
      });
      // An answer broken off mid-body ends in 'error' (aborted) and 'close', never a clean 'end' with complete set.
      response.on('error', () => undefined);
      response.on('close', done);
    });
    req.on('error', reject);
    req.end();
  });
}

const AUDIO = '/api/episodes/the-light/audio.mp3';

describe('readsFromTheStart: which requests the audio being made can answer', () => {
  test.each([
    { name: 'a GET without Range', method: 'GET', headers: {}, expected: true },
    { name: 'a GET of bytes=0- (how browsers ask first)', method: 'GET', headers: { range: 'bytes=0-' }, expected: true },
    { name: 'bytes=0- written loosely', method: 'GET', headers: { range: ' Bytes = 00 - ' }, expected: true },
    { name: 'a later range', method: 'GET', headers: { range: 'bytes=100-' }, expected: false },
    { name: 'a bounded first range', method: 'GET', headers: { range: 'bytes=0-99' }, expected: false },
    { name: 'several ranges', method: 'GET', headers: { range: 'bytes=0-,5-9' }, expected: false },
    { name: 'a condition on the ETag', method: 'GET', headers: { 'if-none-match': '"abc"' }, expected: false },
    { name: 'a condition on the date', method: 'GET', headers: { 'if-modified-since': 'Sun, 29 Nov 2026 10:00:00 GMT' }, expected: false },
    { name: 'HEAD, which must say the length', method: 'HEAD', headers: {}, expected: false },
  ])('$name: $expected', ({ method, headers, expected }) => {
    expect(readsFromTheStart({ method, headers })).toBe(expected);
  });
});

describe('with the real engine', () => {
  const logs: LogLine[] = [];
  let companion: TestCompanion;
  let origin: string;

  beforeAll(async () => {
    companion = await startCompanion(FIXTURE_PACK, undefined, {
      fastify: { logger: { level: 'info', stream: { write: (line: string) => logs.push(JSON.parse(line) as LogLine) } } },
    });
    origin = await companion.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await companion?.close();
  });

  // Each case asks for a rate nobody asked for before: a cold rendition.
  test.each([
    { name: 'no Range', headers: {} as Record<string, string>, rate: 1 },
    { name: 'Range: bytes=0-', headers: { range: 'bytes=0-' } as Record<string, string>, rate: 1.25 },
  ])('a first GET with $name gets the MP3 as it is made; the next gets the stored file with length, ETag and ranges', async ({ headers, rate }) => {
    const url = `${AUDIO}?rate=${rate}`;
    const live = await exchange(origin, url, { headers });
    expect(live.status).toBe(200);
    expect(live.complete).toBe(true);
    expect(live.headers).toMatchObject({
      'content-type': 'audio/mpeg',
      'transfer-encoding': 'chunked',
      'cache-control': 'no-store',
      'accept-ranges': 'none',
      'cross-origin-resource-policy': 'cross-origin',
      'content-disposition': 'inline; filename="the-light.mp3"',
      // Security headers as on every answer.
      'x-content-type-options': 'nosniff',
    });
    expect(live.headers['content-length']).toBeUndefined();
    expect(live.headers.etag).toBeUndefined();
    expect(live.headers['last-modified']).toBeUndefined();

    const stored = await exchange(origin, url);
    expect(stored.status).toBe(200);
    expect(stored.headers).toMatchObject({ 'content-length': String(stored.body.length), 'accept-ranges': 'bytes', 'cache-control': 'public, no-cache' });
    expect(stored.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    // The same audio: both start with an ID3 tag of one size (the live one without chapters or picture),
    // then the stored file has one gapless Info frame, which needs the length, and the same bytes.
    const tagSize = (file: Buffer): number => 10 + ((file[6]! << 21) | (file[7]! << 14) | (file[8]! << 7) | file[9]!);
    expect(live.body.toString('latin1', 0, 3)).toBe('ID3');
    expect(tagSize(stored.body)).toBe(tagSize(live.body));
    const header = stored.body.subarray(tagSize(live.body), tagSize(live.body) + stored.body.length - live.body.length);
    expect(stored.body.subarray(tagSize(live.body) + header.length).equals(live.body.subarray(tagSize(live.body)))).toBe(true);
    expect(header.length).toBeGreaterThan(0);
    expect(header.length).toBeLessThan(1000);
    expect(header.includes(Buffer.from('Info')) || header.includes(Buffer.from('Xing'))).toBe(true);

    const range = await exchange(origin, url, { headers: { range: 'bytes=0-' } });
    expect(range.status).toBe(206);
    expect(range.headers['content-range']).toBe(`bytes 0-${stored.body.length - 1}/${stored.body.length}`);
  });

  test('while it is made, a later range, a condition and HEAD wait for the stored file and get its answers', async () => {
    const url = `${AUDIO}?rate=0.75`;
    const [live, later, conditional, head] = await Promise.all([
      exchange(origin, url),
      exchange(origin, url, { headers: { range: 'bytes=100-199' } }),
      exchange(origin, url, { headers: { 'if-none-match': '"not-this-one"' } }),
      exchange(origin, url, { method: 'HEAD' }),
    ]);
    expect(live.headers['cache-control']).toBe('no-store');
    const stored = await exchange(origin, url);
    expect(later.status).toBe(206);
    expect(later.body.equals(stored.body.subarray(100, 200))).toBe(true);
    expect(conditional.status).toBe(200);
    expect(conditional.headers.etag).toBe(stored.headers.etag);
    expect(conditional.body.equals(stored.body)).toBe(true);
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(stored.body.length));
  });

  test('a listener hanging up mid-stream is noted at info, never as a warning or error', async () => {
    const before = logs.length;
    const left = await exchange(origin, `${AUDIO}?rate=0.5`, { leaveAfterFirstChunk: true });
    expect(left.status).toBe(200);
    expect(left.complete).toBe(false);
    await eventually(() => logs.slice(before).some((line) => /hung up/.test(line.msg)));
    const lines = logs.slice(before);
    expect(lines.filter((line) => line.level >= 40), JSON.stringify(lines)).toEqual([]);
    // The server goes on serving it.
    const again = await exchange(origin, `${AUDIO}?rate=0.5`);
    expect(again.status).toBe(200);
    expect(again.complete).toBe(true);
  });
});

describe('faults, with the renditions fake engine (each fault on cue)', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function start(engine: FakeEngine, options: Partial<RenditionsOptions> = {}): Promise<{ app: FastifyInstance; origin: string; logs: LogLine[] }> {
    const folder = await mkdtemp(path.join(tmpdir(), 'atl-streaming-'));
    cleanup.push(() => rm(folder, { recursive: true, force: true }));
    const logs: LogLine[] = [];
    const app = await buildApp(
      {
        catalog: createCatalog(await loadContentPack(FIXTURE_PACK)),
        renditions: createRenditions({ engine, cacheDir: path.join(folder, 'cache'), fallbackDir: path.join(folder, 'fallback'), encoders: [mp3Encoder], ...options }),
        engine,
        siteDir: path.join(folder, 'site'),
      },
      { logger: { level: 'info', stream: { write: (line: string) => logs.push(JSON.parse(line) as LogLine) } } },
    );
    cleanup.push(() => app.close());
    return { app, origin: await app.listen({ host: '127.0.0.1', port: 0 }), logs };
  }

  test('a render that fails after the first chapter was sent aborts the answer: never ended as if whole', async () => {
    const engine = createFakeEngine();
    // The second chapter hangs until the render times out; the first is sent by then. (Chapters
    // render two at a time, so which call is which varies: the chapter is told by its first mark.)
    let hung = false;
    engine.behaviour = (ssml) => {
      if (hung || !ssml.includes('<mark name="c2.s1"/>')) return 'render';
      hung = true;
      return 'hang';
    };
    const { origin, logs } = await start(engine, { renderTimeoutMs: 1500 });
    const broken = await exchange(origin, AUDIO);
    expect(broken.status).toBe(200);
    expect(broken.body.length).toBeGreaterThan(0);
    expect(broken.complete).toBe(false);
    expect(logs.some((line) => line.level === 50 && /broke off/.test(line.msg) && /longer than 1500 ms/.test(JSON.stringify(line))), JSON.stringify(logs)).toBe(true);
    // The next listener gets the whole file (the engine renders again).
    const next = await exchange(origin, AUDIO);
    expect(next.status).toBe(200);
    expect(next.complete).toBe(true);
    expect(next.body.length).toBeGreaterThan(broken.body.length);
  });

  test('a render that fails before its first byte is a 503 problem, as before', async () => {
    const engine = createFakeEngine();
    // The first chapter, told by its first mark (chapters render two at a time, in either order).
    engine.behaviour = (ssml) => (ssml.includes('<mark name="c1.s1"/>') ? 'crash' : 'render');
    const { origin } = await start(engine);
    const refused = await exchange(origin, AUDIO);
    expect(refused.status).toBe(503);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(refused.body.toString('utf8'))).toMatchObject({ code: 'ATL_RENDER_FAILED' });
  });

  test('closing waits for a chapter rendering ahead of a failed one to store itself: nothing writes to the cache after', async () => {
    const engine = createFakeEngine();
    engine.behaviour = (ssml) => (ssml.includes('<mark name="c1.s1"/>') ? 'crash' : 'render');
    // The second chapter is rendered and being written when the first one crashes.
    const writes = heldWrites();
    engine.crashGate = writes.started;
    const { app, origin } = await start(engine, { writeFile: writes.writeFile });
    expect((await exchange(origin, AUDIO)).status).toBe(503);
    const closing = app.close();
    expect(await pendingAfter(closing, 50)).toBe(true);
    writes.release();
    await closing;
  });

  test('the last listener leaving stops the render', async () => {
    const engine = createFakeEngine();
    const secondChapter = (ssml: string) => ssml.includes('<mark name="c2.s1"/>');
    engine.behaviour = (ssml) => (secondChapter(ssml) ? 'hang' : 'render');
    const { origin } = await start(engine);
    const left = await exchange(origin, AUDIO, { leaveAfterFirstChunk: true });
    expect(left.complete).toBe(false);
    await eventually(() => engine.calls.find((call) => secondChapter(call.ssml))?.options.signal?.aborted === true);
  });

  test("a full renderer's 503 carries its own estimate as Retry-After, not a fixed 5 s", async () => {
    const engine = createFakeEngine();
    const { origin } = await start(engine, { maxConcurrentRenders: 1, maxPendingRenders: 1 });
    // One render timed first: the fake engine takes milliseconds, so the estimate is the minimum, 1 s.
    expect((await exchange(origin, AUDIO)).complete).toBe(true);
    const held = gate();
    engine.gate = held.promise;
    const calls = engine.calls.length;
    const first = exchange(origin, `${AUDIO}?rate=2`);
    await eventually(() => engine.calls.length > calls);
    const refused = await exchange(origin, `${AUDIO}?rate=1.5`);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(JSON.parse(refused.body.toString('utf8'))).toMatchObject({ code: 'ATL_RENDER_BUSY' });
    held.open();
    expect((await first).complete).toBe(true);
  });
});
