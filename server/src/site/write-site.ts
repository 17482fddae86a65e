/**
 * Writes the generated pages (one per episode, and the home page) into a
 * folder that `@fastify/static` serves and that a static export copies.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Catalog } from '../catalog.js';
import { writeAtomic } from '../files.js';
import { renderPlayerPage } from './player-page.js';

export async function writeSite(catalog: Catalog, siteDir: string): Promise<void> {
  await rm(path.join(siteDir, 'episodes'), { recursive: true, force: true });
  const first = catalog.entries[0];
  if (first !== undefined) {
    await mkdir(siteDir, { recursive: true });
    await writeAtomic(path.join(siteDir, 'index.html'), renderPlayerPage(catalog, first));
  }
  for (const entry of catalog.entries) {
    const folder = path.join(siteDir, 'episodes', entry.episode.id);
    await mkdir(folder, { recursive: true });
    await writeAtomic(path.join(folder, 'index.html'), renderPlayerPage(catalog, entry));
  }
}
