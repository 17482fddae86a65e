/**
 * `npm run export -- --epub FILE` as a host runs it (the built CLI, the native
 * espeak-ng engine, the small night-radio pack): it renders what the cache
 * lacks with progress, and refuses, naming the episode and sentence, a pack
 * that cannot make a valid book, without touching the file already there or
 * leaving a half-written one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CacheStore } from '../../server/src/renditions/cache-store.js';
import type { Timeline } from '../../server/src/shared/timeline.js';
import { ROOT } from '../helpers/paths.js';

const EXPORT_CLI = path.join(ROOT, 'dist', 'server', 'cli', 'export.js');
const NIGHT_RADIO = path.join(ROOT, 'tests', 'browser', 'fixtures', 'night-radio');

let work: string;
let cacheDir: string;
let out: string;

const exportBook = (file: string) =>
  spawnSync(process.execPath, [EXPORT_CLI, '--epub', file, '--content', NIGHT_RADIO, '--cache', cacheDir, '--engine', 'espeak-ng'], { encoding: 'utf8', timeout: 180_000 });

beforeAll(async () => {
  if (!existsSync(EXPORT_CLI)) throw new Error('The export CLI is not built: run `npm run build` first (npm test does).');
  work = await mkdtemp(path.join(tmpdir(), 'atl-book-cli-'));
  cacheDir = path.join(work, 'cache');
  out = path.join(work, 'out');
  await mkdir(out);
});

afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('npm run export -- --epub FILE', () => {
  test('renders the episodes the cache lacks, saying so episode by episode, then writes the book; a second run finds them in the cache', async () => {
    const first = exportBook(path.join(out, 'book.epub'));
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('episode 1 of 2, the-tower: rendering…');
    expect(first.stdout).toContain('episode 1 of 2, the-tower: rendered');
    expect(first.stdout).toContain('episode 2 of 2, the-makers: rendered');
    expect(first.stdout).toMatch(/Wrote the talking book of 2 episodes \(\d+\.\d MB; speech: espeak-ng\) to .*book\.epub\. Open it in Thorium Reader or a DAISY player\./);
    const book = await readFile(path.join(out, 'book.epub'));
    expect(book.subarray(30, 58).toString('latin1')).toBe('mimetypeapplication/epub+zip');

    const again = exportBook(path.join(work, 'again.epub'));
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('episode 1 of 2, the-tower: in the cache');
    expect(again.stdout).not.toContain('rendering');
  });

  test('a sentence with no timing: refused with the episode and the sentence named; the book already there is untouched, no other file is left', async () => {
    const file = path.join(out, 'book.epub');
    const before = await readFile(file);
    // The stored time line of "the-tower" as an engine that reported no time for
    // one sentence would leave it: the sentence's clip empty. It is written through
    // the cache's own store, so it is read back as a verified entry.
    const renditions = path.join(cacheDir, 'renditions');
    const store = new CacheStore({ folders: [renditions] });
    let changed = false;
    for (const name of (await readdir(renditions)).filter((n) => n.endsWith('.timeline.json'))) {
      const timeline = JSON.parse(await readFile(path.join(renditions, name), 'utf8')) as Timeline;
      if (!timeline.sentences.some((s) => s.text.startsWith('Far away, a boy hears'))) continue;
      const sentences = timeline.sentences.map((s) => (s.id === 'c2.s2' ? { ...s, endMs: s.startMs } : s));
      await store.write(name, Buffer.from(JSON.stringify({ ...timeline, sentences })));
      changed = true;
    }
    expect(changed).toBe(true);

    const refused = exportBook(file);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('The content pack cannot make a valid book: episode "the-tower", sentence c2.s2: "Far away, a boy hears her voice on a crackling set." has no timing: its clip is empty');
    expect(refused.stderr).toContain('The book was not written.');
    expect((await readFile(file)).equals(before)).toBe(true);
    expect(await readdir(out)).toEqual(['book.epub']);
  });

  test('a folder given as the file: refused, naming it, nothing written', async () => {
    const refused = exportBook(out);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`${out} is a folder: give the name of the book's file`);
    expect(await readdir(out)).toEqual(['book.epub']);
  });
});
