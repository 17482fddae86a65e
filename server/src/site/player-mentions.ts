/**
 * Mentions as links: every name of a person or a character in a text becomes
 * a link to that one's card in "Who is who" (a plain link to the card without
 * script; with script, the card opens in a dialog and "Back to where you were"
 * returns to the very mention). The names are found by the narration's
 * mention finder, once per catalog.
 */
import type { Catalog } from '../catalog.js';
import type { Fact } from '../content/schema.js';
import { createMentionFinder, factSubjects, type MentionFinder, type Named, splitByMentions } from '../narration/mentions.js';
import { html, type Html } from './html.js';

const finders = new WeakMap<Catalog, MentionFinder>();

function finder(catalog: Catalog): MentionFinder {
  let find = finders.get(catalog);
  if (find === undefined) finders.set(catalog, (find = createMentionFinder(catalog.pack)));
  return find;
}

/** The id of a card on every page: `person-<id>` or `character-<id>`. */
export const cardAnchor = (named: Named): string => `${named.kind}-${named.id}`;

/** A link to a card: the card opens in a dialog with script, or the page scrolls to it without. */
export const cardLink = (named: Named, text: string, className = 'mention'): Html =>
  html`<a class="${className}" href="#${cardAnchor(named)}" data-card="${cardAnchor(named)}">${text}</a>`;

/** `text` with each mention of a person or character as a link to their card; `fact` says whom a shared name means. */
export function withMentions(catalog: Catalog, text: string, fact?: Pick<Fact, 'people' | 'characters'>): Html {
  const parts = splitByMentions(text, finder(catalog)(text, factSubjects(fact)));
  return html`${parts.map((part) => ('mention' in part ? cardLink(part.mention.named, part.text) : html`${part.text}`))}`;
}

/** Whom a bare name names, when it names one person or character alone (a lexicon entry's name). */
export function namedBy(catalog: Catalog, name: string): Named | undefined {
  const [only, ...more] = finder(catalog)(name);
  return only !== undefined && more.length === 0 && only.text === name ? only.named : undefined;
}
