/**
 * `GET /book.epub` through the real app (app.inject) over the small night-radio
 * pack, rendered by the native espeak-ng engine: the book as a file like the
 * audio (type, validators, HEAD, ranges, 304), built once from the cache,
 * rebuilt when the content changes, and linked from the player and the feed.
 */
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { selectSpeechEngine } from '../../server/src/speech/select.js';
import { startCompanion, type TestCompanion } from '../helpers/app.js';
import { readEpubText } from '../helpers/epub.js';
import { ROOT } from '../helpers/paths.js';

const NIGHT_RADIO = path.join(ROOT, 'tests', 'browser', 'fixtures', 'night-radio');

let work: string;
let pack: string;
let cacheDir: string;
let companion: TestCompanion | undefined;

const start = async (): Promise<TestCompanion> => startCompanion(pack, (await selectSpeechEngine('espeak-ng')).engine, { cacheDir });
const books = async (): Promise<string[]> => (await readdir(path.join(cacheDir, 'book'))).filter((name) => name.endsWith('.epub'));

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'atl-book-http-'));
  pack = path.join(work, 'pack');
  cacheDir = path.join(work, 'cache');
  await cp(NIGHT_RADIO, pack, { recursive: true });
  companion = await start();
});

afterAll(async () => {
  await companion?.close();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('GET /book.epub', () => {
  test('answers the book as application/epub+zip, with a strong ETag; HEAD, ranges and If-None-Match as for the audio', async () => {
    const { app } = companion!;
    const response = await app.inject({ method: 'GET', url: '/book.epub' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/epub+zip');
    expect(response.headers['cache-control']).toBe('public, no-cache');
    expect(response.headers['content-disposition']).toBe('attachment; filename="night-radio.epub"');
    expect(response.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    const body = response.rawPayload;
    expect(Number(response.headers['content-length'])).toBe(body.length);
    expect(body.subarray(30, 58).toString('latin1')).toBe('mimetypeapplication/epub+zip');
    const files = await readEpubText(body);
    expect(files.get('EPUB/package.opf')).toContain('<dc:title>Night Radio: a test companion</dc:title>');
    expect(files.get('EPUB/package.opf')).toMatch(/<meta property="media:narrator">the speech engine espeak-ng [^<]+ \(voice: English, United States\)<\/meta>/);

    const head = await app.inject({ method: 'HEAD', url: '/book.epub' });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe(String(body.length));
    expect(head.rawPayload.length).toBe(0);
    const range = await app.inject({ method: 'GET', url: '/book.epub', headers: { range: 'bytes=0-57' } });
    expect(range.statusCode).toBe(206);
    expect(range.rawPayload.equals(body.subarray(0, 58))).toBe(true);
    const cached = await app.inject({ method: 'GET', url: '/book.epub', headers: { 'if-none-match': String(response.headers.etag) } });
    expect(cached.statusCode).toBe(304);
  });

  test('is built once: the next request is the same file, not built again', async () => {
    const { app } = companion!;
    const [name] = await books();
    expect(await books()).toHaveLength(1);
    const first = await stat(path.join(cacheDir, 'book', name!));
    const again = await app.inject({ method: 'GET', url: '/book.epub' });
    expect(again.statusCode).toBe(200);
    const second = await stat(path.join(cacheDir, 'book', name!));
    expect({ ino: second.ino, mtimeMs: second.mtimeMs }).toEqual({ ino: first.ino, mtimeMs: first.mtimeMs });
    expect(await books()).toEqual([name]);
  });

  test('a query it does not take is refused, naming the field', async () => {
    const response = await companion!.app.inject({ method: 'GET', url: '/book.epub?format=pdf' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'ATL_INVALID_PARAMETER' });
  });

  test('the player\'s downloads and the feed\'s channel link to it', async () => {
    const { app } = companion!;
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.body).toMatch(/<a href="\/book\.epub" download="talking-book\.epub">Talking book, EPUB 3 with narration \(every episode\)<\/a>/);
    const feed = await app.inject({ method: 'GET', url: '/feed.xml' });
    expect(feed.body).toMatch(/<channel>[\s\S]*<atom:link href="http:\/\/localhost(:\d+)?\/book\.epub" rel="related" type="application\/epub\+zip" title="[^"]+"\/>[\s\S]*<item>/);
  });

  test('is built again when the content changes (a restart over the same cache), and the old book is removed', async () => {
    const before = await companion!.app.inject({ method: 'GET', url: '/book.epub' });
    await companion!.close();
    companion = undefined;
    const factsFile = path.join(pack, 'facts.json');
    const facts = JSON.parse(await readFile(factsFile, 'utf8')) as { id: string; text: string }[];
    await writeFile(factsFile, JSON.stringify(facts.map((f) => (f.id === 'story-tower' ? { ...f, text: 'Elodie Marchal keeps an old radio at the top of a lighthouse. Every night she reads a story into it.' } : f))));
    companion = await start();
    const after = await companion.app.inject({ method: 'GET', url: '/book.epub' });
    expect(after.statusCode).toBe(200);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    const episode = (await readEpubText(after.rawPayload)).get('EPUB/episode-the-tower.xhtml') ?? '';
    expect(episode).toContain('keeps an old radio at the top of a lighthouse.</span>');
    expect(episode).not.toContain('keeps a small radio');
    expect(await books()).toHaveLength(1);
  });
});
