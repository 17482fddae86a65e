/**
 * Writes the generated pages (one per episode, and the home page) into a
 * folder that `@fastify/static` serves and that a static export copies, with
 * the service worker at the site's root so that its scope is the whole site.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Catalog } from '../catalog.js';
import { PROJECT_ROOT } from '../config.js';
import { writeAtomic } from '../files.js';
import { renderPlayerPage } from './player-page.js';

/** Where the player's files come from: the compiled scripts and the hand-written CSS, both served at /assets/. */
const ASSET_FOLDERS = [path.join(PROJECT_ROOT, 'dist', 'web'), path.join(PROJECT_ROOT, 'web', 'static')];
const SERVICE_WORKER = 'sw.js';

/**
 * The service worker, prefixed with the shell it caches and a version that
 * changes whenever a shell file does (so an updated player replaces the old).
 * Undefined when the player scripts are not built.
 */
export async function serviceWorkerSource(): Promise<string | undefined> {
  const compiled = await readFile(path.join(ASSET_FOLDERS[0] ?? '', SERVICE_WORKER), 'utf8').catch(() => undefined);
  if (compiled === undefined) return undefined;
  const hash = createHash('sha256');
  const shell: string[] = [];
  for (const folder of ASSET_FOLDERS) {
    const names = (await readdir(folder).catch(() => [] as string[])).filter((name) => /\.(js|css)$/.test(name) && name !== SERVICE_WORKER).sort();
    for (const name of names) {
      shell.push(`/assets/${name}`);
      hash.update(name).update(await readFile(path.join(folder, name)));
    }
  }
  // tsc emits the worker as a module; a classic worker script must not end in an export.
  const body = compiled.replace(/^export \{\};?\s*$/m, '').replace(/^\/\/# sourceMappingURL=.*$/m, '');
  return `const SHELL_VERSION = ${JSON.stringify(hash.digest('hex').slice(0, 16))};\nconst SHELL_FILES = ${JSON.stringify(shell)};\n${body}`;
}

export async function writeSite(catalog: Catalog, siteDir: string): Promise<void> {
  await rm(path.join(siteDir, 'episodes'), { recursive: true, force: true });
  await mkdir(siteDir, { recursive: true });
  const first = catalog.entries[0];
  if (first !== undefined) await writeAtomic(path.join(siteDir, 'index.html'), renderPlayerPage(catalog, first));
  for (const entry of catalog.entries) {
    const folder = path.join(siteDir, 'episodes', entry.episode.id);
    await mkdir(folder, { recursive: true });
    await writeAtomic(path.join(folder, 'index.html'), renderPlayerPage(catalog, entry));
  }
  const worker = await serviceWorkerSource();
  if (worker === undefined) await rm(path.join(siteDir, SERVICE_WORKER), { force: true });
  else await writeAtomic(path.join(siteDir, SERVICE_WORKER), worker);
}
