/**
 * An episode as something to be spoken: chapters of sentences, each sentence
 * tied to the fact it came from, with lexicon names found in the text.
 * Engine-independent; the SSML and plain-text renderers read from this.
 */
import type { ContentPack, Episode, LexiconEntry } from '../content/schema.js';

/** A piece of a sentence: ordinary text, or a name the lexicon knows how to say. */
export type SpokenPart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'name'; readonly text: string; readonly entry: LexiconEntry; readonly possessive: boolean };

export type SentenceKind = 'episode-title' | 'chapter-title' | 'fact' | 'link';

export interface NarrationSentence {
  /** Unique in the episode; also the SSML mark name: `c{chapter}.s{n}`. */
  readonly id: string;
  readonly kind: SentenceKind;
  /** The fact this sentence says, when it says one. */
  readonly factId?: string;
  /** The sentence as written, for transcripts and captions. */
  readonly text: string;
  readonly parts: readonly SpokenPart[];
}

export interface NarrationChapter {
  readonly id: string;
  /** 1-based, as spoken ("Chapter 2"). */
  readonly number: number;
  readonly title: string;
  readonly sentences: readonly NarrationSentence[];
}

export interface Narration {
  readonly episodeId: string;
  readonly title: string;
  readonly summary: string;
  readonly language: string;
  readonly chapters: readonly NarrationChapter[];
}

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

/** Splits prose into sentences. Content avoids abbreviations, so the Unicode rules suffice. */
export function splitSentences(text: string): string[] {
  return [...segmenter.segment(text)].map((s) => s.segment.trim()).filter((s) => s !== '');
}

/** Finds lexicon names in text, longest written form first, with an optional possessive. */
export function createNameFinder(lexicon: readonly LexiconEntry[]): (text: string) => SpokenPart[] {
  const byForm = new Map<string, LexiconEntry>();
  for (const entry of lexicon) for (const form of entry.written) byForm.set(form, entry);
  const forms = [...byForm.keys()].sort((a, b) => b.length - a.length);
  if (forms.length === 0) return (text) => [{ kind: 'text', text }];
  const escaped = forms.map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(${escaped.join('|')})(['’]s)?(?![\\p{L}\\p{N}])`, 'gu');

  return (text) => {
    const parts: SpokenPart[] = [];
    let last = 0;
    for (const match of text.matchAll(pattern)) {
      const form = match[1] ?? '';
      const entry = byForm.get(form);
      if (entry === undefined) continue;
      if (match.index > last) parts.push({ kind: 'text', text: text.slice(last, match.index) });
      parts.push({ kind: 'name', text: match[0], entry, possessive: match[2] !== undefined });
      last = match.index + match[0].length;
    }
    if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
    return parts;
  };
}

/** Thrown when an episode refers to something the pack does not hold. */
export class NarrationError extends Error {
  override readonly name = 'NarrationError';
}

/** Builds the narration of one episode of a checked pack. */
export function narrateEpisode(pack: ContentPack, episode: Episode): Narration {
  const facts = new Map(pack.facts.map((f) => [f.id, f]));
  const findNames = createNameFinder(pack.lexicon);

  const chapters = episode.chapters.map((chapter, c): NarrationChapter => {
    const number = c + 1;
    const sentences: NarrationSentence[] = [];
    const add = (kind: SentenceKind, text: string, factId?: string): void => {
      const id = `c${number}.s${sentences.length + 1}`;
      sentences.push({ id, kind, text, parts: findNames(text), ...(factId === undefined ? {} : { factId }) });
    };

    if (c === 0) {
      add('episode-title', `${episode.title}.`);
      for (const s of splitSentences(episode.summary)) add('link', s);
    }
    add('chapter-title', `Chapter ${number}: ${chapter.title}.`);
    for (const item of chapter.items) {
      if ('say' in item) {
        for (const s of splitSentences(item.say)) add('link', s);
        continue;
      }
      const fact = facts.get(item.fact);
      if (fact === undefined) throw new NarrationError(`episode "${episode.id}" names unknown fact "${item.fact}"`);
      for (const s of splitSentences(fact.text)) add('fact', s, fact.id);
    }
    return { id: chapter.id, number, title: chapter.title, sentences };
  });

  return { episodeId: episode.id, title: episode.title, summary: episode.summary, language: pack.info.language, chapters };
}
