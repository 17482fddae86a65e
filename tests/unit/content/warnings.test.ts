import { beforeAll, describe, expect, test } from 'vitest';
import { loadContentPack } from '../../../server/src/content/load.js';
import type { ContentPack } from '../../../server/src/content/schema.js';
import { packWarnings } from '../../../server/src/content/warnings.js';
import { onTextCleaned } from '../../../server/src/narration/clean-text.js';
import { CONTENT_DIR, FIXTURE_PACK } from '../../helpers/paths.js';

let fixture: ContentPack;
beforeAll(async () => {
  fixture = await loadContentPack(FIXTURE_PACK);
});

/** The fixture pack with one fact's text replaced. */
const withFact = (id: string, text: string): ContentPack => ({ ...fixture, facts: fixture.facts.map((f) => (f.id === id ? { ...f, text } : f)) });

describe('packWarnings', () => {
  test('the fixture pack and the series pack have nothing to warn about', async () => {
    expect(packWarnings(fixture)).toEqual([]);
    expect(packWarnings(await loadContentPack(CONTENT_DIR))).toEqual([]);
  });

  test.each([
    {
      name: 'a control character in a fact',
      pack: () => withFact('crew-director', 'Bo Renn\u0007 directs.'),
      expected: { file: 'facts.json', path: '/2/text', message: 'holds characters no speech engine can say (U+0007); the narration leaves them out' },
    },
    {
      name: 'a lone surrogate in a name',
      pack: () => ({ ...fixture, people: fixture.people.map((p, i) => (i === 1 ? { ...p, name: 'Bo \uD800Renn' } : p)) }),
      expected: { file: 'people.json', path: '/1/name', message: 'holds characters no speech engine can say (U+D800); the narration leaves them out' },
    },
    {
      name: 'a control character in the pack description',
      pack: () => ({ ...fixture, info: { ...fixture.info, description: 'A show.\u001B' } }),
      expected: { file: 'pack.json', path: '/description', message: 'holds characters no speech engine can say (U+001B); the narration leaves them out' },
    },
    {
      name: 'a name no lexicon entry covers',
      pack: () => withFact('crew-director', 'Bo Renn films in Bréhat.'),
      expected: { file: 'facts.json', path: '/2/text', message: '"Bréhat" has letters outside English spelling, and no lexicon entry says how to pronounce it' },
    },
    {
      name: 'such a name in a line of an episode',
      pack: () => ({
        ...fixture,
        episodes: fixture.episodes.map((e) => ({ ...e, chapters: e.chapters.map((c, j) => (j === 0 ? { ...c, items: [{ say: 'Off to Ouessant, then Molène.' }, ...c.items] } : c)) })),
      }),
      expected: { file: 'episodes.json', path: '/0/chapters/0/items/0/say', message: '"Molène" has letters outside English spelling, and no lexicon entry says how to pronounce it' },
    },
  ])('warns about $name, naming file and path', ({ pack, expected }) => {
    expect(packWarnings(pack())).toContainEqual(expected);
  });

  test('a name the lexicon covers is not a warning, however it is written', () => {
    const lexicon = [...fixture.lexicon, { id: 'brehat', written: ['Bréhat'], lang: 'fr-FR', ipa: 'bʁea', respelling: 'bray-ah' }];
    expect(packWarnings({ ...withFact('crew-director', 'Bo Renn films in Bréhat.'), lexicon })).toEqual([]);
  });

  test('checking reports no cleaning to the narration listener', () => {
    const heard: string[] = [];
    onTextCleaned((removed) => heard.push(removed));
    try {
      packWarnings(withFact('crew-director', 'Bo\u0000 Renn.'));
    } finally {
      onTextCleaned(undefined);
    }
    expect(heard).toEqual([]);
  });
});
