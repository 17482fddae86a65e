/**
 * Work under way, kept until it settles, so that whoever closes can wait for all
 * of it: the render cache's jobs (their writes included, after every caller left)
 * and the native engine's processes (their scratch folders removed).
 */
export class InFlight {
  readonly #pending = new Set<Promise<unknown>>();

  /** Keeps `promise` until it settles, and returns it. */
  track<T>(promise: Promise<T>): Promise<T> {
    this.#pending.add(promise);
    const forget = (): void => {
      this.#pending.delete(promise);
    };
    promise.then(forget, forget);
    return promise;
  }

  /** Resolves once everything tracked so far, and anything tracked meanwhile, has settled. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled(this.#pending);
  }
}
