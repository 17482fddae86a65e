/**
 * What a talking book is made from: the catalog, and for each episode the
 * render that the player serves (its MP3 and the time line captions and
 * transcript come from), plus who narrates.
 */
import type { Catalog, CatalogEntry } from '../catalog.js';
import type { Timeline } from '../shared/timeline.js';
import type { BookCover } from './cover.js';

/** One episode as the book reads it: the narration, and the render it was spoken in. */
export interface BookEpisode {
  readonly entry: CatalogEntry;
  readonly timeline: Timeline;
  /** The episode's MP3 on disk (the cache's verified file, never changed once written). */
  readonly audioFile: string;
  /** The MP3's SHA-256: with the time line, what tells one render from another. */
  readonly audioSha256: string;
}

export interface BookInput {
  readonly catalog: Catalog;
  /** Every episode of the catalog, in its order. */
  readonly episodes: readonly BookEpisode[];
  /** Who reads the book: the speech engine and its voice (`media:narrator`). */
  readonly narrator: string;
  /** When this book was made (`dcterms:modified`, and every file's date in the container). */
  readonly modified: Date;
  readonly cover: BookCover;
}
