/**
 * The episode API: the list and details, each episode's SSML in every profile,
 * its audio (HTTP Range, ETag and 304 from the verified render cache), captions,
 * chapters and timed transcript.
 */
import path from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AudioFormat } from '../audio/formats.js';
import type { Catalog, CatalogEntry } from '../catalog.js';
import { ChapterNotFound, EpisodeNotFound, FormatUnavailableHere, RenderBusyError, RenderFailed, UnknownVoice } from '../errors.js';
import { renderNarration } from '../narration/render.js';
import { FormatUnavailable, RenderBusy, type Rendition, type Renditions } from '../renditions/renditions.js';
import { captionsVtt, chaptersJson, chaptersVtt, transcriptHtml } from '../renditions/tracks.js';
import {
  AudioQuerySchema,
  ChaptersJsonSchema,
  EpisodeDetailSchema,
  EpisodeListSchema,
  IdParamsSchema,
  ProblemSchema,
  SsmlQuerySchema,
  TranscriptQuerySchema,
  TranscriptSchema,
  VoiceQuerySchema,
} from '../schemas.js';
import type { Voice } from '../speech/engine.js';
import { renderRateLimit } from '../plugins/security.js';
import { AUDIO_FORMATS } from '../audio/formats.js';
import { episodeSummary, factView } from './views.js';

export interface EpisodeRoutesOptions {
  readonly catalog: Catalog;
  readonly renditions: Renditions;
  readonly voices: readonly Voice[];
}

const problems = { 400: ProblemSchema, 404: ProblemSchema, 406: ProblemSchema, 429: ProblemSchema, 503: ProblemSchema };

const episodes: FastifyPluginAsyncTypebox<EpisodeRoutesOptions> = async (app, { catalog, renditions, voices }) => {
  const voiceIds = new Set(voices.map((v) => v.id));

  // Only requests that would start a render count against the rate limit.
  const limited = renderRateLimit((request) => {
    const { id } = request.params as { id?: string };
    const query = request.query as { format?: string; rate?: string; voice?: string };
    const entry = id === undefined ? undefined : catalog.find(id);
    const rate = Number(query.rate ?? 1);
    const extension = /\/audio\.([a-z0-9]+)(?:\?|$)/.exec(request.url)?.[1];
    const format = (extension ?? query.format ?? 'mp3') as AudioFormat;
    // Requests that validation will refuse never render: let validation answer them.
    if (entry === undefined || !Number.isFinite(rate) || !AUDIO_FORMATS.includes(format)) return true;
    const voice = query.voice;
    if (voice !== undefined && !voiceIds.has(voice)) return true;
    return renditions.isCached({ narration: entry.narration, rate, format: request.url.includes('/audio') ? format : 'wav', ...(voice === undefined ? {} : { voice }) });
  });

  const lookup = (id: string): CatalogEntry => {
    const entry = catalog.find(id);
    if (entry === undefined) throw new EpisodeNotFound(id);
    return entry;
  };

  const render = async (entry: CatalogEntry, query: { format?: AudioFormat; rate: number; voice?: string | undefined }): Promise<Rendition> => {
    if (query.voice !== undefined && !voiceIds.has(query.voice)) throw new UnknownVoice(query.voice, [...voiceIds].join(', '));
    try {
      return await renditions.render({
        narration: entry.narration,
        format: query.format ?? 'wav',
        rate: query.rate,
        ...(query.voice === undefined ? {} : { voice: query.voice }),
      });
    } catch (error) {
      if (error instanceof RenderBusy) throw new RenderBusyError({ cause: error });
      if (error instanceof FormatUnavailable) throw new FormatUnavailableHere(error.format);
      throw new RenderFailed({ cause: error });
    }
  };

  // Every resource also answers at a path with a file extension: those are the
  // canonical links, because a static export can serve them from plain files.
  for (const url of ['/api/episodes', '/api/episodes.json']) {
    app.get(url, { schema: { response: { 200: EpisodeListSchema } } }, async () => ({
      title: catalog.pack.info.title,
      episodes: await Promise.all(
        catalog.entries.map(async (entry) => episodeSummary(entry, await renditions.cachedTimeline({ narration: entry.narration, rate: 1 }))),
      ),
    }));
  }

  for (const url of ['/api/episodes/:id', '/api/episodes/:id.json']) {
    app.get(url, { schema: { params: IdParamsSchema, response: { 200: EpisodeDetailSchema, ...problems } } }, async (request) => {
      const entry = lookup(request.params.id);
      const timeline = await renditions.cachedTimeline({ narration: entry.narration, rate: 1 });
      return { ...episodeSummary(entry, timeline), formats: [...renditions.formats], facts: entry.facts.map((f) => factView(catalog, f)) };
    });
  }

  app.get(
    '/api/episodes/:id/ssml',
    { schema: { params: IdParamsSchema, querystring: SsmlQuerySchema, response: { 200: Type.String(), ...problems } } },
    async (request, reply) => {
      const entry = lookup(request.params.id);
      const { profile, chapter, rate, voice } = request.query;
      if (chapter !== undefined && !entry.narration.chapters.some((c) => c.id === chapter)) throw new ChapterNotFound(chapter, entry.episode.id);
      if (voice !== undefined && !voiceIds.has(voice)) throw new UnknownVoice(voice, [...voiceIds].join(', '));
      const type = profile === 'plain' ? 'text/plain; charset=utf-8' : 'application/ssml+xml; charset=utf-8';
      // Only the canonical document carries the rate; engines take it as an option.
      const options = {
        ...(chapter === undefined ? {} : { chapterId: chapter }),
        ...(voice === undefined || profile === 'plain' ? {} : { voice }),
        ...(profile === 'canonical' && rate !== 1 ? { rate } : {}),
      };
      return reply.type(type).send(renderNarration(entry.narration, profile, options));
    },
  );

  for (const [url, fixedFormat] of [
    ['/api/episodes/:id/transcript', undefined],
    ['/api/episodes/:id/transcript.json', 'json'],
    ['/api/episodes/:id/transcript.html', 'html'],
  ] as const) {
    app.get(
      url,
      {
        config: limited,
        schema: {
          params: IdParamsSchema,
          querystring: fixedFormat === undefined ? TranscriptQuerySchema : VoiceQuerySchema,
          response: { 200: Type.Union([TranscriptSchema, Type.String()]), ...problems },
        },
      },
      async (request, reply) => {
        const entry = lookup(request.params.id);
        const { rate, voice } = request.query;
        const { durationMs, chapters, sentences } = await render(entry, { rate, voice });
        const format = fixedFormat ?? ('format' in request.query ? request.query.format : 'json');
        if (format === 'html') {
          return reply.type('text/html; charset=utf-8').send(transcriptHtml({ durationMs, chapters, sentences }));
        }
        return { episodeId: entry.episode.id, durationMs, chapters: [...chapters], sentences: [...sentences] };
      },
    );
  }

  const trackRoute = (suffix: string, type: string, make: (r: Rendition) => string) =>
    app.get(
      `/api/episodes/:id/${suffix}`,
      { config: limited, schema: { params: IdParamsSchema, querystring: VoiceQuerySchema, response: { 200: Type.String(), ...problems } } },
      async (request, reply) => {
        const rendition = await render(lookup(request.params.id), request.query);
        return reply.type(type).header('cross-origin-resource-policy', 'cross-origin').send(make(rendition));
      },
    );
  trackRoute('captions.vtt', 'text/vtt; charset=utf-8', captionsVtt);
  trackRoute('chapters.vtt', 'text/vtt; charset=utf-8', chaptersVtt);

  app.get(
    '/api/episodes/:id/chapters.json',
    { config: limited, schema: { params: IdParamsSchema, querystring: VoiceQuerySchema, response: { 200: ChaptersJsonSchema, ...problems } } },
    async (request, reply) => {
      const rendition = await render(lookup(request.params.id), request.query);
      return reply.type('application/json+chapters; charset=utf-8').header('cross-origin-resource-policy', 'cross-origin').send(chaptersJson(rendition));
    },
  );

  const sendAudio = async (request: FastifyRequest, reply: FastifyReply, id: string, query: { format: AudioFormat; rate: number; voice?: string | undefined }) => {
    const entry = lookup(id);
    const rendition = await render(entry, query);
    // @fastify/static answers Range, conditional requests and HEAD; 64 KiB reads are about 2x its default.
    // Podcast apps and other sites' players fetch the audio from elsewhere.
    return reply
      .type(rendition.contentType)
      .header('cross-origin-resource-policy', 'cross-origin')
      .header('content-disposition', `inline; filename="${entry.episode.id}.${path.extname(rendition.audioFile).slice(1)}"`)
      .sendFile(path.basename(rendition.audioFile), path.dirname(rendition.audioFile), {
        acceptRanges: true,
        cacheControl: false,
        highWaterMark: 65_536,
      } as Parameters<typeof reply.sendFile>[2]);
  };

  app.get('/api/episodes/:id/audio', { config: limited, schema: { params: IdParamsSchema, querystring: AudioQuerySchema, response: problems } }, (request, reply) =>
    sendAudio(request, reply, request.params.id, request.query),
  );
  for (const format of AUDIO_FORMATS) {
    app.get(
      `/api/episodes/:id/audio.${format}`,
      { config: limited, schema: { params: IdParamsSchema, querystring: VoiceQuerySchema, response: problems } },
      (request, reply) => sendAudio(request, reply, request.params.id, { ...request.query, format }),
    );
  }
};

export default episodes;
