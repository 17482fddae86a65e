/**
 * The episode API: the list, each episode's SSML, its audio (with HTTP Range,
 * from the verified render cache) and its timed transcript.
 */
import path from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Catalog, CatalogEntry } from '../catalog.js';
import { EpisodeNotFound, RenderFailed } from '../errors.js';
import { renderSsml } from '../narration/render.js';
import type { Renditions } from '../renditions/renditions.js';
import { EpisodeListSchema, EpisodeParamsSchema, ProblemSchema, TranscriptSchema, type EpisodeSummary } from '../schemas.js';
import { episodeAudioPath, episodePagePath } from '../site/player-page.js';

export interface EpisodeRoutesOptions {
  readonly catalog: Catalog;
  readonly renditions: Renditions;
}

function summarize(entry: CatalogEntry): EpisodeSummary {
  const { episode, narration } = entry;
  const api = `/api/episodes/${encodeURIComponent(episode.id)}`;
  return {
    id: episode.id,
    title: episode.title,
    summary: episode.summary,
    chapters: narration.chapters.map(({ id, number, title }) => ({ id, number, title })),
    links: { page: episodePagePath(episode.id), ssml: `${api}/ssml`, audio: episodeAudioPath(episode.id), transcript: `${api}/transcript` },
  };
}

const episodes: FastifyPluginAsyncTypebox<EpisodeRoutesOptions> = async (app, { catalog, renditions }) => {
  const lookup = (id: string): CatalogEntry => {
    const entry = catalog.find(id);
    if (entry === undefined) throw new EpisodeNotFound(id);
    return entry;
  };

  const render = async (entry: CatalogEntry) => {
    try {
      return await renditions.render(entry.narration);
    } catch (error) {
      throw new RenderFailed({ cause: error });
    }
  };

  app.get(
    '/api/episodes',
    { schema: { response: { 200: EpisodeListSchema } } },
    async () => ({ title: catalog.pack.info.title, episodes: catalog.entries.map(summarize) }),
  );

  const byId = { params: EpisodeParamsSchema };
  const problems = { 404: ProblemSchema, 503: ProblemSchema };

  app.get(
    '/api/episodes/:id/ssml',
    { schema: { ...byId, response: { 200: Type.String(), ...problems } } },
    async (request, reply) => {
      const entry = lookup(request.params.id);
      return reply.type('application/ssml+xml; charset=utf-8').send(renderSsml(entry.narration, 'canonical'));
    },
  );

  app.get(
    '/api/episodes/:id/transcript',
    { schema: { ...byId, response: { 200: TranscriptSchema, ...problems } } },
    async (request) => {
      const entry = lookup(request.params.id);
      const { durationMs, chapters, sentences } = await render(entry);
      return { episodeId: entry.episode.id, durationMs, chapters: [...chapters], sentences: [...sentences] };
    },
  );

  app.get('/api/episodes/:id/audio', { schema: { ...byId, response: problems } }, async (request, reply) => {
    const entry = lookup(request.params.id);
    const rendition = await render(entry);
    // @fastify/static answers Range, conditional requests and HEAD; 64 KiB reads are about 2x its default.
    return reply
      .type(rendition.contentType)
      .sendFile(path.basename(rendition.audioFile), path.dirname(rendition.audioFile), {
        acceptRanges: true,
        cacheControl: false,
        highWaterMark: 65_536,
      } as Parameters<typeof reply.sendFile>[2]);
  });
};

export default episodes;
