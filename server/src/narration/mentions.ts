/**
 * Who a sentence names: every mention of a person or a character in the
 * narration's text, found by name. A name is a person's or character's whole
 * name, a character's given name or surname ("Marie-Laure", "Werner"), a
 * person's surname ("Hofmann"), or a form the pronunciation lexicon writes for
 * one of those ("Etienne", "Von Rumpel"). A short name two of them share
 * ("LeBlanc") names the one the sentence's fact lists, or no one. Plain
 * TypeScript over the content pack: the transcript pages, the API and a book
 * can all mark the same mentions.
 */
import type { Character, ContentPack, Fact, Person } from '../content/schema.js';

/** A person (cast or crew) or a character of the story. */
export type Named = { readonly kind: 'person'; readonly id: string } | { readonly kind: 'character'; readonly id: string };

/** A name in a text, and whom it names. */
export interface Mention {
  /** Where the name is in the text (UTF-16 offsets), a possessive "'s" left out. */
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly named: Named;
}

/** Words that go with a name but do not name anyone alone. */
const NOT_A_NAME = new Set(['von', 'van', 'de', 'du', 'la', 'le', 'of', 'the', 'Madame', 'Monsieur', 'Mr', 'Mrs', 'Ms', 'Dr']);

const key = (named: Named): string => `${named.kind}:${named.id}`;

/** Letters without their accents, to match a lexicon's unaccented spelling ("Etienne") to a name ("Étienne"). */
const fold = (text: string): string => text.normalize('NFD').replace(/\p{M}/gu, '');

/** The words of a name that name its bearer alone: a character's every word, a person's last. */
function shortNames(name: string, kind: Named['kind']): string[] {
  const all = name.split(/\s+/);
  if (all.length < 2) return [];
  const words = all.filter((word) => !NOT_A_NAME.has(word) && /^\p{Lu}/u.test(word));
  return kind === 'character' ? words : words.slice(-1);
}

/** Whom a fact is about, to choose between the people a shared name could mean. */
export function factSubjects(fact: Pick<Fact, 'people' | 'characters'> | undefined): Named[] {
  if (fact === undefined) return [];
  return [...fact.people.map((id): Named => ({ kind: 'person', id })), ...fact.characters.map((id): Named => ({ kind: 'character', id }))];
}

export type MentionFinder = (text: string, subjects?: readonly Named[]) => Mention[];

/** A finder of the mentions of the pack's people and characters, built once per pack. */
export function createMentionFinder(pack: Pick<ContentPack, 'people' | 'characters' | 'lexicon'>): MentionFinder {
  // Every written form, with everyone it may name.
  const forms = new Map<string, Named[]>();
  const add = (form: string, named: Named) => {
    const list = forms.get(form) ?? [];
    if (!list.some((n) => key(n) === key(named))) list.push(named);
    forms.set(form, list);
  };
  const entities: { name: string; named: Named }[] = [
    ...pack.characters.map((c: Character) => ({ name: c.name, named: { kind: 'character', id: c.id } as const })),
    ...pack.people.map((p: Person) => ({ name: p.name, named: { kind: 'person', id: p.id } as const })),
  ];
  for (const { name, named } of entities) {
    add(name, named);
    for (const word of shortNames(name, named.kind)) add(word, named);
  }
  // The lexicon's other spellings of a name already known ("Etienne" for "Étienne").
  for (const entry of pack.lexicon) {
    for (const written of entry.written) {
      const known = [...forms.keys()].filter((form) => form !== written && fold(form).toLowerCase() === fold(written).toLowerCase());
      for (const form of known) for (const named of forms.get(form) ?? []) add(written, named);
    }
  }
  const all = [...forms.keys()].sort((a, b) => b.length - a.length);
  if (all.length === 0) return () => [];
  const escaped = all.map((form) => form.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  // Whole names only, longest first, case as written; a possessive is not part of the name.
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}'’-])(${escaped.join('|')})(?=['’]s(?![\\p{L}\\p{N}])|(?![\\p{L}\\p{N}'’-]))`, 'gu');

  return (text, subjects = []) => {
    const mentions: Mention[] = [];
    for (const match of text.matchAll(pattern)) {
      const form = match[1] ?? '';
      const candidates = forms.get(form) ?? [];
      const named = candidates.length === 1 ? candidates[0] : candidates.find((c) => subjects.some((s) => key(s) === key(c)));
      if (named === undefined) continue;
      mentions.push({ start: match.index, end: match.index + form.length, text: form, named });
    }
    return mentions;
  };
}

/** `text` cut into plain runs and mentions, in order, for whoever marks them up. */
export function splitByMentions(text: string, mentions: readonly Mention[]): ({ readonly text: string } | { readonly text: string; readonly mention: Mention })[] {
  const parts: ({ text: string } | { text: string; mention: Mention })[] = [];
  let at = 0;
  for (const mention of mentions) {
    if (mention.start > at) parts.push({ text: text.slice(at, mention.start) });
    parts.push({ text: mention.text, mention });
    at = mention.end;
  }
  if (at < text.length) parts.push({ text: text.slice(at) });
  return parts;
}
