/**
 * What a listener gets when rendering goes wrong: an engine that is missing,
 * crashes or hangs, a renderer that is full, a cache folder that cannot be
 * written, a cache entry that is damaged. Each is a 503 problem with
 * Retry-After and a log line that says why (or, where there is a way round
 * it, the audio itself), never a crash and never a truncated file.
 *
 * The engine here is the renditions' fake (tests/unit/renditions/fake-engine.ts),
 * so each fault happens on cue; the real engines' own faults are tested in
 * tests/unit/speech, and real audio through the app in the other integration tests.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, test } from 'vitest';
import { buildApp } from '../../server/src/app.js';
import { mp3Encoder } from '../../server/src/audio/encoders.js';
import { createCatalog } from '../../server/src/catalog.js';
import { loadContentPack } from '../../server/src/content/load.js';
import { createRenditions, type RenditionsOptions } from '../../server/src/renditions/renditions.js';
import type { SpeechEngine } from '../../server/src/speech/engine.js';
import { createUnavailableEngine } from '../../server/src/speech/unavailable-engine.js';
import { FIXTURE_PACK } from '../helpers/paths.js';
import { createFakeEngine, eventually, gate } from '../unit/renditions/fake-engine.js';

const AUDIO = '/api/episodes/the-light/audio.mp3';
const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function folder(): Promise<string> {
  const made = await mkdtemp(path.join(tmpdir(), 'atl-faults-'));
  cleanup.push(() => rm(made, { recursive: true, force: true }));
  return made;
}

/** The app over the fixture pack with `engine` and these renditions options; `logs` collects its log lines. */
async function start(engine: SpeechEngine, options: Partial<RenditionsOptions> = {}): Promise<{ app: FastifyInstance; logs: string[]; cacheDir: string }> {
  const logs: string[] = [];
  const cacheDir = options.cacheDir ?? (await folder());
  const siteDir = path.join(await folder(), 'site');
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const app = await buildApp(
    {
      catalog: createCatalog(await loadContentPack(FIXTURE_PACK)),
      renditions: createRenditions({ engine, cacheDir, fallbackDir: path.join(await folder(), 'fallback'), encoders: [mp3Encoder], ...options }),
      engine,
      siteDir,
    },
    { logger: { level: 'warn', stream } },
  );
  cleanup.push(() => app.close());
  return { app, logs, cacheDir };
}

/** A 503 problem with Retry-After, whose reason the log states. */
function expectUnavailable(response: { statusCode: number; headers: Record<string, unknown>; json: () => unknown }, code: string, logs: readonly string[], reason: RegExp): void {
  expect(response.statusCode).toBe(503);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(response.json()).toMatchObject({ status: 503, code });
  expect(logs.join('')).toMatch(reason);
}

describe('render faults reach the listener as 503 problems, with the reason in the log', () => {
  test('an engine that is missing', async () => {
    const { app, logs } = await start(createUnavailableEngine('the espeak-ng engine was chosen but cannot be used (espeak-ng is not installed)'));
    expectUnavailable(await app.inject(AUDIO), 'ATL_RENDER_FAILED', logs, /no speech engine can run here: the espeak-ng engine was chosen/);
    // Text still works without an engine.
    expect((await app.inject('/api/episodes/the-light/ssml')).statusCode).toBe(200);
  });

  test('an engine that crashes mid-render; the next request renders', async () => {
    const engine = createFakeEngine();
    engine.behaviour = (_ssml, call) => (call === 1 ? 'crash' : 'render');
    const { app, logs } = await start(engine);
    // A Range past the first byte waits for the whole file (a GET gets the MP3 as it is made: its faults are in streaming.test.ts).
    expectUnavailable(await app.inject({ url: AUDIO, headers: { range: 'bytes=100-199' } }), 'ATL_RENDER_FAILED', logs, /crashed during a render/);
    const next = await app.inject(AUDIO);
    expect(next.statusCode).toBe(200);
    expect(next.headers['content-type']).toBe('audio/mpeg');
  });

  test('an engine that hangs: the render times out', async () => {
    const engine = createFakeEngine();
    engine.behaviour = () => 'hang';
    const { app, logs } = await start(engine, { renderTimeoutMs: 200 });
    expectUnavailable(await app.inject('/api/episodes/the-light/captions.vtt'), 'ATL_RENDER_FAILED', logs, /longer than 200 ms and was stopped/);
    expect(engine.calls.every((call) => call.options.signal?.aborted === true)).toBe(true);
  });

  test('a renderer that is full answers 503 busy at once', async () => {
    const held = gate();
    const engine = createFakeEngine();
    engine.gate = held.promise;
    const { app, logs } = await start(engine, { maxConcurrentRenders: 1, maxPendingRenders: 1 });
    const first = app.inject(`${AUDIO}?rate=2`);
    await eventually(() => engine.calls.length > 0);
    expectUnavailable(await app.inject(AUDIO), 'ATL_RENDER_BUSY', logs, /too many renders under way/);
    held.open();
    expect((await first).statusCode).toBe(200);
  });

  test('a cache that cannot be written anywhere', async () => {
    const parent = await folder();
    await writeFile(path.join(parent, 'file'), '');
    const { app, logs } = await start(createFakeEngine(), { cacheDir: path.join(parent, 'file', 'cache'), fallbackDir: path.join(parent, 'file', 'fallback') });
    expectUnavailable(await app.inject(AUDIO), 'ATL_RENDER_FAILED', logs, /render cache cannot be written in .*nor in/);
  });
});

describe('faults with a way round them: the listener gets the audio', () => {
  test('an unwritable cache folder: served from the fallback folder', async () => {
    const parent = await folder();
    await writeFile(path.join(parent, 'file'), '');
    const { app } = await start(createFakeEngine(), { cacheDir: path.join(parent, 'file') });
    // The first listener gets the MP3 as it is made, whole; the next the file stored in the fallback.
    const live = await app.inject(AUDIO);
    expect(live.statusCode).toBe(200);
    expect(live.headers['cache-control']).toBe('no-store');
    const response = await app.inject(AUDIO);
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload.length).toBe(Number(response.headers['content-length']));
    expect(response.rawPayload.subarray(-live.rawPayload.length).equals(live.rawPayload)).toBe(true);
  });

  test('a damaged cache entry is rendered again and never served', async () => {
    const engine = createFakeEngine();
    const first = await start(engine);
    const whole = await first.app.inject(AUDIO);
    expect(whole.statusCode).toBe(200);
    const stored = (await import('node:fs/promises')).readdir(path.join(first.cacheDir, 'renditions'));
    const mp3 = (await stored).find((name) => name.endsWith('.mp3'))!;
    await truncate(path.join(first.cacheDir, 'renditions', mp3), 1000);
    // A restart over the same cache.
    const next = await start(createFakeEngine(), { cacheDir: first.cacheDir });
    const response = await next.app.inject(AUDIO);
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload.length).toBe(whole.rawPayload.length);
    expect(createHash('sha256').update(response.rawPayload).digest('hex')).toBe(createHash('sha256').update(whole.rawPayload).digest('hex'));
  });
});
