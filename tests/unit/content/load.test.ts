import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ContentError, loadContentPack } from '../../../server/src/content/load.js';
import { FIXTURE_PACK } from '../../helpers/paths.js';

const copies: string[] = [];
afterEach(async () => {
  await Promise.all(copies.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A copy of the fixture pack with one file changed. */
async function packWith(file: string, change: (json: unknown) => unknown): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'atl-pack-'));
  copies.push(dir);
  await cp(FIXTURE_PACK, dir, { recursive: true });
  const target = path.join(dir, file);
  const json = JSON.parse(await readFile(target, 'utf8')) as unknown;
  await writeFile(target, JSON.stringify(change(json)));
  return dir;
}

async function problemsOf(dir: string) {
  const error = await loadContentPack(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ContentError);
  return (error as ContentError).problems;
}

type Json = Record<string, unknown> & Array<Record<string, unknown>>;

describe('loadContentPack', () => {
  test('a lexicon entry that writes part of the name is accepted', async () => {
    const dir = await packWith('lexicon.json', (j) => [...(j as Json), { id: 'quill', written: ['Quill'], lang: 'en-US', ipa: 'kwɪl', respelling: 'kwill' }]);
    const people = JSON.parse(await readFile(path.join(dir, 'people.json'), 'utf8')) as Json;
    people[0]!.pronunciation = 'quill';
    await writeFile(path.join(dir, 'people.json'), JSON.stringify(people));
    await expect(loadContentPack(dir)).resolves.toMatchObject({ people: [expect.objectContaining({ pronunciation: 'quill' }), expect.anything()] });
  });

  test('loads a valid pack', async () => {
    const pack = await loadContentPack(FIXTURE_PACK);
    expect(pack.info.id).toBe('lighthouse');
    expect(pack.episodes.map((e) => e.id)).toEqual(['the-light']);
  });

  test.each([
    {
      name: 'a schema error names the file and the path',
      file: 'facts.json',
      change: (j: Json) => (j[0]!.topic = 'gossip', j),
      expected: { file: 'facts.json', path: '/0/topic' },
    },
    {
      name: 'an unknown field is refused',
      file: 'people.json',
      change: (j: Json) => (j[0]!.nickname = 'Ada', j),
      expected: { file: 'people.json', path: '/0/nickname' },
    },
    {
      name: 'an unknown source',
      file: 'facts.json',
      change: (j: Json) => (j[0]!.sources = ['note-z'], j),
      expected: { file: 'facts.json', path: '/0/sources/0', message: 'unknown source "note-z"' },
    },
    {
      name: 'an unknown person',
      file: 'facts.json',
      change: (j: Json) => (j[1]!.people = ['nobody'], j),
      expected: { file: 'facts.json', path: '/1/people/0', message: 'unknown person "nobody"' },
    },
    {
      name: 'an unknown lexicon entry',
      file: 'people.json',
      change: (j: Json) => (j[0]!.pronunciation = 'ghost', j),
      expected: { file: 'people.json', path: '/0/pronunciation', message: 'unknown lexicon entry "ghost"' },
    },
    {
      name: "a lexicon entry that says someone else's name",
      file: 'people.json',
      change: (j: Json) => (j[0]!.pronunciation = 'ysolde-kerbrat', j),
      expected: {
        file: 'people.json',
        path: '/0/pronunciation',
        message: 'lexicon entry "ysolde-kerbrat" writes "Ysolde Kerbrat", none of which is in the name "Ada Quill"',
      },
    },
    {
      name: 'an unknown character',
      file: 'people.json',
      change: (j: Json) => ((j[0]!.roles as Json)[0]!.character = 'ghost', j),
      expected: { file: 'people.json', path: '/0/roles/0/character' },
    },
    {
      name: 'a duplicate id',
      file: 'facts.json',
      change: (j: Json) => (j[2]!.id = 'story-island', j),
      expected: { file: 'facts.json', path: '/2/id', message: 'duplicate id "story-island"' },
    },
    {
      name: 'an episode naming an unknown fact',
      file: 'episodes.json',
      change: (j: Json) => ((((j[0]!.chapters as Json)[0]!.items as Json)[1]!.fact = 'missing'), j),
      expected: { file: 'episodes.json', path: '/0/chapters/0/items/1/fact', message: 'unknown fact "missing"' },
    },
    {
      name: 'a fact left out of every episode',
      file: 'episodes.json',
      change: (j: Json) => ((j[0]!.chapters as Json).pop(), j),
      expected: { file: 'facts.json', message: 'fact "cast-keeper" is in no episode' },
    },
    {
      name: 'an unknown source behind a value of the show',
      file: 'show.json',
      change: (j: Json) => (((j as unknown as Record<string, { sources: string[] }>).network!.sources = ['note-z']), j),
      expected: { file: 'show.json', path: '/network/sources/0', message: 'unknown source "note-z"' },
    },
    {
      name: 'an unknown source behind a variant',
      file: 'conflicts.json',
      change: (j: Json) => (((j[0]!.variants as Json)[1]!.sources = ['note-z']), j),
      expected: { file: 'conflicts.json', path: '/0/variants/1/sources/0', message: 'unknown source "note-z"' },
    },
    {
      name: 'a conflict naming an unknown person',
      file: 'conflicts.json',
      change: (j: Json) => ((j[0]!.people = ['nobody']), j),
      expected: { file: 'conflicts.json', path: '/0/people/0', message: 'unknown person "nobody"' },
    },
    {
      name: 'a duplicate chapter id',
      file: 'episodes.json',
      change: (j: Json) => (((j[0]!.chapters as Json)[1]!.id = 'island'), j),
      expected: { file: 'episodes.json', path: '/0/chapters/1/id', message: 'duplicate chapter id "island"' },
    },
    {
      name: 'a name written by two lexicon entries',
      file: 'lexicon.json',
      change: (j: Json) => [...j, { id: 'kerbrat', written: ['Ysolde Kerbrat'], lang: 'br-FR', ipa: 'kɛʁbʁat', respelling: 'kehr brat' }],
      expected: { file: 'lexicon.json', path: '/1/written/0', message: '"Ysolde Kerbrat" is already written by "ysolde-kerbrat"' },
    },
    {
      name: 'a conflict naming an unknown fact',
      file: 'conflicts.json',
      change: (j: Json) => (j[0]!.facts = ['nope'], j),
      expected: { file: 'conflicts.json', path: '/0/facts/0' },
    },
  ])('$name', async ({ file, change, expected }) => {
    const problems = await problemsOf(await packWith(file, change as (j: unknown) => unknown));
    expect(problems).toContainEqual(expect.objectContaining(expected));
  });

  test('broken JSON names the file', async () => {
    const dir = await packWith('show.json', (j) => j);
    await writeFile(path.join(dir, 'show.json'), '{ "title": ');
    const problems = await problemsOf(dir);
    expect(problems[0]).toMatchObject({ file: 'show.json', path: '' });
    expect(problems[0]!.message).toMatch(/not valid JSON/);
  });

  test('a missing file is named', async () => {
    const dir = await packWith('show.json', (j) => j);
    await rm(path.join(dir, 'lexicon.json'));
    expect(await problemsOf(dir)).toContainEqual({ file: 'lexicon.json', path: '', message: 'file is missing' });
  });

  test('the error message lists every problem with file and path', async () => {
    const dir = await packWith('facts.json', (j) => ((j as Json)[0]!.sources = ['x'], j));
    const error = await loadContentPack(dir).catch((e: unknown) => e as ContentError);
    expect(String((error as ContentError).message)).toContain('facts.json at /0/sources/0: unknown source "x"');
  });
});
