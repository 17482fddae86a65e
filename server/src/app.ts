/**
 * The Fastify application as a plugin: it wires the domain (catalog, renditions)
 * to HTTP and never listens. `server.ts` listens; tests use `app.inject()`.
 */
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Catalog } from './catalog.js';
import { PROJECT_ROOT } from './config.js';
import errors from './plugins/errors.js';
import security from './plugins/security.js';
import episodes from './routes/episodes.js';
import feed from './routes/feed.js';
import health from './routes/health.js';
import type { Renditions } from './renditions/renditions.js';
import people from './routes/people.js';
import pronounce from './routes/pronounce.js';
import type { SpeechEngine } from './speech/engine.js';
import type { WarmUpProgress } from './renditions/warm-up.js';
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
}

/** Web assets: hand-written CSS and the compiled player scripts. */
export const ASSET_ROOTS = [path.join(PROJECT_ROOT, 'web', 'static'), path.join(PROJECT_ROOT, 'dist', 'web')];

export async function companion(app: FastifyInstance, options: CompanionOptions): Promise<void> {
  await writeSite(options.catalog, options.siteDir);
  await app.register(errors);
  await app.register(security);
  const { catalog, renditions, engine } = options;
  await app.register(health, { engine, warmUp: options.warmUp ?? (() => undefined) });
  await app.register(episodes, { catalog, renditions, voices: await engine.voices() });
  await app.register(people, { catalog });
  await app.register(pronounce, { catalog, engine });
  await app.register(feed, { catalog, renditions, baseUrl: options.baseUrl });
  await app.register(fastifyStatic, { root: options.siteDir, prefix: '/', index: 'index.html', redirect: true });
  await app.register(fastifyStatic, { root: ASSET_ROOTS, prefix: '/assets/', decorateReply: false, index: false });
}

/** Creates a ready-to-use app (not listening). */
export async function buildApp(
  options: CompanionOptions,
  fastifyOptions: FastifyServerOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    // Request schemas reject unknown fields instead of silently dropping them.
    ajv: { customOptions: { removeAdditional: false } },
    ...fastifyOptions,
  }).withTypeProvider<TypeBoxTypeProvider>();
  await app.register(companion, options);
  await app.ready();
  return app;
}
