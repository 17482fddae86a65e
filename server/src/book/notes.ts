/**
 * "Sources differ" notes as asides a reading system can skip: `epub:type="note"`
 * in the content document, and a note structure in the overlay (overlays.ts)
 * that is both skippable and escapable.
 */
import type { Catalog } from '../catalog.js';
import type { Conflict } from '../content/schema.js';
import { html, type Html } from '../site/html.js';
import { bookIds } from './book-paths.js';
import { textHtml, type BookText } from './xhtml.js';

/** The `epub:type` that marks a note, in the content and in the overlay. */
export const NOTE_TYPE = 'note';

/** A note: what the sources say, which we use and why. `id` is unique in its document (by default, the conflict's). */
export function differNoteHtml(book: BookText, catalog: Catalog, conflict: Conflict, id = bookIds.note(conflict.id)): Html {
  return html`<aside epub:type="${NOTE_TYPE}" role="note" id="${id}" aria-labelledby="${id}-title" class="differ">
<p id="${id}-title"><strong>Sources differ:</strong> ${textHtml(book, conflict.subject)}</p>
<p>We say <strong>${textHtml(book, conflict.resolved)}</strong>. ${textHtml(book, conflict.reason)}</p>
<ul>${conflict.variants.map((variant) => {
    const titles = variant.sources.map((sourceId) => catalog.source(sourceId)?.title ?? sourceId);
    return html`
<li>“${textHtml(book, variant.value)}”: ${titles.length === 1 ? 'one source' : `${titles.length} sources`} (${titles.join('; ')})</li>`;
  })}
</ul>
</aside>`;
}
