/**
 * The book's stylesheet: plain reading defaults a reading system may
 * override, and the highlight of the sentence being read (the overlay's
 * active class), marked by more than colour.
 */
import { ACTIVE_CLASS } from './package-document.js';

export const BOOK_CSS = `body { font-family: serif; line-height: 1.5; margin: 0 4%; }
h1, h2 { line-height: 1.25; }
.cover img { max-width: 100%; height: auto; }
.who { font-style: italic; }
aside.differ { border-left: 0.3em solid currentColor; margin: 1em 0; padding-left: 1em; }
dt { font-weight: bold; margin-top: 0.75em; }
.${ACTIVE_CLASS} { background-color: #fff3a3; color: #000; text-decoration: underline; text-decoration-thickness: 0.15em; }
`;
