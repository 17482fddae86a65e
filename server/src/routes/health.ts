/**
 * `GET /healthz`: the process is up and answering.
 * `GET /readyz`: the speech engine can render, with the cache warm-up's progress.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { WarmUpProgress } from '../renditions/warm-up.js';
import { NoQuerySchema, ProblemSchema } from '../schemas.js';
import type { SpeechEngine } from '../speech/engine.js';

export interface HealthOptions {
  readonly engine: SpeechEngine;
  readonly warmUp: () => WarmUpProgress | undefined;
}

const ReadySchema = Type.Object({
  ready: Type.Boolean(),
  engine: Type.Object({ name: Type.String(), version: Type.String(), available: Type.Boolean() }),
  warmUp: Type.Union([
    Type.Object({ total: Type.Integer(), done: Type.Integer(), failed: Type.Integer(), finished: Type.Boolean() }),
    Type.Null(),
  ]),
});

const health: FastifyPluginAsyncTypebox<HealthOptions> = async (app, { engine, warmUp }) => {
  app.get('/healthz', { schema: { querystring: NoQuerySchema, response: { 200: Type.Object({ status: Type.Literal('ok') }), 400: ProblemSchema } } }, async () => ({
    status: 'ok' as const,
  }));

  app.get('/readyz', { schema: { querystring: NoQuerySchema, response: { 200: ReadySchema, 400: ProblemSchema, 503: ReadySchema } } }, async (_request, reply) => {
    const available = await engine.available();
    return reply.code(available ? 200 : 503).send({
      ready: available,
      engine: { name: engine.name, version: engine.version, available },
      warmUp: warmUp() ?? null,
    });
  });
};

export default health;
