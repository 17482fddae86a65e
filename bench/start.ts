/**
 * Start benchmark (issue 23): how long the npm commands a host types take to answer,
 * against the same built entry point run by a bare `node` in the same run (the
 * reference: what npm and the build check add is the ratio's excess over 1).
 *
 * - `npm start -- --help` against `node dist/server/server.js --help`.
 * - `npm run content:check` against `node dist/server/cli/content-check.js` (the real pack).
 * - `npm start` until `/healthz` answers 200 (defaults but a free port and a throw-away
 *   cache: the real pack, the engine `auto` picks, warm-up on), against the built server
 *   started by node with the same flags. The target: within 2 s on a built checkout.
 * - `npm start` after a source change (the build's stamp removed, so the launcher
 *   rebuilds `dist/` first), against the same reference.
 *
 * Each figure is the median of `--rounds` runs (default 5), with the slowest and fastest
 * beside it; the machine's load average is printed first, since times on 2 shared cores
 * depend on what else runs. Prints figures and never asserts.
 *
 *     npx tsx bench/start.ts [--rounds 5]
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, LOOPBACK, sleep } from './loopback.js';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = path.join(PROJECT_ROOT, 'dist', 'build.json');
/** The flags `npm start` gives Node (package.json), so the reference runs the same heap. */
const NODE_FLAGS = ['--max-old-space-size=128', '--max-semi-space-size=8'];

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } });
const rounds = Number(values.rounds);

/** Milliseconds a command takes to exit (0 expected). */
function timeCommand(command: string, args: readonly string[]): number {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const elapsed = performance.now() - started;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stderr}`);
  return elapsed;
}

/** Milliseconds from spawning a server until its `/healthz` answers 200; then stops it with SIGTERM. */
async function timeToHealthy(command: string, args: readonly string[]): Promise<number> {
  const port = await freePort();
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'atl-bench-start-'));
  const started = performance.now();
  const child = spawn(command, [...args, '--port', String(port), '--cache', cacheDir], { cwd: PROJECT_ROOT, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let elapsed: number | undefined;
  try {
    while (elapsed === undefined) {
      if (child.exitCode !== null) throw new Error(`${command} ${args.join(' ')} exited ${child.exitCode} before answering`);
      const status = await fetch(`http://${LOOPBACK}:${port}/healthz`).then(
        (response) => response.status,
        () => 0,
      );
      if (status === 200) elapsed = performance.now() - started;
      else await sleep(10);
      if (performance.now() - started > 120_000) throw new Error('no answer from /healthz in 120 s');
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
    await rm(cacheDir, { recursive: true, force: true });
  }
  return elapsed;
}

interface Row {
  readonly what: string;
  readonly times: number[];
  readonly reference: number[];
}

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const spread = (xs: readonly number[]) => `${Math.round(median(xs))} ms (${Math.round(Math.min(...xs))} to ${Math.round(Math.max(...xs))})`;

async function main(): Promise<void> {
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a whole number from 1');
  if (spawnSync('npm', ['run', 'build', '--silent'], { cwd: PROJECT_ROOT, stdio: 'inherit' }).status !== 0) throw new Error('npm run build failed');
  console.log(`Node.js ${process.version}; load average ${loadavg().map((x) => x.toFixed(2)).join(', ')}; ${rounds} rounds\n`);

  const server = path.join('dist', 'server', 'server.js');
  const rows: Row[] = [
    { what: 'npm start -- --help', times: [], reference: [] },
    { what: 'npm run content:check', times: [], reference: [] },
    { what: 'npm start, built: /healthz answers', times: [], reference: [] },
    { what: 'npm start after a source change (builds): /healthz answers', times: [], reference: [] },
  ];
  const [help, check, start, rebuild] = rows as [Row, Row, Row, Row];
  // Rounds interleave the commands and their references: a burst of other work falls on both.
  for (let round = 0; round < rounds; round++) {
    help.times.push(timeCommand('npm', ['start', '--silent', '--', '--help']));
    help.reference.push(timeCommand(process.execPath, [server, '--help']));
    check.times.push(timeCommand('npm', ['run', '--silent', 'content:check']));
    check.reference.push(timeCommand(process.execPath, [path.join('dist', 'server', 'cli', 'content-check.js')]));
    start.times.push(await timeToHealthy('npm', ['start', '--silent', '--']));
    start.reference.push(await timeToHealthy(process.execPath, [...NODE_FLAGS, server]));
    // A stamp that no longer matches is what an edited source looks like to the launcher.
    await rm(STAMP, { force: true });
    rebuild.times.push(await timeToHealthy('npm', ['start', '--silent', '--']));
    if (!existsSync(STAMP)) throw new Error('the launcher did not rebuild dist/');
    rebuild.reference.push(start.reference.at(-1) ?? Number.NaN);
  }

  console.log('| command | time: median (fastest to slowest) | reference: the built file under node | ratio |');
  console.log('| --- | --- | --- | --- |');
  for (const row of rows) {
    console.log(`| ${row.what} | ${spread(row.times)} | ${spread(row.reference)} | ${(median(row.times) / median(row.reference)).toFixed(2)}x |`);
  }
}

await main();
