/**
 * `podcast:person` group and role, in the Podcast Taxonomy's exact words
 * (the namespace's taxonomy.json), for the people an episode talks about.
 */
import type { Person } from '../content/schema.js';

/** A group and a role as the taxonomy spells them. */
export interface TaxonomyRole {
  readonly group: string;
  readonly role: string;
}

/** Crew jobs the taxonomy has a role for, matched in order against the person's job. */
const CREW_ROLES: readonly (readonly [RegExp, TaxonomyRole])[] = [
  [/\bassociate producer\b/i, { group: 'Creative Direction', role: 'Associate Producer' }],
  [/\bexecutive producer\b/i, { group: 'Creative Direction', role: 'Executive Producer' }],
  [/\bproducer\b/i, { group: 'Creative Direction', role: 'Producer' }],
  [/\bdirector\b/i, { group: 'Creative Direction', role: 'Director' }],
  [/\bauthor\b/i, { group: 'Writing', role: 'Author' }],
  [/\bwriter\b/i, { group: 'Writing', role: 'Writer' }],
  [/\bconsultant\b/i, { group: 'Misc.', role: 'Consultant' }],
];

/**
 * The people an episode is about are its subject, as an interview's subject is:
 * the taxonomy's "Guest" in "Cast". Cast members are that; so is anyone whose job
 * the taxonomy has no role for (a publicity photographer: the taxonomy has none).
 */
const SUBJECT: TaxonomyRole = { group: 'Cast', role: 'Guest' };

/** The taxonomy's group and role for a person's first role in the series. */
export function personRole(person: Person): TaxonomyRole {
  const role = person.roles[0];
  if (role === undefined || role.kind === 'cast') return SUBJECT;
  return CREW_ROLES.find(([pattern]) => pattern.test(role.job))?.[1] ?? SUBJECT;
}
