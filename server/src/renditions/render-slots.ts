/**
 * Bounded concurrency with a bounded queue: at most `concurrency` renders run,
 * at most `capacity` run or wait, and past that a render is refused at once
 * with RenderBusy (the route answers 503 with Retry-After) instead of piling up.
 */
import { RenderAborted, RenderBusy } from './render-errors.js';

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** What RenderBusy suggests before any render has been timed, in seconds. */
const FIRST_RETRY_SECONDS = 5;

export class RenderSlots {
  readonly #concurrency: number;
  readonly #capacity: number;
  readonly #waiting: Waiter[] = [];
  #running = 0;
  /** A moving average of how long a slot is held, in ms: what Retry-After is estimated from. */
  #averageMs: number | undefined;

  /**
   * @param concurrency renders at once
   * @param capacity renders running or waiting, at least `concurrency`
   * @throws RangeError for a count that is not a positive integer, or a capacity below the concurrency
   */
  constructor(concurrency: number, capacity: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
    if (!Number.isInteger(capacity) || capacity < concurrency) throw new RangeError(`capacity must be a whole number of at least ${concurrency}, got ${capacity}`);
    this.#concurrency = concurrency;
    this.#capacity = capacity;
  }

  /** Renders running or waiting. */
  get pending(): number {
    return this.#running + this.#waiting.length;
  }

  /** Seconds after which a refused caller may reasonably try again: the queue ahead of it, at the pace renders have gone. */
  retryAfterSeconds(): number {
    if (this.#averageMs === undefined) return FIRST_RETRY_SECONDS;
    const rounds = Math.ceil((this.#waiting.length + 1) / this.#concurrency);
    return Math.max(1, Math.min(60, Math.ceil((rounds * this.#averageMs) / 1000)));
  }

  /**
   * Takes a slot, waiting in line (first come, first served) when all are in use.
   * @returns a function that gives the slot back; call it exactly once.
   * @throws RenderBusy at once when the line is full; RenderAborted when `signal` aborts while waiting.
   */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted === true) throw new RenderAborted(signal.reason);
    if (this.pending >= this.#capacity) throw new RenderBusy(this.retryAfterSeconds());
    if (this.#running < this.#concurrency) {
      this.#running++;
    } else {
      await new Promise<void>((resolve, reject) => {
        const waiter: Waiter = {
          resolve: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
          reject,
        };
        const onAbort = (): void => {
          const index = this.#waiting.indexOf(waiter);
          if (index >= 0) this.#waiting.splice(index, 1);
          reject(new RenderAborted(signal?.reason));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.#waiting.push(waiter);
      });
    }
    const started = performance.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const took = performance.now() - started;
      this.#averageMs = this.#averageMs === undefined ? took : 0.7 * this.#averageMs + 0.3 * took;
      // The slot passes straight to the next in line, so the running count does not change.
      const next = this.#waiting.shift();
      if (next === undefined) this.#running--;
      else next.resolve();
    };
  }
}
