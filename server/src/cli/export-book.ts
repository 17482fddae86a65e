/**
 * `npm run export -- --epub FILE`: writes the talking book (EPUB 3 with Media
 * Overlays) of the whole content pack to FILE, rendering first, with progress,
 * every episode the cache does not hold. The file is written under a
 * temporary name and renamed into place: a refusal or a failure leaves no
 * half-written book, and an older book at FILE stays as it was.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { loadCover } from '../artwork/cover.js';
import { availableEncoders } from '../audio/encoders.js';
import { gatherEpisodes, narratorOf, type GatherProgress } from '../book/book-sources.js';
import { makeBook } from '../book/book.js';
import { bookCover } from '../book/cover.js';
import { createCatalog } from '../catalog.js';
import type { EngineChoice } from '../config.js';
import { loadContentPack } from '../content/load.js';
import { writeAtomic } from '../files.js';
import { createRenditions } from '../renditions/renditions.js';
import { selectSpeechEngine } from '../speech/select.js';

/** FILE cannot take the book (a folder, or in a folder that does not exist); nothing was written. */
export class BookFileRefused extends Error {
  override readonly name = 'BookFileRefused';
}

export interface BookExportSettings {
  /** Where the book goes. */
  readonly file: string;
  readonly contentDir: string;
  readonly cacheDir: string;
  readonly engine: EngineChoice;
  /** Told of each episode: found in the cache, rendering, rendered. */
  readonly onProgress?: (progress: GatherProgress) => void;
  readonly signal?: AbortSignal;
}

async function refuseUnwritable(file: string): Promise<void> {
  const found = await stat(file).catch(() => undefined);
  if (found?.isDirectory() === true) throw new BookFileRefused(`${file} is a folder: give the name of the book's file, e.g. ${path.join(file, 'book.epub')}`);
  const folder = await stat(path.dirname(file)).catch(() => undefined);
  if (folder?.isDirectory() !== true) throw new BookFileRefused(`${path.dirname(file)} is not a folder: the book's file must go in one that exists`);
}

/**
 * Makes the book and writes it to `settings.file`.
 * @throws ContentError (a broken pack), BookRefused (a sentence with no timing:
 * the episode and sentence are named), BookFileRefused; nothing is written then.
 */
export async function exportBook(settings: BookExportSettings): Promise<{ bytes: number; episodes: number; engine: string }> {
  await refuseUnwritable(settings.file);
  const catalog = createCatalog(await loadContentPack(settings.contentDir));
  const cover = await bookCover(await loadCover());
  const { engine } = await selectSpeechEngine(settings.engine);
  try {
    const renditions = createRenditions({ engine, encoders: await availableEncoders(), cacheDir: settings.cacheDir });
    const episodes = await gatherEpisodes(catalog, renditions, {
      ...(settings.onProgress === undefined ? {} : { onProgress: settings.onProgress }),
      ...(settings.signal === undefined ? {} : { signal: settings.signal }),
    });
    const book = await makeBook({ catalog, episodes, narrator: await narratorOf(engine), cover, modified: new Date() });
    await writeAtomic(settings.file, book);
    return { bytes: book.length, episodes: episodes.length, engine: engine.name };
  } finally {
    await engine.close();
  }
}

/** One line of progress, as the export prints it. */
export function progressLine({ episodeId, number, total, state }: GatherProgress): string {
  const what = { 'in-cache': 'in the cache', rendering: 'rendering…', rendered: 'rendered' }[state];
  return `  episode ${number} of ${total}, ${episodeId}: ${what}`;
}
