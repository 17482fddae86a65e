/**
 * Golden files: each profile of each real episode, as the engines get it.
 * A change to any of them is a change listeners hear, so it must be seen in
 * review. To accept a change on purpose:
 *
 *   UPDATE_GOLDEN=1 npx vitest run tests/unit/narration/golden.test.ts
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadContentPack } from '../../../server/src/content/load.js';
import { narrateEpisode } from '../../../server/src/narration/narration.js';
import { PROFILES, renderNarration, type Profile } from '../../../server/src/narration/render.js';
import { CONTENT_DIR, ROOT } from '../../helpers/paths.js';
import { SPOKEN_DOT, espeakPhonemes, espeakUnavailableReason } from './espeak-listen.js';

const GOLDEN_DIR = path.join(ROOT, 'tests', 'golden', 'narration');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const REGENERATE = 'UPDATE_GOLDEN=1 npx vitest run tests/unit/narration/golden.test.ts';

const pack = await loadContentPack(CONTENT_DIR);
const fileOf = (episodeId: string, profile: Profile): string => `${episodeId}.${profile}.${profile === 'plain' ? 'txt' : 'ssml'}`;
const cases = pack.episodes.flatMap((episode) => PROFILES.map((profile) => ({ episode: episode.id, profile, file: fileOf(episode.id, profile) })));

/** Where two texts first differ, as a line number and both lines. */
function firstDifference(expected: string, actual: string): string {
  const want = expected.split('\n');
  const got = actual.split('\n');
  const line = want.findIndex((text, i) => text !== got[i]);
  const at = line === -1 ? want.length : line;
  return `first difference at line ${at + 1}:\n  golden: ${JSON.stringify(want[at] ?? '(end of file)')}\n  now:    ${JSON.stringify(got[at] ?? '(end of file)')}`;
}

describe('golden narrations of the series pack', () => {
  test.each(cases)('$file matches its golden file', ({ episode, profile, file }) => {
    const narration = narrateEpisode(pack, pack.episodes.find((e) => e.id === episode)!);
    const actual = renderNarration(narration, profile);
    const golden = path.join(GOLDEN_DIR, file);
    if (UPDATE) {
      mkdirSync(GOLDEN_DIR, { recursive: true });
      writeFileSync(golden, actual);
    }
    expect(existsSync(golden), `${file} is missing: create it with ${REGENERATE}`).toBe(true);
    const expected = readFileSync(golden, 'utf8');
    if (actual !== expected) {
      expect.fail(`${file} differs from its golden file; ${firstDifference(expected, actual)}\nIf the change is meant, listen to it (see server/src/narration/README.md), then run ${REGENERATE}`);
    }
  });

  test('every golden file belongs to an episode and a profile', () => {
    const wanted = new Set(cases.map((c) => c.file));
    const stale = readdirSync(GOLDEN_DIR).filter((name) => name !== 'README.md' && !wanted.has(name));
    expect(stale, `remove golden files no episode produces (or rerun ${REGENERATE} after removing them)`).toEqual([]);
  });
});

describe('the series pack as eSpeak is given it', () => {
  const documents = pack.episodes.map((e) => ({ episode: e.id, xml: renderNarration(narrateEpisode(pack, e), 'espeak') }));
  // What eSpeak reads: the text between tags (mark names and break times are attributes, not text).
  const textOf = (xml: string): string => xml.replace(/<[^>]*>/g, ' ');

  test.each(documents)('$episode: every number and date is in words, and every name is its respelling', ({ xml }) => {
    expect(textOf(xml)).not.toMatch(/\d/);
    const written = pack.lexicon.flatMap((entry) => entry.written);
    expect(written.filter((name) => textOf(xml).includes(name))).toEqual([]);
  });

  test.each(documents)('$episode: holds only the elements eSpeak honours as meant', ({ xml }) => {
    const elements = new Set([...xml.matchAll(/<([a-z-]+)[\s>/]/g)].map((m) => m[1]));
    expect([...elements].sort()).toEqual(['break', 'mark', 'p', 's', 'speak']);
  });
});

const noEspeak = espeakUnavailableReason();

describe('the series pack heard through espeak-ng', () => {
  // The pack never says the word "dot", so any "dot" eSpeak says is punctuation read aloud.
  test.skipIf(noEspeak !== undefined).each(pack.episodes.map((e) => ({ episode: e.id })))(
    `$episode: the eSpeak profile is read without "dot"${noEspeak ? ` (not run: ${noEspeak})` : ''}`,
    ({ episode }) => {
      const narration = narrateEpisode(pack, pack.episodes.find((e) => e.id === episode)!);
      expect(narration.chapters.flatMap((c) => c.sentences).some((s) => /\bdots?\b/i.test(s.text))).toBe(false);
      expect(espeakPhonemes(renderNarration(narration, 'espeak'))).not.toMatch(SPOKEN_DOT);
    },
  );
});
