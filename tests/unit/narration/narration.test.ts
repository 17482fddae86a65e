import { beforeAll, describe, expect, test } from 'vitest';
import { loadContentPack } from '../../../server/src/content/load.js';
import type { ContentPack } from '../../../server/src/content/schema.js';
import { createNameFinder, narrateEpisode, splitSentences } from '../../../server/src/narration/narration.js';
import { renderNarration, renderSsml } from '../../../server/src/narration/render.js';
import { FIXTURE_PACK } from '../../helpers/paths.js';
import { schemaUnavailableReason, validateSsml } from '../../helpers/xmllint.js';

const unavailable = schemaUnavailableReason();
let pack: ContentPack;

beforeAll(async () => {
  pack = await loadContentPack(FIXTURE_PACK);
});

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
  });
});

describe('createNameFinder', () => {
  const find = createNameFinder([
    { id: 'ml', written: ['Marie-Laure', 'Marie-Laure LeBlanc'], lang: 'fr-FR', ipa: 'maʁi lɔʁ', respelling: 'mah ree lor' },
    { id: 'lb', written: ['LeBlanc'], lang: 'fr-FR', ipa: 'lə blɑ̃', respelling: 'luh blahn' },
  ]);

  test('prefers the longest written form', () => {
    const parts = find('Marie-Laure LeBlanc hides.');
    expect(parts[0]).toMatchObject({ kind: 'name', text: 'Marie-Laure LeBlanc' });
  });

  test('keeps a possessive with the name', () => {
    expect(find("Marie-Laure's father")[0]).toMatchObject({ kind: 'name', text: "Marie-Laure's", possessive: true });
  });

  test('does not match inside a longer word', () => {
    expect(find('LeBlancs and Marie-Laureen').every((p) => p.kind === 'text')).toBe(true);
  });
});

test('splitSentences splits prose into sentences', () => {
  expect(splitSentences('One. Two? Three! ')).toEqual(['One.', 'Two?', 'Three!']);
});

describe('rendered documents', () => {
  test('the canonical profile speaks lexicon names as IPA in their language; eSpeak gets a respelling', () => {
    const narration = narrateEpisode(pack, pack.episodes[0]!);
    expect(renderSsml(narration, 'canonical')).toContain(`<voice xml:lang="fr-FR"><phoneme alphabet='ipa' ph='izɔld kɛʁbʁa'>Ysolde Kerbrat</phoneme></voice>`);
    const espeak = renderSsml(narration, 'espeak');
    expect(espeak).toContain(`<sub alias='ee zold kehr brah'>Ysolde Kerbrat</sub>`);
    expect(espeak).not.toContain('<phoneme');
    // Every sentence names its language, or eSpeak NG stays in the last one it switched to.
    expect(espeak.match(/<s>/g)).toBeNull();
  });

  test('a mark before every sentence, named by its id', () => {
    const narration = narrateEpisode(pack, pack.episodes[0]!);
    const ids = narration.chapters.flatMap((c) => c.sentences.map((s) => s.id));
    const marks = [...renderSsml(narration, 'canonical').matchAll(/<mark name="([^"]+)"\/>/g)].map((m) => m[1]);
    expect(marks).toEqual(ids);
  });

  test('the plain profile gives the written text back', () => {
    const plain = renderNarration(narrateEpisode(pack, pack.episodes[0]!), 'plain');
    expect(plain).toContain('Ada Quill plays Ysolde Kerbrat & sings the keeper\'s songs <live>.');
  });

  test.skipIf(unavailable !== undefined)(`canonical and eSpeak documents validate against the W3C schema${unavailable ? ` (not run: ${unavailable})` : ''}`, () => {
    for (const episode of pack.episodes) {
      const narration = narrateEpisode(pack, episode);
      expect(validateSsml(renderSsml(narration, 'canonical'))).toBe('');
      expect(validateSsml(renderSsml(narration, 'espeak'))).toBe('');
    }
  });
});

test('in the eSpeak profile, punctuation after a name goes inside the sub, where eSpeak does not read it as "dot"', () => {
  const narration = narrateEpisode(
    { ...pack, facts: pack.facts.map((f) => (f.id === 'crew-director' ? { ...f, text: 'Bo Renn works with Ysolde Kerbrat.' } : f)) },
    pack.episodes[0]!,
  );
  expect(renderSsml(narration, 'espeak')).toContain(`<sub alias='ee zold kehr brah.'>Ysolde Kerbrat.</sub></s>`);
});
