/**
 * "How do you say it?": a lexicon name's IPA, respelling, the name spoken
 * slowly and the name spelled out letter by letter, by the same engine that
 * narrates the episodes.
 */
import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { encodeWav } from '../audio/wav.js';
import type { Catalog } from '../catalog.js';
import { NameNotFound, RenderFailed } from '../errors.js';
import { strongEtag } from '../http/byte-ranges.js';
import { nameSsml } from '../narration/say-name.js';
import { BytesSchema, NameParamsSchema, NoBodySchema, NoQuerySchema, ProblemSchema, PronunciationSchema } from '../schemas.js';
import { pronounceAudioPath, pronounceSpelledPath } from '../site/people-html.js';
import type { SpeechEngine } from '../speech/engine.js';
import { sendBytes, type ServedBytes } from './send-bytes.js';

const pronounce: FastifyPluginAsyncTypebox<{ catalog: Catalog; engine: SpeechEngine }> = async (app, { catalog, engine }) => {
  // A name is a second or two of audio: keep each in memory once made.
  const spoken = new Map<string, Promise<ServedBytes>>();
  const speak = async ({ ssml, rate }: { ssml: string; rate: number }): Promise<ServedBytes> => {
    const { samples, sampleRate } = await engine.synthesize(ssml, { rate });
    const wav = encodeWav(samples, sampleRate);
    const entity = {
      size: wav.length,
      etag: strongEtag(createHash('sha256').update(wav).digest('hex')),
      lastModified: new Date(),
      contentType: 'audio/wav',
      cacheControl: 'public, max-age=86400',
    };
    return { entity, body: wav };
  };

  const lookup = (name: string) => {
    const entry = catalog.lexiconEntry(name);
    if (entry === undefined) throw new NameNotFound(name);
    return entry;
  };

  for (const url of ['/api/pronounce/:name', '/api/pronounce/:name.json']) app.get(url, { schema: { params: NameParamsSchema, querystring: NoQuerySchema, response: { 200: PronunciationSchema, 400: ProblemSchema, 404: ProblemSchema } } }, async (request) => {
    const entry = lookup(request.params.name);
    return {
      id: entry.id,
      written: [...entry.written],
      language: entry.lang,
      ipa: entry.ipa,
      respelling: entry.respelling,
      audio: pronounceAudioPath(entry.id),
      spelled: pronounceSpelledPath(entry.id),
    };
  });

  for (const [url, saying] of [
    ['/api/pronounce/:name/audio', 'slow'],
    ['/api/pronounce/:name.wav', 'slow'],
    ['/api/pronounce/:name/spelled.wav', 'spelled'],
  ] as const) {
    app.route({
      method: ['GET', 'HEAD'],
      url,
      schema: {
        params: NameParamsSchema,
        querystring: NoQuerySchema,
        response: { 200: BytesSchema, 206: BytesSchema, 304: NoBodySchema, 400: ProblemSchema, 404: ProblemSchema, 412: ProblemSchema, 416: ProblemSchema, 503: ProblemSchema },
      },
      handler: async (request, reply) => {
        const entry = lookup(request.params.name);
        const key = `${saying}:${entry.id}`;
        let audio = spoken.get(key);
        if (audio === undefined) {
          audio = speak(nameSsml(entry, saying));
          spoken.set(key, audio);
          audio.catch(() => spoken.delete(key));
        }
        let served: ServedBytes;
        try {
          served = await audio;
        } catch (error) {
          throw new RenderFailed({ cause: error });
        }
        return sendBytes(request, reply, served);
      },
    });
  }
};

export default pronounce;
