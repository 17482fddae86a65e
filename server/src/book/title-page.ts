/**
 * The title page: the book's title and cover, what it is, who reads it, how
 * to listen, and the articles its facts come from.
 */
import type { Catalog } from '../catalog.js';
import { html } from '../site/html.js';
import type { BookCover } from './cover.js';
import { textHtml, xhtmlDocument, type BookText } from './xhtml.js';

export function titlePage(book: BookText, catalog: Catalog, narrator: string, cover: BookCover): string {
  const { info } = catalog.pack;
  const body = html`<section epub:type="titlepage" id="title-page" aria-labelledby="book-title">
<h1 id="book-title">${textHtml(book, info.title)}</h1>
<p class="cover"><img src="${cover.href}" alt="${cover.alt}"/></p>
<p>${textHtml(book, info.description)}</p>
<p>Read aloud by ${narrator}. Each sentence is highlighted as it is heard; the facts in it are in our own words, from the articles below.</p>
<h2 id="listening">How to listen</h2>
<p>In a reading app that plays narration (Thorium Reader, a DAISY player, Apple Books), start reading aloud at any sentence. The contents go episode by episode and chapter by chapter. Notes where the sources differ can be skipped. The cast and crew cards and the names at the end have no recorded narration: your reading app reads them in its own voice.</p>
<h2 id="sources">Sources</h2>
<ul>${catalog.pack.sources.map((source) => html`
<li>${source.title}${source.published === null ? false : html` (${source.published})`}</li>`)}
</ul>
</section>`;
  return xhtmlDocument(book, { title: info.title, body });
}
