/**
 * The voices and speaking rates an episode can be rendered in: what a player
 * offers before it asks for `?rate=&voice=` on an episode's audio and tracks.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Catalog } from '../catalog.js';
import { NoQuerySchema, ProblemSchema, RATE_STEP, RATES, VoiceListSchema } from '../schemas.js';
import type { SpeechEngine, Voice } from '../speech/engine.js';

export interface VoiceRoutesOptions {
  readonly catalog: Catalog;
  readonly engine: SpeechEngine;
  /** The engine's voices, as the episode routes accept them. */
  readonly voices: readonly Voice[];
}

const voiceRoutes: FastifyPluginAsyncTypebox<VoiceRoutesOptions> = async (app, { catalog, engine, voices }) => {
  // The engine speaks its default voice only where the narration is in that voice's language.
  const fallback = voices.find((voice) => voice.id === engine.defaultVoice);
  const speaksNarration = fallback !== undefined && fallback.language.toLowerCase() === catalog.pack.info.language.toLowerCase();
  const answer = {
    engine: engine.name,
    defaultVoice: speaksNarration ? fallback.id : null,
    rates: { min: RATES[0] ?? 1, max: RATES.at(-1) ?? 1, step: RATE_STEP, values: [...RATES] },
    voices: voices.map(({ id, name, language }) => ({ id, name, language })),
  };
  for (const url of ['/api/voices', '/api/voices.json']) {
    app.get(url, { schema: { querystring: NoQuerySchema, response: { 200: VoiceListSchema, 400: ProblemSchema } } }, async () => answer);
  }
};

export default voiceRoutes;
