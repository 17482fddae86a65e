/**
 * One episode as a content document: a section with the episode as its `h1`
 * and each chapter as a section under an `h2`; every sentence an element whose
 * id is its transcript id and whose words are the transcript's; "Who is this?"
 * links to the cast cards; "Sources differ" notes as asides.
 */
import type { Catalog, CatalogEntry } from '../catalog.js';
import type { SpokenPart } from '../narration/narration.js';
import { html, type Html } from '../site/html.js';
import { bookIds, bookPaths } from './book-paths.js';
import { differNoteHtml } from './notes.js';
import { episodeOrder, type Block } from './reading-order.js';
import { spokenHtml, textHtml, xhtmlDocument, type BookText } from './xhtml.js';

/**
 * A heading's words without the full stop the narration puts after a title so
 * that it is spoken as a sentence (an ellipsis stays).
 */
function withoutFullStop(parts: readonly SpokenPart[]): SpokenPart[] {
  const text = parts.map((part) => part.text).join('');
  const last = parts.at(-1);
  if (last?.kind !== 'text' || !/[^.]\.$/.test(text)) return [...parts];
  const rest = last.text.slice(0, -1);
  return [...parts.slice(0, -1), ...(rest === '' ? [] : [{ kind: 'text' as const, text: rest }])];
}

function blockHtml(book: BookText, catalog: Catalog, block: Block): Html {
  switch (block.kind) {
    case 'heading': {
      const { sentence, level } = block;
      const words = spokenHtml(withoutFullStop(sentence.parts));
      return level === 1
        ? html`<h1 id="${bookIds.sentence(sentence.id)}" epub:type="title">${words}</h1>`
        : html`<h2 id="${bookIds.sentence(sentence.id)}" epub:type="title">${words}</h2>`;
    }
    case 'paragraph': {
      const sentences = block.sentences.map((s, i) => html`${i === 0 ? '' : ' '}<span id="${bookIds.sentence(s.id)}">${spokenHtml(s.parts)}</span>`);
      const who = block.people.map((person, i) => html`${i === 0 ? '' : ', '}<a href="${bookPaths.cast}#${bookIds.person(person.id)}">${textHtml(book, person.name)}</a>`);
      return html`<p>${sentences}</p>${block.people.length === 0 ? false : html`
<p class="who">Who is this? ${who}</p>`}`;
    }
    case 'note':
      return differNoteHtml(book, catalog, block.conflict);
  }
}

const blocksHtml = (book: BookText, catalog: Catalog, blocks: readonly Block[]): Html => html`${blocks.map((block) => html`
${blockHtml(book, catalog, block)}`)}`;

export function episodeDocument(book: BookText, catalog: Catalog, entry: CatalogEntry): string {
  const order = episodeOrder(catalog, entry);
  const title = order.opening.find((block) => block.kind === 'heading');
  const chapters = order.chapters.map(({ chapter, blocks }) => {
    const heading = blocks.find((block) => block.kind === 'heading');
    return html`
<section id="${bookIds.chapterSection(chapter.id)}"${heading === undefined ? false : html` aria-labelledby="${bookIds.sentence(heading.sentence.id)}"`}>${blocksHtml(book, catalog, blocks)}
</section>`;
  });
  const body = html`<section epub:type="chapter" role="doc-chapter" id="${bookIds.episodeSection(entry.episode.id)}"${
    title === undefined ? false : html` aria-labelledby="${bookIds.sentence(title.sentence.id)}"`
  }>${blocksHtml(book, catalog, order.opening)}${chapters}
</section>`;
  return xhtmlDocument(book, { title: entry.narration.title, body });
}
