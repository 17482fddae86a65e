/**
 * Faults of the process and what it runs on, met through HTTP on the built
 * server (`dist/server/server.js`) in a process of its own: the speech engine
 * missing, crashing mid-render or hanging; the render cache damaged on disk or
 * not writable; SIGTERM and kill -9 in the middle of a render; a malformed
 * content pack. A listener must meet a clear answer (the audio, or a 503
 * problem with Retry-After and the reason in the log), never a crash, a hang or
 * a corrupt file.
 *
 * The engine is the real espeak-ng program behind a stand-in on the PATH that
 * crashes or hangs when the test raises a flag (running-server.ts); the
 * unit-level faults of each engine are in tests/unit/renditions/engine-faults.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdir as makeFolder, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { FIXTURE_PACK } from '../helpers/paths.js';
import {
  cacheDamage,
  filesUnder,
  get,
  misbehavingEspeak,
  refusedStart,
  startServer,
  stopAll,
  until,
  waitForLog,
  wholeMp3,
  type Answer,
  type LogLine,
  type RunningServer,
} from './running-server.js';

const AUDIO = '/api/episodes/the-light/audio.mp3';
let scratch: string;
/** The MP3 of the-light at the normal rate, from a clean cache: what every later answer must equal. */
let reference: Buffer;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'atl-process-faults-'));
  const server = await startServer({ cache: path.join(scratch, 'reference-cache'), args: ['--engine', 'espeak-ng'] });
  const first = await get(server.origin, AUDIO);
  expect(first.status, first.body.toString()).toBe(200);
  // Asked again: the stored, verified file, with its length (the first may have come while it rendered).
  const stored = await get(server.origin, AUDIO);
  expect(stored.body.length).toBe(Number(stored.headers['content-length']));
  reference = stored.body;
  expect(wholeMp3(first, reference)).toMatch(/stored|live/);
  server.child.kill('SIGTERM');
  await server.exited;
}, 120_000);
afterEach(() => stopAll());
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

let made = 0;
/** A fresh folder in this file's scratch space. */
const folder = (name: string) => path.join(scratch, `${name}-${++made}`);

/** A 503 problem with Retry-After, whose code is `code`. */
function expectUnavailable(answer: Answer, code: string): void {
  expect(answer.status, answer.body.toString()).toBe(503);
  expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(JSON.parse(answer.body.toString())).toMatchObject({ status: 503, code });
}

/** The whole reference audio: from the cache, the same bytes; sent while it renders, complete and the same sound (see `wholeMp3`). */
function expectWholeAudio(answer: Answer): void {
  expect(() => wholeMp3(answer, reference)).not.toThrow();
}

const alive = async (server: RunningServer) => (await get(server.origin, '/healthz')).status === 200;
const renditionsOf = (cache: string) => path.join(cache, 'renditions');

/** Command lines of the processes whose parent is the server. */
async function childCommands(server: RunningServer): Promise<string[]> {
  try {
    return execFileSync('ps', ['-o', 'args=', '--ppid', String(server.child.pid)], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    // ps exits 1 when there is no such process: none left.
    return [];
  }
}

/** Makes a folder and its parents. */
const mkdir = (dir: string) => makeFolder(dir, { recursive: true });

describe('the speech engine', () => {
  test('missing: --engine espeak-ng without espeak-ng on the PATH falls back to the embedded engine, says so, and serves audio', async () => {
    // A PATH with no espeak-ng (nor ffmpeg: MP3 then comes from the WebAssembly encoder).
    const emptyPath = folder('empty-path');
    await mkdir(emptyPath);
    const server = await startServer({ cache: folder('cache'), args: ['--engine', 'espeak-ng'], env: { PATH: emptyPath } });
    // Log lines come through a pipe: the test may read the answer before them, so it waits for them.
    const isWarning = (line: LogLine) => line.level === 40 && /^speech engine: embedded/.test(line.msg);
    await waitForLog(server, isWarning, 'the fallback warning');
    const warning = server.logs().find(isWarning);
    expect(warning?.msg, server.output()).toMatch(/the espeak-ng engine was chosen but cannot be used \(.*not installed or not on the PATH.*apt-get install espeak-ng.*\), so instead using the embedded eSpeak NG/);
    const ready = await get(server.origin, '/readyz');
    expect(JSON.parse(ready.body.toString())).toMatchObject({ ready: true, engine: { name: 'embedded', available: true } });
    const audio = await get(server.origin, AUDIO);
    expect(audio.headers['content-type']).toBe('audio/mpeg');
    // Another engine, other bytes: whole against the file it stored.
    const stored = await get(server.origin, AUDIO);
    expect(wholeMp3(stored, stored.body)).toBe('stored');
    expect(() => wholeMp3(audio, stored.body)).not.toThrow();
  }, 120_000);

  test('crashing mid-render: a 503 problem, the crash in the log, nothing half-made in the cache; the next render is served', async () => {
    const espeak = await misbehavingEspeak(folder('bin'));
    const cache = folder('cache');
    const server = await startServer({ cache, args: ['--engine', 'espeak-ng'], env: { PATH: espeak.pathVariable } });
    await writeFile(espeak.flag('crash'), '');
    expectUnavailable(await get(server.origin, AUDIO), 'ATL_RENDER_FAILED');
    await waitForLog(server, (line) => line.level === 40 && JSON.stringify(line.err ?? '').includes('killed by SIGSEGV'), 'the crash in the log');
    // The crash reached the engine after its first runs (the calibration pair): it was mid-render, before any audio was sent.
    // (A crash after audio has gone out cuts the answer off: tests/integration/streaming.test.ts.)
    expect((await readdir(`${espeak.flag('crash')}.runs`)).length).toBeGreaterThan(2);
    expect(await alive(server)).toBe(true);
    expect(await cacheDamage(renditionsOf(cache))).toEqual([]);
    expect((await filesUnder(renditionsOf(cache))).filter((file) => file.endsWith('.mp3'))).toEqual([]);
    // The engine starts a new espeak-ng for the next render: it works.
    await rm(espeak.flag('crash'));
    expectWholeAudio(await get(server.origin, AUDIO));
  }, 120_000);

  test('hanging: --render-timeout fires, a 503 problem, the hung program is killed; the next render is served', async () => {
    const espeak = await misbehavingEspeak(folder('bin'));
    // Short enough to wait for, long enough (a chapter here renders in tens of ms) for a loaded machine's next render.
    const server = await startServer({ cache: folder('cache'), args: ['--engine', 'espeak-ng', '--render-timeout', '5'], env: { PATH: espeak.pathVariable } });
    await writeFile(espeak.flag('hang'), '');
    expectUnavailable(await get(server.origin, AUDIO), 'ATL_RENDER_FAILED');
    await waitForLog(server, (line) => /longer than 5000 ms and was stopped/.test(JSON.stringify(line.err ?? '')), 'the timeout in the log');
    // No hung espeak-ng (a `sleep 600`) is left under the server: it was killed, and a new one runs next time.
    await until(async () => !(await childCommands(server)).some((command) => command.includes('sleep 600')), 'the hung program to be killed');
    await rm(espeak.flag('hang'));
    expectWholeAudio(await get(server.origin, AUDIO));
  }, 120_000);
});


describe('the render cache on disk', () => {
  test.each([
    { damage: 'truncated', harm: (file: string) => truncate(file, 1000) },
    {
      damage: 'altered (same length)',
      harm: async (file: string) => {
        const data = await readFile(file);
        const middle = Math.floor(data.length / 2);
        data.writeUInt8(data.readUInt8(middle) ^ 0xff, middle);
        await writeFile(file, data);
      },
    },
  ])('an entry $damage while the server runs is detected, rendered again and never served', async ({ harm }) => {
    const cache = folder('cache');
    // No audio held in memory: every request goes to the cache on disk.
    const server = await startServer({ cache, args: ['--engine', 'espeak-ng', '--audio-memory', '0'] });
    expectWholeAudio(await get(server.origin, AUDIO));
    const mp3 = (await filesUnder(renditionsOf(cache))).find((file) => file.endsWith('.mp3'))!;
    await harm(path.join(renditionsOf(cache), mp3));
    expectWholeAudio(await get(server.origin, AUDIO));
    await waitForLog(server, (line) => line.msg === 'discarded a corrupt cache entry; it will be rendered again', 'the discarded entry in the log');
    expect(await cacheDamage(renditionsOf(cache))).toEqual([]);
  }, 120_000);

  test('an entry truncated while the server was stopped is detected at the first request after the restart', async () => {
    const cache = folder('cache');
    const first = await startServer({ cache, args: ['--engine', 'espeak-ng'] });
    expectWholeAudio(await get(first.origin, AUDIO));
    first.child.kill('SIGTERM');
    await first.exited;
    const mp3 = (await filesUnder(renditionsOf(cache))).find((file) => file.endsWith('.mp3'))!;
    await truncate(path.join(renditionsOf(cache), mp3), 100);
    const second = await startServer({ cache, args: ['--engine', 'espeak-ng'] });
    // A Range request too: no part of the damaged file is served either.
    const range = await get(second.origin, AUDIO, { headers: { range: 'bytes=0-499' } });
    expect(range.status).toBe(206);
    expect(range.body).toEqual(reference.subarray(0, 500));
    expectWholeAudio(await get(second.origin, AUDIO));
    expect(second.logs().some((line) => line.msg === 'discarded a corrupt cache entry; it will be rendered again')).toBe(true);
  }, 120_000);

  test('a cache folder that cannot be a folder (under a regular file): a clear warning, and the pages and audio are still served', async () => {
    // Not chmod: CI runs as root, which writes anywhere. A path under a file is refused to root too.
    const parent = folder('parent');
    await mkdir(parent);
    await writeFile(path.join(parent, 'a-file'), '');
    const ownTemp = folder('tmp');
    await mkdir(ownTemp);
    const server = await startServer({ cache: path.join(parent, 'a-file', 'cache'), args: ['--engine', 'espeak-ng'], env: { TMPDIR: ownTemp } });
    expect((await get(server.origin, '/')).status).toBe(200);
    expectWholeAudio(await get(server.origin, AUDIO));
    const warnings = server.logs().filter((line) => line.level === 40).map((line) => line.msg);
    expect(warnings.some((msg) => msg.startsWith(`the cache folder cannot be written; the player's pages are written to ${ownTemp}`)), server.output()).toBe(true);
    expect(warnings.some((msg) => msg.startsWith(`the render cache folder cannot be written; renders go to ${ownTemp}`))).toBe(true);
  }, 120_000);

  test('no folder can be written at all (cache and temporary folder under a file): the server refuses to start, naming the folder', async () => {
    const parent = folder('parent');
    await mkdir(parent);
    await writeFile(path.join(parent, 'a-file'), '');
    const cache = path.join(parent, 'a-file', 'cache');
    const { code, output } = await refusedStart({ cache, env: { TMPDIR: path.join(parent, 'a-file', 'tmp') } });
    expect(code).toBe(1);
    expect(output).toContain(`The server could not start: the cache folder ${cache} cannot be written (ENOTDIR`);
    expect(output).toContain('set --cache to a folder that can be');
  }, 120_000);
});

describe('the process stopped mid-render', () => {
  test('SIGTERM: the answer under way finishes whole, the process exits 0, and the cache holds no partial file', async () => {
    const espeak = await misbehavingEspeak(folder('bin'));
    const cache = folder('cache');
    const server = await startServer({ cache, args: ['--engine', 'espeak-ng', '--grace', '120'], env: { PATH: espeak.pathVariable } });
    // The calibration pair and one chapter quick, the other chapter seconds long: the signal lands mid-render.
    await writeFile(espeak.flag('slow'), '0.3 3 3');
    const answer = get(server.origin, AUDIO);
    await until(async () => (await filesUnder(renditionsOf(cache))).some((file) => file.startsWith('chapters')), 'the first chapter in the cache');
    server.child.kill('SIGTERM');
    expectWholeAudio(await answer);
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(await cacheDamage(renditionsOf(cache))).toEqual([]);
  }, 120_000);

  test('SIGTERM past --grace: the answer under way is cut off (never ended as if whole), and the cache holds no partial file', async () => {
    const espeak = await misbehavingEspeak(folder('bin'));
    const cache = folder('cache');
    const server = await startServer({ cache, args: ['--engine', 'espeak-ng', '--grace', '0.5'], env: { PATH: espeak.pathVariable } });
    // The calibration pair and one chapter quick, the other chapter thirty seconds: the render cannot finish within the grace.
    await writeFile(espeak.flag('slow'), '0.3 30 3');
    const answer = get(server.origin, AUDIO).then(
      (reply) => reply,
      (error: Error) => error,
    );
    await until(async () => (await filesUnder(renditionsOf(cache))).some((file) => file.startsWith('chapters')), 'the first chapter in the cache');
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(1);
    // The connection was closed: whatever had been sent cannot pass for a whole file.
    expect(await answer).toBeInstanceOf(Error);
    expect(await cacheDamage(renditionsOf(cache))).toEqual([]);
  }, 120_000);

  test('kill -9, then a restart over the same cache: what was half-made is never served; the audio is rendered whole', async () => {
    const espeak = await misbehavingEspeak(folder('bin'));
    const cache = folder('cache');
    const first = await startServer({ cache, args: ['--engine', 'espeak-ng'], env: { PATH: espeak.pathVariable } });
    // The calibration pair and one chapter quick, the other chapter seconds long: the kill lands mid-render.
    await writeFile(espeak.flag('slow'), '0.3 3 3');
    const cutOff = get(first.origin, AUDIO).catch((error: Error) => error);
    await until(async () => (await filesUnder(renditionsOf(cache))).some((file) => file.startsWith('chapters')), 'the first chapter in the cache');
    first.child.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await cutOff).toBeInstanceOf(Error);
    await rm(espeak.flag('slow'));
    const second = await startServer({ cache, args: ['--engine', 'espeak-ng'], env: { PATH: espeak.pathVariable } });
    expectWholeAudio(await get(second.origin, AUDIO));
    expectWholeAudio(await get(second.origin, AUDIO));
    // A killed write may leave a temporary file: never read, never served, and removed by the restart.
    expect(await cacheDamage(renditionsOf(cache))).toEqual([]);
  }, 120_000);
});

describe('a malformed content pack', () => {
  test.each([
    {
      name: 'a file that is not JSON',
      breakPack: async (pack: string) => writeFile(path.join(pack, 'facts.json'), '[{"id": "story-island",'),
      message: /facts\.json/,
    },
    {
      name: 'a field of the wrong type',
      breakPack: async (pack: string) => {
        const episodes = JSON.parse(await readFile(path.join(pack, 'episodes.json'), 'utf8')) as { title: unknown }[];
        episodes[0]!.title = 42;
        await writeFile(path.join(pack, 'episodes.json'), JSON.stringify(episodes));
      },
      message: /episodes\.json at \/0\/title: /,
    },
    {
      name: 'a missing file',
      breakPack: async (pack: string) => rm(path.join(pack, 'people.json')),
      message: /people\.json/,
    },
  ])('$name: the server refuses to start, naming the file, the path and the problem', async ({ breakPack, message }) => {
    const pack = folder('pack');
    await cp(FIXTURE_PACK, pack, { recursive: true });
    await breakPack(pack);
    const { code, output } = await refusedStart({ cache: folder('cache'), args: ['--content', pack] });
    expect(code).toBe(1);
    expect(output).toMatch(message);
    expect(output).toContain('The server did not start.');
    // Said in words, not as a stack trace.
    expect(output).not.toMatch(/\n\s+at /);
  }, 60_000);
});
