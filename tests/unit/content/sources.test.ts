/**
 * Every fact records the seed files that state it: each one that does, and
 * only those. The tables below name, for each fact, the words that show a
 * source states it (a list means any one of them will do). A source states
 * the fact when it holds every entry; the test proves each fact cites
 * exactly the sources that do. The entries are a few words long, so this
 * file points into the sources without repeating their sentences.
 *
 * When you add a fact, add its evidence here; when the test says a source
 * holds the evidence but is not cited (or the other way round), either the
 * fact's sources or its evidence is wrong: read the source and fix the one
 * that is.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadContentPack } from '../../../server/src/content/load.js';
import type { ContentPack } from '../../../server/src/content/schema.js';
import { CONTENT_DIR, SEEDS_DIR } from '../../helpers/paths.js';

/** Words that must all be in a source for it to state the fact; an inner list is a choice of wordings. */
type Evidence = readonly (string | readonly string[])[];

const FACT_EVIDENCE: Readonly<Record<string, Evidence>> = {
  // The story and its setting
  'story-premise': [['marie-laure', 'marie laure'], 'blind french girl', 'werner'],
  'story-separate-worlds': ['different worlds'],
  'story-ten-years': ['a decade'],
  'setting-august-1944': ['august 1944'],
  'setting-paris': ['occupied paris'],
  'story-paris-escape': ['legendary', ['diamond', 'gemstone'], ['nazis', 'nazi hands']],
  'story-sea-of-flames': ['sea of flames'],
  'story-diamond-curse': ['curse'],
  'story-gestapo-hunter': ['gestapo officer'],
  'setting-saint-malo': ['st. malo', ['idyllic', 'once-idyllic']],
  'story-uncle-broadcasts': ['uncle', 'clandestine', ['resistance', 'resistence']],
  'story-werner-orphanage': ['orphanage'],
  'story-werner-radios': ['radio repair'],
  'story-werner-forced': ['radio technician'],
  'story-werner-tracking': ['illegal broadcasts'],
  'story-werner-hears-voice': ['radio signals'],
  'story-paths-cross': ['path', ['crosses', 'collides']],
  'story-secret-bond': ['secret', ['bond', 'connection']],
  'story-faith-and-hope': ['in humanity', 'hope'],
  'story-theme-hope': ['darkest'],
  'story-beacon': ['beacon'],
  'story-more-than-war': ['horrors of war', 'human connection'],
  // Characters
  'characters-marie-laure': [['marie-laure', 'marie laure'], 'blind french girl'],
  'characters-daniel': ['daniel', ['diamond', 'gemstone']],
  'characters-etienne': ['uncle'],
  'characters-werner': ['werner', ['teenager', 'young man', 'soldier']],
  // Cast
  'cast-loberti': ['loberti', ['marie-laure', 'marie laure']],
  'cast-loberti-newcomer': ['loberti', ['newcomer', 'debuting']],
  'cast-loberti-praise': ['praise from critics'],
  'cast-sutton': ['nell sutton'],
  'cast-sutton-debut': ['debuting'],
  'cast-ruffalo': ['ruffalo', ['daniel', 'father']],
  'cast-ruffalo-credits': ['ruffalo', ['13 going on 30', 'marvel', 'she-hulk']],
  'cast-laurie': ['laurie', ['etienne', 'uncle (laurie)']],
  'cast-laurie-credits': [['laurie (house)', "house's hugh laurie"]],
  'cast-hofmann': [['hofmann (werner)', 'werner (louis hoffman)', 'werner pfennig (louis hofmann)', 'werner (hofmann)']],
  'cast-hofmann-credits': [['dark star hofmann', "dark's louis hofmann"]],
  'cast-eidinger': ['von rumpel'],
  'cast-eidinger-credits': ['white noise'],
  'cast-bailey': ['madame manec'],
  'cast-bailey-credits': ['the crown'],
  'cast-deck': ['andrea deck'],
  'cast-lineup': ['loberti', 'ruffalo', 'laurie', ['hofmann', 'hoffman'], 'eidinger', 'bailey'],
  'cast-star-power': ['star power'],
  // Crew and production
  'crew-levy-director': ['levy', ['directed', 'directs', 'directing', 'helming']],
  'crew-levy-credits': [['executive producer and filmmaker', 'stranger things producer', 'night at the museum', 'levy (stranger things']],
  'crew-levy-shadow-and-bone': ['executive producer and filmmaker'],
  'crew-knight-writer': [['written by', 'created and penned', 'lead writer']],
  'crew-knight-credits': ['peaky blinders'],
  'crew-knight-executive-producer': ['knight also serves'],
  'crew-executive-producers': ['dan levine', 'josh barry'],
  'crew-levine-credits': ['levine (free guy'],
  'crew-barry-credits': ['barry (shadow and bone'],
  'crew-strechay-credits': ['strechay (see'],
  'production-21-laps': ['21 laps'],
  'production-21-laps-credits': ['21 laps', 'arrival'],
  'production-hungary': ['hungary'],
  'production-ukraine-war': ["russia's invasion"],
  'production-refugee-extras': ['extras'],
  'production-levy-quote': ['mirroring of real life'],
  'production-still-photo': ['timea saghy'],
  // Accessibility
  'accessibility-blind-lead': ['low-vision'],
  'accessibility-global-search': ['global search'],
  'accessibility-no-experience': ['no professional acting experience'],
  'accessibility-strechay': ['accessibility consultant'],
  // The novel
  'novel-author': ['doerr', 'novel'],
  'release-title': [['the same name', 'novel, all the light']],
  'novel-pulitzer': ['pulitzer'],
  'novel-year': ['2014'],
  'novel-bestseller': ['best-selling'],
  'novel-theme': ['extraordinary power'],
  'novel-netflix-adaptation': ['netflix', ['based on', 'adaptation']],
  'novel-fiction-live-action': ['live-action'],
  // Release
  'release-date': [['november 2', 'november 2nd', 'nov. 2']],
  'release-all-at-once': ['arrives in full'],
  'release-runtime': ['60-minute'],
  'release-limited-series': [['four-episode', 'four-part', 'four 60-minute episodes']],
  'release-netflix-only': [['only on netflix', 'exclusively']],
  'release-anticipated': ['highly anticipated'],
  'release-groundbreaking': ['groundbreaking'],
  'release-toronto-interview': ['tiff'],
  // Featurettes, music, trailer
  'featurette-tudum': ['tudum'],
  'featurette-june': ['first look at footage'],
  'featurette-montage': ['montage'],
  'music-clair-de-lune': ['clare de lune'],
  'featurette-darkness-line': ['darkness lasts'],
  'featurette-september': ['brand new featurette', 'youtube'],
  'featurette-levy-casting': ['talks about casting'],
  'featurette-interviews': ['exclusive interviews'],
  'trailer-release': ['official trailer'],
  'trailer-tone': ['spectacularly bleak'],
  'trailer-look': ['explosive action'],
  'trailer-verdict': ['official verdict'],
};

const CHARACTER_EVIDENCE: Readonly<Record<string, Evidence>> = {
  'marie-laure': [['marie-laure', 'marie laure']],
  'daniel-leblanc': ['daniel'],
  etienne: ['uncle'],
  'werner-pfennig': ['werner'],
  'von-rumpel': ['von rumpel'],
  'madame-manec': ['madame manec'],
};

/** Surnames as the sources spell them, where one source differs (see conflicts.json). */
const SURNAME_VARIANTS: Readonly<Record<string, readonly string[]>> = { 'louis-hofmann': ['hofmann', 'hoffman'] };

/** The sourced values of show.json, by their path. */
const SHOW_EVIDENCE: Readonly<Record<string, Evidence>> = {
  '/title': ['light we cannot'],
  '/format': ['limited series'],
  '/network': ['netflix'],
  '/episodeCount': [['four-episode', 'four-part', 'four 60-minute episodes']],
  '/episodeRuntimeMinutes': ['60-minute'],
  '/releaseDate': [['november 2', 'november 2nd', 'nov. 2']],
  '/availability': [['only on netflix', 'exclusively']],
  '/novel/title': [['the same name', 'novel, all the light']],
  '/novel/author': ['doerr'],
  '/novel/year': ['2014'],
  '/novel/prize': ['pulitzer'],
};

/** Text as the tables are written: lower case, straight quotes, single spaces. */
const normalize = (text: string): string =>
  text.toLowerCase().replace(/[’‘]/g, "'").replace(/[“”]/g, '"').replace(/\s+/g, ' ');

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** True when `words` occur in `text` as whole words ("praise" is not in "praises"). */
function holds(text: string, words: string): boolean {
  return new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(normalize(words))}(?![\\p{L}\\p{N}])`, 'u').test(text);
}

/** The ids of the sources that hold every entry of the evidence. */
function statingSources(evidence: Evidence, seeds: ReadonlyMap<string, string>): string[] {
  return [...seeds].filter(([, text]) => evidence.every((entry) => (typeof entry === 'string' ? [entry] : entry).some((words) => holds(text, words)))).map(([id]) => id);
}

/** What is wrong with one claim's sources: sources that state it but are not cited, and cited ones that do not. */
function citationProblems(what: string, cited: readonly string[], evidence: Evidence, seeds: ReadonlyMap<string, string>): string[] {
  const stating = statingSources(evidence, seeds);
  return [
    ...stating.filter((id) => !cited.includes(id)).map((id) => `${what}: ${id} states it but is not cited`),
    ...cited.filter((id) => !stating.includes(id)).map((id) => `${what}: cites ${id}, which does not state it`),
  ];
}

const seedsPresent = existsSync(SEEDS_DIR);
const reason = seedsPresent ? '' : ` (not run: no seeds at ${SEEDS_DIR})`;
let pack: ContentPack;
const seeds = new Map<string, string>();

beforeAll(async () => {
  pack = await loadContentPack(CONTENT_DIR);
  if (!seedsPresent) return;
  for (const source of pack.sources) seeds.set(source.id, normalize(readFileSync(path.join(SEEDS_DIR, source.file), 'utf8')));
});

describe('the evidence tables', () => {
  test('name every fact and character of the pack, and nothing else', () => {
    expect(Object.keys(FACT_EVIDENCE).sort()).toEqual(pack.facts.map((f) => f.id).sort());
    expect(Object.keys(CHARACTER_EVIDENCE).sort()).toEqual(pack.characters.map((c) => c.id).sort());
  });

  test('hold only a few words per entry, so that they point into the sources without copying them', () => {
    const entries = Object.values({ ...FACT_EVIDENCE, ...CHARACTER_EVIDENCE, ...SHOW_EVIDENCE }).flatMap((evidence) => evidence.flat());
    expect(entries.filter((words) => words.split(' ').length > 4)).toEqual([]);
  });
});

describe('every claim cites exactly the sources that state it', () => {
  test.skipIf(!seedsPresent)(`facts${reason}`, () => {
    expect(pack.facts.flatMap((f) => citationProblems(`facts.json ${f.id}`, f.sources, FACT_EVIDENCE[f.id] ?? [], seeds))).toEqual([]);
  });

  test.skipIf(!seedsPresent)(`characters${reason}`, () => {
    expect(pack.characters.flatMap((c) => citationProblems(`characters.json ${c.id}`, c.sources, CHARACTER_EVIDENCE[c.id] ?? [], seeds))).toEqual([]);
  });

  test.skipIf(!seedsPresent)(`people: the sources that name them${reason}`, () => {
    const problems = pack.people.flatMap((p) => {
      const surname = p.name.split(' ').at(-1) ?? p.name;
      return citationProblems(`people.json ${p.id}`, p.sources, [SURNAME_VARIANTS[p.id] ?? [surname]], seeds);
    });
    expect(problems).toEqual([]);
  });

  test.skipIf(!seedsPresent)(`people: every earlier credit is named by a source that names the person${reason}`, () => {
    const missing = pack.people.flatMap((p) => p.credits.filter((credit) => !p.sources.some((id) => holds(seeds.get(id) ?? '', credit))).map((credit) => `${p.id}: ${credit}`));
    expect(missing).toEqual([]);
  });

  test.skipIf(!seedsPresent)(`show.json${reason}`, () => {
    const sourced = (at: string): readonly string[] => {
      const node = at.split('/').slice(1).reduce<unknown>((n, key) => (n as Record<string, unknown> | undefined)?.[key], pack.show) as { sources?: string[] } | undefined;
      return node?.sources ?? [];
    };
    expect(Object.entries(SHOW_EVIDENCE).flatMap(([at, evidence]) => citationProblems(`show.json ${at}`, sourced(at), evidence, seeds))).toEqual([]);
  });
});

describe('conflicts quote each variant as its sources write it', () => {
  // Spellings are about case too ("Von Rumpel", "LeBlanc"); other kinds are about wording.
  const found = (text: string, value: string, exact: boolean): boolean =>
    exact ? new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(value.replace(/[’‘]/g, "'"))}(?![\\p{L}\\p{N}])`, 'u').test(text) : holds(normalize(text), value);

  test.skipIf(!seedsPresent)(`every variant is in every source cited for it, and in no other${reason}`, () => {
    const raw = new Map(pack.sources.map((s) => [s.id, readFileSync(path.join(SEEDS_DIR, s.file), 'utf8').replace(/[’‘]/g, "'")]));
    const problems = pack.conflicts.flatMap((conflict) =>
      conflict.variants.flatMap((variant) => {
        const exact = conflict.kind === 'spelling';
        const where = [...raw].filter(([, text]) => found(text, variant.value, exact)).map(([id]) => id);
        // A variant that is part of another ("All the Light We Cannot" in "... Cannot See") cannot be told apart by search.
        const partOfAnother = conflict.variants.some((other) => other !== variant && normalize(other.value).includes(normalize(variant.value)));
        return [
          ...variant.sources.filter((id) => !where.includes(id)).map((id) => `${conflict.id}: "${variant.value}" is not in ${id}`),
          ...(partOfAnother ? [] : where.filter((id) => !variant.sources.includes(id)).map((id) => `${conflict.id}: "${variant.value}" is also in ${id}`)),
        ];
      }),
    );
    expect(problems).toEqual([]);
  });
});

describe('conflicts and what the narration says', () => {
  const spellings = (): ContentPack['conflicts'] => pack.conflicts.filter((c) => c.kind === 'spelling');
  const wholeWord = (text: string, words: string): boolean => new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(words)}(?![\\p{L}\\p{N}])`, 'u').test(text);

  test('every fact a spelling conflict names uses the resolved spelling', () => {
    const facts = new Map(pack.facts.map((f) => [f.id, f.text]));
    const missing = spellings().flatMap((c) => c.facts.filter((id) => !wholeWord(facts.get(id) ?? '', c.resolved)).map((id) => `${c.id}: ${id}`));
    expect(missing).toEqual([]);
  });

  test('no fact, line or title uses a spelling the pack decided against', () => {
    const spoken = [
      ...pack.facts.map((f) => f.text),
      ...pack.episodes.flatMap((e) => [e.title, e.summary, ...e.chapters.flatMap((c) => [c.title, ...c.items.flatMap((i) => ('say' in i ? [i.say] : []))])]),
    ];
    const used = spellings().flatMap((c) =>
      c.variants.filter((v) => v.value !== c.resolved && spoken.some((text) => wholeWord(text, v.value))).map((v) => `${c.id}: "${v.value}"`),
    );
    expect(used).toEqual([]);
  });
});

describe('the check itself', () => {
  const fake = new Map([
    ['a', normalize('Marie-Laure flees with a legendary diamond. Critics’ praise.')],
    ['b', normalize('A legendary gemstone stays hidden. The book praises hope.')],
  ]);

  test.each([
    { name: 'a source that states it but is not cited', cited: ['a'], evidence: ['legendary', ['diamond', 'gemstone']], expected: ['x: b states it but is not cited'] },
    { name: 'a cited source that does not state it', cited: ['a', 'b'], evidence: ['marie-laure'], expected: ['x: cites b, which does not state it'] },
    { name: 'a word inside a longer word', cited: [], evidence: ['praise'], expected: ['x: a states it but is not cited'] },
    { name: 'nothing, when the citation is exact', cited: ['a', 'b'], evidence: ['legendary'], expected: [] },
  ])('reports $name', ({ cited, evidence, expected }) => {
    expect(citationProblems('x', cited, evidence, fake)).toEqual(expected);
  });
});
