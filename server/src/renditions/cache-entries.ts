/**
 * The entries renditions keep beside the audio: JSON read back from the
 * store, intermediate entries kept when a folder can take them, and the time
 * lines remembered in memory while the store still vouches for their files.
 */
import type { CacheStore } from './cache-store.js';
import { CacheUnwritable } from './render-errors.js';
import { entryNames } from './rendition-keys.js';
import type { Timeline } from './timings.js';

/** Time lines remembered at most; past it the oldest is read from disk again when asked for. */
const TIMELINES_KEPT = 512;

/** The verified JSON entry `name`, or undefined when it is missing, damaged or not JSON. */
export async function readJson<T>(store: CacheStore, name: string): Promise<T | undefined> {
  const entry = await store.read(name);
  if (entry === undefined) return undefined;
  try {
    return JSON.parse(entry.data.toString('utf8')) as T;
  } catch {
    // Verified, so written by us: only a format change could get here. Render again.
    return undefined;
  }
}

/** Stores an intermediate entry; one that cannot be stored is used from memory (the failure was reported). */
export async function keepIfPossible(store: CacheStore, name: string, data: Buffer): Promise<void> {
  try {
    await store.write(name, data);
  } catch (error) {
    if (!(error instanceof CacheUnwritable)) throw error;
  }
}

/**
 * Time lines read or written in this process, by master key: the episode list
 * and every audio request want one, so they come from memory while the store
 * still vouches for the file.
 */
export class Timelines {
  readonly #store: CacheStore;
  readonly #known = new Map<string, Timeline>();

  constructor(store: CacheStore) {
    this.#store = store;
  }

  /** The time line of master `key`, from memory or the verified cache; undefined when not made. */
  async read(key: string): Promise<Timeline | undefined> {
    const name = entryNames.timeline(key);
    const known = this.#known.get(name);
    if (known !== undefined && this.#store.isKnown(name)) return known;
    const timeline = await readJson<Timeline>(this.#store, name);
    if (timeline === undefined) {
      this.#known.delete(name);
      return undefined;
    }
    this.#remember(name, timeline);
    return timeline;
  }

  /** Stores the time line of master `key` and remembers it. */
  async write(key: string, timeline: Timeline): Promise<void> {
    const name = entryNames.timeline(key);
    await this.#store.write(name, Buffer.from(JSON.stringify(timeline)));
    this.#remember(name, timeline);
  }

  #remember(name: string, timeline: Timeline): void {
    this.#known.delete(name);
    this.#known.set(name, timeline);
    // Oldest out first; a dropped one is read from disk again when asked for.
    if (this.#known.size > TIMELINES_KEPT) this.#known.delete(this.#known.keys().next().value!);
  }
}
