/**
 * The built server (`dist/server/server.js`) in a process of its own, as `npm start`
 * runs it, for the faults that are about the process: what a listener meets when
 * the engine crashes or hangs, the cache is damaged, the process is killed. With
 * `via: 'npm'` it is `npm start -- <flags>` itself, exactly as the README gives it.
 * Every server started here is stopped by its own id (or, under npm, its own
 * process group) at the end of a test file (`stopAll`), on loopback only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { FIXTURE_PACK, ROOT } from '../helpers/paths.js';

export const SERVER = path.join(ROOT, 'dist', 'server', 'server.js');

/** Generous: a loaded 2-core CI machine starts Node, loads the pack and probes the engine slowly. */
const START_TIMEOUT_MS = 60_000;

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface RunningServer {
  readonly child: ChildProcess;
  readonly origin: string;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
  /** Its JSON log lines so far. */
  logs(): LogLine[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
  /** Flags after the defaults (`--port 0 --content <fixture> --warm off --log-level debug`); later flags win. */
  readonly args?: readonly string[];
  /** The render cache. */
  readonly cache: string;
  /** Environment variables added to this process's own. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * `node`: the built file under this Node.js (the default). `npm`: `npm start -- <flags>`
   * in the project's folder, in a process group of its own (as a terminal gives a command),
   * so a test can signal npm alone, or the whole group as Ctrl+C does.
   */
  readonly via?: 'node' | 'npm';
}

const started: { child: ChildProcess; group: boolean }[] = [];

/** Stops, by their own ids (or process groups), every server this file started that still runs. */
export function stopAll(): void {
  for (const { child, group } of started.splice(0)) {
    if (group && child.pid !== undefined) {
      // A server can outlive the npm that started it: end the whole group the test gave them.
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // ESRCH: nothing of the group is left.
      }
    } else if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

function launch(options: StartOptions): { child: ChildProcess; output: () => string; exited: RunningServer['exited'] } {
  const args = ['--port', '0', '--content', FIXTURE_PACK, '--warm', 'off', '--log-level', 'debug', '--cache', options.cache, ...(options.args ?? [])];
  const env = { ...process.env, ...options.env };
  let child: ChildProcess;
  if (options.via === 'npm') {
    child = spawn('npm', ['start', '--', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env, detached: true });
  } else {
    if (!existsSync(SERVER)) throw new Error('The server is not built: run `npm run build` first (npm test does).');
    child = spawn(process.execPath, [SERVER, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  }
  started.push({ child, group: options.via === 'npm' });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, exited };
}

export function logLinesOf(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as LogLine];
      } catch {
        return [];
      }
    });
}

/** Starts the server and resolves once it listens. */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const { child, output, exited } = launch(options);
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${output()}`)), START_TIMEOUT_MS);
    const look = () => {
      const found = /playing at (http:\/\/[^/\s]+)\//.exec(output())?.[1];
      if (found !== undefined) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout?.on('data', look);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the server exited at start:\n${output()}`));
    });
  });
  return { child, origin, output, logs: () => logLinesOf(output()), exited };
}

/** Runs the server expecting it to refuse to start; resolves with its exit and output. */
export async function refusedStart(options: StartOptions): Promise<{ code: number | null; output: string }> {
  const { child, output, exited } = launch(options);
  const timer = setTimeout(() => child.kill('SIGKILL'), START_TIMEOUT_MS);
  const { code } = await exited;
  clearTimeout(timer);
  return { code, output: output() };
}

/** Waits (polling, no fixed sleep) until `condition` holds; fails with `what` after `timeoutMs`. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until the server has logged a line that `match` accepts. */
export function waitForLog(server: RunningServer, match: (line: LogLine) => boolean, what = 'a log line'): Promise<void> {
  return until(() => server.logs().some(match), `${what}:\n${server.output()}`);
}

export interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * One GET over a fresh connection, from `localAddress` when given (each loopback
 * address is a client of its own for the rate limit). Fails rather than hangs.
 */
export function get(origin: string, url: string, options: { headers?: Record<string, string>; localAddress?: string; timeoutMs?: number } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      `${origin}${url}`,
      { agent: false, headers: options.headers, timeout: options.timeoutMs ?? 120_000, ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }) },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer to GET ${url} in time`)));
    request.on('error', reject);
  });
}

export const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Every file under `folder`, as paths relative to it. */
export async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(folder, path.join(entry.parentPath, entry.name)));
}

/**
 * What is wrong with the render cache under `folder`: temporary files left behind,
 * and entries whose integrity record does not match the file (length or SHA-256).
 * Empty when every entry is whole.
 */
export async function cacheDamage(folder: string): Promise<string[]> {
  const problems: string[] = [];
  for (const file of await filesUnder(folder)) {
    if (file.endsWith('.tmp')) problems.push(`temporary file left: ${file}`);
    if (!file.endsWith('.json') || !existsSync(path.join(folder, file.slice(0, -'.json'.length)))) continue;
    const entry = path.join(folder, file.slice(0, -'.json'.length));
    const record = JSON.parse(await readFile(path.join(folder, file), 'utf8')) as { bytes: number; sha256: string };
    const data = await readFile(entry);
    if (data.length !== record.bytes || sha256(data) !== record.sha256) problems.push(`entry does not match its record: ${file}`);
  }
  return problems;
}

/** Size of a file, or undefined when it is not there. */
export async function sizeOf(file: string): Promise<number | undefined> {
  return stat(file).then(
    (info) => info.size,
    () => undefined,
  );
}

/**
 * A stand-in `espeak-ng` on the PATH: the real program, unless a flag file in
 * `folder` tells it to misbehave (`crash`: from its third run on, it kills
 * itself with SIGSEGV, so the render starts well, the calibration pair
 * measured, and dies on the episode's chapters before any audio is sent; `hang`: it
 * sleeps for ever; `slow`: each run takes longer, by the seconds the flag file
 * holds, 0.3 when it is empty; `3 30 2` means 3 s for the first two runs and
 * 30 s for every later one). The test raises and lowers the flags while the
 * server runs. (One run is a paragraph, a chapter here, or the calibration
 * pair's two.) Runs are numbered by `mkdir`, which only one run can win for each
 * number: two runs started together (the calibration pair, two chapters) never
 * count as the same run, so which runs misbehave does not depend on timing.
 */
export async function misbehavingEspeak(folder: string): Promise<{ pathVariable: string; flag(name: 'crash' | 'hang' | 'slow'): string }> {
  const real = ['/usr/bin/espeak-ng', '/usr/local/bin/espeak-ng'].find((candidate) => existsSync(candidate));
  if (real === undefined) throw new Error('These tests need the espeak-ng program: apt-get install -y espeak-ng (the CI script does).');
  await mkdir(folder, { recursive: true });
  const flag = (name: string) => path.join(folder, `${name}.flag`);
  // This run's number under a flag (1 for its first run), taken with mkdir: atomic, so never shared.
  const script = `#!/bin/sh
case "$1" in --version|--voices) exec ${real} "$@";; esac
run_number() {
  mkdir -p "$1"
  n=1
  while ! mkdir "$1/$n" 2>/dev/null; do n=$((n + 1)); done
  echo "$n"
}
if [ -f '${flag('crash')}' ]; then
  if [ "$(run_number '${flag('crash')}.runs')" -ge 3 ]; then kill -SEGV $$; fi
fi
if [ -f '${flag('hang')}' ]; then exec sleep 600; fi
if [ -f '${flag('slow')}' ]; then
  read -r delay later after < '${flag('slow')}'
  run=$(run_number '${flag('slow')}.runs')
  if [ -n "$after" ] && [ "$run" -gt "$after" ]; then delay=$later; fi
  sleep "\${delay:-0.3}"
fi
exec ${real} "$@"
`;
  await writeFile(path.join(folder, 'espeak-ng'), script);
  await chmod(path.join(folder, 'espeak-ng'), 0o755);
  return { pathVariable: `${folder}:${process.env.PATH ?? ''}`, flag };
}

/**
 * Checks that an MP3 answer is whole and is `reference` (the stored file of the
 * same rendition): from the cache, with Content-Length and exactly its bytes; or,
 * sent while it renders, chunked with no length, complete (an answer that was cut
 * off rejects in `get`), a same-sized ID3 tag, then the stored file's bytes after
 * its gapless Info frame, which only the stored file has (it needs the length).
 * @returns how it came: `stored` or `live`.
 */
export function wholeMp3(answer: Answer, reference: Buffer): 'stored' | 'live' {
  if (answer.status !== 200) throw new Error(`expected 200, got ${answer.status}: ${answer.body.toString().slice(0, 300)}`);
  if (answer.headers['content-length'] !== undefined) {
    if (answer.body.length !== Number(answer.headers['content-length'])) throw new Error(`${answer.body.length} bytes, not the ${answer.headers['content-length']} announced`);
    if (sha256(answer.body) !== sha256(reference)) throw new Error('the bytes differ from the reference');
    return 'stored';
  }
  if (answer.headers['transfer-encoding'] !== 'chunked') throw new Error('neither a length nor chunks');
  // The Info frame is one MP3 frame: a few hundred bytes at most.
  if (answer.body.length === 0 || reference.length - answer.body.length > 2048) throw new Error(`live: ${answer.body.length} bytes against ${reference.length} stored`);
  // Both start with an ID3 tag of one size (the live one without chapters or picture); then the stored
  // file has its Info frame, and the rest is the same bytes.
  const tagSize = (file: Buffer): number => (file.toString('latin1', 0, 3) === 'ID3' ? 10 + ((file[6]! << 21) | (file[7]! << 14) | (file[8]! << 7) | file[9]!) : 0);
  const tag = tagSize(answer.body);
  if (tag !== tagSize(reference)) throw new Error(`the live tag is ${tag} bytes, the stored one ${tagSize(reference)}`);
  if (!reference.subarray(tag + reference.length - answer.body.length).equals(answer.body.subarray(tag))) throw new Error('live bytes differ from the stored file');
  return 'live';
}
