/**
 * The render cache on disk: content-addressed files, each written atomically
 * (a temporary file, then a rename) with its length and SHA-256 recorded
 * beside it, and verified on every read: a truncated or altered entry is
 * discarded, never returned.
 *
 * Folders: the configured one first, then a fallback (by default in the
 * system's temporary folder). When a folder cannot be written (read-only,
 * disk full, not a folder, no permission) the store says so once and writes
 * to the next from then on; reads look in every folder. When none can be
 * written, writes fail with CacheUnwritable and nothing half-written stays;
 * a while later the folders are tried again, since a full disk may have been freed.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile as fsWriteFile } from 'node:fs/promises';
import path from 'node:path';
import { isRunning } from '../files.js';
import { CacheUnwritable } from './render-errors.js';

/** A verified file in the cache. */
export interface StoredFile {
  /** Absolute path. */
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface CacheStoreOptions {
  /** Where entries live, in order of preference; the first is the configured cache folder. */
  readonly folders: readonly string[];
  /** Told when an entry failed verification and was discarded. */
  readonly onDiscard?: (file: string, reason: string) => void;
  /** Told when a folder could not be written, and which folder writes go to now (undefined: none). */
  readonly onStoreFailure?: (folder: string, error: unknown, nowWritingTo: string | undefined) => void;
  /** Replaces `fs.promises.writeFile`: for tests of a full disk. */
  readonly writeFile?: (file: string, data: Buffer | string) => Promise<void>;
  /** When no folder could be written, how long until they are all tried again, in ms. Default 30 000. */
  readonly retryUnwritableMs?: number;
}

interface Integrity {
  readonly bytes: number;
  readonly sha256: string;
}

export const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

const isIntegrity = (value: unknown): value is Integrity =>
  typeof value === 'object' && value !== null && Number.isSafeInteger((value as Integrity).bytes) && typeof (value as Integrity).sha256 === 'string';

export class CacheStore {
  readonly #folders: readonly string[];
  readonly #onDiscard: CacheStoreOptions['onDiscard'];
  readonly #onStoreFailure: CacheStoreOptions['onStoreFailure'];
  readonly #writeFile: (file: string, data: Buffer | string) => Promise<void>;
  /** Index in #folders of the folder writes go to; past the end when none can be written. */
  #writable = 0;
  readonly #retryUnwritableMs: number;
  /** When the last folder failed (performance.now()), while none can be written. */
  #noneWritableSince: number | undefined;
  /** Why the last folder failed: the reason every write gives while none can be written. */
  #lastFailure: unknown;
  // Files verified by hash in this process, with the size and time they had then:
  // an unchanged file is not hashed again on every request.
  readonly #verified = new Map<string, { size: number; mtimeMs: number; integrity: Integrity }>();

  constructor(options: CacheStoreOptions) {
    if (options.folders.length === 0) throw new RangeError('the cache needs at least one folder');
    this.#folders = options.folders.map((folder) => path.resolve(folder));
    this.#onDiscard = options.onDiscard;
    this.#onStoreFailure = options.onStoreFailure;
    this.#writeFile = options.writeFile ?? ((file, data) => fsWriteFile(file, data));
    this.#retryUnwritableMs = options.retryUnwritableMs ?? 30_000;
  }

  /** The folder new entries are written to, or undefined when none can be. */
  get writeFolder(): string | undefined {
    return this.#folders[this.#writable];
  }

  /** Whether `name` was verified in this process and has not been discarded since (no disk access). */
  isKnown(name: string): boolean {
    return this.#folders.some((folder) => this.#verified.has(path.join(folder, name)));
  }

  /**
   * The verified entry `name`, from the first folder that has it whole.
   * An unchanged file verified before is not hashed again.
   */
  async find(name: string): Promise<StoredFile | undefined> {
    for (const folder of this.#folders) {
      const file = path.join(folder, name);
      const integrity = await this.#record(file);
      if (integrity === undefined) continue;
      let info;
      try {
        info = await stat(file);
      } catch {
        await this.#discard(file, 'the file is missing');
        continue;
      }
      const known = this.#verified.get(file);
      if (known !== undefined && known.size === info.size && known.mtimeMs === info.mtimeMs && known.integrity.sha256 === integrity.sha256) {
        return { file, ...integrity };
      }
      const data = await this.#verify(file, integrity, info.size);
      if (data !== undefined) {
        this.#verified.set(file, { size: info.size, mtimeMs: info.mtimeMs, integrity });
        return { file, ...integrity };
      }
    }
    return undefined;
  }

  /** The verified bytes of entry `name` (one read serves the check and the caller), or undefined. */
  async read(name: string): Promise<{ readonly stored: StoredFile; readonly data: Buffer } | undefined> {
    for (const folder of this.#folders) {
      const file = path.join(folder, name);
      const integrity = await this.#record(file);
      if (integrity === undefined) continue;
      const data = await this.#verify(file, integrity, undefined);
      if (data === undefined) continue;
      try {
        const info = await stat(file);
        this.#verified.set(file, { size: info.size, mtimeMs: info.mtimeMs, integrity });
      } catch {
        // Gone since it was read: the bytes read were whole and are still good to use.
      }
      return { stored: { file, ...integrity }, data };
    }
    return undefined;
  }

  /**
   * Stores `data` as entry `name`: the file, then its record, each written to
   * a temporary file and renamed, so a record on disk means the file is whole.
   * @throws CacheUnwritable when no folder can take it (each failing folder is reported once).
   */
  async write(name: string, data: Buffer): Promise<StoredFile> {
    const integrity: Integrity = { bytes: data.length, sha256: sha256(data) };
    let lastError: unknown = this.#lastFailure;
    if (this.#noneWritableSince !== undefined && performance.now() - this.#noneWritableSince >= this.#retryUnwritableMs) {
      // A full disk gets freed, a folder gets mounted: start again from the configured folder.
      this.#noneWritableSince = undefined;
      this.#writable = 0;
    }
    while (this.#writable < this.#folders.length) {
      const index = this.#writable;
      const folder = this.#folders[index]!;
      const file = path.join(folder, name);
      try {
        await mkdir(path.dirname(file), { recursive: true });
        // A stale record must not vouch for a new file while it is being replaced.
        await rm(`${file}.json`, { force: true });
        await this.#writeAtomic(file, data);
        await this.#writeAtomic(`${file}.json`, JSON.stringify(integrity));
        const info = await stat(file);
        this.#verified.set(file, { size: info.size, mtimeMs: info.mtimeMs, integrity });
        return { file, ...integrity };
      } catch (error) {
        lastError = error;
        await rm(file, { force: true }).catch(() => undefined);
        // Writes run side by side: only the first to fail in a folder moves on from it, and reports it.
        if (this.#writable === index) {
          this.#writable++;
          if (this.#writable === this.#folders.length) {
            this.#noneWritableSince = performance.now();
            this.#lastFailure = error;
          }
          this.#onStoreFailure?.(folder, error, this.#folders[this.#writable]);
        }
      }
    }
    throw new CacheUnwritable(this.#folders, { cause: lastError });
  }

  async #writeAtomic(file: string, data: Buffer | string): Promise<void> {
    // The writer's process id in the name tells a later start which temporaries are orphans.
    const temporary = `${file}.${process.pid}-${randomUUID()}.tmp`;
    try {
      await this.#writeFile(temporary, data);
      await rename(temporary, file);
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => undefined);
      throw error;
    }
  }

  /** The integrity record beside `file`; a missing one means no entry, an unreadable one is discarded. */
  async #record(file: string): Promise<Integrity | undefined> {
    let text: string;
    try {
      text = await readFile(`${file}.json`, 'utf8');
    } catch {
      return undefined;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!isIntegrity(parsed)) {
      await this.#discard(file, 'its integrity record is not readable');
      return undefined;
    }
    return parsed;
  }

  /** The file's bytes if they match the record; otherwise the entry is discarded. */
  async #verify(file: string, integrity: Integrity, size: number | undefined): Promise<Buffer | undefined> {
    if (size !== undefined && size !== integrity.bytes) {
      await this.#discard(file, `its length ${size} is not the recorded ${integrity.bytes}`);
      return undefined;
    }
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch {
      await this.#discard(file, 'the file is missing');
      return undefined;
    }
    if (data.length !== integrity.bytes) {
      await this.#discard(file, `its length ${data.length} is not the recorded ${integrity.bytes}`);
      return undefined;
    }
    if (sha256(data) !== integrity.sha256) {
      await this.#discard(file, 'its content differs from the recorded hash');
      return undefined;
    }
    return data;
  }

  async #discard(file: string, reason: string): Promise<void> {
    this.#onDiscard?.(file, reason);
    this.#verified.delete(file);
    // A read-only folder keeps its broken entry; it is skipped on every read all the same.
    await Promise.all([rm(file, { force: true }), rm(`${file}.json`, { force: true })]).catch(() => undefined);
  }
}

/** `<entry>.<pid>-<uuid>.tmp`: a temporary file of `CacheStore`, and the process writing it. */
const TEMPORARY = /\.(\d+)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.tmp$/;

/**
 * Removes the temporary files a killed process left in `folder` (a kill -9 in the
 * middle of a write): those whose writer is no longer running. Entries are never
 * touched (a temporary file is never read as an entry either, so this only frees
 * the disk), nor are the temporaries of a live process, e.g. a `npm run render`
 * sharing the cache. Returns the files removed; a folder that is missing or
 * unreadable has none.
 */
export async function removeOrphanedTemporaries(folder: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(folder, { recursive: true });
  } catch {
    return [];
  }
  const orphans = names.filter((name) => {
    const pid = TEMPORARY.exec(name)?.[1];
    return pid !== undefined && Number(pid) !== process.pid && !isRunning(Number(pid));
  });
  const removed: string[] = [];
  for (const name of orphans) {
    const file = path.join(folder, name);
    try {
      await rm(file);
      removed.push(file);
    } catch {
      // Gone already, or not ours to remove: it is never read as an entry either way.
    }
  }
  return removed;
}
