/**
 * A log that several readers follow from its first item, each at its own
 * pace, while a writer is still adding to it: how one render's audio reaches
 * every listener who asked for it, the late ones included, as it is made.
 */

/** Items in order, then an end or a failure. Readers that come late get everything from the start. */
export class ReplayLog<T> {
  readonly #items: T[] = [];
  #state: 'open' | 'ended' | 'failed' = 'open';
  #error: unknown;
  readonly #waiting = new Set<() => void>();

  /** Adds an item. Ignored once the log has ended or failed. */
  push(item: T): void {
    if (this.#state !== 'open') return;
    this.#items.push(item);
    this.#wake();
  }

  /** No more items: readers finish after the last one. */
  end(): void {
    if (this.#state !== 'open') return;
    this.#state = 'ended';
    this.#wake();
  }

  /** The writer failed: readers get `error` after the items they have not read, never a quiet end. */
  fail(error: unknown): void {
    if (this.#state !== 'open') return;
    this.#state = 'failed';
    this.#error = error;
    this.#wake();
  }

  /** True once ended or failed. */
  get closed(): boolean {
    return this.#state !== 'open';
  }

  /**
   * Every item from the first, waiting for new ones until the log ends.
   * @throws the writer's error when the log failed, or `signal.reason` when the signal aborts.
   */
  async *read(signal?: AbortSignal): AsyncGenerator<T, void, undefined> {
    let next = 0;
    for (;;) {
      signal?.throwIfAborted();
      if (next < this.#items.length) {
        yield this.#items[next++] as T;
        continue;
      }
      if (this.#state === 'failed') throw this.#error;
      if (this.#state === 'ended') return;
      await this.#changed(signal);
    }
  }

  #changed(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiting.delete(wake);
        reject(signal?.reason);
      };
      const wake = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.#waiting.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #wake(): void {
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const wake of waiting) wake();
  }
}
