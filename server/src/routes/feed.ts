/** `GET /feed.xml`: the podcast feed, with absolute links from the base URL. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Catalog } from '../catalog.js';
import { RenderBusyError, RenderFailed } from '../errors.js';
import { renderPodcastFeed, type FeedCover } from '../feed/podcast-feed.js';
import { RenderBusy, type Renditions } from '../renditions/renditions.js';
import { ProblemSchema } from '../schemas.js';

export interface FeedOptions {
  readonly catalog: Catalog;
  readonly renditions: Renditions;
  /** Public address; when absent, the address the request came to. */
  readonly baseUrl?: string | undefined;
  /** The show's cover, for its text alternative. */
  readonly cover: FeedCover;
}

const feed: FastifyPluginAsyncTypebox<FeedOptions> = async (app, { catalog, renditions, baseUrl, cover }) => {
  // No query schema: podcast directories and apps add their own tracking fields to
  // feed URLs, and refusing those would unsubscribe listeners. The feed takes no options.
  app.get('/feed.xml', { config: { crossOrigin: true }, schema: { response: { 200: Type.String(), 503: ProblemSchema } } }, async (request, reply) => {
    const format = renditions.formats.includes('mp3') ? 'mp3' : 'wav';
    let episodes;
    try {
      // Enclosures need each file's length: the feed renders what the warm-up has not.
      episodes = await Promise.all(
        catalog.entries.map(async (entry) => {
          const rendition = await renditions.render({ narration: entry.narration, format, rate: 1 });
          return {
            episodeId: entry.episode.id,
            durationMs: rendition.durationMs,
            audioBytes: rendition.bytes,
            audioType: rendition.contentType,
            audioPath: `/api/episodes/${encodeURIComponent(entry.episode.id)}/audio.${format}`,
          };
        }),
      );
    } catch (error) {
      throw error instanceof RenderBusy ? new RenderBusyError({ cause: error }) : new RenderFailed({ cause: error });
    }
    const base = baseUrl ?? `${request.protocol}://${request.host}`;
    return reply.type('application/rss+xml; charset=utf-8').send(renderPodcastFeed(catalog, episodes, base, cover));
  });
};

export default feed;
