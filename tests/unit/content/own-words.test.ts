/**
 * "Facts, never sentences": nothing the companion says repeats a run of seven
 * words from a source article. Quotations marked as such, titles of works and
 * the recorded variants (which quote the sources' own errors) are the exceptions.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadContentPack } from '../../../server/src/content/load.js';
import type { ContentPack } from '../../../server/src/content/schema.js';
import { CONTENT_DIR, SEEDS_DIR } from '../../helpers/paths.js';

const RUN = 7;
const words = (text: string): string[] =>
  text
    .toLowerCase()
    .replace(/[’‘]/g, "'")
    .split(/[^\p{L}\p{N}']+/u)
    .filter((w) => w !== '');

function runs(text: string): Set<string> {
  const list = words(text);
  const found = new Set<string>();
  for (let i = 0; i + RUN <= list.length; i++) found.add(list.slice(i, i + RUN).join(' '));
  return found;
}

/** Every text the companion writes itself, labelled by where it lives. */
function ownTexts(pack: ContentPack): [string, string][] {
  return [
    ['pack.json description', pack.info.description],
    ['show.json availability', pack.show.availability.value],
    ...pack.characters.map((c): [string, string] => [`characters.json ${c.id}`, c.description]),
    ...pack.facts.filter((f) => f.quote !== true).map((f): [string, string] => [`facts.json ${f.id}`, f.text]),
    ...pack.conflicts.flatMap((c): [string, string][] => [
      [`conflicts.json ${c.id} subject`, c.subject],
      [`conflicts.json ${c.id} reason`, c.reason],
    ]),
    ...pack.episodes.flatMap((e): [string, string][] => [
      [`episodes.json ${e.id} summary`, e.summary],
      ...e.chapters.flatMap((ch) =>
        ch.items.flatMap((item, k): [string, string][] => ('say' in item ? [[`episodes.json ${e.id}/${ch.id}/${k}`, item.say]] : [])),
      ),
    ]),
  ];
}

const seedsPresent = existsSync(SEEDS_DIR);
let pack: ContentPack;
beforeAll(async () => {
  pack = await loadContentPack(CONTENT_DIR);
});

describe('our own words', () => {
  test.skipIf(!seedsPresent)(`no text repeats ${RUN} words in a row from a source${seedsPresent ? '' : ` (not run: no seeds at ${SEEDS_DIR})`}`, () => {
    const seedRuns = new Set<string>();
    for (const file of readdirSync(SEEDS_DIR)) for (const run of runs(readFileSync(path.join(SEEDS_DIR, file), 'utf8'))) seedRuns.add(run);
    const copied = ownTexts(pack).flatMap(([where, text]) => [...runs(text)].filter((r) => seedRuns.has(r)).map((r) => `${where}: "${r}"`));
    expect(copied).toEqual([]);
  });

  test('the check itself catches a copied sentence', () => {
    const seed = 'Netflix just released a video which reveals behind the scenes and exclusive interviews';
    const copy = 'As we know, Netflix just released a video which reveals behind the scenes.';
    expect([...runs(copy)].some((r) => runs(seed).has(r))).toBe(true);
  });

  test('every source the pack cites is a file among the seeds', () => {
    if (!seedsPresent) return expect(pack.sources.length).toBeGreaterThan(0);
    const files = new Set(readdirSync(SEEDS_DIR));
    expect(pack.sources.filter((s) => !files.has(s.file)).map((s) => s.file)).toEqual([]);
  });
});
