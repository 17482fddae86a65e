/**
 * An episode's reading order, the one both its content document and its
 * overlay walk, so the two cannot disagree: the episode's heading and opening,
 * then each chapter as a heading, paragraphs (one per fact, or per stretch of
 * linking words) and, after the paragraph that first says a fact the sources
 * disagree on, a "Sources differ" note.
 */
import type { Catalog, CatalogEntry } from '../catalog.js';
import type { Conflict, Person } from '../content/schema.js';
import type { NarrationChapter, NarrationSentence } from '../narration/narration.js';
import { peopleNamedIn } from '../site/transcript-html.js';

export type Block =
  | { readonly kind: 'heading'; readonly level: 1 | 2; readonly sentence: NarrationSentence }
  | { readonly kind: 'paragraph'; readonly sentences: readonly NarrationSentence[]; readonly people: readonly Person[] }
  | { readonly kind: 'note'; readonly conflict: Conflict };

export interface ChapterOrder {
  readonly chapter: NarrationChapter;
  readonly blocks: readonly Block[];
}

export interface EpisodeOrder {
  /** The episode's heading and the words before its first chapter. */
  readonly opening: readonly Block[];
  readonly chapters: readonly ChapterOrder[];
}

/** Consecutive sentences of one fact, or of one stretch of linking words. */
function runsOfOneFact(sentences: readonly NarrationSentence[]): NarrationSentence[][] {
  const runs: NarrationSentence[][] = [];
  for (const sentence of sentences) {
    const last = runs.at(-1);
    if (last?.[0] !== undefined && last[0].factId === sentence.factId) last.push(sentence);
    else runs.push([sentence]);
  }
  return runs;
}

export function episodeOrder(catalog: Catalog, entry: CatalogEntry): EpisodeOrder {
  const facts = new Map(entry.facts.map((fact) => [fact.id, fact]));
  const noted = new Set<string>();
  const blocksOf = (sentences: readonly NarrationSentence[]): Block[] =>
    runsOfOneFact(sentences).flatMap((run): Block[] => {
      const first = run[0];
      const fact = first?.factId === undefined ? undefined : facts.get(first.factId);
      const listed = (fact?.people ?? []).map((id) => catalog.person(id)).filter((p): p is Person => p !== undefined);
      const people = [...new Set([...peopleNamedIn(catalog.pack.people, run.map((s) => s.text).join(' ')), ...listed])];
      const conflicts = fact === undefined ? [] : catalog.conflictsOfFact(fact.id).filter((c) => !noted.has(c.id));
      conflicts.forEach((c) => noted.add(c.id));
      return [{ kind: 'paragraph', sentences: run, people }, ...conflicts.map((conflict): Block => ({ kind: 'note', conflict }))];
    });

  const opening: Block[] = [];
  const chapters = entry.narration.chapters.map((chapter): ChapterOrder => {
    const titleAt = chapter.sentences.findIndex((s) => s.kind === 'chapter-title');
    const before = titleAt < 0 ? [] : chapter.sentences.slice(0, titleAt);
    for (const sentence of before.filter((s) => s.kind === 'episode-title')) opening.push({ kind: 'heading', level: 1, sentence });
    opening.push(...blocksOf(before.filter((s) => s.kind !== 'episode-title')));
    const title = chapter.sentences[titleAt];
    const rest = chapter.sentences.slice(titleAt + 1);
    return { chapter, blocks: [...(title === undefined ? [] : [{ kind: 'heading', level: 2, sentence: title } as const]), ...blocksOf(rest)] };
  });
  return { opening, chapters };
}

/** Every sentence a block says, in order. */
export const blockSentences = (block: Block): readonly NarrationSentence[] =>
  block.kind === 'heading' ? [block.sentence] : block.kind === 'paragraph' ? block.sentences : [];
