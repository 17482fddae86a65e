/**
 * `npm run export -- --out DIR [--base-url URL]`: writes the whole site —
 * player pages, assets, audio, tracks, transcripts, API JSON and the feed —
 * as plain files that any static host or CDN can serve.
 *
 * Every API file is fetched from the real app (`app.inject`), so an export
 * holds exactly what the live server would answer.
 */
import { cp, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { ASSET_ROOTS, buildApp } from '../app.js';
import { createCatalog, type Catalog } from '../catalog.js';
import { PROJECT_ROOT } from '../config.js';
import { ContentError, loadContentPack } from '../content/load.js';
import { createRenditions } from '../renditions/renditions.js';
import { createEmbeddedEngine } from '../speech/embedded/embedded-engine.js';

/** Every API path a static copy needs, with file extensions so static hosts type them right. */
export function exportPaths(catalog: Catalog, formats: readonly string[]): string[] {
  const paths = ['/feed.xml', '/api/episodes.json', '/api/people.json'];
  for (const { episode } of catalog.entries) {
    const api = `/api/episodes/${episode.id}`;
    paths.push(`${api}.json`, `${api}/captions.vtt`, `${api}/chapters.vtt`, `${api}/chapters.json`, `${api}/transcript.json`, `${api}/transcript.html`);
    for (const format of formats) paths.push(`${api}/audio.${format}`);
  }
  for (const person of catalog.pack.people) paths.push(`/api/people/${person.id}.json`);
  for (const entry of catalog.pack.lexicon) paths.push(`/api/pronounce/${entry.id}.json`, `/api/pronounce/${entry.id}.wav`);
  return paths;
}

/** Writes the export of `app` into `out`. Returns the number of files written. */
export async function exportSite(app: FastifyInstance, catalog: Catalog, options: { out: string; siteDir: string; formats: readonly string[]; onFile?: (file: string) => void }): Promise<number> {
  const { out } = options;
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  // Pages first, then assets: the same folders @fastify/static serves.
  await cp(options.siteDir, out, { recursive: true });
  for (const root of ASSET_ROOTS) {
    if ((await stat(root).catch(() => undefined)) !== undefined) await cp(root, path.join(out, 'assets'), { recursive: true });
  }
  let written = (await readdir(out, { recursive: true })).length;
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

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, 'base-url': { type: 'string' }, content: { type: 'string' }, cache: { type: 'string' } },
    strict: true,
  });
  if (values.out === undefined) {
    process.stderr.write('Usage: npm run export -- --out DIR [--base-url URL] [--content DIR] [--cache DIR]\n--out is required: the folder to write the site into.\n');
    process.exit(2);
  }
  const baseUrl = values['base-url'] ?? 'http://localhost:8080';
  if (values['base-url'] === undefined) {
    process.stderr.write(`No --base-url given: the feed's links will point at ${baseUrl}. Give the address the site will be served from.\n`);
  }
  const contentDir = path.resolve(values.content ?? process.env.CONTENT_DIR ?? path.join(PROJECT_ROOT, 'audio-scripts', 'content'));
  const cacheDir = path.resolve(values.cache ?? process.env.CACHE_DIR ?? path.join(PROJECT_ROOT, '.cache'));
  let pack;
  try {
    pack = await loadContentPack(contentDir);
  } catch (error) {
    if (!(error instanceof ContentError)) throw error;
    process.stderr.write(`${error.message}\nNothing was exported.\n`);
    process.exit(1);
  }
  const catalog = createCatalog(pack);
  const engine = createEmbeddedEngine();
  const renditions = createRenditions({ engine, cacheDir });
  const siteDir = path.join(cacheDir, 'site');
  const app = await buildApp({ catalog, renditions, engine, siteDir, baseUrl });
  try {
    const out = path.resolve(values.out);
    const count = await exportSite(app, catalog, { out, siteDir, formats: renditions.formats, onFile: (url) => process.stdout.write(`  ${url}\n`) });
    process.stdout.write(`Exported ${count} files to ${out}. Serve that folder with any static file server.\n`);
  } finally {
    await app.close();
    await engine.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    process.stderr.write(`The export failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
