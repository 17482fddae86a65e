/**
 * How catalog records look in the API: plain mapping, no HTTP.
 */
import type { AudioFormat } from '../audio/formats.js';
import type { Catalog, CatalogEntry } from '../catalog.js';
import type { Conflict, Fact, Person } from '../content/schema.js';
import type { Timeline } from '../renditions/timings.js';
import type { EpisodeSummary, FactView, PersonSummary, SourceRef, VariantNote } from '../schemas.js';
import { episodePagePath } from '../site/player-page.js';

export const episodeApiPath = (id: string): string => `/api/episodes/${encodeURIComponent(id)}`;
export const personApiPath = (id: string): string => `/api/people/${encodeURIComponent(id)}`;
export const pronounceApiPath = (id: string): string => `/api/pronounce/${encodeURIComponent(id)}`;

export function sourceRefs(catalog: Catalog, ids: readonly string[]): SourceRef[] {
  return ids.flatMap((id) => {
    const source = catalog.source(id);
    return source === undefined ? [] : [{ id, title: source.title, file: source.file, published: source.published }];
  });
}

export function variantNote(conflict: Conflict): VariantNote {
  const { id, kind, subject, resolved, reason, variants } = conflict;
  return { id, kind, subject, resolved, reason, variants: variants.map((v) => ({ value: v.value, sources: [...v.sources] })) };
}

/** An episode as the API lists it; `formats` are the audio formats this server can make, each linked. */
export function episodeSummary(entry: CatalogEntry, timeline: Timeline | undefined, formats: readonly AudioFormat[]): EpisodeSummary {
  const { episode, narration } = entry;
  const api = episodeApiPath(episode.id);
  return {
    id: episode.id,
    title: episode.title,
    summary: episode.summary,
    durationMs: timeline?.durationMs ?? null,
    chapters: narration.chapters.map(({ id, number, title }) => ({
      id,
      number,
      title,
      startMs: timeline?.chapters.find((c) => c.id === id)?.startMs ?? null,
    })),
    // Links with file extensions work on the live server and in a static export alike.
    links: {
      page: episodePagePath(episode.id),
      self: `${api}.json`,
      ssml: `${api}.ssml`,
      audio: `${api}/audio.mp3`,
      audioFormats: Object.fromEntries(formats.map((format) => [format, `${api}/audio.${format}`])),
      captions: `${api}/captions.vtt`,
      chapters: `${api}/chapters.vtt`,
      chaptersJson: `${api}/chapters.json`,
      transcript: `${api}/transcript.json`,
      transcriptHtml: `${api}/transcript.html`,
    },
  };
}

export function factView(catalog: Catalog, fact: Fact): FactView {
  return {
    id: fact.id,
    topic: fact.topic,
    text: fact.text,
    quote: fact.quote === true,
    sources: sourceRefs(catalog, fact.sources),
    people: fact.people.flatMap((id) => {
      const person = catalog.person(id);
      return person === undefined ? [] : [{ id, name: person.name }];
    }),
    sourcesDiffer: catalog.conflictsOfFact(fact.id).map(variantNote),
  };
}

export function personSummary(catalog: Catalog, person: Person): PersonSummary {
  return {
    id: person.id,
    name: person.name,
    roles: person.roles.map((role) => {
      if (role.kind === 'crew') return { kind: 'crew' as const, description: role.job, job: role.job };
      const character = role.character === undefined ? undefined : catalog.pack.characters.find((c) => c.id === role.character);
      return {
        kind: 'cast' as const,
        description: character === undefined ? `cast member${role.note ? `: ${role.note}` : ''}` : `plays ${character.name}${role.note ? `: ${role.note}` : ''}`,
        ...(character === undefined ? {} : { character: { id: character.id, name: character.name, description: character.description } }),
        ...(role.note === undefined ? {} : { note: role.note }),
      };
    }),
    credits: [...person.credits],
    pronunciation: person.pronunciation === undefined ? null : `${pronounceApiPath(person.pronunciation)}.json`,
    links: { self: `${personApiPath(person.id)}.json` },
  };
}
