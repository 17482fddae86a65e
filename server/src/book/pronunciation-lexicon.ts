/**
 * The content pack's pronunciation lexicon as W3C PLS 1.0 documents, one per
 * language (a PLS holds one language). Content documents link each with
 * `rel="pronunciation"` and its `hreflang`, and mark every name with its
 * language, so a reading system that voices the text with its own engine
 * finds the name's IPA.
 */
import type { LexiconEntry } from '../content/schema.js';
import { html } from '../site/html.js';

/** The languages the lexicon has names in, in the lexicon's order. */
export const lexiconLanguages = (lexicon: readonly LexiconEntry[]): string[] => [...new Set(lexicon.map((entry) => entry.lang))];

/** The PLS document of the lexicon's names in `language`. */
export function pronunciationLexicon(lexicon: readonly LexiconEntry[], language: string): string {
  const lexemes = lexicon
    .filter((entry) => entry.lang === language)
    .map(
      (entry) => html`
  <lexeme>${entry.written.map((form) => html`
    <grapheme>${form}</grapheme>`)}
    <phoneme>${entry.ipa}</phoneme>
  </lexeme>`,
    );
  return `<?xml version="1.0" encoding="UTF-8"?>
${html`<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon" alphabet="ipa" xml:lang="${language}">${lexemes}
</lexicon>`}
`;
}
