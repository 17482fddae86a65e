/**
 * Writes the generated site into a folder that `@fastify/static` serves and
 * that a static export copies: the player's fingerprinted assets, one page per
 * episode and the home page, and the service worker at the site's root so that
 * its scope is the whole site. Every text file gets gzip and brotli copies.
 * The cover art goes to `artwork/`, an address that stays the same from one
 * version to the next (podcast apps keep the feed's image URL), and the icon
 * to the root (`favicon.ico`, `icon.svg`).
 */
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { COVER_DIR, COVER_IMAGES, COVER_URL_FOLDER } from '../artwork/cover.js';
import { FAVICON, ICON_SVG } from '../artwork/icon.js';
import type { Catalog } from '../catalog.js';
import { ASSET_SOURCES, publishAssets, writeWithCompressedCopies, type PublishedAssets } from './assets.js';
import { renderPlayerPage } from './player-page.js';

const SERVICE_WORKER = 'sw.js';

/**
 * The service worker, prefixed with the shell it caches (the fingerprinted
 * scripts and styles) and the assets' version, which changes whenever a shell
 * file does (so an updated player replaces the old).
 * Undefined when the player scripts are not built.
 */
export async function serviceWorkerSource(assets: PublishedAssets, compiledFolder: string = ASSET_SOURCES[0]): Promise<string | undefined> {
  const compiled = await readFile(path.join(compiledFolder, SERVICE_WORKER), 'utf8').catch(() => undefined);
  if (compiled === undefined) return undefined;
  // tsc emits the worker as a module; a classic worker script must not end in an export.
  const body = compiled.replace(/^export \{\};?\s*$/m, '').replace(/^\/\/# sourceMappingURL=.*$/m, '');
  return `const SHELL_VERSION = ${JSON.stringify(assets.version)};\nconst SHELL_FILES = ${JSON.stringify(assets.shell)};\n${body}`;
}

/** Writes the whole site into `siteDir`; returns where the assets were published. */
export async function writeSite(catalog: Catalog, siteDir: string, coverDir: string = COVER_DIR): Promise<PublishedAssets> {
  await rm(path.join(siteDir, 'episodes'), { recursive: true, force: true });
  await mkdir(siteDir, { recursive: true });
  const artwork = path.join(siteDir, ...COVER_URL_FOLDER.split('/'));
  await mkdir(artwork, { recursive: true });
  await Promise.all(COVER_IMAGES.map((image) => copyFile(path.join(coverDir, image.name), path.join(artwork, image.name))));
  // The icon at the root, where browsers ask for /favicon.ico whatever the page says.
  await Promise.all([FAVICON, ICON_SVG].map((name) => copyFile(path.join(coverDir, name), path.join(siteDir, name))));
  const assets = await publishAssets(siteDir);
  const first = catalog.entries[0];
  if (first !== undefined) await writeWithCompressedCopies(path.join(siteDir, 'index.html'), renderPlayerPage(catalog, first, assets.base));
  for (const entry of catalog.entries) {
    const folder = path.join(siteDir, 'episodes', entry.episode.id);
    await mkdir(folder, { recursive: true });
    await writeWithCompressedCopies(path.join(folder, 'index.html'), renderPlayerPage(catalog, entry, assets.base));
  }
  const worker = await serviceWorkerSource(assets);
  if (worker === undefined) await Promise.all(['', '.br', '.gz'].map((extension) => rm(path.join(siteDir, `${SERVICE_WORKER}${extension}`), { force: true })));
  else await writeWithCompressedCopies(path.join(siteDir, SERVICE_WORKER), worker);
  return assets;
}
