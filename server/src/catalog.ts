/**
 * The catalog: a checked content pack with every episode's narration built
 * once at start-up, so requests only look things up.
 */
import type { ContentPack, Episode } from './content/schema.js';
import { narrateEpisode, type Narration } from './narration/narration.js';

export interface CatalogEntry {
  readonly episode: Episode;
  readonly narration: Narration;
}

export interface Catalog {
  readonly pack: ContentPack;
  readonly entries: readonly CatalogEntry[];
  find(episodeId: string): CatalogEntry | undefined;
}

export function createCatalog(pack: ContentPack): Catalog {
  const entries = pack.episodes.map((episode) => ({ episode, narration: narrateEpisode(pack, episode) }));
  const byId = new Map(entries.map((entry) => [entry.episode.id, entry]));
  return { pack, entries, find: (id) => byId.get(id) };
}
