/**
 * Integrity rules a schema cannot express: ids are unique, every reference
 * points at something that exists (a person's lexicon entry must also write
 * part of their name, or the name would be mispronounced without a sign), no
 * name is written by two lexicon entries, and no fact is left out of every episode.
 */
import type { ContentPack } from './schema.js';
import type { ContentProblem } from './load.js';

interface Identified {
  readonly id: string;
}

/** True when `form` appears in `name` as whole words ("Loberti" in "Aria Mia Loberti", not "Levy" in "Levyne"). */
function writes(name: string, form: string): boolean {
  if (form.trim() === '') return false;
  const escaped = form.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'u').test(name);
}

/** Returns every integrity problem in the pack (empty when whole). */
export function checkIntegrity(pack: ContentPack): ContentProblem[] {
  const problems: ContentProblem[] = [];

  const index = (file: string, items: readonly Identified[]): Set<string> => {
    const ids = new Set<string>();
    items.forEach((item, i) => {
      if (ids.has(item.id)) problems.push({ file, path: `/${i}/id`, message: `duplicate id "${item.id}"` });
      ids.add(item.id);
    });
    return ids;
  };
  const sources = index('sources.json', pack.sources);
  const characters = index('characters.json', pack.characters);
  const people = index('people.json', pack.people);
  const facts = index('facts.json', pack.facts);
  const lexicon = index('lexicon.json', pack.lexicon);
  index('conflicts.json', pack.conflicts);
  index('episodes.json', pack.episodes);

  const refs = (file: string, at: string, ids: readonly string[], known: Set<string>, kind: string): void => {
    ids.forEach((id, i) => {
      if (!known.has(id)) problems.push({ file, path: `${at}/${i}`, message: `unknown ${kind} "${id}"` });
    });
  };

  const walkSourced = (file: string, at: string, node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if ('sources' in node && Array.isArray(node.sources)) refs(file, `${at}/sources`, node.sources as string[], sources, 'source');
    for (const [key, child] of Object.entries(node)) if (key !== 'sources') walkSourced(file, `${at}/${key}`, child);
  };
  walkSourced('show.json', '', pack.show);

  pack.characters.forEach((c, i) => refs('characters.json', `/${i}/sources`, c.sources, sources, 'source'));
  pack.people.forEach((p, i) => {
    refs('people.json', `/${i}/sources`, p.sources, sources, 'source');
    if (p.pronunciation !== undefined) {
      const entry = pack.lexicon.find((l) => l.id === p.pronunciation);
      if (!lexicon.has(p.pronunciation)) {
        problems.push({ file: 'people.json', path: `/${i}/pronunciation`, message: `unknown lexicon entry "${p.pronunciation}"` });
      } else if (entry !== undefined && !entry.written.some((form) => writes(p.name, form))) {
        // An entry for someone else's name would be a mispronunciation that no listener could detect.
        problems.push({
          file: 'people.json',
          path: `/${i}/pronunciation`,
          message: `lexicon entry "${p.pronunciation}" writes ${entry.written.map((w) => `"${w}"`).join(', ')}, none of which is in the name "${p.name}"`,
        });
      }
    }
    p.roles.forEach((role, r) => {
      if (role.kind === 'cast' && role.character !== undefined && !characters.has(role.character)) {
        problems.push({ file: 'people.json', path: `/${i}/roles/${r}/character`, message: `unknown character "${role.character}"` });
      }
    });
  });
  pack.facts.forEach((f, i) => {
    refs('facts.json', `/${i}/sources`, f.sources, sources, 'source');
    refs('facts.json', `/${i}/people`, f.people, people, 'person');
    refs('facts.json', `/${i}/characters`, f.characters, characters, 'character');
  });
  pack.conflicts.forEach((c, i) => {
    c.variants.forEach((v, j) => refs('conflicts.json', `/${i}/variants/${j}/sources`, v.sources, sources, 'source'));
    refs('conflicts.json', `/${i}/facts`, c.facts, facts, 'fact');
    refs('conflicts.json', `/${i}/people`, c.people ?? [], people, 'person');
  });

  // A written form claimed by two entries would make the narration's choice arbitrary.
  const writtenBy = new Map<string, string>();
  pack.lexicon.forEach((entry, i) => {
    entry.written.forEach((form, j) => {
      const other = writtenBy.get(form);
      if (other !== undefined) {
        problems.push({ file: 'lexicon.json', path: `/${i}/written/${j}`, message: `"${form}" is already written by "${other}"` });
      }
      writtenBy.set(form, entry.id);
    });
  });

  const used = new Set<string>();
  pack.episodes.forEach((episode, e) => {
    const chapterIds = new Set<string>();
    episode.chapters.forEach((chapter, c) => {
      if (chapterIds.has(chapter.id)) {
        problems.push({ file: 'episodes.json', path: `/${e}/chapters/${c}/id`, message: `duplicate chapter id "${chapter.id}"` });
      }
      chapterIds.add(chapter.id);
      chapter.items.forEach((item, k) => {
        if (!('fact' in item)) return;
        used.add(item.fact);
        if (!facts.has(item.fact)) {
          problems.push({ file: 'episodes.json', path: `/${e}/chapters/${c}/items/${k}/fact`, message: `unknown fact "${item.fact}"` });
        }
      });
    });
  });
  pack.facts.forEach((f, i) => {
    if (!used.has(f.id)) problems.push({ file: 'facts.json', path: `/${i}`, message: `fact "${f.id}" is in no episode` });
  });

  return problems;
}
