/**
 * Every SSML document the project can serve, for every episode of both packs
 * and every chapter of them, validates against the W3C SSML 1.0 schema.
 */
import { describe, expect, test } from 'vitest';
import { loadContentPack } from '../../../server/src/content/load.js';
import { narrateEpisode } from '../../../server/src/narration/narration.js';
import { renderChapterSsml, renderSsml, type SsmlOptions, type SsmlProfile } from '../../../server/src/narration/render.js';
import { CONTENT_DIR, FIXTURE_PACK } from '../../helpers/paths.js';
import { schemaUnavailableReason } from '../../helpers/xmllint.js';
import { validateSsmlBatch } from './xml-checks.js';

const unavailable = schemaUnavailableReason();

const VARIANTS: readonly { profile: SsmlProfile; options: SsmlOptions; label: string }[] = [
  { profile: 'canonical', options: {}, label: 'canonical' },
  { profile: 'canonical', options: { rate: 3.5, voice: 'en-gb-x-rp' }, label: 'canonical at 3.5x in en-gb-x-rp' },
  { profile: 'espeak', options: {}, label: 'espeak' },
  { profile: 'espeak', options: { voice: 'en-029' }, label: 'espeak in en-029' },
];

describe.each([
  { name: 'the series pack', dir: CONTENT_DIR },
  { name: 'the fixture pack', dir: FIXTURE_PACK },
])('$name', ({ dir }) => {
  test.skipIf(unavailable !== undefined)(`every episode and chapter document validates against the W3C schema${unavailable ? ` (not run: ${unavailable})` : ''}`, async () => {
    const pack = await loadContentPack(dir);
    const documents: { name: string; xml: string }[] = [];
    for (const episode of pack.episodes) {
      const narration = narrateEpisode(pack, episode);
      for (const { profile, options, label } of VARIANTS) {
        documents.push({ name: `${episode.id} (${label})`, xml: renderSsml(narration, profile, options) });
        for (const chapter of narration.chapters) {
          documents.push({ name: `${episode.id}/${chapter.id} (${label})`, xml: renderChapterSsml(narration, chapter.id, profile, options) });
        }
      }
    }
    const problems = validateSsmlBatch(documents.map((d) => d.xml));
    expect(documents.flatMap((d, i) => (problems[i] === '' ? [] : [`${d.name}: ${problems[i]}`]))).toEqual([]);
    // Guards the guard: an empty pack would validate nothing and still pass.
    expect(documents.length).toBeGreaterThanOrEqual(pack.episodes.length * VARIANTS.length * 2);
  });
});
