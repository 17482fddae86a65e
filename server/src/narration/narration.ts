/**
 * An episode as something to be spoken: chapters of sentences, each sentence
 * tied to the fact it came from, with lexicon names and numbers found in the
 * text. Engine-independent; the SSML and plain-text renderers read from this.
 */
import type { ContentPack, Episode, LexiconEntry } from '../content/schema.js';
import { cleanText } from './clean-text.js';
import { findNumbers, type DateFormat, type NumberReading } from './numbers.js';
import type { SentenceKind } from '../shared/timeline.js';

/** A piece of a sentence: ordinary text, a name the lexicon knows how to say, or a number or date written with digits. */
export type SpokenPart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'name'; readonly text: string; readonly entry: LexiconEntry; readonly possessive: boolean }
  | {
      readonly kind: 'number';
      /** As written, e.g. `1,944`, `2nd` or `November 2, 2023`. */
      readonly text: string;
      /** The digits alone, e.g. `1944`; for a date its parts in {@link format} order, e.g. `11/02/2023`. */
      readonly digits: string;
      readonly reading: NumberReading;
      /** What to say, e.g. `nineteen forty-four`. */
      readonly words: string;
      /** For a date: the order of its parts, as say-as names it. */
      readonly format?: DateFormat;
    };


export interface NarrationSentence {
  /** Unique in the episode: `c{chapter}.s{n}`. */
  readonly id: string;
  /**
   * The SSML mark before the sentence: its position, then the fact it says when
   * it says one (`c2.s3.novel-pulitzer`), so an engine's mark event alone tells
   * a listener's position and the fact being spoken.
   */
  readonly mark: string;
  readonly kind: SentenceKind;
  /** The fact this sentence says, when it says one. */
  readonly factId?: string;
  /** The sentence as written (cleaned of characters no engine can say), for transcripts and captions. */
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
  // Edge spaces would make a name swallow the spaces around it, and a blank form would match every gap.
  for (const entry of lexicon) {
    for (const form of entry.written) {
      const trimmed = form.trim();
      if (trimmed !== '') byForm.set(trimmed, entry);
    }
  }
  const forms = [...byForm.keys()].sort((a, b) => b.length - a.length);
  if (forms.length === 0) return (text) => (text === '' ? [] : [{ kind: 'text', text }]);
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

/** Splits the text parts further wherever a number is written with digits (see numbers.ts). */
export function withNumbers(parts: readonly SpokenPart[]): SpokenPart[] {
  return parts.flatMap((part): SpokenPart[] => {
    if (part.kind !== 'text') return [part];
    const out: SpokenPart[] = [];
    let last = 0;
    for (const number of findNumbers(part.text)) {
      if (number.index > last) out.push({ kind: 'text', text: part.text.slice(last, number.index) });
      out.push({
        kind: 'number',
        text: number.text,
        digits: number.digits,
        reading: number.reading,
        words: number.words,
        ...(number.format === undefined ? {} : { format: number.format }),
      });
      last = number.index + number.text.length;
    }
    if (last < part.text.length) out.push({ kind: 'text', text: part.text.slice(last) });
    return out;
  });
}

/** Thrown when an episode refers to something the pack does not hold. */
export class NarrationError extends Error {
  override readonly name = 'NarrationError';
}

/** A title as a sentence: it ends with a full stop unless it already ends a sentence. */
function asSentence(title: string): string {
  const trimmed = title.trim();
  return /[.!?…]["'”’)\]]*$/u.test(trimmed) ? trimmed : `${trimmed}.`;
}

/**
 * Builds the narration of one episode of a checked pack. Every text is cleaned
 * here, once, so transcripts and every profile say the same thing and a
 * cleaning is reported once per narration, not once per render.
 */
export function narrateEpisode(pack: ContentPack, episode: Episode): Narration {
  const facts = new Map(pack.facts.map((f) => [f.id, f]));
  const findNames = createNameFinder(pack.lexicon);
  const title = cleanText(episode.title).trim();
  const summary = cleanText(episode.summary).trim();

  const chapters = episode.chapters.map((chapter, c): NarrationChapter => {
    const number = c + 1;
    const chapterTitle = cleanText(chapter.title).trim();
    const sentences: NarrationSentence[] = [];
    const add = (kind: SentenceKind, text: string, factId?: string): void => {
      const id = `c${number}.s${sentences.length + 1}`;
      const mark = factId === undefined ? id : `${id}.${factId}`;
      sentences.push({ id, mark, kind, text, parts: withNumbers(findNames(text)), ...(factId === undefined ? {} : { factId }) });
    };
    const addProse = (kind: SentenceKind, prose: string, factId?: string): void => {
      for (const s of splitSentences(cleanText(prose))) add(kind, s, factId);
    };

    if (c === 0) {
      // A title that cleaning emptied still gets its sentence, so ids and marks stay in step with the pack.
      add('episode-title', asSentence(title));
      addProse('link', summary);
    }
    add('chapter-title', asSentence(`Chapter ${number}: ${chapterTitle}`));
    for (const item of chapter.items) {
      if ('say' in item) {
        addProse('link', item.say);
        continue;
      }
      const fact = facts.get(item.fact);
      if (fact === undefined) throw new NarrationError(`episode "${episode.id}" names unknown fact "${item.fact}"`);
      addProse('fact', fact.text, fact.id);
    }
    return { id: chapter.id, number, title: chapterTitle, sentences };
  });

  return { episodeId: episode.id, title, summary, language: pack.info.language, chapters };
}
