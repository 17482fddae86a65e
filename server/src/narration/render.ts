/**
 * Renders a narration for a listener's engine. The canonical document follows
 * the W3C standard; each engine profile adapts it to what that engine really
 * honours (measured, see narration/README.md).
 */
import { SsmlBuilder } from './ssml.js';
import type { Narration, NarrationSentence, SpokenPart } from './narration.js';

export const PROFILES = ['canonical', 'espeak', 'plain'] as const;
export type Profile = (typeof PROFILES)[number];

/** Silence before each chapter after the first, so the listener hears the turn. */
export const CHAPTER_BREAK_MS = 900;
/** Silence after a chapter's title, before its first sentence. */
export const TITLE_BREAK_MS = 400;

function speakCanonical(out: SsmlBuilder, part: SpokenPart): void {
  if (part.kind === 'text') {
    out.text(part.text);
    return;
  }
  // The standard's way: an IPA pronunciation, in the name's own language.
  out.voice({ lang: part.entry.lang }, (v) => v.phoneme(part.entry.ipa, part.text));
}

/**
 * eSpeak NG ignores <phoneme>, and a voice switch leaves it in the other language:
 * an English respelling is what it says best. It also reads a full stop that
 * follows an element as "dot", so punctuation after a name moves inside the `sub`.
 */
function speakEspeakParts(out: SsmlBuilder, parts: readonly SpokenPart[]): void {
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.kind === 'text') {
      out.text(part.text);
      continue;
    }
    const next = parts[i + 1];
    const punctuation = next?.kind === 'text' ? (/^[.,;:!?]+/.exec(next.text)?.[0] ?? '') : '';
    const alias = (part.possessive ? `${part.entry.respelling}s` : part.entry.respelling) + punctuation;
    out.sub(alias, part.text + punctuation);
    if (punctuation !== '' && next?.kind === 'text') {
      out.text(next.text.slice(punctuation.length));
      i++;
    }
  }
}

function sentenceSsml(out: SsmlBuilder, sentence: NarrationSentence, profile: 'canonical' | 'espeak', lang: string): void {
  out.sentence(
    (s) => {
      s.mark(sentence.id);
      if (profile === 'espeak') speakEspeakParts(s, sentence.parts);
      else for (const part of sentence.parts) speakCanonical(s, part);
    },
    // eSpeak NG stays in a language after any switch unless every sentence names its own.
    profile === 'espeak' ? { lang } : {},
  );
}

/** An SSML 1.0 document of the whole narration for the canonical or eSpeak profile. */
export function renderSsml(narration: Narration, profile: 'canonical' | 'espeak'): string {
  const doc = new SsmlBuilder();
  narration.chapters.forEach((chapter, c) => {
    doc.paragraph((p) => {
      if (c > 0) p.pause(CHAPTER_BREAK_MS);
      for (const sentence of chapter.sentences) {
        if (sentence.kind === 'chapter-title' && c === 0 && chapter.sentences[0] !== sentence) p.pause(TITLE_BREAK_MS);
        sentenceSsml(p, sentence, profile, narration.language);
        if (sentence.kind === 'chapter-title') p.pause(TITLE_BREAK_MS);
      }
    });
  });
  return doc.toDocument(narration.language);
}

/** Readable text for engines without SSML: paragraphs per chapter, pauses as punctuation. */
export function renderPlain(narration: Narration): string {
  return (
    narration.chapters
      .map((chapter) => chapter.sentences.map((s) => s.text).join(' '))
      .join('\n\n') + '\n'
  );
}

/** Renders a narration in any profile. */
export function renderNarration(narration: Narration, profile: Profile): string {
  return profile === 'plain' ? renderPlain(narration) : renderSsml(narration, profile);
}
