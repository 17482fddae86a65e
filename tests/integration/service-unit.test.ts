/**
 * The README's systemd unit: `systemd-analyze verify` accepts it without a warning, and
 * its command line, run with its environment as systemd would (only the port and the
 * cache folder changed, to a free port and a throw-away folder), serves, then stops on
 * the SIGTERM systemd sends to the main process (`KillMode=mixed`), leaving nothing
 * behind for systemd's final SIGKILL, well within `TimeoutStopSec`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { logLinesOf, until } from '../hardening/running-server.js';
import { ROOT } from '../helpers/paths.js';

let scratch: string;
let unit: string;
let groupToStop: number | undefined;

/** The first ```ini block of the README that is a service unit. */
async function readmeUnit(): Promise<string> {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```ini\n([\s\S]*?)```/g)].map((match) => match[1] ?? '').find((text) => text.includes('[Service]'));
  if (block === undefined) throw new Error('README.md has no ```ini block with a [Service] section');
  return block;
}

/** The unit's `Key=value` settings (the last one wins, as in systemd, except Environment, which adds up). */
function settings(text: string): { values: Map<string, string>; environment: Record<string, string> } {
  const values = new Map<string, string>();
  const environment: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match === null) continue;
    const [, key = '', value = ''] = match;
    if (key !== 'Environment') values.set(key, value);
    else for (const pair of value.split(/\s+/).filter(Boolean)) environment[pair.slice(0, pair.indexOf('='))] = pair.slice(pair.indexOf('=') + 1);
  }
  return { values, environment };
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'atl-unit-'));
  unit = await readmeUnit();
});
afterEach(() => {
  // A server a failed test left running: its whole process group, by id.
  if (groupToStop !== undefined) {
    try {
      process.kill(-groupToStop, 'SIGKILL');
    } catch {
      // Nothing of it is left.
    }
  }
  groupToStop = undefined;
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("the README's systemd unit", () => {
  test('systemd-analyze verify accepts it, without a warning', async () => {
    const file = path.join(scratch, 'all-the-light.service');
    await writeFile(file, unit);
    const result = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    if (result.error !== undefined) throw new Error(`systemd-analyze cannot run (${result.error.message}): apt-get install systemd (.ci/run does)`);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
  });

  test('stops the way the server stops: SIGTERM to the main process, with more time than the grace', () => {
    const { values, environment } = settings(unit);
    expect(values.get('KillMode')).toBe('mixed');
    expect(values.get('KillSignal') ?? 'SIGTERM').toBe('SIGTERM');
    const grace = Number(environment.SHUTDOWN_GRACE ?? 10);
    expect(Number(values.get('TimeoutStopSec'))).toBeGreaterThan(grace);
  });

  test('its command line and environment serve, and stop on SIGTERM to the main process with nothing left', async () => {
    const { values, environment } = settings(unit);
    const [command = '', ...args] = (values.get('ExecStart') ?? '').split(' ');
    // systemd starts a service with a small environment of its own, not a shell's: PATH, HOME, the unit's.
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: scratch, ...environment, PORT: '0', CACHE_DIR: path.join(scratch, 'cache') };
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    groupToStop = child.pid;
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

    await until(() => /playing at http:\/\//.test(output) || child.exitCode !== null, `the unit's command to start:\n${output}`);
    const origin = /playing at (http:\/\/[^/\s]+)\//.exec(output)?.[1];
    expect(origin, output).toBeDefined();
    expect(new URL(`${origin}/`).hostname).toBe(environment.HOST);
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);

    child.kill('SIGTERM');
    expect(await exited, output).toEqual({ code: 0, signal: null });
    await until(() => output.includes('stopped: every answer under way was sent'), `the exit logged:\n${output}`);
    expect(logLinesOf(output).find((line) => line.msg === 'shutting down: finishing responses under way')?.signal).toBe('SIGTERM');
    // What systemd would SIGKILL next: nothing of the unit's processes is left (a child
    // killed in the stop may take a moment to be gone).
    const groupGone = () => {
      try {
        process.kill(-(child.pid ?? 0), 0);
        return false;
      } catch {
        return true;
      }
    };
    await until(groupGone, `the unit's processes to be gone:\n${spawnSync('ps', ['-o', 'pid,stat,args', '-g', String(child.pid)], { encoding: 'utf8' }).stdout}`, 10_000);
  });
});
