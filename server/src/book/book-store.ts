/**
 * The server's copy of the talking book: built once from the render cache and
 * kept on disk, named after what it is made from (the content pack, the
 * narrator, each episode's MP3 and time line), so the same content is never
 * built twice, and changed content (another pack, a new render) makes a new
 * book. Built books are written whole or not at all (`writeAtomic`); the one
 * they replace is removed.
 */
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Catalog } from '../catalog.js';
import { writeAtomic } from '../files.js';
import { sha256 } from '../renditions/cache-store.js';
import type { Renditions } from '../renditions/renditions.js';
import type { BookEpisode } from './book-input.js';
import type { BookCover } from './cover.js';
import { gatherEpisodes, type GatherOptions } from './book-sources.js';
import { makeBook } from './book.js';

/**
 * Bumped when the book's making changes (its documents, overlays or metadata):
 * a book built by an older version is then built again.
 */
export const BOOK_REVISION = 1;

export interface BuiltBook {
  /** The EPUB on disk. */
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
  /** When it was built (its `dcterms:modified`). */
  readonly modified: Date;
}

export interface BookStoreOptions {
  readonly catalog: Catalog;
  readonly renditions: Renditions;
  /** `media:narrator`: the engine and voice. */
  readonly narrator: string;
  readonly cover: BookCover;
  /** Where built books are kept; created when missing. */
  readonly folder: string;
}

export interface BookStore {
  /** The book of the content as it is now: the one built already, or built now (rendering what is missing first). */
  book(options?: GatherOptions): Promise<BuiltBook>;
}

/** What the book is made from, as one hash: its file name. */
function bookKey(catalog: Catalog, narrator: string, cover: BookCover, episodes: readonly BookEpisode[]): string {
  // The pack's folder is where it is, not what it says.
  const pack = { ...catalog.pack, dir: undefined };
  const art = [cover.href, cover.alt, sha256(cover.data)];
  return sha256(JSON.stringify([BOOK_REVISION, pack, narrator, art, episodes.map((e) => [e.entry.episode.id, e.audioSha256, e.timeline])]));
}

export function createBookStore(options: BookStoreOptions): BookStore {
  const { catalog, narrator, cover, folder } = options;
  let latest: { key: string; book: BuiltBook } | undefined;
  const building = new Map<string, Promise<BuiltBook>>();

  async function build(key: string, episodes: readonly BookEpisode[]): Promise<BuiltBook> {
    const file = path.join(folder, `${key.slice(0, 32)}.epub`);
    // Built before (this process or an earlier one): a file there is whole, since it was renamed into place.
    const found = await stat(file).catch(() => undefined);
    if (found !== undefined) return { file, bytes: found.size, sha256: sha256(await readFile(file)), modified: found.mtime };
    const modified = new Date();
    const bytes = await makeBook({ catalog, episodes, narrator, cover, modified });
    await mkdir(folder, { recursive: true });
    await writeAtomic(file, bytes);
    // The books this one replaces (temporary files of builds under way elsewhere end in .tmp and stay).
    const others = (await readdir(folder)).filter((name) => name.endsWith('.epub') && path.join(folder, name) !== file);
    await Promise.all(others.map((name) => rm(path.join(folder, name), { force: true })));
    return { file, bytes: bytes.length, sha256: sha256(bytes), modified };
  }

  return {
    async book(gather = {}) {
      const episodes = await gatherEpisodes(catalog, options.renditions, gather);
      const key = bookKey(catalog, narrator, cover, episodes);
      // The book built last, unless its file went (a cache cleared by hand): then it is built again.
      if (latest?.key === key && (await stat(latest.book.file).catch(() => undefined)) !== undefined) return latest.book;
      let job = building.get(key);
      if (job === undefined) {
        job = build(key, episodes).finally(() => building.delete(key));
        building.set(key, job);
      }
      const book = await job;
      latest = { key, book };
      return book;
    },
  };
}
