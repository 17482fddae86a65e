/**
 * `npm start` and the other npm commands exactly as the README gives them, each in a
 * process of its own: an already-built checkout runs them without building; a content
 * edit is served after a restart with no build; SIGTERM or SIGINT to the process
 * `npm start` created (what a service manager or `kill` sends), or Ctrl+C (SIGINT to the
 * whole foreground group), stops the server gracefully and frees its port.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { buildIfChanged } from '../../server/build.js';
import { misbehavingEspeak, startServer, stopAll, until, type RunningServer } from '../hardening/running-server.js';
import { FIXTURE_PACK, ROOT } from '../helpers/paths.js';

/** What the launcher says when it builds: an already-built checkout must never print it. */
const BUILDING = 'Building dist/';

let scratch: string;

beforeAll(async () => {
  // These tests are about a built checkout (npm test builds first): make sure it is one.
  await buildIfChanged();
  scratch = await mkdtemp(path.join(tmpdir(), 'atl-npm-start-'));
});
afterEach(stopAll);
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Runs an npm command in the project's folder; resolves with its exit and output. */
function npm(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Whether a new server can listen on the port (the old one let it go). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** Whether a process with this id still runs. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The id of the Node.js process that serves (pino writes it on every line), which is not npm's. */
function serverPid(server: RunningServer): number {
  const pid = server.logs().find((line) => typeof line.pid === 'number')?.pid;
  if (typeof pid !== 'number') throw new Error(`no log line gives the server's pid:\n${server.output()}`);
  return pid;
}

describe('an already-built checkout runs every npm command without building', () => {
  test.each([
    { name: 'npm start', usage: 'Usage: npm start -- [options]' },
    { name: 'npm run content:check', usage: 'Usage: npm run content:check' },
    { name: 'npm run render', usage: 'Usage: npm run render' },
    { name: 'npm run export', usage: 'Usage: npm run export' },
    { name: 'npm run speak', usage: 'Usage: npm run speak' },
  ])('$name -- --help answers, exit 0', async ({ name, usage }) => {
    const { code, stdout, stderr } = await npm([...name.split(' ').slice(1), '--', '--help']);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain(usage);
    expect(stderr).not.toContain(BUILDING);
  });

  test('npm run content:check checks a pack; a bad flag is exit 2 with the usage, not a stack trace', async () => {
    const checked = await npm(['run', 'content:check', '--', '--content', FIXTURE_PACK]);
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.stdout).toMatch(/lighthouse is whole: 3 facts from 2 sources/);
    expect(checked.stderr).not.toContain(BUILDING);
    const refused = await npm(['run', 'content:check', '--', '--colour', 'red']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("Unknown option '--colour'");
    expect(refused.stderr).toContain('Usage: npm run content:check');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
  });

  test('a content edit is served after a restart, with no build', async () => {
    const pack = path.join(scratch, 'edited-pack');
    await cp(FIXTURE_PACK, pack, { recursive: true });
    const cache = path.join(scratch, 'edited-cache');
    const title = async (server: RunningServer) => ((await (await fetch(`${server.origin}/api/episodes/the-light`)).json()) as { title: string }).title;

    const before = await startServer({ via: 'npm', cache, args: ['--content', pack, '--engine', 'espeak-ng'] });
    const original = await title(before);
    before.child.kill('SIGTERM');
    expect((await before.exited).code).toBe(0);

    const episodesFile = path.join(pack, 'episodes.json');
    const episodes = JSON.parse(await readFile(episodesFile, 'utf8')) as { id: string; title: string }[];
    for (const episode of episodes) if (episode.id === 'the-light') episode.title = 'The Light, as edited';
    await writeFile(episodesFile, JSON.stringify(episodes, null, 2));

    const after = await startServer({ via: 'npm', cache, args: ['--content', pack, '--engine', 'espeak-ng'] });
    expect(original).not.toBe('The Light, as edited');
    expect(await title(after)).toBe('The Light, as edited');
    after.child.kill('SIGTERM');
    await after.exited;
    expect(before.output() + after.output()).not.toContain(BUILDING);
  });
});

describe('signals reach the server through npm', () => {
  test.each([
    { signal: 'SIGTERM', to: 'the npm process', as: 'what a service manager or kill sends' },
    { signal: 'SIGINT', to: 'the npm process', as: 'kill -INT' },
    { signal: 'SIGINT', to: 'the whole process group', as: 'what Ctrl+C in a terminal sends' },
  ] as const)('$signal to $to ($as): a graceful stop, logged, the port freed, no server left', async ({ signal, to }) => {
    const server = await startServer({ via: 'npm', cache: path.join(scratch, 'signals'), args: ['--engine', 'espeak-ng'] });
    const port = Number(new URL(server.origin).port);
    expect((await fetch(`${server.origin}/healthz`)).status).toBe(200);
    const pid = serverPid(server);
    expect(pid).not.toBe(server.child.pid);

    const npmPid = server.child.pid ?? 0;
    process.kill(to === 'the whole process group' ? -npmPid : npmPid, signal);
    const exit = await server.exited;

    expect(exit, server.output()).toEqual({ code: 0, signal: null });
    // The last lines may still be in the pipe when npm's exit is seen.
    await until(() => server.output().includes('stopped: every answer under way was sent'), `the exit logged:\n${server.output()}`);
    const messages = server.logs().map((line) => line.msg);
    expect(messages).toContain('shutting down: finishing responses under way');
    expect(messages).toContain('stopped: every answer under way was sent');
    expect(server.logs().find((line) => line.msg === 'shutting down: finishing responses under way')?.signal).toBe(signal);
    // npm returns once its child has: the server is gone, not left running without it.
    expect(isRunning(pid)).toBe(false);
    expect(await portIsFree(port)).toBe(true);
  });

  test('Ctrl+C during a native render: the answer under way is still sent whole', async () => {
    // An espeak-ng that sleeps before rendering, so the signal surely comes while it runs.
    const espeak = await misbehavingEspeak(path.join(scratch, 'slow-espeak'));
    await writeFile(espeak.flag('slow'), '3');
    const server = await startServer({ via: 'npm', cache: path.join(scratch, 'ctrl-c'), args: ['--engine', 'espeak-ng', '--grace', '120'], env: { PATH: espeak.pathVariable } });
    const answer = fetch(`${server.origin}/api/episodes/the-light/audio.wav`).then(async (response) => ({
      status: response.status,
      length: Number(response.headers.get('content-length')),
      body: Buffer.from(await response.arrayBuffer()),
    }));
    // The first render's espeak-ng has started (its run is numbered on a folder) and sleeps.
    await until(() => existsSync(`${espeak.flag('slow')}.runs/1`), `espeak-ng to start:\n${server.output()}`);
    process.kill(-(server.child.pid ?? 0), 'SIGINT');

    const { status, length, body } = await answer;
    expect(status, body.toString().slice(0, 300)).toBe(200);
    expect(body.length).toBe(length);
    expect(body.toString('latin1', 0, 4)).toBe('RIFF');
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });
});
