/**
 * The API's contract, route by route: every route declares its request and
 * response schemas (4xx included), request schemas refuse unknown fields, and
 * a bad parameter is a 400 problem naming it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { companion } from '../../server/src/app.js';
import { availableEncoders } from '../../server/src/audio/encoders.js';
import { createCatalog } from '../../server/src/catalog.js';
import { loadContentPack } from '../../server/src/content/load.js';
import { createRenditions } from '../../server/src/renditions/renditions.js';
import { createEmbeddedEngine } from '../../server/src/speech/embedded/embedded-engine.js';
import { FIXTURE_PACK } from '../helpers/paths.js';

const engine = createEmbeddedEngine();
const routes: RouteOptions[] = [];
let app: FastifyInstance;
let cacheDir: string;

beforeAll(async () => {
  cacheDir = await mkdtemp(path.join(tmpdir(), 'atl-contract-'));
  app = Fastify({ ajv: { customOptions: { removeAdditional: false } } });
  // Every route as declared, including those that plugins (static files) add.
  app.addHook('onRoute', (route) => {
    routes.push(route);
  });
  await app.register(companion, {
    catalog: createCatalog(await loadContentPack(FIXTURE_PACK)),
    renditions: createRenditions({ engine, cacheDir, encoders: await availableEncoders() }),
    engine,
    siteDir: path.join(cacheDir, 'site'),
  });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await engine.close();
  await rm(cacheDir, { recursive: true, force: true });
});

/** Our own routes: the API, the feed and health (static files belong to @fastify/static). */
const ownRoutes = () => routes.filter((r) => /^\/(api|feed|healthz|readyz)/.test(r.url));
const methods = (route: RouteOptions) => [route.method].flat();

interface JsonSchema {
  type?: string;
  properties?: Record<string, unknown>;
  additionalProperties?: boolean;
}

describe('every route of the API declares its schemas', () => {
  test('there are routes to check', () => {
    expect(ownRoutes().length).toBeGreaterThan(25);
  });

  test('a response schema for 200 and for each client error it can answer', () => {
    for (const route of ownRoutes()) {
      const response = (route.schema?.response ?? {}) as Record<string, unknown>;
      const label = `${methods(route).join(',')} ${route.url}`;
      expect(Object.keys(response), label).toContain('200');
      if (route.url.includes(':')) expect(Object.keys(response), `${label} has parameters: 400 and 404`).toEqual(expect.arrayContaining(['400', '404']));
    }
  });

  test('parameters and queries are closed objects: unknown fields are refused, not dropped', () => {
    for (const route of ownRoutes()) {
      const label = `${methods(route).join(',')} ${route.url}`;
      const { params, querystring } = (route.schema ?? {}) as { params?: JsonSchema; querystring?: JsonSchema };
      if (route.url.includes(':')) expect(params?.additionalProperties, `${label} params`).toBe(false);
      // The feed alone takes any query: podcast apps add their own tracking fields to feed URLs.
      if (route.url !== '/feed.xml') expect(querystring?.additionalProperties, `${label} query`).toBe(false);
    }
  });
});

describe('unknown query fields are a 400 naming them', () => {
  test.each([
    '/api/episodes',
    '/api/episodes.json',
    '/api/episodes/the-light',
    '/api/episodes/the-light.json',
    '/api/episodes/the-light/ssml',
    '/api/episodes/the-light.ssml',
    '/api/episodes/the-light/audio',
    '/api/episodes/the-light/audio.mp3',
    '/api/episodes/the-light/captions.vtt',
    '/api/episodes/the-light/chapters.vtt',
    '/api/episodes/the-light/chapters.json',
    '/api/episodes/the-light/transcript',
    '/api/episodes/the-light/transcript.html',
    '/api/people',
    '/api/people/ada-quill',
    '/api/voices',
    '/api/pronounce/ysolde-kerbrat',
    '/api/pronounce/ysolde-kerbrat.wav',
    '/healthz',
    '/readyz',
  ])('%s?loud=yes', async (url) => {
    const response = await app.inject(`${url}?loud=yes`);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ code: 'ATL_INVALID_PARAMETER', detail: 'querystring/loud is not a known parameter' });
  });
});

describe('a malformed id is a 400 naming it; an unknown one a 404 naming it', () => {
  test.each([
    ['/api/episodes/Bad_Id.json', 'ATL_EPISODE_NOT_FOUND'],
    ['/api/episodes/Bad_Id/audio.mp3', 'ATL_EPISODE_NOT_FOUND'],
    ['/api/episodes/Bad_Id/captions.vtt', 'ATL_EPISODE_NOT_FOUND'],
    ['/api/people/Bad_Id', 'ATL_PERSON_NOT_FOUND'],
    ['/api/pronounce/Bad_Id.wav', 'ATL_NAME_NOT_FOUND'],
  ])('%s', async (url, notFoundCode) => {
    const bad = await app.inject(url);
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'ATL_INVALID_PARAMETER', detail: expect.stringMatching(/^params\/(id|name) /) });
    const unknown = await app.inject(url.replace('Bad_Id', 'nobody-here'));
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: notFoundCode, detail: expect.stringContaining('"nobody-here"') });
  });
});
