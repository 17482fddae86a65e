/**
 * The feed's identifiers and credits: podcast:guid as the namespace defines it
 * (its own two examples), and every person's group and role spelled as the
 * Podcast Taxonomy spells them (podcast-partytime's copy of taxonomy.json).
 */
import { PersonGroup, PersonRole } from 'podcast-partytime';
import { describe, expect, test } from 'vitest';
import { loadContentPack } from '../../../server/src/content/load.js';
import { personRole } from '../../../server/src/feed/person-roles.js';
import { podcastGuid, uuidV5 } from '../../../server/src/feed/podcast-guid.js';
import { CONTENT_DIR, FIXTURE_PACK } from '../../helpers/paths.js';

describe('podcast:guid', () => {
  test.each([
    // The namespace's examples (docs/tags/guid.md), with the scheme and trailing slash it says to strip.
    { url: 'http://mp3s.nashownotes.com/pc20rss.xml', guid: '917393e3-1b1e-5cef-ace4-edaa54e1f810' },
    { url: 'https://podnews.net/rss/', guid: '9b024349-ccf0-5f69-a609-6b82873eab3c' },
  ])('$url gives $guid', ({ url, guid }) => {
    expect(podcastGuid(url)).toBe(guid);
  });

  test('is a version 5 UUID of the RFC 4122 variant, and refuses a namespace that is not a UUID', () => {
    expect(podcastGuid('https://companion.example.org/feed.xml')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(() => uuidV5('x', 'not-a-uuid')).toThrow(RangeError);
  });
});

describe('podcast:person groups and roles', () => {
  const groups = new Set(Object.values(PersonGroup).map((group) => group.toLowerCase()));
  const roles = new Set(Object.values(PersonRole).map((role) => role.toLowerCase()));

  test.each([{ name: 'the series pack', folder: CONTENT_DIR }, { name: 'the fixture pack', folder: FIXTURE_PACK }])('every person of $name has a taxonomy group and role', async ({ folder }) => {
    const pack = await loadContentPack(folder);
    for (const person of pack.people) {
      const { group, role } = personRole(person);
      expect(groups.has(group.toLowerCase()), `${person.id}: group "${group}"`).toBe(true);
      expect(roles.has(role.toLowerCase()), `${person.id}: role "${role}"`).toBe(true);
    }
  });

  test.each([
    { job: 'director', expected: { group: 'Creative Direction', role: 'Director' } },
    { job: 'executive producer, for 21 Laps Entertainment', expected: { group: 'Creative Direction', role: 'Executive Producer' } },
    { job: 'associate producer, and consultant on blindness and accessibility', expected: { group: 'Creative Direction', role: 'Associate Producer' } },
    { job: 'creator and lead writer', expected: { group: 'Writing', role: 'Writer' } },
    { job: 'author of the novel', expected: { group: 'Writing', role: 'Author' } },
    { job: 'consultant on dialects', expected: { group: 'Misc.', role: 'Consultant' } },
    // The taxonomy has no photographer: the people an episode is about are its guests.
    { job: 'credited with a Netflix publicity photo', expected: { group: 'Cast', role: 'Guest' } },
  ])('a crew member credited as "$job"', ({ job, expected }) => {
    expect(personRole({ id: 'x', name: 'X', roles: [{ kind: 'crew', job }], credits: [], sources: ['s'] })).toEqual(expected);
  });
});
