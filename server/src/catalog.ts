/**
 * The catalog: a checked content pack with every episode's narration built
 * once at start-up, and the look-ups the API and pages need (facts of an
 * episode, conflicts touching a fact, people and their facts), so requests
 * only read maps.
 */
import type { Conflict, ContentPack, Episode, Fact, LexiconEntry, Person, Source } from './content/schema.js';
import { narrateEpisode, type Narration } from './narration/narration.js';

export interface CatalogEntry {
  readonly episode: Episode;
  readonly narration: Narration;
  /** The facts the episode says, in the order it says them, each once. */
  readonly facts: readonly Fact[];
}

export interface Catalog {
  readonly pack: ContentPack;
  readonly entries: readonly CatalogEntry[];
  find(episodeId: string): CatalogEntry | undefined;
  person(personId: string): Person | undefined;
  source(sourceId: string): Source | undefined;
  lexiconEntry(id: string): LexiconEntry | undefined;
  /** Where sources disagree about this fact. */
  conflictsOfFact(factId: string): readonly Conflict[];
  /** Facts that mention the person. */
  factsOfPerson(personId: string): readonly Fact[];
  /** Episodes that say the fact. */
  episodesOfFact(factId: string): readonly string[];
}

const groupBy = <T>(pairs: Iterable<[string, T]>): Map<string, T[]> => {
  const map = new Map<string, T[]>();
  for (const [key, value] of pairs) map.set(key, [...(map.get(key) ?? []), value]);
  return map;
};

export function createCatalog(pack: ContentPack): Catalog {
  const factById = new Map(pack.facts.map((f) => [f.id, f]));
  const entries = pack.episodes.map((episode): CatalogEntry => {
    const ids = [...new Set(episode.chapters.flatMap((c) => c.items.flatMap((item) => ('fact' in item ? [item.fact] : []))))];
    return { episode, narration: narrateEpisode(pack, episode), facts: ids.map((id) => factById.get(id)).filter((f): f is Fact => f !== undefined) };
  });
  const byId = new Map(entries.map((entry) => [entry.episode.id, entry]));
  const people = new Map(pack.people.map((p) => [p.id, p]));
  const sources = new Map(pack.sources.map((s) => [s.id, s]));
  const lexicon = new Map(pack.lexicon.map((l) => [l.id, l]));
  const conflictsByFact = groupBy(pack.conflicts.flatMap((c) => c.facts.map((f): [string, Conflict] => [f, c])));
  const factsByPerson = groupBy(pack.facts.flatMap((f) => f.people.map((p): [string, Fact] => [p, f])));
  const episodesByFact = groupBy(entries.flatMap((e) => e.facts.map((f): [string, string] => [f.id, e.episode.id])));

  return {
    pack,
    entries,
    find: (id) => byId.get(id),
    person: (id) => people.get(id),
    source: (id) => sources.get(id),
    lexiconEntry: (id) => lexicon.get(id),
    conflictsOfFact: (id) => conflictsByFact.get(id) ?? [],
    factsOfPerson: (id) => factsByPerson.get(id) ?? [],
    episodesOfFact: (id) => episodesByFact.get(id) ?? [],
  };
}
