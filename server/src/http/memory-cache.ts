/**
 * Verified file contents held in memory, so audio is answered from RAM rather than
 * read from disk on every request: bytes in memory go out several times faster
 * than file streams on Node 20, and a player fetching 64 kB ranges asks often.
 *
 * - Keyed by file and SHA-256: a new render of the same path is a new entry, and
 *   the old one is dropped when the new one is stored.
 * - Verified on the way in: length and SHA-256 must match what the caller expects
 *   (the render cache's record), or `get` throws `HeldFileCorrupt` and keeps nothing.
 * - Bounded by total bytes, least recently used out first; a file bigger than a
 *   quarter of the budget is read and verified but not kept, so one long WAV cannot
 *   push out every episode's MP3.
 * - Single flight: concurrent requests for a file not yet held share one read.
 *
 * Plain TypeScript: no fastify import.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

/** About a hundred 1 MB MP3 episodes, or a dozen 8 MB WAVs. */
export const DEFAULT_MAX_BYTES = 96 * 1024 * 1024;

/** A verified file's bytes and the time it was last written. Never modify `content`: it is shared. */
export interface HeldFile {
  readonly content: Buffer;
  /** The file's modification time when read, for `Last-Modified`. */
  readonly lastModified: Date;
}

export interface ByteCacheOptions {
  /** The most bytes held at once (default `DEFAULT_MAX_BYTES`). */
  readonly maxBytes?: number;
}

export interface ByteCache {
  /**
   * The file's bytes, from memory or read now and verified.
   * @param file absolute path
   * @param sha256 the expected SHA-256, hex
   * @param size the expected length in bytes
   * @throws HeldFileCorrupt when the file's length or hash differ; nothing is kept.
   * @throws the file system's error when it cannot be read (e.g. ENOENT).
   */
  get(file: string, sha256: string, size: number): Promise<HeldFile>;
  /**
   * The file's bytes if they are held now, without reading anything: the synchronous
   * path for the common case, a player asking again for bytes it asked for before.
   * Counts as a use for the least-recently-used order, like `get`.
   */
  peek(file: string, sha256: string): HeldFile | undefined;
  /**
   * Whether a file of `size` bytes would be kept. One that would not is read and
   * hashed again on every `get`: a caller may rather stream such a file from disk.
   */
  keeps(size: number): boolean;
  /** Forgets every version of a file, e.g. after the render cache discarded it. */
  forget(file: string): void;
  /** Bytes held now. */
  readonly heldBytes: number;
  /** Files held now. */
  readonly heldFiles: number;
}

/** The file on disk is not the one the caller expects: treat its cache entry as corrupt. */
export class HeldFileCorrupt extends Error {
  override readonly name = 'HeldFileCorrupt';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

interface Entry {
  readonly file: string;
  readonly held: HeldFile;
}

const keyOf = (file: string, sha256: string): string => `${sha256.toLowerCase()}\u0000${file}`;

/** Creates an empty cache; see the module comment for its rules. */
export function createByteCache(options: ByteCacheOptions = {}): ByteCache {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxEntryBytes = maxBytes / 4;
  // A Map iterates in insertion order: re-inserting on every hit makes its first key the least recently used.
  const entries = new Map<string, Entry>();
  const keyByFile = new Map<string, string>();
  const reading = new Map<string, Promise<HeldFile>>();
  let heldBytes = 0;
  // The key last in `entries` (the most recently used): a player asks for the same file again and
  // again, and moving its entry to the end when it is there already is two hash operations for nothing.
  let lastUsed: string | undefined;

  const remove = (key: string): void => {
    const entry = entries.get(key);
    if (entry === undefined) return;
    entries.delete(key);
    if (lastUsed === key) lastUsed = undefined;
    heldBytes -= entry.held.content.length;
    if (keyByFile.get(entry.file) === key) keyByFile.delete(entry.file);
  };

  const store = (key: string, file: string, held: HeldFile): void => {
    if (held.content.length > maxEntryBytes) return;
    const previous = keyByFile.get(file);
    if (previous !== undefined) remove(previous);
    entries.set(key, { file, held });
    lastUsed = key;
    keyByFile.set(file, key);
    heldBytes += held.content.length;
    for (const oldest of entries.keys()) {
      if (heldBytes <= maxBytes) break;
      remove(oldest);
    }
  };

  const read = async (file: string, sha256: string, size: number): Promise<HeldFile> => {
    const handle = await open(file, 'r');
    try {
      const info = await handle.stat();
      // A wrong length is known before reading: do not read a file that cannot be right.
      if (info.size !== size) throw new HeldFileCorrupt(file, `length ${info.size} is not the expected ${size}`);
      const content = await handle.readFile();
      if (content.length !== size) throw new HeldFileCorrupt(file, `read ${content.length} bytes, expected ${size}`);
      const actual = createHash('sha256').update(content).digest('hex');
      if (actual !== sha256.toLowerCase()) throw new HeldFileCorrupt(file, 'content differs from the expected SHA-256');
      return { content, lastModified: info.mtime };
    } finally {
      await handle.close();
    }
  };

  const peek = (file: string, sha256: string): HeldFile | undefined => {
    // Found by the file first: callers pass the same path string every time, whose hash V8 keeps,
    // where a key built anew per request would be hashed anew (peek runs on every Range request).
    const key = keyByFile.get(file);
    if (key === undefined || key.length !== sha256.length + 1 + file.length || !key.startsWith(sha256.toLowerCase())) return undefined;
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (key !== lastUsed) {
      entries.delete(key);
      entries.set(key, entry);
      lastUsed = key;
    }
    return entry.held;
  };

  return {
    peek,

    get(file, sha256, size) {
      const held = peek(file, sha256);
      if (held !== undefined) return Promise.resolve(held);
      const key = keyOf(file, sha256);
      const running = reading.get(key);
      if (running !== undefined) return running;
      const started = read(file, sha256, size)
        .then((held) => {
          store(key, file, held);
          return held;
        })
        .finally(() => reading.delete(key));
      reading.set(key, started);
      return started;
    },

    keeps(size) {
      return size <= maxEntryBytes;
    },

    forget(file) {
      const key = keyByFile.get(file);
      if (key !== undefined) remove(key);
    },

    get heldBytes() {
      return heldBytes;
    },
    get heldFiles() {
      return entries.size;
    },
  };
}
