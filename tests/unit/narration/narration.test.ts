import { beforeAll, describe, expect, test } from 'vitest';
import { loadContentPack } from '../../../server/src/content/load.js';
import type { ContentPack } from '../../../server/src/content/schema.js';
import { onTextCleaned } from '../../../server/src/narration/clean-text.js';
import { NarrationError, createNameFinder, narrateEpisode, splitSentences, withNumbers } from '../../../server/src/narration/narration.js';
import { FIXTURE_PACK } from '../../helpers/paths.js';

let pack: ContentPack;

beforeAll(async () => {
  pack = await loadContentPack(FIXTURE_PACK);
});

/** The fixture pack with one fact's text replaced. */
function withFact(id: string, text: string): ContentPack {
  return { ...pack, facts: pack.facts.map((f) => (f.id === id ? { ...f, text } : f)) };
}

describe('narrateEpisode', () => {
  test('opens with the episode title and summary, then each chapter title, then its items in order', () => {
    const narration = narrateEpisode(pack, pack.episodes[0]!);
    const first = narration.chapters[0]!.sentences.map((s) => [s.kind, s.text]);
    expect(first).toEqual([
      ['episode-title', 'The light.'],
      ['link', 'Who keeps the lamp, and who made the show.'],
      ['chapter-title', 'Chapter 1: The island.'],
      ['link', 'We begin at sea.'],
      ['fact', 'Ysolde Kerbrat keeps the light on an island off the coast.'],
      ['fact', 'Every night she climbs to the lamp room.'],
    ]);
    expect(narration.chapters[1]!.sentences[0]!.text).toBe('Chapter 2: The people.');
  });

  test('every sentence of a fact records the fact it came from, and ids are unique', () => {
    const narration = narrateEpisode(pack, pack.episodes[0]!);
    const sentences = narration.chapters.flatMap((c) => c.sentences);
    expect(sentences.filter((s) => s.kind === 'fact').map((s) => s.factId)).toEqual(['story-island', 'story-island', 'cast-keeper', 'crew-director']);
    expect(new Set(sentences.map((s) => s.id)).size).toBe(sentences.length);
    expect(sentences.every((s) => /^c\d+\.s\d+$/.test(s.id))).toBe(true);
  });

  test('each mark names the position of its sentence and, for a fact, the fact it says', () => {
    const sentences = narrateEpisode(pack, pack.episodes[0]!).chapters.flatMap((c) => c.sentences);
    for (const s of sentences) expect(s.mark).toBe(s.factId === undefined ? s.id : `${s.id}.${s.factId}`);
    expect(sentences.find((s) => s.factId === 'crew-director')?.mark).toMatch(/^c2\.s\d+\.crew-director$/);
    expect(new Set(sentences.map((s) => s.mark)).size).toBe(sentences.length);
  });

  test.each([
    { name: 'a question', title: 'Who keeps the lamp?', expected: 'Chapter 1: Who keeps the lamp?' },
    { name: 'a full stop', title: 'The island.', expected: 'Chapter 1: The island.' },
    { name: 'a quotation that ends a sentence', title: 'She said "stay."', expected: 'Chapter 1: She said "stay."' },
    { name: 'an ellipsis', title: 'And then…', expected: 'Chapter 1: And then…' },
  ])('a chapter title that already ends with $name gets no second full stop', ({ title, expected }) => {
    const episode = pack.episodes[0]!;
    const narration = narrateEpisode(pack, { ...episode, chapters: [{ ...episode.chapters[0]!, title }] });
    expect(narration.chapters[0]!.sentences.find((s) => s.kind === 'chapter-title')?.text).toBe(expected);
  });

  test('text no engine can say is cleaned once, with a report, before any sentence holds it', () => {
    const heard: string[] = [];
    onTextCleaned((removed) => heard.push(removed));
    try {
      const narration = narrateEpisode(withFact('crew-director', 'Bo Renn\u0000 directs\u0007 all three\uD800 episodes.'), pack.episodes[0]!);
      const sentence = narration.chapters[1]!.sentences.find((s) => s.factId === 'crew-director');
      expect(sentence?.text).toBe('Bo Renn directs all three episodes.');
      expect(heard).toEqual(['U+0000 U+0007 U+D800']);
    } finally {
      onTextCleaned(undefined);
    }
  });

  test('numbers written with digits become parts that know how they are read', () => {
    const narration = narrateEpisode(withFact('crew-director', 'Bo Renn directs 3 episodes, from 1944 to the 2nd.'), pack.episodes[0]!);
    const sentence = narration.chapters[1]!.sentences.find((s) => s.factId === 'crew-director')!;
    expect(sentence.parts.filter((p) => p.kind === 'number').map((p) => p.kind === 'number' && [p.text, p.reading, p.words])).toEqual([
      ['3', 'cardinal', 'three'],
      ['1944', 'year', 'nineteen forty-four'],
      ['2nd', 'ordinal', 'second'],
    ]);
    // The parts still spell out the sentence exactly as written.
    expect(sentence.parts.map((p) => p.text).join('')).toBe(sentence.text);
  });

  test('an episode naming a fact the pack lacks is refused with a NarrationError', () => {
    const episode = pack.episodes[0]!;
    const broken = { ...episode, chapters: [{ ...episode.chapters[0]!, items: [{ fact: 'no-such-fact' }] }] };
    expect(() => narrateEpisode(pack, broken)).toThrow(NarrationError);
  });
});

describe('createNameFinder', () => {
  const find = createNameFinder([
    { id: 'ml', written: ['Marie-Laure', 'Marie-Laure LeBlanc'], lang: 'fr-FR', ipa: 'maʁi lɔʁ', respelling: 'mah ree lor' },
    { id: 'lb', written: ['LeBlanc'], lang: 'fr-FR', ipa: 'lə blɑ̃', respelling: 'luh blahn' },
    { id: 'blank', written: ['  ', ' Saint-Malo '], lang: 'fr-FR', ipa: 'sɛ̃ malo', respelling: 'san-mah-loh' },
  ]);

  test('prefers the longest written form', () => {
    const parts = find('Marie-Laure LeBlanc hides.');
    expect(parts[0]).toMatchObject({ kind: 'name', text: 'Marie-Laure LeBlanc' });
  });

  test.each([
    { name: 'a straight apostrophe', text: "Marie-Laure's father" },
    { name: 'a curly apostrophe', text: 'Marie-Laure’s father' },
  ])('keeps a possessive with $name with the name', ({ text }) => {
    expect(find(text)[0]).toMatchObject({ kind: 'name', text: text.slice(0, 13), possessive: true });
  });

  test('does not match inside a longer word', () => {
    expect(find('LeBlancs and Marie-Laureen').every((p) => p.kind === 'text')).toBe(true);
  });

  test('ignores blank written forms and trims the edges of others', () => {
    const parts = find('In  Saint-Malo  now.');
    expect(parts.map((p) => [p.kind, p.text])).toEqual([
      ['text', 'In  '],
      ['name', 'Saint-Malo'],
      ['text', '  now.'],
    ]);
  });
});

test('withNumbers splits only text parts, never a name', () => {
  const find = createNameFinder([{ id: 'laps', written: ['21 Laps'], lang: 'en-US', ipa: 'ˈtwɛnti wʌn læps', respelling: 'twenty-one laps' }]);
  expect(withNumbers(find('21 Laps made 3 shows.')).map((p) => [p.kind, p.text])).toEqual([
    ['name', '21 Laps'],
    ['text', ' made '],
    ['number', '3'],
    ['text', ' shows.'],
  ]);
});

test('splitSentences splits prose into sentences', () => {
  expect(splitSentences('One. Two? Three! ')).toEqual(['One.', 'Two?', 'Three!']);
});
