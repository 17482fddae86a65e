/**
 * Single flight with abort: concurrent callers who want the same thing share
 * one job, and the job is aborted only when every one of them has left.
 */
import { InFlight } from '../in-flight.js';
import { RenderAborted } from './render-errors.js';

/** Anything with a result; a job may carry more (e.g. a log of what it has made so far). */
export interface Job<R> {
  readonly result: Promise<R>;
}

interface Flight {
  readonly job: Job<unknown>;
  readonly controller: AbortController;
  waiters: number;
  settled: boolean;
}

/** Jobs by key, each shared by its callers. */
export class SingleFlight {
  readonly #flights = new Map<string, Flight>();
  /** Every job not yet settled, those every caller has left included (they may still be writing). */
  readonly #running = new InFlight();

  /** Jobs under way. */
  get size(): number {
    return this.#flights.size;
  }

  /** Resolves once every job started so far has settled, those every caller left included. */
  async idle(): Promise<void> {
    await this.#running.settled();
  }

  /**
   * Joins the job under `key`, starting it with `start` when none is under
   * way. The caller leaves when its `signal` aborts (its `result` then
   * rejects with RenderAborted); the job's own signal aborts when its last
   * caller has left. A caller without a signal never leaves, so its job runs
   * to the end.
   * @throws RenderAborted at once when `signal` is already aborted (nothing is started).
   */
  join<J extends Job<unknown>>(key: string, start: (signal: AbortSignal) => J, signal?: AbortSignal): { readonly job: J; readonly result: J['result'] } {
    if (signal?.aborted === true) throw new RenderAborted(signal.reason);
    let flight = this.#flights.get(key);
    if (flight === undefined) {
      const controller = new AbortController();
      const created: Flight = { job: start(controller.signal), controller, waiters: 0, settled: false };
      const settle = (): void => {
        created.settled = true;
        if (this.#flights.get(key) === created) this.#flights.delete(key);
      };
      // Handled here, so a job every caller has left never becomes an unhandled rejection.
      created.job.result.then(settle, settle);
      this.#running.track(created.job.result);
      this.#flights.set(key, created);
      flight = created;
    }
    flight.waiters++;
    return { job: flight.job as J, result: this.#follow(key, flight, signal) as J['result'] };
  }

  #follow(key: string, flight: Flight, signal: AbortSignal | undefined): Promise<unknown> {
    return new Promise((resolve, reject) => {
      let left = false;
      const onAbort = (): void => {
        left = true;
        reject(new RenderAborted(signal?.reason));
        flight.waiters--;
        if (flight.waiters <= 0 && !flight.settled) {
          // Forget it now, so a new caller starts afresh instead of joining a job that is stopping.
          if (this.#flights.get(key) === flight) this.#flights.delete(key);
          flight.controller.abort(new RenderAborted(signal?.reason));
        }
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (): boolean => {
        signal?.removeEventListener('abort', onAbort);
        if (left) return false;
        flight.waiters--;
        return true;
      };
      flight.job.result.then(
        (value) => done() && resolve(value),
        (error: unknown) => done() && reject(error),
      );
    });
  }
}
