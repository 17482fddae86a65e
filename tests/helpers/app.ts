import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { buildApp, type CompanionOptions } from '../../server/src/app.js';
import { availableEncoders } from '../../server/src/audio/encoders.js';
import { createCatalog } from '../../server/src/catalog.js';
import { loadContentPack } from '../../server/src/content/load.js';
import { episodeTaggerFor } from '../../server/src/renditions/episode-tags.js';
import { createRenditions } from '../../server/src/renditions/renditions.js';
import { createEmbeddedEngine } from '../../server/src/speech/embedded/embedded-engine.js';
import type { SpeechEngine } from '../../server/src/speech/engine.js';

export interface TestCompanion {
  readonly app: FastifyInstance;
  readonly cacheDir: string;
  readonly engine: SpeechEngine;
  close(): Promise<void>;
}

/** Settings a test may add: app options (e.g. a byte cache) and Fastify's (e.g. a logger). */
export interface CompanionSettings {
  readonly app?: Partial<Omit<CompanionOptions, 'catalog' | 'renditions' | 'engine' | 'siteDir'>>;
  readonly fastify?: FastifyServerOptions;
  /** A cache folder to use, for apps that follow each other over one cache; kept on close. Default: a new one, removed on close. */
  readonly cacheDir?: string;
  /**
   * A render cache shared with other companions (and kept when this one closes), so audio
   * another test file already made is not made again. Without it, the cache is this companion's own.
   */
  readonly renderCache?: string;
}

/** The real app over a content pack, with the real embedded engine, this machine's encoders and MP3 tags (as `npm start` has them) and a throw-away cache. */
export async function startCompanion(contentDir: string, engine: SpeechEngine = createEmbeddedEngine(), settings: CompanionSettings = {}): Promise<TestCompanion> {
  const cacheDir = settings.cacheDir ?? (await mkdtemp(path.join(tmpdir(), 'atl-cache-')));
  const catalog = createCatalog(await loadContentPack(contentDir));
  const app = await buildApp(
    {
      ...settings.app,
      catalog,
      // MP3s tagged as the server tags them: ranges and lengths are tested on the tagged files.
      renditions: createRenditions({ engine, cacheDir: settings.renderCache ?? cacheDir, encoders: await availableEncoders(), tagger: await episodeTaggerFor(catalog, engine.name) }),
      engine,
      siteDir: path.join(cacheDir, 'site'),
    },
    settings.fastify,
  );
  return {
    app,
    cacheDir,
    engine,
    async close() {
      await app.close();
      await engine.close();
      if (settings.cacheDir === undefined) await rm(cacheDir, { recursive: true, force: true });
    },
  };
}
