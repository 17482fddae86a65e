/**
 * Renditions over the fake engine, for the renditions tests: a fresh cache
 * folder and fallback per setup, the fixture pack's first narration, and the
 * clean-up each test file runs after every test.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mp3Encoder } from '../../../server/src/audio/encoders.js';
import { createCatalog } from '../../../server/src/catalog.js';
import { loadContentPack } from '../../../server/src/content/load.js';
import { createRenditions, type Renditions, type RenditionsOptions } from '../../../server/src/renditions/renditions.js';
import { FIXTURE_PACK } from '../../helpers/paths.js';
import { createFakeEngine, type FakeEngine } from './fake-engine.js';

export const catalog = createCatalog(await loadContentPack(FIXTURE_PACK));
/** The fixture pack's first episode: two chapters. */
export const narration = catalog.entries[0]!.narration;

const folders: string[] = [];
/** Every renditions made: each is let finish its writes before its folders go. */
const made: Renditions[] = [];

/** For `afterEach`: waits for every render's writes, then removes the folders made. */
export async function cleanUp(): Promise<void> {
  await Promise.all(made.splice(0).map((renditions) => renditions.idle()));
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
}

/** A new empty folder, removed by {@link cleanUp}. */
export async function freshFolder(): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), 'atl-renditions-'));
  folders.push(folder);
  return folder;
}

export interface Setup {
  readonly engine: FakeEngine;
  readonly renditions: Renditions;
  readonly cacheDir: string;
  readonly discarded: { file: string; reason: string }[];
  readonly storeFailures: { folder: string; error: unknown; next: string | undefined }[];
}

/** Renditions over the fake engine, with MP3 (the real encoder) and WAV, in a fresh cache folder and fallback. */
export async function setup(options: Partial<RenditionsOptions> = {}, engine: FakeEngine = createFakeEngine()): Promise<Setup> {
  const cacheDir = options.cacheDir ?? (await freshFolder());
  const discarded: Setup['discarded'] = [];
  const storeFailures: Setup['storeFailures'] = [];
  const renditions = createRenditions({
    engine,
    cacheDir,
    fallbackDir: options.fallbackDir ?? path.join(await freshFolder(), 'fallback'),
    encoders: [mp3Encoder],
    onDiscard: (file, reason) => discarded.push({ file, reason }),
    onStoreFailure: (folder, error, next) => storeFailures.push({ folder, error, next }),
    ...options,
  });
  made.push(renditions);
  return { engine, renditions, cacheDir, discarded, storeFailures };
}

/** The fixture narration as `format` at `rate`. */
export const request = (format: 'mp3' | 'wav' = 'mp3', rate = 1) => ({ narration, format, rate });
export const sentenceCount = (): number => narration.chapters.reduce((sum, chapter) => sum + chapter.sentences.length, 0);

/** Every file under a folder, recursively, relative to it. */
export async function filesIn(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(folder, path.join(entry.parentPath, entry.name))).sort();
}
