/**
 * `npm run export -- --out DIR [--base-url URL]`: writes the whole site —
 * player pages, fingerprinted assets (with gzip and brotli copies), audio,
 * tracks, transcripts, SSML, API JSON, the feed and the talking book — as
 * plain files that any static host or CDN can serve. `--epub FILE` writes the
 * talking book alone (./export-book.ts).
 *
 * Every API file is fetched from the real app (`app.inject`), so an export
 * holds exactly what the live server would answer, made by the same speech
 * engine and encoders `npm start` would pick.
 */
import { cp, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { BOOK_URL } from '../book/book-paths.js';
import { BookRefused } from '../book/book.js';
import { availableEncoders } from '../audio/encoders.js';
import { createCatalog, type Catalog } from '../catalog.js';
import { ENGINE_CHOICES, PROJECT_ROOT, type EngineChoice } from '../config.js';
import { ContentError, loadContentPack } from '../content/load.js';
import { episodeTaggerFor } from '../renditions/episode-tags.js';
import { createRenditions } from '../renditions/renditions.js';
import { selectSpeechEngine } from '../speech/select.js';
import { BookFileRefused, exportBook, progressLine } from './export-book.js';

/**
 * Every API path a static copy needs, with file extensions so static hosts type them right.
 * Not `/api/voices.json`: a static host ignores `?rate=` and `?voice=` and answers every
 * one with the single rendition it holds, so a copy offers no voice or rate to choose.
 */
export function exportPaths(catalog: Catalog, formats: readonly string[]): string[] {
  const paths = ['/feed.xml', BOOK_URL, '/api/episodes.json', '/api/people.json'];
  for (const { episode } of catalog.entries) {
    const api = `/api/episodes/${episode.id}`;
    paths.push(`${api}.json`, `${api}.ssml`, `${api}/captions.vtt`, `${api}/chapters.vtt`, `${api}/chapters.json`, `${api}/transcript.json`, `${api}/transcript.html`);
    for (const format of formats) paths.push(`${api}/audio.${format}`);
  }
  for (const person of catalog.pack.people) paths.push(`/api/people/${person.id}.json`);
  for (const entry of catalog.pack.lexicon) paths.push(`/api/pronounce/${entry.id}.json`, `/api/pronounce/${entry.id}.wav`, `/api/pronounce/${entry.id}/spelled.wav`);
  return paths;
}

/** The export would overwrite files that are not an earlier export. */
export class ExportRefused extends Error {
  override readonly name = 'ExportRefused';
}

/** An export replaces its folder: only an empty folder or an earlier export may be replaced, never other files. */
async function refuseToOverwrite(out: string): Promise<void> {
  const info = await stat(out).catch(() => undefined);
  if (info === undefined) return;
  if (!info.isDirectory()) throw new ExportRefused(`${out} is a file, not a folder: give a folder to write the site into`);
  const names = await readdir(out);
  if (names.length === 0) return;
  if (names.includes('feed.xml') && names.includes('index.html') && names.includes('api')) return;
  throw new ExportRefused(`${out} holds other files (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}): give an empty folder or an earlier export to replace`);
}

/** Writes the export of `app` into `out`. Returns the number of files written. */
export async function exportSite(app: FastifyInstance, catalog: Catalog, options: { out: string; siteDir: string; formats: readonly string[]; onFile?: (file: string) => void }): Promise<number> {
  const { out } = options;
  await refuseToOverwrite(out);
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  // The pages, the service worker and the fingerprinted assets: the folder @fastify/static
  // serves, without half-written folders another process may be staging (dot names).
  await cp(options.siteDir, out, { recursive: true, filter: (source) => !path.basename(source).startsWith('.') });
  let written = (await readdir(out, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile()).length;
  for (const url of exportPaths(catalog, options.formats)) {
    const response = await app.inject({ method: 'GET', url });
    if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}: ${response.body.slice(0, 200)}`);
    const file = path.join(out, ...url.split('/').filter(Boolean));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, response.rawPayload);
    options.onFile?.(url);
    written++;
  }
  return written;
}

export interface ExportSettings {
  readonly out: string;
  readonly contentDir: string;
  readonly cacheDir: string;
  /** The address the site will be served from: the feed's links are absolute. */
  readonly baseUrl: string;
  readonly engine: EngineChoice;
  readonly onFile?: (url: string) => void;
}

/**
 * Renders what is not in the cache yet and writes the whole site into `settings.out`.
 * @throws ContentError when the content pack is broken, ExportRefused when `out` holds
 * other files; nothing is written then.
 */
export async function exportStatic(settings: ExportSettings): Promise<{ files: number; formats: readonly string[]; engine: string }> {
  await refuseToOverwrite(settings.out);
  const catalog = createCatalog(await loadContentPack(settings.contentDir));
  const { engine } = await selectSpeechEngine(settings.engine);
  try {
    const renditions = createRenditions({ engine, encoders: await availableEncoders(), cacheDir: settings.cacheDir, tagger: await episodeTaggerFor(catalog, engine.name) });
    const siteDir = path.join(settings.cacheDir, 'site');
    const app = await buildApp({ catalog, renditions, engine, siteDir, baseUrl: settings.baseUrl });
    try {
      const files = await exportSite(app, catalog, { out: settings.out, siteDir, formats: renditions.formats, ...(settings.onFile ? { onFile: settings.onFile } : {}) });
      return { files, formats: renditions.formats, engine: engine.name };
    } finally {
      await app.close();
    }
  } finally {
    await engine.close();
  }
}

const USAGE = `Usage: npm run export -- --out DIR [options]
       npm run export -- --epub FILE [options]

--out writes the whole site as plain files for any static host or CDN (the
talking book included, as book.epub). --epub writes the talking book alone:
EPUB 3 with Media Overlays, for Thorium, DAISY players and reading apps.
Either renders first what the cache does not hold yet.

Options (environment variable in brackets):
  --out DIR          the folder to write the site into (replaced if it exists)
  --epub FILE        the file to write the talking book to (replaced if it exists)
  --base-url URL     the address the site will be served from, for the feed's absolute
                     links [PUBLIC_BASE_URL] (default http://localhost:8080)
  --content DIR      content pack folder [CONTENT_DIR] (default audio-scripts/content)
  --cache DIR        render cache, reused from npm start [CACHE_DIR] (default .cache)
  --engine NAME      auto, embedded, espeak-ng or say [SPEECH_ENGINE] (default auto)
  -h, --help         show this help
`;

function fail(message: string, code: number): never {
  process.stderr.write(message);
  process.exit(code);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        out: { type: 'string' },
        epub: { type: 'string' },
        'base-url': { type: 'string' },
        content: { type: 'string' },
        cache: { type: 'string' },
        engine: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    fail(`${(error as Error).message}\n\n${USAGE}`, 2);
  }
  if (values.help === true) {
    process.stdout.write(USAGE);
    return;
  }
  if (values.out === undefined && values.epub === undefined) fail(`--out or --epub is required: the folder to write the site into, or the file to write the talking book to.\n\n${USAGE}`, 2);
  const engine = values.engine ?? process.env.SPEECH_ENGINE ?? 'auto';
  if (!(ENGINE_CHOICES as readonly string[]).includes(engine)) fail(`--engine (or SPEECH_ENGINE) must be one of ${ENGINE_CHOICES.join(', ')}, not "${engine}"\n`, 2);
  const contentDir = path.resolve(values.content ?? process.env.CONTENT_DIR ?? path.join(PROJECT_ROOT, 'audio-scripts', 'content'));
  const cacheDir = path.resolve(values.cache ?? process.env.CACHE_DIR ?? path.join(PROJECT_ROOT, '.cache'));

  if (values.epub !== undefined) {
    const file = path.resolve(values.epub);
    process.stdout.write(`Making the talking book ${file}\n`);
    try {
      const made = await exportBook({ file, contentDir, cacheDir, engine: engine as EngineChoice, onProgress: (progress) => process.stdout.write(`${progressLine(progress)}\n`) });
      process.stdout.write(`Wrote the talking book of ${made.episodes} episodes (${(made.bytes / 1_048_576).toFixed(1)} MB; speech: ${made.engine}) to ${file}. Open it in Thorium Reader or a DAISY player.\n`);
    } catch (error) {
      if (!(error instanceof ContentError) && !(error instanceof BookRefused) && !(error instanceof BookFileRefused)) throw error;
      fail(`${error instanceof BookRefused ? `The content pack cannot make a valid book: ${error.message}` : error.message}\nThe book was not written.\n`, 1);
    }
  }
  if (values.out === undefined) return;

  const givenBase = values['base-url'] ?? process.env.PUBLIC_BASE_URL;
  const baseUrl = (givenBase ?? 'http://localhost:8080').replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]/.test(baseUrl)) fail(`--base-url (or PUBLIC_BASE_URL) must be an http or https address, not "${baseUrl}"\n`, 2);
  if (givenBase === undefined) {
    process.stderr.write(`No --base-url given: the feed's links will point at ${baseUrl}. Give the address the site will be served from.\n`);
  }
  const out = path.resolve(values.out);
  try {
    const { files, formats, engine: used } = await exportStatic({
      out,
      baseUrl,
      engine: engine as EngineChoice,
      contentDir,
      cacheDir,
      onFile: (url) => process.stdout.write(`  ${url}\n`),
    });
    process.stdout.write(`Exported ${files} files (audio: ${formats.join(', ')}; speech: ${used}) to ${out}. Serve that folder with any static file server.\n`);
  } catch (error) {
    if (!(error instanceof ContentError) && !(error instanceof ExportRefused)) throw error;
    fail(`${error.message}\nNothing was exported.\n`, 1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    process.stderr.write(`The export failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
