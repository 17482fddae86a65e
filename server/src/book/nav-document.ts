/**
 * The EPUB navigation document: the table of contents (title page, each
 * episode and its chapters, the cast, the names) and the landmarks (the title
 * page, the start of the content, the cast, the names, the contents).
 */
import type { Catalog } from '../catalog.js';
import { html } from '../site/html.js';
import { bookIds, bookPaths } from './book-paths.js';
import { CAST_TITLE, NAMES_TITLE } from './people-documents.js';
import { textHtml, xhtmlDocument, type BookText } from './xhtml.js';

export const CONTENTS_TITLE = 'Contents';

export function navDocument(book: BookText, catalog: Catalog): string {
  const first = catalog.entries[0];
  const episodes = catalog.entries.map(({ episode, narration }) => {
    const href = bookPaths.episode(episode.id);
    return html`
<li><a href="${href}#${bookIds.episodeSection(episode.id)}">${textHtml(book, narration.title)}</a>
<ol>${narration.chapters.map(
      (chapter) => html`
<li><a href="${href}#${bookIds.chapterSection(chapter.id)}">Chapter ${chapter.number}: ${textHtml(book, chapter.title)}</a></li>`,
    )}
</ol>
</li>`;
  });
  const body = html`<nav epub:type="toc" role="doc-toc" id="${bookIds.toc}" aria-labelledby="toc-title">
<h1 id="toc-title">${CONTENTS_TITLE}</h1>
<ol>
<li><a href="${bookPaths.titlePage}">Title page</a></li>${episodes}
<li><a href="${bookPaths.cast}">${CAST_TITLE}</a></li>
<li><a href="${bookPaths.names}">${NAMES_TITLE}</a></li>
</ol>
</nav>
<nav epub:type="landmarks" id="landmarks" aria-labelledby="landmarks-title" hidden="hidden">
<h2 id="landmarks-title">Landmarks</h2>
<ol>
<li><a epub:type="titlepage" href="${bookPaths.titlePage}">Title page</a></li>${first === undefined ? false : html`
<li><a epub:type="bodymatter" href="${bookPaths.episode(first.episode.id)}">Start of the content</a></li>`}
<li><a epub:type="appendix" href="${bookPaths.cast}">${CAST_TITLE}: the cast and crew</a></li>
<li><a epub:type="glossary" href="${bookPaths.names}">${NAMES_TITLE}</a></li>
<li><a epub:type="toc" href="${bookPaths.nav}#${bookIds.toc}">${CONTENTS_TITLE}</a></li>
</ol>
</nav>`;
  return xhtmlDocument(book, { title: CONTENTS_TITLE, body });
}
