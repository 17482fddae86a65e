/**
 * Load generators for the HTTP benchmarks: wrk (Debian's C client, its own
 * process), which bench/http.ts uses by default, and autocannon (JavaScript, in
 * the bench's process), for machines without wrk and to compare. Both give the
 * same figures (`LoadRun`) for the same settings (`LoadSettings`).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

/** How a row is asked: connections, seconds, request headers. */
export interface LoadSettings {
  duration: number;
  connections: number;
  headers?: Record<string, string>;
}

/** What one timed load run measured. */
export interface LoadRun {
  readonly requestsPerSecond: number;
  readonly total: number;
  readonly megabytesPerSecond: number;
  /** Latency, in ms. */
  readonly p50: number;
  readonly p99: number;
  /** Non-2xx answers, socket errors and time-outs. */
  readonly failures: number;
}

export interface LoadClient {
  /** How the header line names it. */
  readonly description: string;
  run(url: string, load: LoadSettings): Promise<LoadRun>;
}

// autocannon ships no types: these cover the options and results used here.
interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  headers?: Record<string, string>;
}
interface Percentiles {
  average: number;
  p50: number;
  p99: number;
}
interface AutocannonResult {
  requests: Percentiles & { total: number };
  throughput: Percentiles;
  latency: Percentiles;
  errors: number;
  timeouts: number;
  non2xx: number;
}
type Autocannon = (options: AutocannonOptions) => Promise<AutocannonResult>;
const require = createRequire(import.meta.url);

/**
 * autocannon appends every body chunk to a string (for its `verifyBody` option).
 * Decoding megabytes of audio as UTF-8 makes the client the bottleneck: about
 * 60 MB/s here, whichever server answers, nginx included, so every ratio reads ~1.
 * Nothing here checks bodies, so the appending is switched off.
 */
function stopBodyDecoding(): string {
  try {
    const queue = require('autocannon/lib/pipelinedRequestsQueue.js') as { prototype: { addBody(data: Buffer): void } };
    queue.prototype.addBody = () => undefined;
    return 'bodies counted, not decoded';
  } catch {
    return 'WARNING: could not stop autocannon decoding bodies; audio figures are client-bound';
  }
}

/**
 * autocannon in this process. It parses every answer in JavaScript, on the same two cores
 * as the servers: beside nginx it is the bottleneck (nginx reads about half what wrk
 * gets from it), so the audio ratios read high and the JSON ones, whose 20 headers it
 * parses, low. Kept for machines without wrk, and to compare.
 */
export function autocannonClient(): LoadClient {
  const autocannon = require('autocannon') as Autocannon;
  const decoding = stopBodyDecoding();
  return {
    description: `autocannon (JavaScript, in this process; ${decoding})`,
    async run(url, { connections, duration, headers = {} }) {
      const result = await autocannon({ url, connections, duration, headers });
      return {
        requestsPerSecond: result.requests.average,
        total: result.requests.total,
        megabytesPerSecond: result.throughput.average / 1e6,
        p50: result.latency.p50,
        p99: result.latency.p99,
        failures: result.non2xx + result.errors + result.timeouts,
      };
    },
  };
}

/** A wrk figure with its unit (`3.27ms`, `1.20GB`, `512.00KB`) in the unit `scale` names. */
function wrkNumber(text: string | undefined, scale: Record<string, number>): number {
  const match = /^([\d.]+)([a-zA-Z]*)$/.exec(text ?? '');
  const factor = scale[match?.[2] ?? ''];
  if (match === null || factor === undefined) throw new Error(`wrk printed a figure this bench cannot read: "${text}"`);
  return Number(match[1]) * factor;
}
const WRK_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };
const WRK_MB: Record<string, number> = { B: 1 / 1e6, KB: 1024 / 1e6, MB: 1024 ** 2 / 1e6, GB: 1024 ** 3 / 1e6, TB: 1024 ** 4 / 1e6 };

/** Reads wrk's report (with `--latency`). */
export function parseWrk(report: string): LoadRun {
  const line = (pattern: RegExp) => pattern.exec(report)?.slice(1);
  const [total] = line(/^\s*(\d+) requests in /m) ?? [];
  const [perSecond] = line(/^Requests\/sec:\s*([\d.]+)/m) ?? [];
  const [transfer] = line(/^Transfer\/sec:\s*(\S+)/m) ?? [];
  const [p50] = line(/^\s*50%\s+(\S+)/m) ?? [];
  const [p99] = line(/^\s*99%\s+(\S+)/m) ?? [];
  if (total === undefined || perSecond === undefined) throw new Error(`wrk printed no totals:\n${report}`);
  const [non2xx = '0'] = line(/^\s*Non-2xx or 3xx responses:\s*(\d+)/m) ?? [];
  const socketErrors = line(/^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/m) ?? [];
  return {
    requestsPerSecond: Number(perSecond),
    total: Number(total),
    megabytesPerSecond: wrkNumber(transfer, WRK_MB),
    p50: wrkNumber(p50, WRK_MS),
    p99: wrkNumber(p99, WRK_MS),
    failures: Number(non2xx) + socketErrors.reduce((sum, count) => sum + Number(count), 0),
  };
}

/**
 * wrk, Debian's C load generator, with one thread: it takes a fraction of a core for
 * what autocannon needs one for, so the figures are the servers'. The scale the issue
 * gives (a stock @fastify/static about 0.08x nginx on 64 kB ranges, a raw Node stream
 * about 0.3x) is what wrk measures here (0.07 to 0.09x and 0.22 to 0.29x); autocannon
 * reads 0.15 to 0.19x and 0.36 to 0.41x.
 */
export function wrkClient(command: string): LoadClient {
  return {
    description: 'wrk (C, 1 thread, its own process)',
    run(url, { connections, duration, headers = {} }) {
      const args = ['-t1', `-c${connections}`, `-d${duration}s`, '--latency', ...Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]), url];
      return new Promise((resolve, reject) => {
        const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
        child.on('error', reject);
        child.on('close', (code) => {
          if (code !== 0) reject(new Error(`wrk exited with ${code}: ${err || out}`));
          else {
            try {
              resolve(parseWrk(out));
            } catch (error) {
              reject(error as Error);
            }
          }
        });
      });
    },
  };
}
