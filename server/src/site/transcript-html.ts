/**
 * The transcript as page content: the episode's sentences under chapter
 * headings, one paragraph per fact, each sentence an `<a data-sentence>` with
 * no `href` (plain text until the player script knows its time and makes it a
 * link that seeks). After a paragraph: "Who is this?" links to the people it
 * names, and a "Sources differ" note where the fact base records variants.
 */
import type { Catalog, CatalogEntry } from '../catalog.js';
import type { Conflict, Person } from '../content/schema.js';
import type { NarrationSentence } from '../narration/narration.js';
import { html, type Html } from './html.js';

/** The anchor of a person's card on every page. */
export const personAnchor = (personId: string): string => `person-${personId}`;

/** People named in `text`, in the order they first appear. */
export function peopleNamedIn(people: readonly Person[], text: string): Person[] {
  return people
    .map((person) => ({ person, at: text.indexOf(person.name) }))
    .filter(({ at }) => at >= 0)
    .sort((a, b) => a.at - b.at)
    .map(({ person }) => person);
}

/** A link to a person's card: the card opens in a dialog with script, or the page scrolls to it without. */
export const whoIsLink = (person: Person): Html =>
  html`<a href="#${personAnchor(person.id)}" data-person="${person.id}">${person.name}</a>`;

/** A "sources differ" note: what we say, why, and what each source says. */
export function differNote(catalog: Catalog, conflict: Conflict): Html {
  const people = (conflict.people ?? []).map((id) => catalog.person(id)).filter((p): p is Person => p !== undefined);
  return html`<details class="differ">
          <summary>Sources differ: ${conflict.subject}</summary>
          <p>We say <strong>${conflict.resolved}</strong>. ${conflict.reason}</p>
          <ul>${conflict.variants.map((variant) => {
            const titles = variant.sources.map((id) => catalog.source(id)?.title ?? id);
            return html`<li>“${variant.value}”: ${titles.length === 1 ? '1 source' : `${titles.length} sources`} (${titles.join('; ')})</li>`;
          })}</ul>${people.length === 0 ? false : html`
          <p>Who is this? ${joinHtml(people.map(whoIsLink))}</p>`}
        </details>`;
}

function joinHtml(parts: readonly Html[]): Html {
  return html`${parts.map((part, i) => (i === 0 ? part : html`, ${part}`))}`;
}

interface Paragraph {
  readonly factId: string | undefined;
  readonly sentences: NarrationSentence[];
}

/** Consecutive sentences of one fact (or of one stretch of linking words) make a paragraph. */
function paragraphs(sentences: readonly NarrationSentence[]): Paragraph[] {
  const out: Paragraph[] = [];
  for (const sentence of sentences) {
    const last = out.at(-1);
    if (last !== undefined && last.factId === sentence.factId) last.sentences.push(sentence);
    else out.push({ factId: sentence.factId, sentences: [sentence] });
  }
  return out;
}

/** The transcript's chapters, for the `[data-swap="transcript"]` container. */
export function transcriptBody(catalog: Catalog, entry: CatalogEntry): Html {
  const people = catalog.pack.people;
  const facts = new Map(entry.facts.map((f) => [f.id, f]));
  const noted = new Set<string>();
  return html`${entry.narration.chapters.map((chapter) => {
    const spoken = chapter.sentences.filter((s) => s.kind !== 'chapter-title');
    return html`
      <h3 id="chapter-${chapter.id}">Chapter ${chapter.number}: ${chapter.title}</h3>${paragraphs(spoken).map((paragraph) => {
        const text = paragraph.sentences.map((s) => s.text).join(' ');
        const fact = paragraph.factId === undefined ? undefined : facts.get(paragraph.factId);
        const listed = (fact?.people ?? []).map((id) => catalog.person(id)).filter((p): p is Person => p !== undefined);
        const named = [...new Set([...peopleNamedIn(people, text), ...listed])];
        const conflicts = fact === undefined ? [] : catalog.conflictsOfFact(fact.id).filter((c) => !noted.has(c.id));
        conflicts.forEach((c) => noted.add(c.id));
        return html`
      <p>${paragraph.sentences.map((s, i) => html`${i === 0 ? '' : ' '}<a class="sentence" data-sentence="${s.id}">${s.text}</a>`)}</p>${
        named.length === 0 ? false : html`
      <p class="who">Who is this? ${joinHtml(named.map(whoIsLink))}</p>`
      }${conflicts.map((c) => html`
      ${differNote(catalog, c)}`)}`;
      })}`;
  })}
    `;
}
