/**
 * The Fastify application as a plugin: it wires the domain (catalog, renditions)
 * to HTTP and never listens. `server.ts` listens; tests use `app.inject()`.
 */
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { loadCover } from './artwork/cover.js';
import type { Catalog } from './catalog.js';
import { DEFAULT_AUDIO_MEMORY_MB } from './config.js';
import { createByteCache, type ByteCache } from './http/memory-cache.js';
import { AccessLog } from './plugins/access-log.js';
import { clientErrorHandler, frameworkErrors } from './plugins/client-errors.js';
import errors from './plugins/errors.js';
import security from './plugins/security.js';
import book from './routes/book.js';
import episodes from './routes/episodes.js';
import feed from './routes/feed.js';
import health from './routes/health.js';
import type { Renditions } from './renditions/renditions.js';
import people from './routes/people.js';
import pronounce from './routes/pronounce.js';
import voiceRoutes from './routes/voices.js';
import type { SpeechEngine } from './speech/engine.js';
import type { WarmUpProgress } from './renditions/warm-up.js';
import { ASSETS_FOLDER } from './site/assets.js';
import { writeSite } from './site/write-site.js';

export interface CompanionOptions {
  readonly catalog: Catalog;
  readonly renditions: Renditions;
  readonly engine: SpeechEngine;
  /** The cache warm-up's progress, when one runs. */
  readonly warmUp?: () => WarmUpProgress | undefined;
  /** Public address for absolute links (the feed); absent: the request's own address. */
  readonly baseUrl?: string | undefined;
  /** Where the generated pages are written and served from. */
  readonly siteDir: string;
  /** Where the talking book is kept once built; by default a `book` folder beside `siteDir`. */
  readonly bookDir?: string;
  /** Audio held in memory; by default one of `DEFAULT_AUDIO_MEMORY_MB`. */
  readonly byteCache?: ByteCache;
  /** New renders one client may start per minute (default `RENDERS_PER_MINUTE`). */
  readonly rendersPerMinute?: number;
}

/** Fingerprinted files never change at their URL: a year, and no revalidation (RFC 8246). */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';
/** Pages and the service worker change with every release at the same URL: always ask again (a cheap 304). */
export const PAGE_CACHE_CONTROL = 'no-cache';

/** Requests carry no body here: anything bigger than this is refused with 413 before it is read. */
export const BODY_LIMIT_BYTES = 16_384;

/**
 * The companion as a Fastify plugin: writes the site, then registers the plugins
 * (problems, security) and the routes (health, episodes, voices, people,
 * names, feed, the talking book, and the site's files through @fastify/static).
 */
export async function companion(app: FastifyInstance, options: CompanionOptions): Promise<void> {
  const { siteDir } = options;
  await writeSite(options.catalog, siteDir);
  await app.register(errors);
  await app.register(security);
  const { catalog, renditions, engine } = options;
  // Closing, the answers under way are sent first; then the renders they started finish
  // storing themselves (each is bounded by its timeout), so nothing writes to the cache after.
  app.addHook('onClose', async () => {
    await renditions.idle();
  });
  const byteCache = options.byteCache ?? createByteCache({ maxBytes: DEFAULT_AUDIO_MEMORY_MB * 1024 * 1024 });
  await app.register(health, { engine, warmUp: options.warmUp ?? (() => undefined) });
  const voices = await engine.voices();
  await app.register(episodes, { catalog, renditions, voices, byteCache, rendersPerMinute: options.rendersPerMinute });
  await app.register(voiceRoutes, { catalog, engine, voices });
  await app.register(people, { catalog });
  await app.register(pronounce, { catalog, engine });
  const cover = await loadCover();
  await app.register(feed, { catalog, renditions, baseUrl: options.baseUrl, cover });
  await app.register(book, { catalog, renditions, engine, cover, folder: options.bookDir ?? path.join(path.dirname(path.resolve(siteDir)), 'book') });
  const assetsFolder = path.join(path.resolve(siteDir), ASSETS_FOLDER) + path.sep;
  // Pages, the service worker and the fingerprinted assets, each with its gzip and brotli copy.
  await app.register(fastifyStatic, {
    root: siteDir,
    prefix: '/',
    // A list, not a string: @fastify/static looks for compressed index pages only in a list.
    index: ['index.html'],
    redirect: true,
    preCompressed: true,
    setHeaders: (reply, file) => {
      reply.header('cache-control', file.startsWith(assetsFolder) ? IMMUTABLE_CACHE_CONTROL : PAGE_CACHE_CONTROL);
    },
  });
}

/** Creates a ready-to-use app (not listening). */
export async function buildApp(
  options: CompanionOptions,
  fastifyOptions: FastifyServerOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    // Request schemas reject unknown fields instead of silently dropping them.
    ajv: { customOptions: { removeAdditional: false } },
    bodyLimit: BODY_LIMIT_BYTES,
    // One log line per request, and a client hanging up is not an error (plugins/access-log.ts).
    logController: new AccessLog(),
    // Requests the HTTP parser or the router refuse are problems too (plugins/client-errors.ts).
    clientErrorHandler,
    frameworkErrors,
    ...fastifyOptions,
  }).withTypeProvider<TypeBoxTypeProvider>();
  await app.register(companion, options);
  await app.ready();
  return app;
}
