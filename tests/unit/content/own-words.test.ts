/**
 * "Facts, never sentences": nothing the companion writes repeats a run of five
 * words from a source article. Names and titles of works are not prose, so
 * each counts as one word; the quoted words of a fact marked as a quotation
 * are the one exception, and the rest of that fact is still checked. The
 * recorded variants in conflicts.json quote the sources' own slips on purpose
 * and the source titles cite the articles, so neither is checked.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadContentPack } from '../../../server/src/content/load.js';
import type { ContentPack } from '../../../server/src/content/schema.js';
import { CONTENT_DIR, SEEDS_DIR } from '../../helpers/paths.js';

/** How many words in a row, shared with a source, count as copying. */
const RUN = 5;
/** What a name or title becomes: one word that no prose contains. */
const NAME = '§';

/** Names and titles of works, longest first, so that each is replaced whole. */
function namesOf(pack: ContentPack): string[] {
  const names = new Set<string>([
    pack.show.title.value,
    pack.info.show,
    ...(pack.show.novel === undefined ? [] : [pack.show.novel.title.value, pack.show.novel.author.value]),
    ...pack.people.flatMap((p) => [p.name, ...p.credits]),
    ...pack.characters.map((c) => c.name),
    ...pack.lexicon.flatMap((l) => l.written),
  ]);
  return [...names].filter((n) => n.trim() !== '').sort((a, b) => b.length - a.length);
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The words of a text, lower case, with every name and title as one {@link NAME} word. */
function wordsOf(text: string, names: readonly string[]): string[] {
  let plain = text.replace(/[’‘]/g, "'").replace(/[“”]/g, '"');
  // Whole words only: the title "Dark" must not turn "Darkness" into a name.
  for (const name of names) plain = plain.replace(new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(name)}(?![\\p{L}\\p{N}])`, 'gu'), ` ${NAME} `);
  return plain
    .toLowerCase()
    .split(/[^\p{L}\p{N}'§]+/u)
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter((w) => w !== '');
}

function runsOf(text: string, names: readonly string[]): Set<string> {
  const list = wordsOf(text, names);
  const found = new Set<string>();
  for (let i = 0; i + RUN <= list.length; i++) {
    const run = list.slice(i, i + RUN);
    // A run of names and one linking word ("§ and §") is a list of names, not prose.
    if (run.filter((w) => w !== NAME).length < 2) continue;
    found.add(run.join(' '));
  }
  return found;
}

/** Runs our text shares with the sources. */
function copiedRuns(text: string, seedRuns: ReadonlySet<string>, names: readonly string[]): string[] {
  return [...runsOf(text, names)].filter((run) => seedRuns.has(run));
}

/** A quotation's own words are the sources' by design; what frames them is ours. */
const withoutQuotations = (text: string): string => text.replace(/"[^"]*"/g, ' ');

/** Every text the companion writes itself, labelled by where it lives. */
function ownTexts(pack: ContentPack): [string, string][] {
  return [
    ['pack.json description', pack.info.description],
    ['show.json availability', pack.show.availability.value],
    ...pack.sources.flatMap((s): [string, string][] => (s.notes === undefined ? [] : [[`sources.json ${s.id} notes`, s.notes]])),
    ...pack.characters.map((c): [string, string] => [`characters.json ${c.id}`, c.description]),
    ...pack.people.flatMap((p) =>
      p.roles.map((r, i): [string, string] => [`people.json ${p.id} role ${i}`, r.kind === 'crew' ? r.job : (r.note ?? '')]),
    ),
    ...pack.facts.map((f): [string, string] => [`facts.json ${f.id}`, f.quote === true ? withoutQuotations(f.text) : f.text]),
    ...pack.conflicts.flatMap((c): [string, string][] => [
      [`conflicts.json ${c.id} subject`, c.subject],
      // A reason may quote the slip it explains, in quotation marks.
      [`conflicts.json ${c.id} reason`, withoutQuotations(c.reason)],
    ]),
    ...pack.episodes.flatMap((e): [string, string][] => [
      [`episodes.json ${e.id} title`, e.title],
      [`episodes.json ${e.id} summary`, e.summary],
      ...e.chapters.flatMap((ch) => [
        [`episodes.json ${e.id}/${ch.id} title`, ch.title] as [string, string],
        ...ch.items.flatMap((item, k): [string, string][] => ('say' in item ? [[`episodes.json ${e.id}/${ch.id}/${k}`, item.say]] : [])),
      ]),
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
    const names = namesOf(pack);
    const seedRuns = new Set<string>();
    for (const file of readdirSync(SEEDS_DIR)) for (const run of runsOf(readFileSync(path.join(SEEDS_DIR, file), 'utf8'), names)) seedRuns.add(run);
    const copied = ownTexts(pack).flatMap(([where, text]) => copiedRuns(text, seedRuns, names).map((run) => `${where}: "${run}"`));
    expect(copied).toEqual([]);
  });

  test('every quotation is marked as one, and every fact marked as a quotation quotes', () => {
    // An unmarked quotation would escape the check above; a marked fact without one would skip it for nothing.
    expect(pack.facts.filter((f) => /"[^"]+"/.test(f.text) !== (f.quote === true)).map((f) => f.id)).toEqual([]);
  });

  test('every source the pack cites is a file among the seeds', () => {
    if (!seedsPresent) return expect(pack.sources.length).toBeGreaterThan(0);
    const files = new Set(readdirSync(SEEDS_DIR));
    expect(pack.sources.filter((s) => !files.has(s.file)).map((s) => s.file)).toEqual([]);
  });
});

describe('the copy check itself', () => {
  const names = ['Marie-Laure', 'All the Light We Cannot See', 'St. Malo'];
  const seed =
    'Relentlessly pursued by a cruel Gestapo officer who seeks to possess the stone for his own selfish means, Marie-Laure and Daniel soon find refuge in St. Malo. All the Light We Cannot See arrives on Netflix on November 2.';
  const seedRuns = runsOf(seed, names);

  test.each([
    { name: 'a copied sentence', text: 'Relentlessly pursued by a cruel Gestapo officer who seeks to possess the stone.' },
    { name: 'a copied clause inside our own words', text: 'Then, as we hear, a cruel Gestapo officer who seeks the diamond follows them.' },
    { name: 'a copy with other case and punctuation', text: 'RELENTLESSLY, pursued by a cruel Gestapo officer!' },
    { name: 'five words around a name', text: 'Later Marie-Laure and Daniel soon find shelter.' },
  ])('catches $name', ({ text }) => {
    expect(copiedRuns(text, seedRuns, names)).not.toEqual([]);
  });

  test.each([
    { name: 'a paraphrase', text: 'A cruel officer of the Gestapo chases them without rest, wanting the stone for himself.' },
    { name: 'a shared title', text: 'Netflix released All the Light We Cannot See later that year.' },
    { name: 'a shared four-word phrase', text: 'Chased through Paris, a cruel Gestapo officer follows them.' },
  ])('lets $name pass', ({ text }) => {
    expect(copiedRuns(text, seedRuns, names)).toEqual([]);
  });

  test('takes a title as a name only where it is a whole word', () => {
    expect(wordsOf('Dark and Darkness', ['Dark'])).toEqual([NAME, 'and', 'darkness']);
  });

  test('lets a list of the same names pass, which only names can say', () => {
    const cast = ['Mark Ruffalo', 'Hugh Laurie', 'Lars Eidinger', 'Marion Bailey', 'Andrea Deck'];
    const castRuns = runsOf('The cast includes Mark Ruffalo, Hugh Laurie, Lars Eidinger, Marion Bailey, and Andrea Deck.', cast);
    expect(copiedRuns('With Mark Ruffalo, Hugh Laurie, Lars Eidinger and Marion Bailey.', castRuns, cast)).toEqual([]);
    expect(copiedRuns('The cast includes Mark Ruffalo, Hugh Laurie and more.', castRuns, cast)).not.toEqual([]);
  });

  test('a quotation is left out, and the words around it are still checked', () => {
    expect(withoutQuotations('In his words, "a cruel Gestapo officer who seeks to possess".')).not.toContain('Gestapo');
    expect(copiedRuns(withoutQuotations('Relentlessly pursued by a cruel Gestapo officer, he said "hello".'), seedRuns, names)).not.toEqual([]);
  });
});
