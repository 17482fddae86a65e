/**
 * The cast and crew cards ("Who is who") and the names with how to say them
 * ("How do you say it?"), as content documents. They have no recorded
 * narration: a reading system reads them in its own voice, and the
 * pronunciation lexicon (PLS) and the names' `xml:lang` tell it how.
 */
import type { Catalog } from '../catalog.js';
import type { LexiconEntry, Person } from '../content/schema.js';
import { html } from '../site/html.js';
import { ipaLang, roleLines } from '../site/people-html.js';
import { bookIds, bookPaths } from './book-paths.js';
import { differNoteHtml } from './notes.js';
import { langAttributes, textHtml, xhtmlDocument, type BookText } from './xhtml.js';

export const CAST_TITLE = 'Who is who';
export const NAMES_TITLE = 'How do you say it?';

/** A person's name, in the language of its lexicon entry when it has one. */
function personName(catalog: Catalog, person: Person) {
  const entry = person.pronunciation === undefined ? undefined : catalog.lexiconEntry(person.pronunciation);
  return entry === undefined ? html`${person.name}` : html`<span ${langAttributes(entry.lang)}>${person.name}</span>`;
}

function card(book: BookText, catalog: Catalog, person: Person) {
  const id = bookIds.person(person.id);
  const entry = person.pronunciation === undefined ? undefined : catalog.lexiconEntry(person.pronunciation);
  const conflicts = catalog.pack.conflicts.filter((c) => c.people?.includes(person.id));
  return html`
<section id="${id}" aria-labelledby="${id}-name">
<h2 id="${id}-name">${personName(catalog, person)}</h2>${roleLines(catalog, person).map((line) => html`
<p>${textHtml(book, line)}</p>`)}${person.credits.length === 0 ? false : html`
<p>Also known for: ${person.credits.join(', ')}.</p>`}${entry === undefined ? false : html`
<p>How to say it: <a href="${bookPaths.names}#${bookIds.name(entry.id)}">${entry.respelling}</a>.</p>`}${conflicts.map((c) => html`
${differNoteHtml(book, catalog, c, `${id}-${bookIds.note(c.id)}`)}`)}
</section>`;
}

/** "Who is who": a card for each person of the cast and crew. */
export function castDocument(book: BookText, catalog: Catalog): string {
  const body = html`<section epub:type="appendix" role="doc-appendix" id="cast" aria-labelledby="cast-title">
<h1 id="cast-title">${CAST_TITLE}</h1>
<p>The people in front of and behind the camera that the episodes name.</p>${catalog.pack.people.map((person) => card(book, catalog, person))}
</section>`;
  return xhtmlDocument(book, { title: CAST_TITLE, body });
}

function nameEntry(catalog: Catalog, entry: LexiconEntry) {
  const [name = entry.id, ...others] = entry.written;
  const person = catalog.pack.people.find((p) => p.pronunciation === entry.id);
  return html`
<dt id="${bookIds.name(entry.id)}"><span ${langAttributes(entry.lang)}>${name}</span></dt>
<dd>Say it <span class="respelling">${entry.respelling}</span>; in the International Phonetic Alphabet, <span ${langAttributes(ipaLang(entry))}>/${entry.ipa}/</span>.${
    others.length === 0 ? false : html` Also written ${others.map((other, i) => html`${i === 0 ? '' : ', '}<span ${langAttributes(entry.lang)}>${other}</span>`)}.`
  }${person === undefined ? false : html` <a href="${bookPaths.cast}#${bookIds.person(person.id)}">Who is ${person.name}?</a>`}</dd>`;
}

/** "How do you say it?": every name of the pronunciation lexicon, as a glossary. */
export function namesDocument(book: BookText, catalog: Catalog): string {
  const body = html`<section epub:type="glossary" role="doc-glossary" id="names" aria-labelledby="names-title">
<h1 id="names-title">${NAMES_TITLE}</h1>
<p>The names the episodes say in their own language, each with a spelling to read aloud and its sounds in the International Phonetic Alphabet.</p>
<dl>${catalog.pack.lexicon.map((entry) => nameEntry(catalog, entry))}
</dl>
</section>`;
  return xhtmlDocument(book, { title: NAMES_TITLE, body });
}
