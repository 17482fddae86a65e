/**
 * The episode API: the list and details, each episode's SSML in every profile,
 * its audio (HTTP Range, ETag and 304 from the verified render cache), captions,
 * chapters and timed transcript.
 */
import { stat } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AudioFormat } from '../audio/formats.js';
import type { Catalog, CatalogEntry } from '../catalog.js';
import { ChapterNotFound, ClientLeft, EpisodeNotFound, FormatUnavailableHere, RenderBusyError, RenderFailed, UnknownVoice } from '../errors.js';
import { strongEtag } from '../http/byte-ranges.js';
import type { ByteCache, HeldFile } from '../http/memory-cache.js';
import { PreparedAnswers, prepareBody } from '../http/prepared-body.js';
import { renderNarration } from '../narration/render.js';
import { FormatUnavailable, RenderAborted, RenderBusy, type Rendition, type RenditionRequest, type Renditions, type RenditionStream } from '../renditions/renditions.js';
import type { Timeline } from '../renditions/timings.js';
import { captionsVtt, chaptersJson, chaptersVtt, transcriptHtml } from '../renditions/tracks.js';
import {
  AudioQuerySchema,
  BytesSchema,
  ChaptersJsonSchema,
  EpisodeDetailSchema,
  EpisodeListSchema,
  IdParamsSchema,
  NoBodySchema,
  NoQuerySchema,
  ProblemSchema,
  SsmlQuerySchema,
  TranscriptQuerySchema,
  TranscriptSchema,
  VoiceQuerySchema,
} from '../schemas.js';
import type { Voice } from '../speech/engine.js';
import { RENDERS_PER_MINUTE } from '../plugins/security.js';
import { AUDIO_FORMATS } from '../audio/formats.js';
import { sendBytes, type ServedBytes } from './send-bytes.js';
import { episodeSummary, factView } from './views.js';

/** A rendition still being made, as `Renditions.stream` gives it. */
type LiveRendition = Extract<RenditionStream, { kind: 'live' }>;

export interface EpisodeRoutesOptions {
  readonly catalog: Catalog;
  readonly renditions: Renditions;
  readonly voices: readonly Voice[];
  /** Verified audio bytes held in memory, so listening is answered without reading the disk. */
  readonly byteCache: ByteCache;
  /** New renders one client may start per minute (default `RENDERS_PER_MINUTE`). */
  readonly rendersPerMinute?: number | undefined;
}

/**
 * Audio at a URL changes only when the content or the engine does, and then its
 * ETag changes: clients keep it, but ask again (a cheap 304) before using it, so
 * audio never drifts from the captions and transcript fetched beside it.
 */
export const AUDIO_CACHE_CONTROL = 'public, no-cache';

/** Headers of audio sent while it is being made (see `sendLive`). */
export const LIVE_AUDIO_HEADERS = Object.freeze({ 'cache-control': 'no-store', 'accept-ranges': 'none' });

/** A range that asks for the whole file from its first byte, as browsers ask for media first (`bytes=0-`). */
const FROM_THE_START = /^\s*bytes\s*=\s*0+\s*-\s*$/i;
/** Headers whose answer depends on the stored file's validators, which live bytes do not have yet. */
const CONDITIONS = ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since'] as const;

/**
 * Whether the whole file from its first byte would answer `request` as well as the
 * stored file would: a GET with no Range (or `bytes=0-`) and no conditions. Only
 * those are answered with audio still being made; any other waits for the stored file.
 */
export function readsFromTheStart(request: { readonly method: string; readonly headers: IncomingHttpHeaders }): boolean {
  if (request.method !== 'GET') return false;
  const { range } = request.headers;
  if (range !== undefined && !FROM_THE_START.test(range)) return false;
  return CONDITIONS.every((name) => request.headers[name] === undefined);
}

/**
 * Episode JSON changes only when the content or the engine does, that is with a new
 * process: clients keep it but ask again (a cheap 304 on its ETag) before using it.
 */
export const JSON_CACHE_CONTROL = 'no-cache';
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Sends JSON serialized and compressed earlier: nothing is encoded per request.
 * 304 when the client has it already, else the smallest copy its Accept-Encoding takes.
 */
const sendJson = (request: FastifyRequest, reply: FastifyReply, answers: PreparedAnswers): FastifyReply => {
  const { status, headers, body } = answers.answer(request.headers);
  return reply.code(status).headers(headers).send(body);
};
/** JSON of a body through the route's response schema (which also drops fields the schema does not name), prepared to be sent many times. */
const prepared = async (reply: FastifyReply, body: unknown): Promise<PreparedAnswers> =>
  new PreparedAnswers(await prepareBody(Buffer.from(String(reply.serialize(body))), JSON_TYPE), JSON_CACHE_CONTROL);
/** Renditions remembered per process (see `known`): every rate of every episode in two formats and a few voices. */
const MAX_KNOWN_RENDITIONS = 512;

/** Podcast apps and other sites' players embed the audio, tracks and transcripts (plugins/security.ts). */
const EMBEDDED = { crossOrigin: true } as const;

const problems = { 400: ProblemSchema, 404: ProblemSchema, 406: ProblemSchema, 429: ProblemSchema, 503: ProblemSchema };
const audioResponses = { 200: BytesSchema, 206: BytesSchema, 304: NoBodySchema, 412: ProblemSchema, 416: ProblemSchema, ...problems };

const episodes: FastifyPluginAsyncTypebox<EpisodeRoutesOptions> = async (app, { catalog, renditions, voices, byteCache, rendersPerMinute }) => {
  const voiceIds = new Set(voices.map((v) => v.id));

  /**
   * Renditions already made in this process. A rendition is content-addressed (SSML,
   * engine and version, voice, rate): while the process runs, one request always
   * means the same bytes and time line. Knowing them spares the render cache's disk
   * checks on every request, which cost more than answering a 64 kB range from memory;
   * bytes from memory were verified when read, and files read from disk are checked
   * by the render cache again on each request (see `sendAudio`).
   */
  const known = new Map<string, Rendition>();
  const knownKey = (entry: CatalogEntry, format: AudioFormat, rate: number, voice: string | undefined) =>
    `${entry.episode.id}\u0000${format}\u0000${rate}\u0000${voice ?? ''}`;
  const remember = (key: string, rendition: Rendition) => {
    known.set(key, rendition);
    // Bounded: episodes x formats x rates x voices; the oldest go first.
    for (const oldest of known.keys()) {
      if (known.size <= MAX_KNOWN_RENDITIONS) break;
      known.delete(oldest);
    }
  };

  // Only requests that would start a render count against the limit: checked where a render
  // would start, so listening to what is made (every Range request) costs nothing for it.
  const renderLimit = app.rateLimit({ max: rendersPerMinute ?? RENDERS_PER_MINUTE, timeWindow: 60_000 });

  const lookup = (id: string): CatalogEntry => {
    const entry = catalog.find(id);
    if (entry === undefined) throw new EpisodeNotFound(id);
    return entry;
  };

  /** What the renditions are asked for: the narration, format, rate and voice. */
  const wantedOf = (entry: CatalogEntry, query: { format?: AudioFormat; rate: number; voice?: string | undefined }): RenditionRequest => ({
    narration: entry.narration,
    format: query.format ?? 'wav',
    rate: query.rate,
    ...(query.voice === undefined ? {} : { voice: query.voice }),
  });

  /** Refuses an unknown voice, and counts a request that would start a render against the limit (429 past it). */
  const admit = async (request: FastifyRequest, reply: FastifyReply, wanted: RenditionRequest, known: boolean): Promise<void> => {
    if (wanted.voice !== undefined && !voiceIds.has(wanted.voice)) throw new UnknownVoice(wanted.voice, [...voiceIds].join(', '));
    // Throws TooManyRenders (429, with Retry-After) past the limit.
    if (!known && !renditions.isCached(wanted)) await renderLimit.call(app, request, reply);
  };

  /** Why a rendition could not be had, as the problem its client gets. */
  const renderProblem = (request: FastifyRequest, error: unknown): Error => {
    if (error instanceof RenderAborted || request.signal.aborted) {
      // How listening often ends (a closed tab, a skip): the render stopped, nothing failed.
      request.log.info({ method: request.method, url: request.url }, 'the client hung up before its answer was ready');
      return new ClientLeft({ cause: error });
    }
    if (error instanceof RenderBusy) return new RenderBusyError({ cause: error });
    if (error instanceof FormatUnavailable) return new FormatUnavailableHere(error.format);
    return new RenderFailed({ cause: error });
  };

  /** The rendition a request asks for; a render under way stops when every client waiting for it has left. */
  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    entry: CatalogEntry,
    query: { format?: AudioFormat; rate: number; voice?: string | undefined },
    { fromCache = false } = {},
  ): Promise<Rendition> => {
    const wanted = wantedOf(entry, query);
    const key = knownKey(entry, wanted.format, query.rate, query.voice);
    const hit = known.get(key);
    if (hit !== undefined && !fromCache) return hit;
    await admit(request, reply, wanted, hit !== undefined);
    try {
      // `request.signal` is made on first use: only requests that wait for a render pay for it.
      const rendition = await renditions.render(wanted, { signal: request.signal });
      remember(key, rendition);
      return rendition;
    } catch (error) {
      throw renderProblem(request, error);
    }
  };

  /** An episode's time line at the normal rate and voice, once it has been rendered; never renders. */
  const timelines = new Map<CatalogEntry, Timeline>();
  const timelineOf = async (entry: CatalogEntry): Promise<Timeline | undefined> => {
    const held = timelines.get(entry) ?? known.get(knownKey(entry, 'wav', 1, undefined));
    if (held !== undefined) return held;
    const timeline = await renditions.cachedTimeline({ narration: entry.narration, rate: 1 });
    if (timeline !== undefined) timelines.set(entry, timeline);
    return timeline;
  };

  // Every resource also answers at a path with a file extension: those are the
  // canonical links, because a static export can serve them from plain files.
  // Episode JSON is asked for often and, once the episode is rendered, never changes
  // while the process runs: it is serialized once (through the route's response schema).
  let listJson: PreparedAnswers | undefined;
  const listUrls = ['/api/episodes', '/api/episodes.json'];
  for (const url of listUrls) {
    // Synchronous once prepared: no promise and no turn of the event loop per request.
    app.get(url, { schema: { querystring: NoQuerySchema, response: { 200: EpisodeListSchema, 304: NoBodySchema, 400: ProblemSchema } } }, (request, reply) => {
      if (listJson === undefined) return episodeList(request, reply);
      sendJson(request, reply, listJson);
      return undefined;
    });
  }
  const episodeList = async (request: FastifyRequest, reply: FastifyReply) => {
    const summaries = await Promise.all(catalog.entries.map(async (entry) => ({ entry, timeline: await timelineOf(entry) })));
    const body = { title: catalog.pack.info.title, episodes: summaries.map(({ entry, timeline }) => episodeSummary(entry, timeline, renditions.formats)) };
    if (summaries.some(({ timeline }) => timeline === undefined)) return body;
    listJson = await prepared(reply, body);
    return sendJson(request, reply, listJson);
  };

  const detailJson = new Map<CatalogEntry, PreparedAnswers>();
  for (const url of ['/api/episodes/:id', '/api/episodes/:id.json']) {
    app.get(url, { schema: { params: IdParamsSchema, querystring: NoQuerySchema, response: { 200: EpisodeDetailSchema, 304: NoBodySchema, ...problems } } }, (request, reply) => {
      const entry = lookup(request.params.id);
      const ready = detailJson.get(entry);
      if (ready === undefined) return episodeDetail(request, reply, entry);
      sendJson(request, reply, ready);
      return undefined;
    });
  }
  const episodeDetail = async (request: FastifyRequest, reply: FastifyReply, entry: CatalogEntry) => {
    const timeline = await timelineOf(entry);
    const body = { ...episodeSummary(entry, timeline, renditions.formats), formats: [...renditions.formats], facts: entry.facts.map((f) => factView(catalog, f)) };
    // Before the first render, duration and chapter starts are unknown: ask again next time.
    if (timeline === undefined) return body;
    const answers = await prepared(reply, body);
    detailJson.set(entry, answers);
    return sendJson(request, reply, answers);
  };

  for (const url of ['/api/episodes/:id/ssml', '/api/episodes/:id.ssml']) app.get(
    url,
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
        config: EMBEDDED,
        schema: {
          params: IdParamsSchema,
          querystring: fixedFormat === undefined ? TranscriptQuerySchema : VoiceQuerySchema,
          response: { 200: Type.Union([TranscriptSchema, Type.String()]), ...problems },
        },
      },
      async (request, reply) => {
        const entry = lookup(request.params.id);
        const { rate, voice } = request.query;
        const { durationMs, chapters, sentences } = await render(request, reply, entry, { rate, voice });
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
      { config: EMBEDDED, schema: { params: IdParamsSchema, querystring: VoiceQuerySchema, response: { 200: Type.String(), ...problems } } },
      async (request, reply) => {
        const rendition = await render(request, reply, lookup(request.params.id), request.query);
        return reply.type(type).send(make(rendition));
      },
    );
  trackRoute('captions.vtt', 'text/vtt; charset=utf-8', captionsVtt);
  trackRoute('chapters.vtt', 'text/vtt; charset=utf-8', chaptersVtt);

  app.get(
    '/api/episodes/:id/chapters.json',
    { config: EMBEDDED, schema: { params: IdParamsSchema, querystring: VoiceQuerySchema, response: { 200: ChaptersJsonSchema, ...problems } } },
    async (request, reply) => {
      const rendition = await render(request, reply, lookup(request.params.id), request.query);
      return reply.type('application/json+chapters; charset=utf-8').send(chaptersJson(rendition));
    },
  );

  const entityOf = (rendition: Rendition, lastModified: Date) => ({
    size: rendition.bytes,
    etag: strongEtag(rendition.sha256),
    lastModified,
    contentType: rendition.contentType,
    cacheControl: AUDIO_CACHE_CONTROL,
  });
  /** What is served for each copy held in memory, by the copy: it goes when the copy does. */
  const servedCopies = new WeakMap<Buffer, ServedBytes>();
  /** One description per held copy, made once: a player asks for the same bytes again and again. */
  const servedCopy = (rendition: Rendition, held: HeldFile): ServedBytes => {
    let served = servedCopies.get(held.content);
    if (served === undefined) {
      served = { entity: entityOf(rendition, held.lastModified), body: held.content };
      servedCopies.set(held.content, served);
    }
    return served;
  };
  /** Each rendition's Content-Disposition, made once. */
  const dispositions = new WeakMap<Rendition, string>();
  const dispositionOf = (entry: CatalogEntry, rendition: Rendition): string => {
    let disposition = dispositions.get(rendition);
    if (disposition === undefined) {
      disposition = `inline; filename="${entry.episode.id}.${path.extname(rendition.audioFile).slice(1)}"`;
      dispositions.set(rendition, disposition);
    }
    return disposition;
  };

  /**
   * The rendition's bytes, or why they could not be had: held in memory when they fit
   * the budget (verified against the SHA-256 when read), else read from disk per request.
   */
  const audioBytes = async (rendition: Rendition): Promise<{ served: ServedBytes } | { failure: unknown }> => {
    try {
      if (byteCache.keeps(rendition.bytes)) {
        return { served: servedCopy(rendition, await byteCache.get(rendition.audioFile, rendition.sha256, rendition.bytes)) };
      }
      return { served: { entity: entityOf(rendition, (await stat(rendition.audioFile)).mtime), body: { file: rendition.audioFile } } };
    } catch (error) {
      // The file went missing or changed after the render cache checked it: never serve
      // bytes that differ from their ETag. Forget what was known of it; the caller asks
      // the render cache again, which verifies the file or renders it anew.
      byteCache.forget(rendition.audioFile);
      for (const [key, value] of known) if (value.audioFile === rendition.audioFile) known.delete(key);
      return { failure: error };
    }
  };

  type AudioQuery = { format: AudioFormat; rate: number; voice?: string | undefined };

  /** Audio answered, from memory or from the render cache; once made and held, with no wait at all. */
  const answerAudio = (request: FastifyRequest, reply: FastifyReply, id: string, query: Omit<AudioQuery, 'format'>, format: AudioFormat) => {
    const entry = lookup(id);
    // The common case, a player's next Range request for audio made and held already:
    // answered synchronously, without a promise or a turn of the event loop (nor an object made for the query).
    const rendition = known.get(knownKey(entry, format, query.rate, query.voice));
    const held = rendition !== undefined && byteCache.keeps(rendition.bytes) ? byteCache.peek(rendition.audioFile, rendition.sha256) : undefined;
    if (rendition === undefined || held === undefined) return sendAudio(request, reply, entry, { format, rate: query.rate, voice: query.voice });
    sendBytes(request, withAudioHeaders(reply, entry, rendition), servedCopy(rendition, held));
    return undefined;
  };

  const withAudioHeaders = (reply: FastifyReply, entry: CatalogEntry, rendition: Rendition): FastifyReply =>
    reply.header('content-disposition', dispositionOf(entry, rendition));

  const sendAudio = async (request: FastifyRequest, reply: FastifyReply, entry: CatalogEntry, query: AudioQuery) => {
    const key = knownKey(entry, query.format, query.rate, query.voice);
    if (!known.has(key) && readsFromTheStart(request)) {
      // Not made yet, perhaps: the bytes as they are encoded, the first within a chapter's render.
      const wanted = wantedOf(entry, query);
      await admit(request, reply, wanted, false);
      let stream: RenditionStream;
      try {
        stream = await renditions.stream(wanted, { signal: request.signal });
      } catch (error) {
        throw renderProblem(request, error);
      }
      if (stream.kind === 'live') return sendLive(reply, entry, stream);
      remember(key, stream.rendition);
    }
    let rendition = await render(request, reply, entry, query);
    // A file too big to hold in memory is read from disk on every request: the render
    // cache checks it again first (its size and time, and its hash when they changed).
    if (!byteCache.keeps(rendition.bytes)) rendition = await render(request, reply, entry, query, { fromCache: true });
    let bytes = await audioBytes(rendition);
    if ('failure' in bytes) {
      // Once more, from the render cache itself; twice wrong is a failure of ours.
      rendition = await render(request, reply, entry, query, { fromCache: true });
      bytes = await audioBytes(rendition);
      if ('failure' in bytes) throw new RenderFailed({ cause: bytes.failure });
    }
    // The reply is returned, not only sent: it is a thenable that settles when the answer
    // is complete, so Fastify waits for a file streamed from disk instead of ending it empty.
    return sendBytes(request, withAudioHeaders(reply, entry, rendition), bytes.served);
  };

  /**
   * Audio while it is being made: 200 with the bytes as they are encoded, chunked, with
   * no length and no validators (the stored file gets its gapless header afterwards, so
   * these bytes are not the ETag's), not to be kept (`no-store`) and with no ranges
   * (`Accept-Ranges: none`): a browser plays it as a stream and asks again later, when
   * the verified file answers with length, ETag and ranges. The answer ends only once the
   * render is stored; a render that fails part way aborts it (Fastify destroys the
   * response when its stream errors), so it can never pass for a whole file.
   */
  const sendLive = (reply: FastifyReply, entry: CatalogEntry, live: LiveRendition): FastifyReply => {
    async function* whole(): AsyncGenerator<Buffer, void, undefined> {
      yield* live.chunks;
      // Every byte is out; the file is stored and verified, or the answer is not complete.
      await live.done;
    }
    return reply
      .code(200)
      .headers(LIVE_AUDIO_HEADERS)
      .header('content-type', live.contentType)
      .header('content-disposition', `inline; filename="${entry.episode.id}.${live.format}"`)
      .send(Readable.from(whole(), { objectMode: false }));
  };

  // GET and HEAD are declared together: Fastify's own HEAD route would read the whole
  // body only to count it, and would replace a HEAD answer's Content-Length with 0.
  app.route({
    method: ['GET', 'HEAD'],
    url: '/api/episodes/:id/audio',
    config: EMBEDDED,
    schema: { params: IdParamsSchema, querystring: AudioQuerySchema, response: audioResponses },
    handler: (request, reply) => answerAudio(request, reply, request.params.id, request.query, request.query.format),
  });
  for (const format of AUDIO_FORMATS) {
    app.route({
      method: ['GET', 'HEAD'],
      url: `/api/episodes/:id/audio.${format}`,
      config: EMBEDDED,
        schema: { params: IdParamsSchema, querystring: VoiceQuerySchema, response: audioResponses },
      handler: (request, reply) => answerAudio(request, reply, request.params.id, request.query, format),
    });
  }
};

export default episodes;
