/**
 * The frame every content document of the book shares: an XHTML document in
 * the book's language, with the stylesheet and a pronunciation lexicon (PLS)
 * for each language that names in the text are marked with, so a reading
 * system that voices the text itself says those names right. Names in the
 * text carry their language (`lang` and `xml:lang`, which XHTML wants equal).
 */
import type { SpokenPart } from '../narration/narration.js';
import { html, type Html } from '../site/html.js';
import { bookPaths } from './book-paths.js';

/** What every content document needs to know about the book. */
export interface BookText {
  /** The book's language (the content pack's), e.g. `en-US`. */
  readonly language: string;
  /** The languages the lexicon has names in, one PLS file each. */
  readonly lexiconLanguages: readonly string[];
  /** Finds the lexicon's names in a text (the narration's own finder). */
  readonly findNames: (text: string) => SpokenPart[];
}

/** `lang` and `xml:lang` with the same value. */
export const langAttributes = (language: string): Html => html`lang="${language}" xml:lang="${language}"`;

/** A name in its own language, its possessive after it in the sentence's. */
function nameHtml(part: Extract<SpokenPart, { kind: 'name' }>): Html {
  const name = part.possessive ? part.text.slice(0, -2) : part.text;
  const after = part.possessive ? part.text.slice(-2) : '';
  return html`<span ${langAttributes(part.entry.lang)}>${name}</span>${after}`;
}

/** A sentence's words as markup: the names the lexicon knows marked with their language. */
export function spokenHtml(parts: readonly SpokenPart[]): Html {
  return html`${parts.map((part) => (part.kind === 'name' ? nameHtml(part) : html`${part.text}`))}`;
}

/** Any text of the pack, with the lexicon's names marked. */
export const textHtml = (book: BookText, text: string): Html => spokenHtml(book.findNames(text));

/** A whole content document. */
export function xhtmlDocument(book: BookText, page: { readonly title: string; readonly body: Html }): string {
  const lexicons = book.lexiconLanguages.map(
    (language) => html`
<link rel="pronunciation" type="application/pls+xml" hreflang="${language}" href="${bookPaths.lexicon(language)}"/>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
${html`<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" ${langAttributes(book.language)}>
<head>
<meta charset="UTF-8"/>
<title>${page.title}</title>
<link rel="stylesheet" type="text/css" href="${bookPaths.stylesheet}"/>${lexicons}
</head>
<body>
${page.body}
</body>
</html>`}
`;
}
