/**
 * Load benchmark (issue 8): the companion under many listeners at once, as built
 * (`dist/`: run `npm run build` first) and started as `npm start` starts it (the
 * same Node flags, read from package.json), in a child process on loopback, with
 * a throw-away render cache warmed before anything is measured.
 *
 * 1. The reference: 200 connections on `GET /healthz` (the cheapest answer the
 *    same server gives), to read the mix's throughput against.
 * 2. The mix: 200 connections for 10 s spread over what listeners ask for (the
 *    episode list, an episode's details, its SSML, its captions, 64 KiB Range
 *    requests of its MP3, the player page). Per route: requests per second,
 *    p50 and p99 latency, status classes, socket errors and timeouts.
 *    Targets: 0 socket errors, 0 5xx.
 * 3. A burst of 50 requests for renditions nobody has asked for yet (other
 *    rates and voices), each from its own loopback address, as 50 listeners
 *    would come (the render rate limit counts per client). Each must be served
 *    or answered 503 with Retry-After; the server must not crash; its peak
 *    resident memory is printed (target under 400 MB).
 * 4. Draining: once the burst is answered, one refused request asked again after
 *    its Retry-After, a new render, a cached answer, and `/readyz`.
 *
 * Prints figures and never asserts: they depend on the machine. The server runs
 * as a child process and is stopped at the end, also on Ctrl-C.
 *
 *     npx tsx bench/load.ts [--duration 10] [--connections 200] [--renders 50] [--engine auto] [--companion <built checkout>]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ESPEAK_VOICES } from '../server/src/speech/espeak-params.js';
import { freePort, sleep } from './loopback.js';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HOST = '127.0.0.1';
const TARGETS = { socketErrors: 0, serverErrors: 0, peakRssMb: 400 } as const;

// ---------------------------------------------------------------------------
// autocannon ships no types: these cover the options and results used here.

interface CannonRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
}
interface CannonOptions {
  url: string;
  connections: number;
  duration: number;
  requests?: CannonRequest[];
  timeout?: number;
}
interface Histogram {
  average: number;
  p50: number;
  p99: number;
  max: number;
}
interface CannonResult {
  requests: Histogram & { total: number };
  latency: Histogram;
  throughput: Histogram;
  errors: number;
  timeouts: number;
  resets: number;
  '1xx': number;
  '2xx': number;
  '3xx': number;
  '4xx': number;
  '5xx': number;
  duration: number;
}
const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as (options: CannonOptions) => Promise<CannonResult>;

/**
 * autocannon appends every body chunk to a string (for `verifyBody`); decoding
 * audio as UTF-8 would make the client, not the server, the bottleneck. Nothing
 * here checks bodies, so the appending is switched off (as in bench/http.ts).
 */
function stopBodyDecoding(): void {
  try {
    const queue = require('autocannon/lib/pipelinedRequestsQueue.js') as { prototype: { addBody(data: Buffer): void } };
    queue.prototype.addBody = () => undefined;
  } catch {
    console.log('WARNING: could not stop autocannon decoding bodies; audio figures are client-bound');
  }
}

// ---------------------------------------------------------------------------
// The server process.

interface Server {
  readonly process: ChildProcess;
  readonly origin: string;
  /** The last few kB of its output, to say why it failed. */
  tail(): string;
  /** Log lines at error level or worse so far. */
  errorLines(): string[];
  exited: boolean;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The Node flags `npm start` uses (its heap limits), read from the companion's package.json. */
async function startFlags(companionRoot: string): Promise<string[]> {
  const { scripts } = JSON.parse(await readFile(path.join(companionRoot, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  return /\bnode((?:\s+--[\w-]+(?:=\S+)?)*)\s+dist\/server\/server\.js/.exec(scripts?.start ?? '')?.[1]?.trim().split(/\s+/) ?? [];
}

function startServer(companionRoot: string, nodeFlags: readonly string[], args: readonly string[], port: number): Server {
  const child = spawn(process.execPath, [...nodeFlags, path.join(companionRoot, 'dist', 'server', 'server.js'), ...args], {
    cwd: companionRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const errors: string[] = [];
  let partial = '';
  // Both pipes are read to the end: a full pipe nobody reads would block the server's logging.
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      tail = (tail + line + '\n').slice(-4000);
      if (/^\{.*"level":(50|60)/.test(line)) errors.push(line);
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  });
  const server: Server = {
    process: child,
    origin: `http://${HOST}:${port}`,
    tail: () => tail,
    errorLines: () => errors,
    exited: false,
    exit: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
  };
  void server.exit.then(() => (server.exited = true));
  return server;
}

/** Polls `/readyz` until the engine is ready and the warm-up has finished. */
async function waitUntilWarm(server: Server, timeoutMs: number): Promise<{ done: number; failed: number; total: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.exited) throw new Error(`the server exited before it was ready:\n${server.tail()}`);
    try {
      const response = await fetch(`${server.origin}/readyz`);
      const body = (await response.json()) as { ready: boolean; warmUp: { total: number; done: number; failed: number; finished: boolean } | null };
      if (body.ready && body.warmUp?.finished === true) return body.warmUp;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`the cache was not warm within ${timeoutMs / 1000} s\n${server.tail()}`);
    await sleep(250);
  }
}

/** Resident memory of a process, now and at its peak (VmHWM), in MB, from /proc (Linux). */
async function memoryMb(pid: number | undefined): Promise<{ rss: number; peak: number } | undefined> {
  if (pid === undefined) return undefined;
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024;
    return { rss: field('VmRSS'), peak: field('VmHWM') };
  } catch {
    return undefined;
  }
}

/** Samples the server's resident memory every 100 ms until stopped; returns the highest sample. */
function sampleMemory(pid: number | undefined): { stop(): Promise<number | undefined> } {
  let highest: number | undefined;
  let running = true;
  const loop = (async () => {
    while (running) {
      const memory = await memoryMb(pid);
      if (memory !== undefined && !Number.isNaN(memory.rss)) highest = Math.max(highest ?? 0, memory.rss);
      await sleep(100);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return highest;
    },
  };
}

// ---------------------------------------------------------------------------
// The mix.

interface MixRoute {
  readonly name: string;
  /** Share of the connections. */
  readonly share: number;
  readonly requests: CannonRequest[];
}

interface EpisodeLinks {
  id: string;
  links: { page: string; self: string; ssml: string; audio: string; captions: string };
}

async function mixOf(origin: string): Promise<MixRoute[]> {
  const list = (await (await fetch(`${origin}/api/episodes`)).json()) as { episodes: EpisodeLinks[] };
  const episodes = list.episodes;
  if (episodes.length === 0) throw new Error('the server lists no episodes');
  // Ranges as a player asks for them: the start, then 64 KiB pieces further on.
  const ranges: CannonRequest[] = [];
  for (const episode of episodes) {
    const head = await fetch(`${origin}${episode.links.audio}`, { method: 'HEAD' });
    const size = Number(head.headers.get('content-length'));
    if (head.status !== 200 || !(size > 0)) throw new Error(`the audio of ${episode.id} is not ready: HEAD answered ${head.status}`);
    for (const start of [0, Math.floor(size / 3), Math.floor((2 * size) / 3)]) {
      ranges.push({ path: episode.links.audio, headers: { range: `bytes=${start}-${Math.min(size - 1, start + 65_535)}` } });
    }
  }
  const each = (link: (episode: EpisodeLinks) => string): CannonRequest[] => episodes.map((episode) => ({ path: link(episode) }));
  return [
    { name: 'episode list', share: 0.15, requests: [{ path: '/api/episodes' }] },
    { name: 'episode detail', share: 0.15, requests: each((episode) => episode.links.self) },
    { name: 'SSML', share: 0.1, requests: each((episode) => episode.links.ssml) },
    { name: 'captions', share: 0.15, requests: each((episode) => episode.links.captions) },
    { name: 'audio Range 64 KiB', share: 0.3, requests: ranges },
    { name: 'player page', share: 0.15, requests: [{ path: '/' }, ...each((episode) => episode.links.page)] },
  ];
}

/** Splits `total` connections by share, every route getting at least one. */
function connectionsOf(routes: readonly MixRoute[], total: number): number[] {
  const counts = routes.map((route) => Math.max(1, Math.floor(route.share * total)));
  let left = total - counts.reduce((sum, count) => sum + count, 0);
  for (let i = 0; left > 0; i = (i + 1) % counts.length, left--) counts[i]! += 1;
  return counts;
}

const pad = (text: string | number, width: number) => String(text).padStart(width);

function printHeader(): void {
  console.log(`  ${'route'.padEnd(20)}${pad('conns', 6)}${pad('requests', 10)}${pad('req/s', 9)}${pad('p50 ms', 8)}${pad('p99 ms', 8)}${pad('2xx', 8)}${pad('3xx', 6)}${pad('4xx', 6)}${pad('5xx', 6)}${pad('errors', 8)}${pad('timeouts', 9)}`);
}

function printRow(name: string, connections: number, result: CannonResult): void {
  const perSecond = result.requests.total / Math.max(result.duration, 0.001);
  console.log(
    `  ${name.padEnd(20)}${pad(connections, 6)}${pad(result.requests.total, 10)}${pad(perSecond.toFixed(0), 9)}${pad(result.latency.p50, 8)}${pad(result.latency.p99, 8)}` +
      `${pad(result['2xx'], 8)}${pad(result['3xx'], 6)}${pad(result['4xx'], 6)}${pad(result['5xx'], 6)}${pad(result.errors, 8)}${pad(result.timeouts, 9)}`,
  );
}

// ---------------------------------------------------------------------------
// The burst of new renders.

interface Answer {
  readonly url: string;
  readonly from: string;
  readonly status: number | 'socket error';
  readonly retryAfter: string | undefined;
  readonly contentType: string | undefined;
  /** Whether the body was as long as Content-Length said. */
  readonly whole: boolean;
  readonly ms: number;
  readonly detail?: string;
}

/** One GET from a given loopback address (so each burst request is a client of its own for the rate limit). */
function getFrom(origin: string, url: string, localAddress: string, timeoutMs: number): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const request = http.get(`${origin}${url}`, { localAddress, agent: false, timeout: timeoutMs }, (response) => {
      let bytes = 0;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (chunks.length < 4) chunks.push(chunk);
      });
      response.on('end', () => {
        const length = response.headers['content-length'];
        resolve({
          url,
          from: localAddress,
          status: response.statusCode ?? 0,
          retryAfter: response.headers['retry-after'],
          contentType: response.headers['content-type'],
          whole: length === undefined ? bytes > 0 : Number(length) === bytes,
          ms: performance.now() - started,
          ...(response.statusCode === 200 ? {} : { detail: Buffer.concat(chunks).toString('utf8').slice(0, 200) }),
        });
      });
      response.on('error', (error) => resolve({ url, from: localAddress, status: 'socket error', retryAfter: undefined, contentType: undefined, whole: false, ms: performance.now() - started, detail: error.message }));
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    request.on('error', (error) => resolve({ url, from: localAddress, status: 'socket error', retryAfter: undefined, contentType: undefined, whole: false, ms: performance.now() - started, detail: error.message }));
  });
}

/** Rates a listener may ask for (0.5 to 4 in quarter steps), without the normal one the warm-up made. */
const NEW_RATES = Array.from({ length: 15 }, (_, i) => 0.5 + i * 0.25).filter((rate) => rate !== 1);

/** `count` renditions nobody asked for yet: every one a different episode, rate, voice or format. */
function newRenditions(episodes: readonly string[], count: number, skip = 0): string[] {
  const urls: string[] = [];
  for (let i = skip; urls.length < count; i++) {
    const episode = episodes[i % episodes.length]!;
    const rate = NEW_RATES[i % NEW_RATES.length]!;
    const voice = ESPEAK_VOICES[Math.floor(i / NEW_RATES.length) % ESPEAK_VOICES.length]!.id;
    // Mostly MP3, as the player asks; every fifth the WAV master (another encoder path).
    const format = i % 5 === 4 ? 'wav' : 'mp3';
    urls.push(`/api/episodes/${episode}/audio.${format}?rate=${rate}&voice=${voice}`);
  }
  return urls;
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '200' },
      renders: { type: 'string', default: '50' },
      engine: { type: 'string', default: 'auto' },
      companion: { type: 'string', default: PROJECT_ROOT },
    },
  });
  const duration = Number(values.duration);
  const connections = Number(values.connections);
  const renders = Number(values.renders);
  const companionRoot = path.resolve(values.companion);
  if (!existsSync(path.join(companionRoot, 'dist', 'server', 'server.js'))) throw new Error(`no built server in ${companionRoot}: run \`npm run build\` first`);
  if (renders > 240) throw new Error('--renders: at most 240 (each burst request comes from its own loopback address 127.0.1.x)');
  stopBodyDecoding();

  const cacheDir = await mkdtemp(path.join(tmpdir(), 'atl-load-'));
  const nodeFlags = await startFlags(companionRoot);
  const port = await freePort();
  // Logs at warn: what goes wrong is still written (and counted below), not a line per answer.
  const server = startServer(companionRoot, nodeFlags, ['--port', String(port), '--cache', cacheDir, '--warm', 'on', '--engine', values.engine, '--log-level', 'warn'], port);
  const stop = async () => {
    if (!server.exited) {
      server.process.kill('SIGTERM');
      const timer = setTimeout(() => server.process.kill('SIGKILL'), 15_000);
      await server.exit;
      clearTimeout(timer);
    }
    await rm(cacheDir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));

  try {
    console.log(`Load benchmark: the built companion (node ${nodeFlags.join(' ')} dist/server/server.js --engine ${values.engine}) on ${server.origin}, cache ${cacheDir}`);
    const warmStarted = performance.now();
    const warm = await waitUntilWarm(server, 15 * 60_000);
    const ready = (await (await fetch(`${server.origin}/readyz`)).json()) as { engine: { name: string; version: string } };
    console.log(`Cache warm after ${((performance.now() - warmStarted) / 1000).toFixed(1)} s: ${warm.done} of ${warm.total} renders, ${warm.failed} failed; engine ${ready.engine.name} ${ready.engine.version}`);
    const routes = await mixOf(server.origin);
    const afterWarm = await memoryMb(server.process.pid);
    console.log(`Server memory once warm: ${afterWarm?.rss.toFixed(0) ?? '?'} MB resident`);

    // 1. The reference: the same server's cheapest answer, same connections.
    console.log(`\n1. Reference: GET /healthz, ${connections} connections, ${duration} s`);
    printHeader();
    const reference = await autocannon({ url: `${server.origin}/healthz`, connections, duration });
    printRow('/healthz', connections, reference);

    // 2. The mix, every route at once.
    const counts = connectionsOf(routes, connections);
    console.log(`\n2. The listeners' mix: ${connections} connections for ${duration} s, every route at once`);
    const memoryDuringMix = sampleMemory(server.process.pid);
    const results = await Promise.all(
      routes.map((route, i) => autocannon({ url: server.origin, connections: counts[i]!, duration, requests: route.requests, timeout: 30 })),
    );
    const mixPeak = await memoryDuringMix.stop();
    printHeader();
    routes.forEach((route, i) => printRow(route.name, counts[i]!, results[i]!));
    const total = (key: 'errors' | 'timeouts' | 'resets' | '5xx' | '4xx') => results.reduce((sum, result) => sum + result[key], 0);
    const mixRequests = results.reduce((sum, result) => sum + result.requests.total, 0);
    const mixSeconds = Math.max(...results.map((result) => result.duration));
    const referenceRate = reference.requests.total / reference.duration;
    console.log(`  all routes: ${(mixRequests / mixSeconds).toFixed(0)} req/s, ${(mixRequests / mixSeconds / referenceRate).toFixed(2)}x the /healthz reference`);
    console.log(`  socket errors: ${total('errors')} (+ ${total('timeouts')} timeouts, ${total('resets')} resets); target ${TARGETS.socketErrors}`);
    console.log(`  5xx answers: ${total('5xx')}; target ${TARGETS.serverErrors}. 4xx answers: ${total('4xx')}`);
    console.log(`  server memory: peak ${mixPeak?.toFixed(0) ?? '?'} MB resident during the mix`);

    // 3. The burst of new renders, each from its own address.
    const ids = routes.find((route) => route.name === 'episode detail')!.requests.map((request) => /\/api\/episodes\/([^/.]+)/.exec(request.path)![1]!);
    const urls = newRenditions(ids, renders);
    console.log(`\n3. ${renders} requests at once for renditions not made yet (rates, voices and formats vary), each from its own loopback address`);
    const memoryDuringBurst = sampleMemory(server.process.pid);
    const burstStarted = performance.now();
    const answers = await Promise.all(urls.map((url, i) => getFrom(server.origin, url, `127.0.1.${i + 1}`, 10 * 60_000)));
    const burstSeconds = (performance.now() - burstStarted) / 1000;
    const burstPeak = await memoryDuringBurst.stop();
    const served = answers.filter((answer) => answer.status === 200 && answer.whole);
    const busy = answers.filter((answer) => answer.status === 503 && Number(answer.retryAfter) >= 1);
    const other = answers.filter((answer) => !served.includes(answer) && !busy.includes(answer));
    const slowest = Math.max(...served.map((answer) => answer.ms), 0);
    console.log(`  served whole (200): ${served.length}, slowest after ${(slowest / 1000).toFixed(1)} s`);
    console.log(`  503 with Retry-After: ${busy.length} (Retry-After ${[...new Set(busy.map((answer) => answer.retryAfter))].join(', ') || '-'} s)`);
    console.log(`  anything else: ${other.length}${other.length === 0 ? '' : ' (failures of the target):'}`);
    for (const answer of other.slice(0, 10)) console.log(`    ${answer.status} ${answer.url} ${answer.detail ?? ''}`);
    console.log(`  all answered within ${burstSeconds.toFixed(1)} s; server ${server.exited ? 'CRASHED' : 'still running'}`);
    const memory = await memoryMb(server.process.pid);
    console.log(`  server memory: peak ${burstPeak?.toFixed(0) ?? '?'} MB resident during the burst, ${memory?.peak.toFixed(0) ?? '?'} MB peak over its whole life (VmHWM); target under ${TARGETS.peakRssMb} MB`);

    // 4. The queue drains: what was refused is served when asked again, new renders and cached answers work.
    console.log('\n4. After the burst');
    const refused = busy[0];
    if (refused !== undefined) {
      await sleep(Number(refused.retryAfter) * 1000);
      const again = await getFrom(server.origin, refused.url, refused.from, 10 * 60_000);
      console.log(`  a refused request asked again after its Retry-After (${refused.retryAfter} s): ${again.status}${again.whole ? ', whole' : ', NOT whole'} in ${(again.ms / 1000).toFixed(1)} s`);
    }
    const [fresh] = newRenditions(ids, 1, renders + 1);
    const newRender = await getFrom(server.origin, fresh!, '127.0.2.1', 10 * 60_000);
    console.log(`  a new render (${fresh}): ${newRender.status}${newRender.whole ? ', whole' : ', NOT whole'} in ${(newRender.ms / 1000).toFixed(1)} s`);
    const cached = await getFrom(server.origin, routes[4]!.requests[0]!.path, HOST, 30_000);
    console.log(`  cached audio: ${cached.status} in ${cached.ms.toFixed(0)} ms`);
    const readyz = await fetch(`${server.origin}/readyz`);
    console.log(`  /readyz: ${readyz.status} ${JSON.stringify(await readyz.json())}`);
    console.log(`  error log lines (level error or fatal) during the run: ${server.errorLines().length}`);
    for (const line of server.errorLines().slice(0, 5)) console.log(`    ${line.slice(0, 300)}`);
  } finally {
    const exited = server.exited;
    await stop();
    if (exited) console.log(`The server had exited on its own: ${JSON.stringify(await server.exit)}\n${server.tail()}`);
    else console.log(`\nThe server stopped on SIGTERM: ${JSON.stringify(await server.exit)}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
