/**
 * The people and names sections, the same on every page: "Who is who" cards
 * (the targets of every "Who is this?" link) and "How do you say it?" for the
 * names in the pronunciation lexicon.
 */
import type { Catalog } from '../catalog.js';
import type { LexiconEntry, Person } from '../content/schema.js';
import { html, type Html } from './html.js';
import { differNote, personAnchor, whoIsLink } from './transcript-html.js';

/** A lexicon name spoken slowly. */
export const pronounceAudioPath = (id: string): string => `/api/pronounce/${encodeURIComponent(id)}.wav`;
/** A lexicon name spelled out, letter by letter. */
export const pronounceSpelledPath = (id: string): string => `/api/pronounce/${encodeURIComponent(id)}/spelled.wav`;

/** BCP 47 tag for IPA in the entry's language, so assistive technology need not guess. */
export const ipaLang = (entry: LexiconEntry): string => `${entry.lang.split('-')[0] ?? 'und'}-fonipa`;

function sayIt(entry: LexiconEntry, name: string): Html {
  return html`<span class="respelling">${entry.respelling}</span> (IPA <span lang="${ipaLang(entry)}">/${entry.ipa}/</span>). <a href="${pronounceAudioPath(entry.id)}" data-pronounce="${entry.id}" data-name="${name}">Hear ${name}</a>, <a href="${pronounceSpelledPath(entry.id)}" data-pronounce="${entry.id}" data-name="${name}, spelled out">Hear ${name} spelled out</a>`;
}

/** A sentence ending in one full stop, whatever the content wrote. */
const sentence = (text: string): string => `${text.trim().replace(/\.$/, '')}.`;

/** What a person does in the series, a sentence each: who they play, or their job behind the camera. */
export function roleLines(catalog: Catalog, person: Person): string[] {
  return person.roles.map((role) => {
    if (role.kind === 'crew') return `Behind the camera: ${role.job}.`;
    const character = catalog.pack.characters.find((c) => c.id === role.character);
    const note = role.note === undefined ? '' : ` (${role.note})`;
    // The character's description is a sentence of its own ("A blind French girl…", "Marie-Laure's father…").
    return character === undefined ? `In the cast${note}.` : `Plays ${character.name}${note}. ${sentence(character.description)}`;
  });
}

function card(catalog: Catalog, person: Person): Html {
  const anchor = personAnchor(person.id);
  const entry = person.pronunciation === undefined ? undefined : catalog.lexiconEntry(person.pronunciation);
  const conflicts = catalog.pack.conflicts.filter((c) => c.people?.includes(person.id));
  return html`
      <article class="card" id="${anchor}" aria-labelledby="${anchor}-name">
        <h3 id="${anchor}-name">${person.name}</h3>
        ${roleLines(catalog, person).map((line) => html`<p>${line}</p>`)}${
          person.credits.length === 0 ? false : html`
        <p>Also known for: ${person.credits.join(', ')}.</p>`
        }${entry === undefined ? false : html`
        <p>How to say it: ${sayIt(entry, person.name)}</p>`}${conflicts.map((c) => html`
        ${differNote(catalog, c)}`)}
      </article>`;
}

/** "Who is who": one card per person; a dialog shows a card in place with script. */
export function castSection(catalog: Catalog): Html {
  return html`<section id="cast" class="cast" aria-labelledby="cast-heading" data-module="cast">
      <h2 id="cast-heading">Who is who</h2>${catalog.pack.people.map((p) => card(catalog, p))}
      <dialog class="dialog" aria-labelledby="card-title" aria-modal="true">
        <div data-card></div>
        <p><button type="button" data-close>Back to where you were</button></p>
      </dialog>
    </section>`;
}

/**
 * "How do you say it?": each lexicon name with its respelling, IPA and the name
 * spoken slowly; a name that is a person's also leads to their card.
 */
export function lexiconSection(catalog: Catalog): Html {
  return html`<section id="names" class="names" aria-labelledby="names-heading" data-module="names">
      <h2 id="names-heading" tabindex="-1">How do you say it?</h2>
      <ul>${catalog.pack.lexicon.map((entry) => {
        const name = entry.written[0] ?? entry.id;
        const person = catalog.pack.people.find((p) => p.pronunciation === entry.id);
        return html`
        <li><span class="name" lang="${entry.lang}">${name}</span>: ${sayIt(entry, name)}${person === undefined ? false : html`. Who is this? ${whoIsLink(person)}`}</li>`;
      })}
      </ul>
    </section>`;
}
