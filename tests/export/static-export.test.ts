/**
 * The static export, served by a plain static file server that is not ours
 * (sirv), and the player's browser tests run against it in Chromium: the same
 * page states and axe scans as tests/browser, keyboard playback, transcript
 * seeking, captions, episode changes, and a podcast feed whose every link
 * resolves on the static host; the same feed, tag and HTML checks as the server's.
 *
 * The export is made the way a host makes it: the built CLI,
 * `node dist/server/cli/export.js --out DIR --base-url URL`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sirv from 'sirv';
import { afterAll, beforeAll, describe, expect, inject } from 'vitest';
import { audioState, expectOneAnnouncement, FIRST, openPlayer, playFromKeyboard, reach, SECOND, state, STATES, tabTo } from '../browser/player-states.js';
import { assertBuilt, axeViolations, browserTest as test, describeViolations, NIGHT_RADIO } from '../helpers/browser.js';
import { ROOT } from '../helpers/paths.js';
import { parsePodcastFeed } from '../helpers/podcast-feed.js';
import { parseBuffer } from 'music-metadata';
import { parseFeed } from 'podcast-partytime';
import { podcastGuid } from '../../server/src/feed/podcast-guid.js';
import { checkHtml, htmlProblems } from '../helpers/html-validator.js';
import { imageSize } from '../helpers/image-size.js';

const EXPORT_CLI = path.join(ROOT, 'dist', 'server', 'cli', 'export.js');

let work: string;
let out: string;
let server: Server;
let baseUrl: string;
let exportOutput: string;

beforeAll(async () => {
  assertBuilt();
  if (!existsSync(EXPORT_CLI)) throw new Error('The export CLI is not built: run `npm run build` first (npm test does).');
  work = await mkdtemp(path.join(tmpdir(), 'atl-export-'));
  out = path.join(work, 'site');

  // The port first: the feed's links are absolute, so the export must know where it will be served.
  let handle: (request: IncomingMessage, response: ServerResponse) => void = (_request, response) => response.writeHead(503).end();
  server = createServer((request, response) => handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const result = spawnSync(
    process.execPath,
    [EXPORT_CLI, '--out', out, '--base-url', baseUrl, '--content', NIGHT_RADIO, '--cache', inject('renderCache'), '--engine', 'embedded'],
    { encoding: 'utf8', timeout: 300_000 },
  );
  exportOutput = `${result.stdout}\n${result.stderr}`;
  if (result.status !== 0) throw new Error(`the export failed (${result.status}):\n${exportOutput}`);

  // A plain static file server: files as they are, with the .br and .gz copies the export wrote.
  handle = sirv(out, { etag: true, brotli: true, gzip: true, dev: false });
}, 300_000);

/**
 * The export command as a process, with the event loop free meanwhile. (Blocking it, as
 * spawnSync does, for longer than the static host keeps an idle connection, lets the host close
 * one in the same turn as the next fetch reuses it: ECONNRESET on a busy machine.)
 */
function exportCommand(args: readonly string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [EXPORT_CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('the export', () => {
  test('says what it wrote and holds the whole site: pages, fingerprinted assets, audio, tracks, transcripts, JSON, the feed and the talking book', async () => {
    expect(exportOutput).toMatch(/Exported \d+ files \(audio: wav, mp3/);
    const files = (await readdir(out, { recursive: true })).map((f) => f.split(path.sep).join('/'));
    const version = /^assets\/([0-9a-f]{16})\/main\.js$/m.exec(files.join('\n'))?.[1];
    expect(version).toBeDefined();
    for (const file of [
      'index.html',
      'index.html.br',
      'index.html.gz',
      'sw.js',
      'feed.xml',
      'book.epub',
      `assets/${version}/main.js.br`,
      `assets/${version}/player.css.gz`,
      'episodes/the-tower/index.html',
      'episodes/the-makers/index.html',
      'api/episodes.json',
      'api/episodes/the-tower.json',
      'api/episodes/the-tower.ssml',
      'api/episodes/the-tower/audio.mp3',
      'api/episodes/the-tower/audio.wav',
      'api/episodes/the-tower/captions.vtt',
      'api/episodes/the-tower/chapters.vtt',
      'api/episodes/the-tower/chapters.json',
      'api/episodes/the-tower/transcript.json',
      'api/episodes/the-tower/transcript.html',
      'api/people.json',
    ]) {
      expect(files, file).toContain(file);
    }
  });

  test('every link in the exported episode JSON resolves on the static host', async () => {
    const list = (await (await fetch(`${baseUrl}/api/episodes.json`)).json()) as { episodes: { links: Record<string, string | Record<string, string>> }[] };
    expect(list.episodes).toHaveLength(2);
    for (const { links } of list.episodes) {
      const urls = Object.values(links).flatMap((link) => (typeof link === 'string' ? [link] : Object.values(link)));
      expect(urls.length).toBeGreaterThanOrEqual(11);
      for (const url of urls) {
        const response = await fetch(`${baseUrl}${url}`, { method: 'HEAD' });
        expect(response.status, url).toBe(200);
      }
    }
  });

  test('the static host serves the audio with Range, and the assets from their brotli copies', async () => {
    const range = await fetch(`${baseUrl}/api/episodes/the-tower/audio.mp3`, { headers: { range: 'bytes=0-99' } });
    expect(range.status).toBe(206);
    expect((await range.arrayBuffer()).byteLength).toBe(100);
    const page = await (await fetch(`${baseUrl}/`)).text();
    const script = /<script type="module" src="([^"]+)"/.exec(page)?.[1] ?? '';
    expect(script).toMatch(/^\/assets\/[0-9a-f]{16}\/main\.js$/);
    const compressed = await fetch(`${baseUrl}${script}`, { headers: { 'accept-encoding': 'br' } });
    expect(compressed.status).toBe(200);
    expect(compressed.headers.get('content-encoding')).toBe('br');
  });

  test('refuses to write over a folder that is not an earlier export, and says so, touching nothing', async () => {
    // A folder of someone's own files (made here: a mistake must never cost more than this).
    const precious = path.join(work, 'notes');
    await mkdir(precious);
    await writeFile(path.join(precious, 'diary.txt'), 'mine');
    const result = await exportCommand(['--out', precious, '--base-url', baseUrl, '--content', NIGHT_RADIO]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${precious} holds other files (diary.txt)`);
    expect(result.stderr).toContain('Nothing was exported.');
    expect(await readdir(precious)).toEqual(['diary.txt']);
  });

  test('a broken content pack: exits 1 naming the file and the field, and writes nothing', async () => {
    const pack = path.join(work, 'broken-pack');
    await cp(NIGHT_RADIO, pack, { recursive: true });
    const show = JSON.parse(await readFile(path.join(pack, 'show.json'), 'utf8')) as Record<string, unknown>;
    delete show.title;
    await writeFile(path.join(pack, 'show.json'), JSON.stringify(show));
    const target = path.join(work, 'never-written');
    const result = await exportCommand(['--out', target, '--base-url', baseUrl, '--content', pack]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/show\.json.*title/);
    expect(result.stderr).toContain('Nothing was exported.');
    expect(existsSync(target)).toBe(false);
  });
});

describe('the podcast feed of the export', () => {
  test('parses with a real feed parser, and every enclosure, transcript, chapters and person link resolves on the static host', async () => {
    const feed = await parsePodcastFeed(await (await fetch(`${baseUrl}/feed.xml`)).text());
    expect(feed.items.map((item) => item.title)).toEqual([FIRST.title, SECOND.title]);
    for (const item of feed.items) {
      expect(item.enclosure.url.startsWith(`${baseUrl}/`)).toBe(true);
      const enclosure = await fetch(item.enclosure.url);
      expect(enclosure.status, item.enclosure.url).toBe(200);
      expect((await enclosure.arrayBuffer()).byteLength).toBe(Number(item.enclosure.length));
      const links = [...item.transcripts.map((t) => t.$.url), item.chapters.$.url, ...(item.people ?? []).map((p) => p.$.href)];
      expect(links.length).toBeGreaterThanOrEqual(3);
      for (const url of links) {
        expect(url.startsWith(`${baseUrl}/`), url).toBe(true);
        expect((await fetch(url)).status, url).toBe(200);
      }
    }
  });

  test("the channel's link to the talking book resolves on the static host, as an EPUB", async () => {
    const xml = await (await fetch(`${baseUrl}/feed.xml`)).text();
    const href = /<atom:link href="([^"]+)" rel="related" type="application\/epub\+zip"/.exec(xml)?.[1];
    expect(href).toBe(`${baseUrl}/book.epub`);
    const book = await fetch(href!);
    expect(book.status).toBe(200);
    expect(book.headers.get('content-type')).toBe('application/epub+zip');
    expect(Buffer.from(await book.arrayBuffer()).subarray(30, 58).toString('latin1')).toBe('mimetypeapplication/epub+zip');
  });
});

describe('podcast-grade files on the static host', () => {
  test('Podcast Index\'s parser finds the cover, served at its size, and the guid of the feed URL', async () => {
    const feed = parseFeed(await (await fetch(`${baseUrl}/feed.xml`)).text());
    if (feed === null) throw new Error('podcast-partytime could not parse the exported feed');
    expect(feed.guid).toBe(podcastGuid(`${baseUrl}/feed.xml`));
    expect(feed.itunesImage).toBe(`${baseUrl}/artwork/cover-3000.png`);
    const image = await fetch(feed.itunesImage!);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(imageSize(Buffer.from(await image.arrayBuffer()))).toMatchObject({ width: 3000, height: 3000 });
  });

  test('each MP3 has its ID3v2.4 tag: title, cover, and the chapters of its chapters.json', async () => {
    for (const { id, title } of [FIRST, SECOND]) {
      const mp3 = Buffer.from(await (await fetch(`${baseUrl}/api/episodes/${id}/audio.mp3`)).arrayBuffer());
      const { common, format } = await parseBuffer(mp3, { mimeType: 'audio/mpeg' }, { includeChapters: true });
      expect(format.tagTypes).toEqual(['ID3v2.4']);
      expect(common.title).toBe(title);
      expect(common.picture?.[0]?.format).toBe('image/png');
      const json = (await (await fetch(`${baseUrl}/api/episodes/${id}/chapters.json`)).json()) as { chapters: { startTime: number; title: string }[] };
      expect(format.chapters?.map((c) => c.title)).toEqual(json.chapters.map((c) => c.title));
      format.chapters?.forEach((chapter, i) => expect(Math.abs(chapter.start - json.chapters[i]!.startTime)).toBeLessThanOrEqual(0.01));
    }
  });

  test('every exported page is valid HTML (Nu HTML Checker)', async () => {
    const pages = ['/', FIRST.path, SECOND.path];
    const documents = await Promise.all(pages.map(async (url) => ({ name: url, html: await (await fetch(`${baseUrl}${url}`)).text() })));
    expect(htmlProblems(await checkHtml(documents))).toEqual([]);
  });
});

describe("the player's browser tests, against the static host", () => {
  test.for(STATES)('$name: axe finds nothing, and the page has no errors', async (s, { browser }) => {
    const { page, errors, close } = await reach(browser, baseUrl, s);
    try {
      const violations = await axeViolations(page);
      expect(violations, describeViolations(violations)).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  test('the keyboard starts playback and time advances; a transcript sentence seeks to its cue', async ({ browser }) => {
    const { page, errors, close } = await reach(browser, baseUrl, state('playing'));
    const first = (await audioState(page)).time;
    await page.waitForFunction((t) => document.querySelector('audio')!.currentTime > t + 0.4, first, { timeout: 10_000 });
    expect((await audioState(page)).paused).toBe(false);

    const timeline = JSON.parse(await readFile(path.join(out, 'api', 'episodes', 'the-tower', 'transcript.json'), 'utf8')) as { sentences: { id: string; startMs: number }[] };
    const cue = timeline.sentences.find((s) => s.id === 'c3.s3');
    expect(cue).toBeDefined();
    await page.locator('a[data-sentence="c3.s3"]').focus();
    await expectOneAnnouncement(page, () => page.keyboard.press('Enter'), `Playing from ${Math.floor((cue?.startMs ?? 0) / 1000)} seconds`);
    await page.waitForFunction(() => document.querySelector('a[data-sentence="c3.s3"]')?.getAttribute('aria-current') === 'true');
    expect(Math.abs((await audioState(page)).time - (cue?.startMs ?? 0) / 1000)).toBeLessThan(1.5);
    expect(errors).toEqual([]);
    await close();
  });

  test('the captions and chapters tracks load from the static host', async ({ browser }) => {
    const { page, errors, close } = await openPlayer(browser, baseUrl);
    const tracks = await page.evaluate(async () => {
      const elements = Array.from(document.querySelectorAll('audio track')) as HTMLTrackElement[];
      // A track loads once it is not disabled, then says so with a load or an error event (readyState LOADED is 2, ERROR 3).
      const settled = elements.map((element) =>
        element.readyState >= 2
          ? undefined
          : new Promise((resolve) => {
              element.addEventListener('load', resolve, { once: true });
              element.addEventListener('error', resolve, { once: true });
            }),
      );
      for (const element of elements) if (element.track.mode === 'disabled') element.track.mode = 'hidden';
      await Promise.all(settled);
      return elements.map((element) => ({ kind: element.kind, readyState: element.readyState, cues: element.track.cues?.length ?? 0 }));
    });
    expect(tracks).toEqual([
      { kind: 'captions', readyState: 2, cues: expect.any(Number) },
      { kind: 'chapters', readyState: 2, cues: 3 },
    ]);
    expect(tracks[0]!.cues).toBeGreaterThan(8);
    expect(errors).toEqual([]);
    await close();
  });

  test('next episode changes in place: page, title and audio follow', async ({ browser }) => {
    const { page, errors, close } = await openPlayer(browser, baseUrl);
    await tabTo(page, '[data-request="episode"][data-direction="1"]');
    await expectOneAnnouncement(page, () => page.keyboard.press('Enter'), `Episode 2 of 2: ${SECOND.title}`);
    expect(new URL(page.url()).pathname).toBe(SECOND.path);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(SECOND.title);
    await page.waitForFunction(() => document.querySelector('audio')!.currentSrc.includes('/the-makers/'));
    await playFromKeyboard(page);
    expect((await audioState(page)).src).toBe(`${baseUrl}/api/episodes/the-makers/audio.mp3`);
    expect(errors).toEqual([]);
    await close();
  });

  test('an episode page opened directly works too', async ({ browser }) => {
    const { page, errors, close } = await openPlayer(browser, baseUrl, SECOND.path);
    expect(await page.getByRole('region', { name: `Player: ${SECOND.title}` }).count()).toBe(1);
    await playFromKeyboard(page);
    expect(errors).toEqual([]);
    await close();
  });
});
