/**
 * Renders a narration for a listener's engine. The canonical document follows
 * the W3C standard (SSML 1.0); each engine profile adapts it to what that
 * engine really honours, as measured and written up in narration/README.md.
 */
import { NarrationError, type Narration, type NarrationChapter, type NarrationSentence, type SpokenPart } from './narration.js';
import { SsmlBuilder, SsmlError, isLanguageTag } from './ssml.js';
import { cleanText } from './clean-text.js';

export const PROFILES = ['canonical', 'espeak', 'plain'] as const;
export type Profile = (typeof PROFILES)[number];
/** The profiles that are SSML documents. */
export type SsmlProfile = Exclude<Profile, 'plain'>;

/** Silence before each chapter after the first, so the listener hears the turn. */
export const CHAPTER_BREAK_MS = 900;
/** Silence after a title, and before the first chapter's title (which follows the summary). */
export const TITLE_BREAK_MS = 400;

/** The speaking rates a listener can choose, as multipliers of the normal rate. */
export const RATE_LIMITS = { min: 0.5, max: 4 } as const;

/** What a listener chose, for the profiles that can carry it. */
export interface SsmlOptions {
  /**
   * Speaking-rate multiplier, {@link RATE_LIMITS}. Canonical profile only: it
   * becomes `<prosody rate>`. The eSpeak profile refuses it, because the engine
   * takes the rate as its own option and would apply an SSML rate a second time.
   */
  readonly rate?: number;
  /**
   * The engine voice, by its id, which is a language tag (e.g. `en-gb-x-rp`).
   * Canonical: `<voice name>` around the content. eSpeak: the `xml:lang` of
   * every sentence, because eSpeak NG picks its voice from that attribute and
   * would otherwise override the voice the engine was given.
   */
  readonly voice?: string;
}

/** {@link SsmlOptions}, plus one chapter instead of the whole episode. */
export interface RenderOptions extends SsmlOptions {
  /** Render only this chapter (by its id), as a document of its own. */
  readonly chapterId?: string;
}

interface Layout {
  readonly profile: SsmlProfile;
  /** The `xml:lang` of the document. */
  readonly language: string;
  /** What eSpeak sentences carry as `xml:lang`: the chosen voice or the document language. */
  readonly sentenceLanguage: string;
}

// English possessive after a name's last sound: /ɪz/ after sibilants, /s/ after
// other voiceless sounds, /z/ otherwise ("Marie-Laure's" ends /lɔʁz/).
function possessiveIpa(ipa: string): string {
  // The last sound, without trailing stress or length marks, diacritics and spaces.
  const core = ipa.replace(/(?:[\s.\u02B0-\u02FF]|\p{M})+$/u, '');
  if (/(?:s|z|ʃ|ʒ)$/u.test(core)) return `${ipa}ɪz`;
  if (/[ptkfθçx]$/u.test(core)) return `${ipa}s`;
  return `${ipa}z`;
}

// A respelling written out is English to eSpeak, so "'s" gets English's own rule: measured, "larss's"
// is l'A@sI#z (an unstressed ending, where "larss-iz" stressed it) and "mahree-lor's" m'A:ri:l'o@z.
function possessiveRespelling(respelling: string): string {
  return `${respelling}'s`;
}

function speakCanonical(out: SsmlBuilder, part: SpokenPart, language: string): void {
  switch (part.kind) {
    case 'text':
      out.text(part.text);
      return;
    case 'number':
      // say-as values from the W3C say-as Note; the content is the bare digits it expects.
      if (part.reading === 'cardinal') out.sayAs('cardinal', part.digits);
      else if (part.reading === 'ordinal') out.sayAs('ordinal', part.digits);
      else if (part.reading === 'year') out.sayAs('date', part.digits, 'y');
      // A whole date: its parts as digits in the order the format names ("11/02/2023", format mdy).
      else if (part.reading === 'date' && part.format !== undefined) out.sayAs('date', part.digits, part.format);
      // The Note has no decade ("1940s"): say the words, keep the written form.
      else out.sub(part.words, part.text);
      return;
    case 'name': {
      // A lexicon IPA that cleaning empties would be an invalid phoneme: then the written name is all we have.
      if (cleanText(part.entry.ipa).trim() === '') {
        out.text(part.text);
        return;
      }
      const ipa = part.possessive ? possessiveIpa(part.entry.ipa) : part.entry.ipa;
      // The standard's way: an IPA pronunciation, in the name's own language when that is not the document's.
      if (part.entry.lang.toLowerCase() === language.toLowerCase()) out.phoneme(ipa, part.text);
      else out.voice({ lang: part.entry.lang }, (v) => v.phoneme(ipa, part.text));
      return;
    }
  }
}

/** One or two final full stops after anything but a letter: what eSpeak says "dot" for. */
const SPOKEN_AS_DOT = /(?<![\p{L}.])\.{1,2}$/u;

/**
 * A sentence as eSpeak NG hears it, as plain text:
 * - Names are written as their respelling, in the text itself. eSpeak
 *   ignores `<phoneme>`, and a voice switch leaves it in the other language.
 *   Not as `<sub alias>` either, as measured: native eSpeak NG 1.51 (what
 *   `auto` picks where it is installed) pauses about 125 ms after every
 *   `sub` followed by more words ("Werner [pause] Pfennig [pause] is"), runs
 *   the word before a `sub` into it ("wIDm'A:ri:l'o@" for "with Marie-Laure"),
 *   and says "dot" for a full stop after `</sub>`. Written out, the respelling
 *   gives none of these, and the embedded engine renders the same samples as
 *   with `sub` (or 10 to 20 ms longer, where a word boundary comes back).
 * - Numbers and dates become words (see numbers.ts): eSpeak ignores `say-as`
 *   for dates and ordinals and reads years as "nineteen hundred and forty four".
 * - A sentence-final full stop that does not directly follow a letter is
 *   dropped. eSpeak reads "." (or "..") at the end of `<s>` as "dot" after an
 *   element, a closing quote or bracket (`"Sea of Flames".`, `(LeBlanc).`), a
 *   space, "%" or an emoji. Without it the `</s>` still ends the sentence with
 *   the same falling tune: measured, every episode renders to identical
 *   samples with and without its final stops. An ellipsis ("...") is a pause,
 *   never "dot", so it stays.
 */
function espeakText(parts: readonly SpokenPart[]): string {
  let text = parts
    .map((part) => {
      if (part.kind === 'text') return part.text;
      if (part.kind === 'number') return part.words;
      return part.possessive ? possessiveRespelling(part.entry.respelling) : part.entry.respelling;
    })
    .join('')
    .trimEnd();
  // Again after each removal: "50%. ." would otherwise end in "%." once the last stop went.
  while (SPOKEN_AS_DOT.test(text)) text = text.replace(SPOKEN_AS_DOT, '').trimEnd();
  return text;
}

function sentenceSsml(out: SsmlBuilder, sentence: NarrationSentence, layout: Layout): void {
  if (layout.profile === 'canonical') {
    out.sentence((s) => {
      s.mark(sentence.mark);
      for (const part of sentence.parts) speakCanonical(s, part, layout.language);
    });
    return;
  }
  out.sentence(
    (s) => {
      // Kept in this profile too: the embedded engine reports marks as events, and sentence timings come from them.
      s.mark(sentence.mark);
      s.text(espeakText(sentence.parts));
    },
    // eSpeak NG picks its voice from xml:lang and stays in a language after any switch
    // unless every sentence names its own; the chosen voice's tag keeps that voice.
    { lang: layout.sentenceLanguage },
  );
}

function chapterSsml(out: SsmlBuilder, chapter: NarrationChapter, layout: Layout, leadingBreak: boolean): void {
  out.paragraph((p) => {
    p.newline();
    if (leadingBreak) p.pause(CHAPTER_BREAK_MS).newline();
    let pausedLast = false;
    chapter.sentences.forEach((sentence, i) => {
      // The first chapter opens with the episode's title and summary: pause before its own title
      // (once: an episode without a summary has just paused after its title).
      if (sentence.kind === 'chapter-title' && i > 0 && !pausedLast) p.pause(TITLE_BREAK_MS).newline();
      sentenceSsml(p, sentence, layout);
      p.newline();
      pausedLast = sentence.kind === 'chapter-title' || sentence.kind === 'episode-title';
      if (pausedLast) p.pause(TITLE_BREAK_MS).newline();
    });
  });
}

function layoutFor(narration: Narration, profile: SsmlProfile, options: SsmlOptions): Layout {
  // Callers in plain JavaScript, or with a cast, can still pass "plain".
  if (profile !== 'canonical' && profile !== 'espeak') throw new SsmlError(`"${String(profile)}" is not an SSML profile (canonical or espeak)`);
  if (options.rate !== undefined) {
    if (profile !== 'canonical') {
      throw new SsmlError(`the ${profile} profile carries no rate: give the rate to the engine's own rate option, so it is applied once`);
    }
    if (!Number.isFinite(options.rate) || options.rate < RATE_LIMITS.min || options.rate > RATE_LIMITS.max) {
      throw new SsmlError(`rate ${options.rate} is outside ${RATE_LIMITS.min} to ${RATE_LIMITS.max}`);
    }
  }
  if (options.voice !== undefined && !isLanguageTag(options.voice)) {
    throw new SsmlError(`voice "${options.voice}" is not a voice id such as en-us or en-gb-x-rp`);
  }
  return { profile, language: narration.language, sentenceLanguage: options.voice ?? narration.language };
}

function documentOf(narration: Narration, chapters: readonly NarrationChapter[], profile: SsmlProfile, options: SsmlOptions, whole: boolean): string {
  const layout = layoutFor(narration, profile, options);
  const body = (b: SsmlBuilder): void => {
    chapters.forEach((chapter, c) => {
      b.newline();
      // A document of one chapter starts with it: no silence to wait through first.
      chapterSsml(b, chapter, layout, whole && c > 0);
    });
    b.newline();
  };
  const doc = new SsmlBuilder();
  const rate = profile === 'canonical' && options.rate !== undefined && options.rate !== 1 ? options.rate : undefined;
  const withRate = (b: SsmlBuilder): void => {
    if (rate === undefined) body(b);
    else b.newline().prosody(rate, body).newline();
  };
  if (profile === 'canonical' && options.voice !== undefined) doc.newline().voice({ name: options.voice }, withRate).newline();
  else withRate(doc);
  return doc.toDocument(narration.language);
}

/**
 * An SSML 1.0 document of the whole narration: a `<p>` per chapter, an `<s>`
 * per sentence with a `<mark>` named by the sentence id before its words.
 * @throws SsmlError for a rate in the eSpeak profile, or a rate or voice out of range.
 */
export function renderSsml(narration: Narration, profile: SsmlProfile, options: SsmlOptions = {}): string {
  return documentOf(narration, narration.chapters, profile, options, true);
}

function findChapter(narration: Narration, chapterId: string): NarrationChapter {
  const chapter = narration.chapters.find((c) => c.id === chapterId);
  if (chapter === undefined) throw new NarrationError(`episode "${narration.episodeId}" has no chapter "${chapterId}"`);
  return chapter;
}

/**
 * An SSML 1.0 document of one chapter, with the same sentence ids and marks
 * as in the whole episode (the first chapter holds the episode's title and summary).
 * @throws NarrationError when the episode has no such chapter.
 */
export function renderChapterSsml(narration: Narration, chapterId: string, profile: SsmlProfile, options: SsmlOptions = {}): string {
  return documentOf(narration, [findChapter(narration, chapterId)], profile, options, false);
}

function plainOf(chapters: readonly NarrationChapter[]): string {
  const paragraphs: string[] = [];
  let run: string[] = [];
  const flush = (): void => {
    if (run.length > 0) paragraphs.push(run.join(' '));
    run = [];
  };
  for (const chapter of chapters) {
    for (const sentence of chapter.sentences) {
      const text = cleanText(sentence.text).trim();
      if (sentence.kind === 'episode-title' || sentence.kind === 'chapter-title') {
        flush();
        paragraphs.push(text);
      } else {
        run.push(text);
      }
    }
    flush();
  }
  return paragraphs.filter((p) => p !== '').join('\n\n') + '\n';
}

/**
 * Readable text for engines without SSML (`say`, festival, browser speech):
 * the sentences as written, with pauses as punctuation and paragraphs. Each
 * title is a sentence of its own (it ends with a full stop) followed by a
 * blank line; each chapter's sentences form one paragraph.
 */
export function renderPlain(narration: Narration): string {
  return plainOf(narration.chapters);
}

/** {@link renderPlain} for one chapter. */
export function renderChapterPlain(narration: Narration, chapterId: string): string {
  return plainOf([findChapter(narration, chapterId)]);
}

/**
 * Renders a narration, or one chapter of it, in any profile. The plain profile
 * can carry neither rate nor voice, so it refuses them rather than drop them.
 */
export function renderNarration(narration: Narration, profile: Profile, options: RenderOptions = {}): string {
  const { chapterId, ...ssmlOptions } = options;
  if (profile === 'plain') {
    if (ssmlOptions.rate !== undefined || ssmlOptions.voice !== undefined) {
      throw new SsmlError('the plain profile carries no rate or voice: give them to the engine');
    }
    return chapterId === undefined ? renderPlain(narration) : renderChapterPlain(narration, chapterId);
  }
  return chapterId === undefined ? renderSsml(narration, profile, ssmlOptions) : renderChapterSsml(narration, chapterId, profile, ssmlOptions);
}
