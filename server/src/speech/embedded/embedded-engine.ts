/**
 * The "embedded" speech engine: eSpeak NG compiled to JavaScript, run in a
 * small pool of worker threads so renders never block the event loop and can
 * be cancelled (an eSpeak render is synchronous, so cancelling means
 * terminating its thread and starting a fresh one).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SpeechError, type SpeechEngine, type Synthesis, type SynthesisOptions, type Voice } from '../engine.js';
import { DEFAULT_VOICE_ID, ESPEAK_VOICES, MAX_RATE, MIN_RATE, findVoice, isValidRate } from '../espeak-params.js';
import type { RenderRequest, WorkerReply } from './protocol.js';

/** Options for {@link createEmbeddedEngine}. */
export interface EmbeddedEngineOptions {
  /** Worker threads, each holding its own eSpeak instance (about 60 MB each). Default 1. */
  readonly workers?: number;
  /** Longest one render may run once a worker has taken it, in ms. Default 60 000. */
  readonly timeoutMs?: number;
  /** Longest a new worker may take to load eSpeak before it counts as failed, in ms. Default 30 000. */
  readonly startupTimeoutMs?: number;
  /**
   * Replaces the worker script (a file: or data: URL speaking ./protocol.ts).
   * For tests of the pool itself, e.g. a worker that crashes mid-render.
   */
  readonly workerUrl?: URL;
}

const PACKAGE = '@echogarden/espeak-ng-emscripten';
/**
 * Bumped when our own processing changes the audio for the same eSpeak build
 * (e.g. the time compression above 450 wpm), so caches keyed on `version`
 * do not serve stale renders.
 */
const ADAPTER_REVISION = 1;

const require = createRequire(import.meta.url);

/** The installed package version, read from its package.json (it has no `exports` map, so this resolves). */
function packageVersion(): string {
  const manifest: unknown = JSON.parse(readFileSync(require.resolve(`${PACKAGE}/package.json`), 'utf8'));
  const version = (manifest as { version?: unknown }).version;
  if (typeof version !== 'string') throw new SpeechError(`${PACKAGE}/package.json has no version`);
  return version;
}

/**
 * How to start a worker. Compiled (dist/*.js), the worker is the sibling
 * worker.js. Under vitest or tsx this module is TypeScript source, so the
 * worker is worker.ts and needs tsx. `execArgv: ['--import', 'tsx']` does not
 * work for this: on Node 20 a worker's entry module is loaded without the
 * hooks `--import` registers (ERR_UNKNOWN_FILE_EXTENSION, measured on
 * 20.20). So a two-line bootstrap loads worker.ts through tsx's `tsImport`,
 * which registers its loader inside the worker thread itself. Both URLs are
 * absolute, so the process's working directory does not matter.
 */
function workerEntry(): { readonly code: URL | string; readonly eval: boolean } {
  if (!import.meta.url.endsWith('.ts')) return { code: new URL('./worker.js', import.meta.url), eval: false };
  const tsxApi = tsxEsmApiUrl();
  const worker = new URL('./worker.ts', import.meta.url).href;
  const code =
    `import(${JSON.stringify(tsxApi)})` +
    `.then(({ tsImport }) => tsImport(${JSON.stringify(worker)}, ${JSON.stringify(import.meta.url)}));`;
  return { code, eval: true };
}

/**
 * The ESM build of `tsx/esm/api`. require.resolve would pick the CommonJS
 * build, whose `tsImport` fails to find its own loader when imported from a
 * worker, so read the `import` target from tsx's export map instead.
 */
function tsxEsmApiUrl(): string {
  const manifestPath = require.resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports?: Record<string, unknown> };
  const target = (manifest.exports?.['./esm/api'] as { import?: { default?: unknown } } | undefined)?.import?.default;
  if (typeof target !== 'string') throw new SpeechError('cannot find the ESM entry of tsx/esm/api');
  return new URL(target, pathToFileURL(manifestPath)).href;
}

interface Job {
  readonly request: RenderRequest;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (synthesis: Synthesis) => void;
  readonly reject: (error: SpeechError) => void;
  onAbort?: () => void;
  slot?: Slot;
  timer?: NodeJS.Timeout;
  settled?: boolean;
}

interface Slot {
  readonly worker: Worker;
  state: 'starting' | 'idle' | 'busy';
  job?: Job;
  startupTimer?: NodeJS.Timeout;
}

class EmbeddedEngine implements SpeechEngine {
  readonly name = 'embedded';
  readonly defaultVoice = DEFAULT_VOICE_ID;
  readonly version: string;

  readonly #size: number;
  readonly #timeoutMs: number;
  readonly #startupTimeoutMs: number;
  readonly #workerUrl: URL | undefined;
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  #nextId = 1;
  #closed = false;
  /** Set when a worker fails to start; stops #pump from respawning in a loop until a worker is ready or a new render arrives. */
  #spawnBlocked = false;

  constructor(options: EmbeddedEngineOptions) {
    this.#size = positiveInteger(options.workers ?? 1, 'workers');
    this.#timeoutMs = positiveInteger(options.timeoutMs ?? 60_000, 'timeoutMs');
    this.#startupTimeoutMs = positiveInteger(options.startupTimeoutMs ?? 30_000, 'startupTimeoutMs');
    this.#workerUrl = options.workerUrl;
    this.version = `${packageVersion()}+r${ADAPTER_REVISION}`;
  }

  /** True when a worker can load eSpeak and render an empty document. Also warms the pool. */
  async available(): Promise<boolean> {
    try {
      await this.synthesize('<speak></speak>');
      return true;
    } catch {
      return false;
    }
  }

  voices(): Promise<readonly Voice[]> {
    return Promise.resolve(ESPEAK_VOICES.map(({ id, name, language }) => ({ id, name, language })));
  }

  synthesize(ssml: string, options: SynthesisOptions = {}): Promise<Synthesis> {
    if (this.#closed) return Promise.reject(new SpeechError('the embedded engine is closed'));
    const { voice, signal } = options;
    const rate = options.rate ?? 1;
    if (voice !== undefined && findVoice(voice) === undefined) {
      return Promise.reject(new SpeechError(`the embedded engine has no voice "${voice}"`, { cause: new RangeError(`unknown voice ${voice}`) }));
    }
    if (!isValidRate(rate)) {
      return Promise.reject(new SpeechError(`rate ${rate} is outside ${MIN_RATE} to ${MAX_RATE}`, { cause: new RangeError(`rate ${rate}`) }));
    }
    if (signal?.aborted === true) return Promise.reject(abortError(signal));
    // A new request may retry a worker start that failed before.
    this.#spawnBlocked = false;

    return new Promise<Synthesis>((resolve, reject) => {
      const request: RenderRequest = voice === undefined ? { id: this.#nextId++, ssml, rate } : { id: this.#nextId++, ssml, voice, rate };
      const job: Job = { request, signal, resolve, reject };
      if (signal !== undefined) {
        job.onAbort = () => this.#cancel(job, abortError(signal));
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.#queue.push(job);
      this.#pump();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const closing = new SpeechError('the embedded engine was closed');
    for (const job of this.#queue.splice(0)) this.#settle(job, closing);
    const slots = this.#slots.splice(0);
    for (const slot of slots) if (slot.job !== undefined) this.#settle(slot.job, closing);
    await Promise.all(slots.map((slot) => this.#retire(slot)));
  }

  /** Hands queued jobs to idle workers, FIFO, and starts workers the queue needs. */
  #pump(): void {
    if (this.#closed) return;
    for (const slot of this.#slots) {
      if (slot.state !== 'idle') continue;
      const job = this.#queue.shift();
      if (job === undefined) break;
      this.#dispatch(slot, job);
    }
    const starting = this.#slots.filter((slot) => slot.state === 'starting').length;
    // Start workers only for jobs no starting worker will take.
    let wanted = Math.min(this.#queue.length - starting, this.#size - this.#slots.length);
    while (!this.#spawnBlocked && wanted-- > 0) this.#spawn();
    this.#updateRefs();
  }

  #dispatch(slot: Slot, job: Job): void {
    slot.state = 'busy';
    slot.job = job;
    job.slot = slot;
    job.timer = setTimeout(() => {
      this.#cancel(job, new SpeechError(`eSpeak render timed out after ${this.#timeoutMs} ms`));
    }, this.#timeoutMs);
    slot.worker.postMessage(job.request);
  }

  #spawn(): void {
    const entry = this.#workerUrl === undefined ? workerEntry() : { code: this.#workerUrl, eval: false };
    const worker = new Worker(entry.code, { eval: entry.eval });
    const slot: Slot = { worker, state: 'starting' };
    slot.startupTimer = setTimeout(() => {
      this.#lose(slot, new SpeechError(`eSpeak worker did not start within ${this.#startupTimeoutMs} ms`));
    }, this.#startupTimeoutMs);
    slot.startupTimer.unref();
    worker.on('message', (reply: WorkerReply) => this.#onReply(slot, reply));
    worker.on('error', (error) => this.#lose(slot, error));
    worker.on('exit', (code) => this.#lose(slot, new Error(`eSpeak worker exited with code ${code}`)));
    this.#slots.push(slot);
  }

  #onReply(slot: Slot, reply: WorkerReply): void {
    if (reply.kind === 'ready') {
      clearTimeout(slot.startupTimer);
      slot.state = 'idle';
      this.#spawnBlocked = false;
      this.#pump();
      return;
    }
    const job = slot.job;
    // A reply for a job already cancelled cannot happen (cancelling kills the worker), but stay safe.
    if (job === undefined || job.request.id !== reply.id) return;
    slot.job = undefined;
    slot.state = 'idle';
    if (reply.kind === 'result') {
      this.#settle(job, { sampleRate: reply.sampleRate, samples: reply.samples, events: reply.events });
    } else {
      this.#settle(job, new SpeechError(`eSpeak refused the render: ${reply.error}`, { cause: new Error(reply.error) }));
    }
    this.#pump();
  }

  /** A worker died or hung. Its job (if any) fails; a worker that was rendering is replaced at once. */
  #lose(slot: Slot, cause: unknown): void {
    if (!this.#slots.includes(slot)) return;
    this.#removeSlot(slot);
    void this.#retire(slot);
    const job = slot.job;
    if (job !== undefined) {
      this.#settle(job, cause instanceof SpeechError ? cause : new SpeechError('eSpeak worker crashed during a render', { cause }));
      this.#replace();
    } else if (slot.state === 'starting') {
      this.#spawnBlocked = true;
      if (this.#slots.length === 0) {
        // No worker is left to serve the queue: fail it rather than retrying in a loop.
        const error = cause instanceof SpeechError ? cause : new SpeechError('eSpeak worker failed to start', { cause });
        for (const waiting of this.#queue.splice(0)) this.#settle(waiting, error);
      }
    }
    this.#pump();
  }

  /** Cancels a job: dequeues it, or kills and replaces the worker rendering it. */
  #cancel(job: Job, error: SpeechError): void {
    const queued = this.#queue.indexOf(job);
    if (queued >= 0) this.#queue.splice(queued, 1);
    const slot = job.slot;
    this.#settle(job, error);
    if (slot !== undefined && slot.job === job && this.#slots.includes(slot)) {
      this.#removeSlot(slot);
      void this.#retire(slot);
      this.#replace();
    }
    this.#pump();
  }

  /** Starts a fresh worker for one that was killed, so the pool stays warm. */
  #replace(): void {
    if (!this.#closed && this.#slots.length < this.#size) this.#spawn();
  }

  #settle(job: Job, outcome: Synthesis | SpeechError): void {
    if (job.settled === true) return;
    job.settled = true;
    clearTimeout(job.timer);
    if (job.onAbort !== undefined) job.signal?.removeEventListener('abort', job.onAbort);
    if (outcome instanceof SpeechError) job.reject(outcome);
    else job.resolve(outcome);
  }

  #removeSlot(slot: Slot): void {
    const index = this.#slots.indexOf(slot);
    if (index >= 0) this.#slots.splice(index, 1);
  }

  async #retire(slot: Slot): Promise<void> {
    clearTimeout(slot.startupTimer);
    slot.worker.removeAllListeners();
    // A late 'error' from a dying worker must not become an unhandled 'error' event.
    slot.worker.on('error', () => undefined);
    await slot.worker.terminate();
  }

  /**
   * Workers hold the process open only while they have work (or are starting
   * for queued work), so a script that forgets close() still exits.
   */
  #updateRefs(): void {
    for (const slot of this.#slots) {
      if (slot.state === 'busy' || (slot.state === 'starting' && this.#queue.length > 0)) slot.worker.ref();
      else slot.worker.unref();
    }
  }
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${what} must be a positive integer, got ${value}`);
  return value;
}

function abortError(signal: AbortSignal): SpeechError {
  return new SpeechError('the render was aborted', { cause: signal.reason });
}

/**
 * Creates the embedded eSpeak NG engine. Workers start lazily on the first
 * render (or on `available()`), each taking a fraction of a second to load.
 * Renders queue FIFO for the next free worker. A render that is aborted or
 * times out while running terminates its worker, which is replaced.
 */
export function createEmbeddedEngine(options: EmbeddedEngineOptions = {}): SpeechEngine {
  return new EmbeddedEngine(options);
}
