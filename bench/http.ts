/**
 * HTTP benchmark: the audio and the episode JSON against references measured in
 * the same run on loopback (issue 6).
 *
 * - (a) Range GET of 64 KiB and (b) full GET of an episode's audio, against nginx
 *   serving the same file (target: at least 0.5x nginx's requests per second each),
 *   with (no target) a bare Node.js http server replaying the companion's recorded
 *   range answer, headers and bytes, beside them;
 * - (c) GET /api/episodes/<id>.json against a Fastify hello-world (target: 0.8x), both
 *   asked with the Accept-Encoding a browser sends (`gzip, deflate, br`), so the companion
 *   answers its precompressed brotli copy (about 3 kB of the 18 kB JSON) and the hello-world
 *   its 17 bytes, as it would; and (c') both asked without Accept-Encoding, so the companion
 *   sends the 18 kB as they are. Same requests to both servers in each pair; both printed.
 *   A third server in each pair, with no target: the bare Node.js http server replaying the
 *   companion's recorded answers, bytes and headers, which shows how near the reference
 *   any Node server gets with those bytes beside the same client on this machine;
 * - the server's resident memory at the end (target: under 150 MB).
 *
 * Each ratio is read round by round: the servers of a comparison take turns, and the
 * ratio is the median of each round's ours / reference (the two ran seconds apart),
 * printed with the lowest and highest round and with the ratio of the two servers'
 * median rounds; the target is read on that paired median.
 *
 * Two servers answer the audio: nginx, and the companion as built (`dist/`: run
 * `npm run build` first), through its real route (`/api/episodes/<id>/audio.mp3`:
 * render cache, byte-range planner, verified bytes held in memory), started as
 * `npm start` starts it (the same Node flags, read from package.json), with its
 * production logging and security headers.
 *
 * The load comes from wrk (Debian's C client, one thread; installed with apt-get when
 * missing and allowed), or autocannon with `--client autocannon` or when wrk cannot be
 * had. autocannon parses every answer in JavaScript on the servers' two cores: nginx
 * reads about half with it, so it flatters the audio ratios and understates the JSON
 * ones (bench/load-clients.ts). The issue's own scale (stock @fastify/static about
 * 0.08x nginx on 64 kB ranges) is what wrk measures here.
 *
 * Prints figures and never asserts: times depend on the machine. Every server runs
 * as a child process and is stopped at the end, also on Ctrl-C.
 *
 *     npx tsx bench/http.ts [--duration 5] [--rounds 5] [--connections 32] [--client wrk|autocannon] [--companion <built checkout>] [--cache <dir>] [--log-level info]
 *
 * The same file is also the entry point of the hello-world child (`--serve hello`) and of
 * the bare Node server that replays the companion's recorded answers (`--serve bytes`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { get as httpGet, createServer, type OutgoingHttpHeaders } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { autocannonClient, wrkClient, type LoadClient, type LoadSettings } from './load-clients.js';
import { freePort, sleep } from './loopback.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const PROJECT_ROOT = path.resolve(path.dirname(THIS_FILE), '..');
const HOST = '127.0.0.1';
const RANGE = 'bytes=0-65535';
const TARGETS = { range: 0.5, full: 0.5, json: 0.8, rssMb: 150 } as const;
/** What Chromium sends with a fetch() of JSON. */
const BROWSER_ACCEPT_ENCODING = 'gzip, deflate, br';

// ---------------------------------------------------------------------------
// Child servers.

/** A Fastify hello-world: the reference for the JSON route (no logger, as in Fastify's own benchmarks). */
async function serveHello(port: number): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const app = Fastify();
  app.get('/', async () => ({ hello: 'world' }));
  await app.listen({ host: HOST, port });
}

/** One answer as the companion sent it: status, headers and body bytes (not decoded). */
interface RecordedAnswer {
  status: number;
  headers: OutgoingHttpHeaders;
  body: string;
}

/** `url` asked with `headers`, its answer kept as sent: Node's client does not decode bodies, unlike fetch. */
function recordAnswer(url: string, headers: Record<string, string>): Promise<RecordedAnswer> {
  return new Promise((resolve, reject) => {
    httpGet(url, { headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const kept = { ...response.headers };
        // Hop-by-hop and per-answer fields: Node's server sets its own.
        for (const name of ['connection', 'keep-alive', 'date', 'transfer-encoding']) delete kept[name];
        resolve({ status: response.statusCode ?? 0, headers: kept, body: Buffer.concat(chunks).toString('base64') });
      });
      response.on('error', reject);
    }).on('error', reject);
  });
}

/** The companion's answers the bare Node server replays: the episode JSON as it is and in brotli, and a 64 KiB range of the audio. */
interface RecordedAnswers {
  plain: RecordedAnswer;
  br: RecordedAnswer;
  range: RecordedAnswer;
}

/**
 * A bare Node.js http server (no framework) answering every request with the
 * companion's own recorded answer: the range when a Range is asked, else the JSON,
 * the brotli one when asked for it. The most any server in Node could do with those
 * bytes and headers, on this machine, beside the same client.
 */
async function serveSameBytes(port: number, file: string): Promise<void> {
  const recorded = JSON.parse(await readFile(file, 'utf8')) as RecordedAnswers;
  const ready = (answer: RecordedAnswer) => ({ status: answer.status, headers: Object.entries(answer.headers).flat() as string[], body: Buffer.from(answer.body, 'base64') });
  const plain = ready(recorded.plain);
  const br = ready(recorded.br);
  const range = ready(recorded.range);
  createServer((request, response) => {
    const answer = request.headers.range !== undefined ? range : (request.headers['accept-encoding'] ?? '').includes('br') ? br : plain;
    response.writeHead(answer.status, answer.headers).end(answer.body);
  }).listen(port, HOST);
}

// ---------------------------------------------------------------------------
// Processes.

interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** The last few kB the child wrote to stderr, to say why it failed. */
  stderr(): string;
  exited: boolean;
}

const children: Child[] = [];

function startChild(name: string, command: string, args: readonly string[], cwd = PROJECT_ROOT): Child {
  // stdout goes nowhere: a pipe nobody reads would block a logging server once full.
  const process_ = spawn(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  process_.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  });
  const child: Child = { name, process: process_, stderr: () => tail, exited: false };
  process_.on('exit', () => {
    child.exited = true;
  });
  process_.on('error', (error) => {
    tail += `\n${error.message}`;
    child.exited = true;
  });
  children.push(child);
  return child;
}

async function stopChild(child: Child): Promise<void> {
  if (child.exited || child.process.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function stopAll(): Promise<void> {
  await Promise.all(children.map(stopChild));
}

/** Polls `url` until `ready` says yes; fails early when the child has exited. */
async function waitFor(child: Child, url: string, timeoutMs: number, ready: (response: Response) => Promise<boolean> = async (r) => r.ok): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exited) throw new Error(`${child.name} exited before it was ready:\n${child.stderr()}`);
    try {
      const response = await fetch(url);
      if (await ready(response)) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`${child.name} was not ready within ${timeoutMs / 1000} s (${url})\n${child.stderr()}`);
    await sleep(250);
  }
}

/** User plus system CPU seconds of processes, from /proc (Linux); undefined elsewhere. */
async function cpuSeconds(pids: readonly number[]): Promise<number | undefined> {
  let ticks = 0;
  try {
    for (const pid of pids) {
      const text = await readFile(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15.
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    }
  } catch {
    return undefined;
  }
  // USER_HZ is 100 on every Linux architecture Node runs on.
  return ticks / 100;
}

async function rssMb(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? undefined : Number(match[1]) / 1024;
  } catch {
    return undefined;
  }
}

/** nginx's worker processes: the children of its master. */
async function childPids(parent: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const text = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === parent) pids.push(Number(entry));
  }
  return pids;
}

// ---------------------------------------------------------------------------
// nginx.

/**
 * A Debian program, installed with apt-get (package `pkg`) when missing and allowed;
 * else the reason it cannot be had. `probeArgs` run it harmlessly to see it is there.
 */
function findProgram(command: string, probeArgs: readonly string[], pkg: string): { command: string } | { reason: string } {
  const probe = () => spawnSync(command, probeArgs, { stdio: 'ignore' });
  if (probe().error === undefined) return { command };
  if (process.getuid?.() !== 0 || spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).error !== undefined) {
    return { reason: `${command} is not installed (as root with apt-get, this bench installs ${pkg})` };
  }
  console.log(`installing ${pkg} with apt-get (at most 3 minutes)…`);
  const install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', pkg], {
    stdio: 'ignore',
    timeout: 180_000,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (install.status === 0 && probe().error === undefined) return { command };
  return { reason: `apt-get install ${pkg} failed (status ${install.status})` };
}

const MIME_TYPES = 'types { audio/mpeg mp3; audio/wav wav; audio/ogg opus ogg; application/json json; }';

/** Starts nginx on `port` serving `audioFile` as /audio.<ext>; its own prefix, logs and pid file in `folder`. */
async function startNginx(command: string, folder: string, port: number, audioFile: string): Promise<{ child: Child; url: string }> {
  const www = path.join(folder, 'www');
  await mkdir(www, { recursive: true });
  const name = `audio${path.extname(audioFile)}`;
  await copyFile(audioFile, path.join(www, name));
  // Workers run as an unprivileged user when the master is root: let them read the copy.
  for (const dir of [path.dirname(folder), folder, www]) await chmod(dir, 0o755);
  await chmod(path.join(www, name), 0o644);
  // One worker against one Node process; sendfile as nginx ships it on Debian; an access log,
  // as the companion logs every request.
  const conf = `
worker_processes 1;
pid ${folder}/nginx.pid;
error_log ${folder}/error.log;
events { worker_connections 1024; }
http {
  ${MIME_TYPES}
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  access_log ${folder}/access.log;
  client_body_temp_path ${folder}/client_body;
  proxy_temp_path ${folder}/proxy;
  fastcgi_temp_path ${folder}/fastcgi;
  server { listen ${HOST}:${port}; root ${www}; }
}
`;
  const confFile = path.join(folder, 'nginx.conf');
  await writeFile(confFile, conf);
  const child = startChild('nginx', command, ['-p', folder, '-e', path.join(folder, 'error.log'), '-c', confFile, '-g', 'daemon off;'], folder);
  const url = `http://${HOST}:${port}/${name}`;
  await waitFor(child, url, 10_000);
  return { child, url };
}

// ---------------------------------------------------------------------------
// Measuring.

interface Figures {
  readonly label: string;
  readonly requestsPerSecond: number;
  readonly megabytesPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly failures: number;
  /** Requests served per CPU-second of the server: how much work each answer costs, whatever the client. */
  readonly requestsPerCpuSecond: number | undefined;
  /** Requests per second in the slowest and the fastest round. */
  readonly fewest: number;
  readonly most: number;
  /** Requests per second in each round, in the order the rounds ran. */
  readonly perRound: readonly number[];
}

/** One server asked one way: a row of the table. */
interface Row {
  readonly label: string;
  readonly url: string;
  readonly pids: () => Promise<number[]>;
  readonly load: LoadSettings;
}

/** One timed run of `row`. */
async function runOnce(client: LoadClient, { label, url, pids, load }: Row): Promise<Figures> {
  const processes = await pids();
  const cpuBefore = await cpuSeconds(processes);
  const result = await client.run(url, load);
  const cpuAfter = await cpuSeconds(processes);
  const cpu = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
  return {
    label,
    requestsPerSecond: result.requestsPerSecond,
    megabytesPerSecond: result.megabytesPerSecond,
    p50: result.p50,
    p99: result.p99,
    failures: result.failures,
    requestsPerCpuSecond: cpu === undefined || cpu <= 0 ? undefined : result.total / cpu,
    fewest: result.requestsPerSecond,
    most: result.requestsPerSecond,
    perRound: [result.requestsPerSecond],
  };
}

/**
 * The rows of one comparison, measured in turn `rounds` times, each after one untimed
 * warm-up (JIT, caches and TCP buffers settle): a server's figures are its median round
 * by requests per second, with the fewest and most beside them, and every round's
 * requests per second kept for the ratios (`pairedRatio`). Taking turns, a burst of
 * other work on the machine falls on every server alike, not on one row's only run.
 * Absent rows (no nginx) stay absent.
 */
async function measureInTurn(client: LoadClient, rows: readonly (Row | undefined)[], rounds: number): Promise<(Figures | undefined)[]> {
  for (const row of rows) if (row !== undefined) await client.run(row.url, { ...row.load, duration: Math.min(2, row.load.duration) });
  const runs: Figures[][] = rows.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, row] of rows.entries()) if (row !== undefined) runs[i]!.push(await runOnce(client, row));
  }
  return runs.map((figures) => {
    if (figures.length === 0) return undefined;
    const sorted = [...figures].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
    const median = { ...sorted[Math.floor((sorted.length - 1) / 2)]!, fewest: sorted[0]!.requestsPerSecond, most: sorted.at(-1)!.requestsPerSecond };
    // Failures anywhere count: one failed request in any round is worth seeing.
    const failures = figures.reduce((sum, f) => sum + f.failures, 0);
    const shown = { ...median, failures, perRound: figures.map((f) => f.requestsPerSecond) };
    console.log(row(shown));
    return shown;
  });
}

const pad = (text: string, width: number) => (text.length >= width ? text : text + ' '.repeat(width - text.length));
const num = (value: number | undefined, digits = 0, width = 9) => (value === undefined ? 'n/a' : value.toFixed(digits)).padStart(width);

const HEADER = `${pad('', 40)}${'req/s'.padStart(9)}${'rounds'.padStart(14)}${'MB/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'failed'.padStart(9)}${'req/CPU-s'.padStart(11)}`;
function row(f: Figures): string {
  const spread = `${f.fewest.toFixed(0)}-${f.most.toFixed(0)}`;
  return `${pad(f.label, 40)}${num(f.requestsPerSecond)}${spread.padStart(14)}${num(f.megabytesPerSecond, 1)}${num(f.p50, 1)}${num(f.p99, 1)}${num(f.failures)}${num(f.requestsPerCpuSecond, 0, 11)}`;
}

/** ", per CPU-second 0.55x" when both servers' CPU was read, else nothing. */
function perCpuSecond(ours: Figures, reference: Figures): string {
  if (ours.requestsPerCpuSecond === undefined || reference.requestsPerCpuSecond === undefined) return '';
  return `, per CPU-second ${(ours.requestsPerCpuSecond / reference.requestsPerCpuSecond).toFixed(2)}x`;
}

/**
 * The ratio of `ours` to `reference`, round by round: in each round the two ran one
 * after the other, seconds apart, so a slow spell of this shared machine (which moved a
 * Fastify hello-world between 12,000 and 17,000 requests a second from one run to the
 * next) mostly falls on both; the median of those paired ratios, with the lowest and
 * highest, and the ratio of the two medians beside them for comparison.
 */
function pairedRatio(ours: Figures, reference: Figures): { median: number; text: string } {
  const ratios = ours.perRound.map((value, i) => value / reference.perRound[i]!).sort((a, b) => a - b);
  const median = ratios[Math.floor((ratios.length - 1) / 2)]!;
  const spread = ratios.length > 1 ? `, rounds ${ratios[0]!.toFixed(2)}-${ratios.at(-1)!.toFixed(2)}` : '';
  const ofMedians = (ours.requestsPerSecond / reference.requestsPerSecond).toFixed(2);
  return { median, text: `${median.toFixed(2)}x (median of paired rounds${spread}; of medians ${ofMedians}x)` };
}

function ratioLine(name: string, ours: Figures | undefined, reference: Figures | undefined, target: number): string {
  if (ours === undefined || reference === undefined) return `${pad(name, 50)} n/a (no reference)`;
  const { median, text } = pairedRatio(ours, reference);
  const failed = ours.failures > 0 ? ` (${ours.failures} failed requests!)` : '';
  return `${pad(name, 50)} ${text}  target >= ${target}x: ${median >= target ? 'met' : 'NOT met'}${perCpuSecond(ours, reference)}${failed}`;
}

/** A ratio with no target: what the reference leaves reachable. */
function ceilingLine(name: string, ours: Figures | undefined, reference: Figures | undefined): string {
  if (ours === undefined || reference === undefined) return `${pad(name, 50)} n/a`;
  return `${pad(name, 50)} ${pairedRatio(ours, reference).text}${perCpuSecond(ours, reference)}`;
}

// ---------------------------------------------------------------------------
// The companion.

interface EpisodeList {
  episodes: { id: string; links: { audio: string; self?: string } }[];
}
interface Readiness {
  warmUp?: { finished: boolean; done: number; total: number } | null;
}

/** The audio file the server answers `audioPath` from: same size and, by its integrity record, same hash. */
async function cachedAudioFile(cacheDir: string, size: number): Promise<{ file: string; sha256: string }> {
  const folder = path.join(cacheDir, 'renditions');
  for (const name of await readdir(folder)) {
    if (name.endsWith('.json') || name.endsWith('.tmp')) continue;
    const file = path.join(folder, name);
    if ((await stat(file)).size !== size) continue;
    const record = JSON.parse(await readFile(`${file}.json`, 'utf8')) as { bytes: number; sha256: string };
    return { file, sha256: record.sha256 };
  }
  throw new Error(`no file of ${size} bytes in ${folder}`);
}

/**
 * The Node flags `npm start` runs the server with (its heap limits), read from the
 * companion's package.json, so the bench measures the server as it is started.
 */
async function startFlags(companionRoot: string): Promise<string[]> {
  const { scripts } = JSON.parse(await readFile(path.join(companionRoot, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const command = /\bnode((?:\s+--[\w-]+(?:=\S+)?)*)\s+dist\/server\/server\.js/.exec(scripts?.start ?? '');
  return command?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
}

/** wrk when asked for and to be had; else autocannon, saying why. */
function chooseClient(asked: 'wrk' | 'autocannon'): LoadClient {
  if (asked === 'wrk') {
    const wrk = findProgram('wrk', ['--version'], 'wrk');
    if ('command' in wrk) return wrkClient(wrk.command);
    console.log(`${wrk.reason}: using autocannon, which shares the cores and reads nginx low (see bench/README.md)`);
  }
  return autocannonClient();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '5' },
      // Each comparison is measured this many times in turn; the median round is shown.
      rounds: { type: 'string', default: '5' },
      connections: { type: 'string', default: '32' },
      // The load generator: wrk (installed with apt-get when missing and allowed), or autocannon.
      client: { type: 'string', default: 'wrk' },
      // Another built checkout (its dist/ and node_modules/), e.g. a copy of the tree taken while others edit this one.
      companion: { type: 'string', default: PROJECT_ROOT },
      // A render cache to reuse between runs (default: a fresh one, which the companion fills at start).
      cache: { type: 'string' },
      // The companion's log level: info (as npm start runs it) writes a line per request.
      'log-level': { type: 'string', default: 'info' },
    },
  });
  const duration = Number(values.duration);
  const connections = Number(values.connections);
  const rounds = Math.max(1, Math.floor(Number(values.rounds)));
  const companionRoot = path.resolve(values.companion);
  const load = { duration, connections };
  if (values.client !== 'wrk' && values.client !== 'autocannon') throw new Error(`--client must be wrk or autocannon, not "${values.client}"`);
  const client = chooseClient(values.client);
  const work = await mkdtemp(path.join(tmpdir(), 'atl-bench-http-'));

  const cleanUp = async () => {
    await stopAll();
    await rm(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    void cleanUp().finally(() => process.exit(130));
  });

  try {
    if (!existsSync(path.join(companionRoot, 'dist', 'server', 'server.js'))) {
      console.log('dist/ is missing: npm run build');
      const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: companionRoot, stdio: 'inherit' });
      if (build.status !== 0) throw new Error('npm run build failed');
    }

    // The companion, with a fresh cache it warms itself.
    const cacheDir = values.cache === undefined ? path.join(work, 'cache') : path.resolve(values.cache);
    const companionPort = await freePort();
    const nodeFlags = await startFlags(companionRoot);
    const companion = startChild(
      'the companion',
      process.execPath,
      [...nodeFlags, 'dist/server/server.js', '--port', String(companionPort), '--cache', cacheDir, '--warm', 'on', '--log-level', values['log-level']],
      companionRoot,
    );
    const origin = `http://${HOST}:${companionPort}`;
    await waitFor(companion, `${origin}/readyz`, 120_000);
    console.log('the companion is ready; waiting for the cache warm-up…');
    let warmUpSeen = true;
    await waitFor(companion, `${origin}/readyz`, 600_000, async (response) => {
      const body = (await response.json()) as Readiness;
      if (body.warmUp === undefined || body.warmUp === null) warmUpSeen = false;
      return !warmUpSeen || body.warmUp?.finished === true;
    });

    const list = (await (await fetch(`${origin}/api/episodes`)).json()) as EpisodeList;
    const episode = list.episodes[0];
    if (episode === undefined) throw new Error('the companion lists no episodes');
    // Ask for one byte: it renders when the warm-up did not (an older build), and the answer names the size.
    const probe = async (audioPath: string) => fetch(`${origin}${audioPath}`, { headers: { range: 'bytes=0-0' }, signal: AbortSignal.timeout(300_000) });
    let audioPath = episode.links.audio;
    let answer = await probe(audioPath);
    if (answer.status !== 206) {
      console.log(`${audioPath} answered ${answer.status}; using the WAV instead`);
      audioPath = `/api/episodes/${episode.id}/audio?format=wav`;
      answer = await probe(audioPath);
    }
    await answer.arrayBuffer();
    const size = Number(/\/(\d+)$/.exec(answer.headers.get('content-range') ?? '')?.[1]);
    const contentType = answer.headers.get('content-type') ?? 'application/octet-stream';
    if (answer.status !== 206 || !Number.isSafeInteger(size)) throw new Error(`${audioPath} answered ${answer.status} to a Range request`);
    const { file } = await cachedAudioFile(cacheDir, size);
    // Both servers must answer the same bytes, or the comparison means nothing.
    const whole = Buffer.from(await (await fetch(`${origin}${audioPath}`)).arrayBuffer());
    if (!whole.equals(await readFile(file))) throw new Error(`${audioPath} did not answer the bytes of ${file}`);
    const jsonPath = episode.links.self ?? `/api/episodes/${episode.id}.json`;

    // The references.
    const nginx = findProgram('nginx', ['-v'], 'nginx-light');
    let nginxServer: { child: Child; url: string } | undefined;
    if ('command' in nginx) nginxServer = await startNginx(nginx.command, path.join(work, 'nginx'), await freePort(), file);
    else console.log(`${nginx.reason}: the nginx ratios are skipped`);
    const helloPort = await freePort();
    const hello = startChild('hello-world', process.execPath, ['--import', 'tsx', THIS_FILE, '--serve', 'hello', String(helloPort)]);
    const helloUrl = `http://${HOST}:${helloPort}/`;
    await waitFor(hello, helloUrl, 30_000);
    // The ceiling for the JSON and Range rows: the companion's very answers from a bare Node server.
    const answersFile = path.join(work, 'answers.json');
    const recorded: RecordedAnswers = {
      plain: await recordAnswer(`${origin}${jsonPath}`, {}),
      br: await recordAnswer(`${origin}${jsonPath}`, { 'accept-encoding': BROWSER_ACCEPT_ENCODING }),
      range: await recordAnswer(`${origin}${audioPath}`, { range: RANGE }),
    };
    if (recorded.br.headers['content-encoding'] !== 'br') throw new Error(`${jsonPath} did not answer brotli when asked`);
    await writeFile(answersFile, JSON.stringify(recorded));
    const bytesPort = await freePort();
    const bytes = startChild('bare Node http', process.execPath, ['--import', 'tsx', THIS_FILE, '--serve', 'bytes', String(bytesPort), answersFile]);
    const bytesUrl = `http://${HOST}:${bytesPort}/`;
    await waitFor(bytes, bytesUrl, 30_000);

    const pidsOf = (child: Child) => async () => (child.process.pid === undefined ? [] : [child.process.pid]);
    const nginxPids = async () => {
      const master = nginxServer?.child.process.pid;
      return master === undefined ? [] : [master, ...(await childPids(master))];
    };

    console.log(`\ncompanion: node ${[...nodeFlags, path.join(companionRoot, 'dist', 'server', 'server.js')].join(' ')} (as npm start runs it; log level ${values['log-level']})`);
    console.log(`${path.basename(file)}: ${(size / 1e6).toFixed(2)} MB ${contentType}, served at ${audioPath}; JSON: ${jsonPath}`);
    console.log(
      `${client.description}: ${connections} connections, ${duration} s per row and round, ${rounds} rounds in turn after a 2 s warm-up each (median round shown), loopback; Node ${process.version}, ${availableParallelism()} CPUs\n`,
    );
    console.log(HEADER);
    const ranged = { ...load, headers: { range: RANGE } };
    const rowOf = (label: string, url: string, pids: () => Promise<number[]>, settings: LoadSettings): Row => ({ label, url, pids, load: settings });
    const nginxRow = (label: string, settings: LoadSettings) => (nginxServer === undefined ? undefined : rowOf(label, nginxServer.url, nginxPids, settings));
    const [rangeNginx, rangeCompanion, bareRange] = await measureInTurn(
      client,
      [
        nginxRow('(a) Range 64 KiB   nginx', ranged),
        rowOf('(a) Range 64 KiB   companion', `${origin}${audioPath}`, pidsOf(companion), ranged),
        rowOf('(a) Range 64 KiB   bare Node, same', bytesUrl, pidsOf(bytes), ranged),
      ],
      rounds,
    );
    const [fullNginx, fullCompanion] = await measureInTurn(
      client,
      [nginxRow('(b) full audio     nginx', load), rowOf('(b) full audio     companion', `${origin}${audioPath}`, pidsOf(companion), load)],
      rounds,
    );
    // The same request headers to all three servers in each group: a browser's, then none at all.
    const asBrowsers = { ...load, headers: { 'accept-encoding': BROWSER_ACCEPT_ENCODING } };
    const [helloBr, companionBr, bareBr] = await measureInTurn(
      client,
      [
        rowOf('(c) JSON, br asked  Fastify hello-world', helloUrl, pidsOf(hello), asBrowsers),
        rowOf('(c) JSON, br asked  companion', `${origin}${jsonPath}`, pidsOf(companion), asBrowsers),
        rowOf('(c) JSON, br asked  bare Node, same', bytesUrl, pidsOf(bytes), asBrowsers),
      ],
      rounds,
    );
    const [helloPlain, companionPlain, barePlain] = await measureInTurn(
      client,
      [
        rowOf("(c') JSON, no coding Fastify hello-world", helloUrl, pidsOf(hello), load),
        rowOf("(c') JSON, no coding companion", `${origin}${jsonPath}`, pidsOf(companion), load),
        rowOf("(c') JSON, no coding bare Node, same", bytesUrl, pidsOf(bytes), load),
      ],
      rounds,
    );
    const companionRss = await rssMb(companion.process.pid);

    console.log('\nratios of requests per second (and of requests per server CPU-second):');
    console.log(ratioLine('(a) Range GET, companion / nginx', rangeCompanion, rangeNginx, TARGETS.range));
    console.log(ratioLine('(b) full GET, companion / nginx', fullCompanion, fullNginx, TARGETS.full));
    console.log(ratioLine('(c) episode JSON / hello-world (as browsers ask)', companionBr, helloBr, TARGETS.json));
    console.log(ratioLine("(c') episode JSON / hello-world (no coding)", companionPlain, helloPlain, TARGETS.json));
    // Not targets: how near the reference any Node server gets with these bytes, here.
    console.log(ceilingLine('  (a) ceiling: bare Node, same answer / nginx', bareRange, rangeNginx));
    console.log(ceilingLine('  (c) ceiling: bare Node, same bytes / hello-world', bareBr, helloBr));
    console.log(ceilingLine("  (c') ceiling: bare Node, same bytes / hello-world", barePlain, helloPlain));
    const rssLine = (name: string, mb: number | undefined) =>
      `${pad(name, 50)} ${mb === undefined ? 'n/a' : `${mb.toFixed(0)} MB`}  target < ${TARGETS.rssMb} MB: ${mb === undefined ? 'n/a' : mb < TARGETS.rssMb ? 'met' : 'NOT met'}`;
    console.log(rssLine('RSS at the end, companion', companionRss));
    if (!warmUpSeen) console.log('\n(this build reports no warm-up; the audio was rendered on the first request)');
  } finally {
    await cleanUp();
  }
}

// ---------------------------------------------------------------------------

const [, , flag, role, ...rest] = process.argv;
if (flag === '--serve' && role === 'hello') {
  await serveHello(Number(rest[0]));
} else if (flag === '--serve' && role === 'bytes') {
  await serveSameBytes(Number(rest[0]), rest[1]!);
} else {
  await main();
}
