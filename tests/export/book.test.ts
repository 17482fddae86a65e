/**
 * The talking book of the real content pack, made the way a host makes it
 * (the built CLI, `node dist/server/cli/export.js --epub FILE`, with the native
 * espeak-ng engine), then judged by what readers and validators see:
 *
 * - EPUBCheck (Debian's `epubcheck`): no fatal, error or warning;
 * - Ace by DAISY (`ace-cli`, Chromium through puppeteer): no violation;
 * - the overlays against the render's time line (the transcript): a `par` per
 *   sentence, clips equal to its times, every reference resolving, clips tiling
 *   the audio, the total duration matching the audio as ffprobe measures it;
 * - a reading system's view: Readium's parser (r2-shared-js) reads the table
 *   of contents and the first sentence's clip.
 *
 * The book is made once for the file; both validators run at once while the
 * other checks go on.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DOMParser, type Element as XmlElement } from '@xmldom/xmldom';
import { initGlobalConverters_GENERIC, initGlobalConverters_SHARED } from 'r2-shared-js/dist/es8-es2017/src/init-globals.js';
import type { MediaOverlayNode } from 'r2-shared-js/dist/es8-es2017/src/models/media-overlay.js';
import { EpubParsePromise, getMediaOverlay } from 'r2-shared-js/dist/es8-es2017/src/parser/epub.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { availableEncoders } from '../../server/src/audio/encoders.js';
import { createCatalog, type Catalog } from '../../server/src/catalog.js';
import { loadContentPack } from '../../server/src/content/load.js';
import { createRenditions } from '../../server/src/renditions/renditions.js';
import type { Timeline } from '../../server/src/shared/timeline.js';
import { selectSpeechEngine } from '../../server/src/speech/select.js';
import { chromiumPath } from '../helpers/browser.js';
import { readZip, type ZipEntry } from '../helpers/epub.js';
import { CONTENT_DIR, ROOT } from '../helpers/paths.js';

const EXPORT_CLI = path.join(ROOT, 'dist', 'server', 'cli', 'export.js');
const EPUBCHECK_JAR = '/usr/share/java/epubcheck.jar';
const ACE = path.join(ROOT, 'node_modules', '.bin', 'ace-cli');
/** The issue's bounds: a clip within 1 ms of the transcript, no silence over 1.5 s between clips but at a chapter, the total within 0.5 s of the audio. */
const CLIP_MS = 1;
const GAP_MS = 1500;
const TOTAL_MS = 500;

interface Ran {
  readonly status: number | null;
  readonly output: string;
}

/** Runs a program to its end, never rejecting: the test that awaits it says what went wrong. */
function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => resolve({ status: null, output: `${output}${error.message}` }));
    child.on('close', (status) => resolve({ status, output }));
  });
}

let work: string;
let bookFile: string;
let entries: ZipEntry[];
let files: Map<string, string>;
let catalog: Catalog;
const timelines = new Map<string, Timeline>();
let epubcheck: Promise<Ran>;
let ace: Promise<Ran>;

const xml = (text: string, type = 'application/xml') => new DOMParser().parseFromString(text, type);
const elements = (node: { getElementsByTagName(name: string): ArrayLike<XmlElement> }, name: string): XmlElement[] => Array.from(node.getElementsByTagName(name));
/** Seconds of a SMIL clock value `hh:mm:ss.fff`, in ms. */
const clockMs = (value: string): number => {
  const [h = '0', m = '0', s = '0'] = value.split(':');
  return Math.round((Number(h) * 3600 + Number(m) * 60 + Number(s)) * 1000);
};

beforeAll(async () => {
  if (!existsSync(EXPORT_CLI)) throw new Error('The export CLI is not built: run `npm run build` first (npm test does).');
  if (!existsSync(EPUBCHECK_JAR)) throw new Error(`No EPUBCheck at ${EPUBCHECK_JAR}: apt-get install -y epubcheck default-jre-headless (the CI script does).`);
  work = await mkdtemp(path.join(tmpdir(), 'atl-book-'));
  bookFile = path.join(work, 'book.epub');
  const cacheDir = path.join(work, 'cache');
  const made = spawnSync(process.execPath, [EXPORT_CLI, '--epub', bookFile, '--content', CONTENT_DIR, '--cache', cacheDir, '--engine', 'espeak-ng'], { encoding: 'utf8', timeout: 300_000 });
  if (made.status !== 0) throw new Error(`the book's export failed (${made.status}):\n${made.stdout}\n${made.stderr}`);

  const aceOut = path.join(work, 'ace');
  epubcheck = run('java', ['-jar', EPUBCHECK_JAR, bookFile, '--json', path.join(work, 'epubcheck.json')]);
  ace = run(ACE, ['--silent', '--force', '--outdir', aceOut, bookFile], { ...process.env, PUPPETEER_EXECUTABLE_PATH: chromiumPath(), PUPPETEER_SKIP_DOWNLOAD: '1' });

  entries = await readZip(await readFile(bookFile));
  files = new Map(entries.map((entry) => [entry.name, entry.data.toString('utf8')]));
  catalog = createCatalog(await loadContentPack(CONTENT_DIR));
  // The transcript's times: the renders the export stored, read back with the engine it chose.
  const { engine } = await selectSpeechEngine('espeak-ng');
  try {
    const renditions = createRenditions({ engine, cacheDir, encoders: await availableEncoders() });
    for (const entry of catalog.entries) {
      const rendition = await renditions.findCached({ narration: entry.narration, format: 'mp3', rate: 1 });
      if (rendition === undefined) throw new Error(`the export left no MP3 of ${entry.episode.id} in the cache`);
      timelines.set(entry.episode.id, rendition);
    }
  } finally {
    await engine.close();
  }
  initGlobalConverters_SHARED();
  initGlobalConverters_GENERIC();
}, 600_000);

afterAll(async () => {
  await Promise.all([epubcheck, ace]);
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('validators', () => {
  test('EPUBCheck reports no fatal error, no error and no warning', async () => {
    const { status, output } = await epubcheck;
    const report = JSON.parse(await readFile(path.join(work, 'epubcheck.json'), 'utf8')) as {
      checker: { nFatal: number; nError: number; nWarning: number };
      messages: { ID: string; severity: string; message: string; locations: { path: string; line: number }[] }[];
    };
    const problems = report.messages.map((m) => `${m.severity} ${m.ID} ${m.message} (${m.locations.map((l) => `${l.path}:${l.line}`).join(', ')})`);
    expect(problems, output).toEqual([]);
    expect({ fatals: report.checker.nFatal, errors: report.checker.nError, warnings: report.checker.nWarning }).toEqual({ fatals: 0, errors: 0, warnings: 0 });
    expect(status, output).toBe(0);
  }, 300_000);

  test('Ace by DAISY reports no violation', async () => {
    const { status, output } = await ace;
    expect(status, output).toBe(0);
    const report = JSON.parse(await readFile(path.join(work, 'ace', 'report.json'), 'utf8')) as {
      'earl:result': { 'earl:outcome': string };
      assertions: { 'earl:testSubject': { url: string }; assertions: { 'earl:test': { 'dct:title': string; 'earl:impact': string }; 'earl:result': { 'earl:outcome': string; 'dct:description': string } }[] }[];
      'a11y-metadata': { present: string[] };
    };
    const violations = report.assertions.flatMap((document) =>
      document.assertions.map((a) => `${document['earl:testSubject'].url}: ${a['earl:test']['earl:impact']} ${a['earl:test']['dct:title']}: ${a['earl:result']['dct:description']}`),
    );
    expect(violations).toEqual([]);
    expect(report['earl:result']['earl:outcome']).toBe('pass');
    expect(report['a11y-metadata'].present).toEqual(expect.arrayContaining(['schema:accessMode', 'schema:accessModeSufficient', 'schema:accessibilityFeature', 'schema:accessibilityHazard', 'schema:accessibilitySummary', 'dcterms:conformsTo']));
  }, 300_000);
});

describe('the overlays against the time line', () => {
  const parsed = new Map<string, Map<string, XmlElement>>();
  /** The elements of a content document, by id. */
  const idsOf = (name: string): Map<string, XmlElement> => {
    let ids = parsed.get(name);
    if (ids === undefined) {
      const document = xml(files.get(`EPUB/${name}`) ?? '', 'application/xhtml+xml');
      ids = new Map(elements(document, '*').flatMap((element) => (element.hasAttribute('id') ? [[element.getAttribute('id') ?? '', element] as const] : [])));
      parsed.set(name, ids);
    }
    return ids;
  };
  const parsOf = (episodeId: string) => elements(xml(files.get(`EPUB/overlays/${episodeId}.smil`) ?? ''), 'par');
  const textOf = (element: XmlElement): string => (element.textContent ?? '').replace(/\s+/g, ' ').trim();

  test('each episode has one overlay with one par per transcript sentence, in its order, each clip the sentence\'s times within 1 ms', () => {
    for (const { episode } of catalog.entries) {
      const timeline = timelines.get(episode.id)!;
      const voiced = parsOf(episode.id).filter((par) => elements(par, 'audio').length > 0);
      expect(voiced.map((par) => elements(par, 'text')[0]?.getAttribute('src')?.split('#')[1]), episode.id).toEqual(timeline.sentences.map((s) => s.id));
      voiced.forEach((par, i) => {
        const sentence = timeline.sentences[i]!;
        const audio = elements(par, 'audio')[0]!;
        expect(audio.getAttribute('src')).toBe(`../audio/${episode.id}.mp3`);
        expect(Math.abs(clockMs(audio.getAttribute('clipBegin') ?? '') - sentence.startMs), `${episode.id} ${sentence.id} clipBegin`).toBeLessThanOrEqual(CLIP_MS);
        expect(Math.abs(clockMs(audio.getAttribute('clipEnd') ?? '') - sentence.endMs), `${episode.id} ${sentence.id} clipEnd`).toBeLessThanOrEqual(CLIP_MS);
      });
    }
  });

  test('every text reference resolves to an element holding the transcript\'s words (a heading without the full stop the narration adds)', () => {
    for (const { episode } of catalog.entries) {
      const smil = xml(files.get(`EPUB/overlays/${episode.id}.smil`) ?? '');
      const refs = [...elements(smil, 'text').map((t) => t.getAttribute('src') ?? ''), ...elements(smil, 'seq').map((s) => s.getAttribute('epub:textref') ?? '')];
      const sentences = new Map(timelines.get(episode.id)!.sentences.map((s) => [s.id, s]));
      for (const ref of refs) {
        const [href = '', id = ''] = ref.replace(/^\.\.\//, '').split('#');
        expect(files.has(`EPUB/${href}`), ref).toBe(true);
        const element = idsOf(href).get(id);
        expect(element, `${episode.id}: ${ref}`).toBeDefined();
        const sentence = sentences.get(id);
        if (sentence === undefined) continue;
        const words = /^h[12]$/.test(element!.localName ?? '') ? sentence.text.replace(/([^.])\.$/, '$1') : sentence.text;
        expect(textOf(element!), `${episode.id} ${id}`).toBe(words);
      }
    }
  });

  test('the clips tile each episode\'s audio: no overlap, no silence over 1.5 s but before a chapter title, to within 1.5 s of both ends', async () => {
    for (const { episode } of catalog.entries) {
      const kinds = new Map(timelines.get(episode.id)!.sentences.map((s) => [s.id, s.kind]));
      const clips = parsOf(episode.id).flatMap((par) => {
        const audio = elements(par, 'audio')[0];
        const id = elements(par, 'text')[0]?.getAttribute('src')?.split('#')[1] ?? '';
        return audio === undefined ? [] : [{ id, begin: clockMs(audio.getAttribute('clipBegin') ?? ''), end: clockMs(audio.getAttribute('clipEnd') ?? '') }];
      });
      const audioMs = await probeMs(episode.id);
      expect(clips[0]!.begin, episode.id).toBeLessThanOrEqual(GAP_MS);
      expect(audioMs - clips.at(-1)!.end, episode.id).toBeLessThanOrEqual(GAP_MS);
      clips.slice(1).forEach((clip, i) => {
        const before = clips[i]!;
        expect(clip.begin, `${episode.id} ${clip.id} overlaps ${before.id}`).toBeGreaterThanOrEqual(before.end);
        if (kinds.get(clip.id) !== 'chapter-title') expect(clip.begin - before.end, `${episode.id}: silence before ${clip.id}`).toBeLessThanOrEqual(GAP_MS);
      });
    }
  });

  test('media:duration: each overlay\'s is the sum of its clips; the book\'s is their sum and the audio\'s length (ffprobe) within 0.5 s', async () => {
    const opf = xml(files.get('EPUB/package.opf') ?? '');
    const durations = elements(opf, 'meta').filter((m) => m.getAttribute('property') === 'media:duration');
    const total = durations.find((m) => !m.hasAttribute('refines'));
    expect(total).toBeDefined();
    let sum = 0;
    let audio = 0;
    for (const { episode } of catalog.entries) {
      const own = durations.find((m) => m.getAttribute('refines') === `#overlay-${episode.id}`);
      const clips = parsOf(episode.id).flatMap((par) => elements(par, 'audio')).reduce((ms, a) => ms + clockMs(a.getAttribute('clipEnd') ?? '') - clockMs(a.getAttribute('clipBegin') ?? ''), 0);
      expect(Math.abs(clockMs(own?.textContent ?? '') - clips), episode.id).toBeLessThanOrEqual(CLIP_MS * 2);
      sum += clockMs(own?.textContent ?? '');
      audio += await probeMs(episode.id);
    }
    expect(clockMs(total?.textContent ?? '')).toBe(sum);
    expect(Math.abs(sum - audio)).toBeLessThanOrEqual(TOTAL_MS);
  });

  test('notes are asides typed note, and in the overlay a seq and par typed note (skippable and escapable); headings are typed title', () => {
    const withNotes = catalog.entries.filter(({ facts }) => facts.some((f) => catalog.conflictsOfFact(f.id).length > 0));
    expect(withNotes.length).toBeGreaterThan(0);
    for (const { episode } of withNotes) {
      const smil = xml(files.get(`EPUB/overlays/${episode.id}.smil`) ?? '');
      const noteSeqs = elements(smil, 'seq').filter((s) => s.getAttribute('epub:type') === 'note');
      expect(noteSeqs.length, episode.id).toBeGreaterThan(0);
      for (const seq of noteSeqs) {
        const [href = '', id = ''] = (seq.getAttribute('epub:textref') ?? '').replace(/^\.\.\//, '').split('#');
        const aside = idsOf(href).get(id);
        expect(aside?.localName).toBe('aside');
        expect(aside?.getAttribute('epub:type')).toBe('note');
        expect(elements(seq, 'par').every((par) => par.getAttribute('epub:type') === 'note')).toBe(true);
      }
      const headings = parsOf(episode.id).filter((par) => par.getAttribute('epub:type') === 'title');
      expect(headings.length, episode.id).toBe(catalog.find(episode.id)!.narration.chapters.length + 1);
    }
  });
});

const probed = new Map<string, number>();
/**
 * The episode's MP3 from the book, as ffprobe measures it, in ms: its duration
 * less its start time. ffprobe counts every frame, the encoder's delay at the
 * start included, and reports that delay as the start time (players skip it);
 * what remains is the audio as played plus the last frame's padding.
 */
async function probeMs(episodeId: string): Promise<number> {
  const known = probed.get(episodeId);
  if (known !== undefined) return known;
  const entry = entries.find((e) => e.name === `EPUB/audio/${episodeId}.mp3`);
  if (entry === undefined) throw new Error(`the book has no audio for ${episodeId}`);
  const file = path.join(work, 'probe', `${episodeId}.mp3`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, entry.data);
  const probe = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration,start_time', '-of', 'json', file], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error(`ffprobe failed on ${episodeId}: ${probe.stderr}`);
  const { format } = JSON.parse(probe.stdout) as { format: { duration: string; start_time: string } };
  const ms = Math.round((Number(format.duration) - Number(format.start_time)) * 1000);
  if (!Number.isFinite(ms)) throw new Error(`ffprobe gave no duration for ${episodeId}: ${probe.stdout}`);
  probed.set(episodeId, ms);
  return ms;
}

describe('a reading system\'s view (Readium\'s parser)', () => {
  test('the table of contents is the title page, each episode with its chapters, the cast and the names', async () => {
    const publication = await EpubParsePromise(bookFile);
    expect(publication.Metadata.Title).toBe(catalog.pack.info.title);
    const toc = (publication.TOC ?? []).map((link) => ({ title: link.Title, chapters: (link.Children ?? []).map((child) => child.Title) }));
    expect(toc).toEqual([
      { title: 'Title page', chapters: [] },
      ...catalog.entries.map(({ narration }) => ({ title: narration.title, chapters: narration.chapters.map((c) => `Chapter ${c.number}: ${c.title}`) })),
      { title: 'Who is who', chapters: [] },
      { title: 'How do you say it?', chapters: [] },
    ]);
  });

  test('the first sentence is read from the first episode\'s MP3, over the transcript\'s first clip; the book\'s duration is the overlays\'', async () => {
    const publication = await EpubParsePromise(bookFile);
    const first = catalog.entries[0]!;
    const spine = (publication.Spine ?? []).find((link) => link.Href === `EPUB/episode-${first.episode.id}.xhtml`);
    expect(spine?.MediaOverlays).toBeDefined();
    const overlay = await getMediaOverlay(publication, spine!.Href);
    const firstClip = (node: MediaOverlayNode): MediaOverlayNode | undefined =>
      node.Audio !== undefined && node.Text !== undefined ? node : (node.Children ?? []).map(firstClip).find((found) => found !== undefined);
    const clip = firstClip(overlay);
    const sentence = timelines.get(first.episode.id)!.sentences[0]!;
    expect(clip?.Text).toBe(`EPUB/episode-${first.episode.id}.xhtml#${sentence.id}`);
    expect(clip?.Audio?.split('#')[0]).toBe(`EPUB/audio/${first.episode.id}.mp3`);
    expect(Math.abs((clip?.AudioClipBegin ?? NaN) * 1000 - sentence.startMs)).toBeLessThanOrEqual(CLIP_MS);
    expect(Math.abs((clip?.AudioClipEnd ?? NaN) * 1000 - sentence.endMs)).toBeLessThanOrEqual(CLIP_MS);
    expect(clip?.Role).toContain('title');
    const totalMs = [...timelines.values()].reduce((sum, t) => sum + (t.durationMs - (t.sentences[0]?.startMs ?? 0)), 0);
    expect(Math.abs((publication.Metadata.Duration ?? NaN) * 1000 - totalMs)).toBeLessThanOrEqual(CLIP_MS * catalog.entries.length);
  });
});
