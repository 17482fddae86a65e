/**
 * The server as `npm start` runs it (the built `dist/server/server.js` in a
 * process of its own): settings and `--help`, logs (JSON lines when piped,
 * readable text in a terminal), and graceful shutdown on SIGTERM and SIGINT.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { FIXTURE_PACK, ROOT } from '../helpers/paths.js';

const SERVER = path.join(ROOT, 'dist', 'server', 'server.js');
let cacheDir: string;
const started: ChildProcess[] = [];

beforeAll(async () => {
  if (!existsSync(SERVER)) throw new Error('The server is not built: run `npm run build` first (npm test does).');
  cacheDir = await mkdtemp(path.join(tmpdir(), 'atl-process-'));
});
afterEach(() => {
  // Any server a failed test left running: stop it by its own id.
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

interface Running {
  readonly child: ChildProcess;
  readonly origin: string;
  /** Everything written so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the built server on a free port with the fixture pack and the embedded engine. */
async function startServer(extra: readonly string[] = [], cache = cacheDir): Promise<Running> {
  const child = spawn(process.execPath, [SERVER, '--port', '0', '--content', FIXTURE_PACK, '--cache', cache, '--warm', 'off', '--engine', 'embedded', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${output}`)), 60_000);
    const look = () => {
      const found = /playing at (http:\/\/[^/\s]+)\//.exec(output)?.[1];
      if (found !== undefined) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout?.on('data', look);
    void exited.then(() => reject(new Error(`the server exited at start:\n${output}`)));
  });
  return { child, origin, output: () => output, exited };
}

const logLines = (output: string) =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);

type LogLine = { level: number; msg: string; [key: string]: unknown };

/** Waits until the server has written a log line that `match` accepts. */
async function waitForLog(server: Running, match: (line: LogLine) => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!logLines(server.output()).some(match)) {
    if (Date.now() > deadline) throw new Error(`no such log line:\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('settings', () => {
  test('--help lists every setting and exits 0', () => {
    const result = spawnSync(process.execPath, [SERVER, '--help'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    for (const flag of ['--host', '--port', '--content', '--cache', '--engine', '--base-url', '--warm', '--audio-memory', '--grace', '--render-timeout', '--log-level', '--help']) {
      expect(result.stdout, flag).toContain(flag);
    }
  });

  test.each([
    { argv: ['--colour', 'red'], message: "Unknown option '--colour'" },
    { argv: ['--port', 'eighty'], message: '--port (or PORT) must be a whole number from 0 to 65535, not "eighty"' },
  ])('a bad setting ($argv) exits 2 naming it, with the help', ({ argv, message }) => {
    const result = spawnSync(process.execPath, [SERVER, ...argv], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('Usage: npm start');
  });

  test('the environment is read when no flag is given', async () => {
    const result = spawnSync(process.execPath, [SERVER], { encoding: 'utf8', env: { ...process.env, PORT: 'x' } });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('not "x"');
  });
});

describe('logs', () => {
  test.each([
    { level: 'info', logged: ['/nowhere'] },
    { level: 'debug', logged: ['/healthz', '/nowhere'] },
  ])('piped, they are JSON lines for a log collector: at $level, a line for each of $logged', async ({ level, logged }) => {
    const server = await startServer(['--log-level', level]);
    await (await fetch(`${server.origin}/healthz`)).text();
    await (await fetch(`${server.origin}/nowhere`)).text();
    server.child.kill('SIGTERM');
    await server.exited;
    const answered = logLines(server.output()).filter((line) => line.msg === 'answered');
    expect(answered.map((line) => line.url)).toEqual(logged);
    expect(answered.at(-1)).toMatchObject({ level: 30, url: '/nowhere', status: 404, method: 'GET' });
  });

  test('in a terminal, they are readable text, not JSON', async () => {
    // `script` runs the server on a pseudo-terminal, as a person typing `npm start` would.
    const command = [process.execPath, SERVER, '--port', '0', '--content', FIXTURE_PACK, '--cache', cacheDir, '--warm', 'off', '--engine', 'embedded'].map((part) => `'${part}'`).join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    started.push(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const deadline = Date.now() + 60_000;
    while (!/INFO.*audio formats/.test(output) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    // The server and `script` share a process group of their own: end exactly that group.
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    await exited;
    expect(output).toMatch(/INFO.*speech engine: embedded/);
    expect(output).not.toContain('{"level"');
  });
});

describe('graceful shutdown', () => {
  test.each(['SIGTERM', 'SIGINT'] as const)('%s: stops accepting, finishes the render and answer under way, stops the engine, exits 0', async (signal) => {
    // A grace long enough for a busy machine: this test is about finishing, the next about the bound.
    const server = await startServer(['--grace', '120', '--log-level', 'debug']);
    const rate = signal === 'SIGTERM' ? '0.5' : '0.75';
    const url = `/api/episodes/the-light/audio.wav?rate=${rate}`;
    // A render the cache does not hold: seconds of work in the engine.
    const answer = fetch(`${server.origin}${url}`).then(async (response) => ({
      status: response.status,
      length: Number(response.headers.get('content-length')),
      body: Buffer.from(await response.arrayBuffer()),
    }));
    // The signal comes once the server has the request (its debug line says so), while it renders.
    await waitForLog(server, (line) => line.msg === 'asked' && line.url === url);
    server.child.kill(signal);
    await waitForLog(server, (line) => line.msg === 'shutting down: finishing responses under way');
    // No longer accepting: a new connection is refused while the answer is still under way.
    await expect(fetch(`${server.origin}/healthz`)).rejects.toThrow();
    const { status, length, body } = await answer;
    expect(status).toBe(200);
    expect(body.length).toBe(length);
    expect(body.toString('latin1', 0, 4)).toBe('RIFF');
    const exit = await server.exited;
    expect(exit, server.output()).toEqual({ code: 0, signal: null });
    const messages = logLines(server.output()).map((line) => line.msg);
    expect(messages).toContain('shutting down: finishing responses under way');
    expect(messages).toContain('stopped: every answer under way was sent');
    // The answer completed before the stop, not cut off by it.
    expect(messages.indexOf('answered')).toBeLessThan(messages.indexOf('stopped: every answer under way was sent'));
  });

  test('bounded: a render that takes longer than --grace does not hold the exit', async () => {
    // A cache of its own, so the slowest render (half speed) is not there yet: seconds of work.
    const server = await startServer(['--grace', '1', '--log-level', 'debug'], path.join(cacheDir, 'bounded'));
    const url = '/api/episodes/the-light/audio.wav?rate=0.5';
    const answer = fetch(`${server.origin}${url}`).then(
      (response) => response.status,
      () => 'cut off',
    );
    await waitForLog(server, (line) => line.msg === 'asked' && line.url === url);
    server.child.kill('SIGTERM');
    const { code } = await server.exited;
    expect(code, server.output()).toBe(1);
    expect(await answer).toBe('cut off');
    const lines = logLines(server.output());
    expect(lines.some((line) => line.level === 50 && /did not finish in time/.test(line.msg))).toBe(true);
    // The exit did not wait for the render: its answer was never completed (the log's debug level notes every answer sent).
    expect(lines.filter((line) => line.msg === 'answered' && line.url === url)).toEqual([]);
  });
});
