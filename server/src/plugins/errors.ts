/**
 * One error handler for the whole app: errors become `application/problem+json`
 * (RFC 9457) with a stable code. 4xx messages reach the client as written;
 * 5xx are logged with their cause and masked, so no stack or path leaks.
 */
import fp from 'fastify-plugin';
import type { FastifyError, FastifyReply } from 'fastify';
import { RouteNotFound } from '../errors.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  404: 'Not found',
  405: 'Method not allowed',
  413: 'Content too large',
  416: 'Range not satisfiable',
  429: 'Too many requests',
  503: 'Service unavailable',
};

function sendProblem(reply: FastifyReply, status: number, code: string, detail: string): FastifyReply {
  const problem: Problem = { type: 'about:blank', title: TITLES[status] ?? 'Error', status, detail, code, instance: reply.request.url };
  return reply.code(status).type('application/problem+json').send(problem);
}

/** Names the parameter: "querystring/rate must be <= 4", "querystring/volume is not a known parameter". */
function validationDetail(error: FastifyError): string {
  const first = error.validation?.[0];
  if (first === undefined) return error.message;
  const context = error.validationContext ?? 'request';
  const extra = (first.params as { additionalProperty?: unknown }).additionalProperty;
  if (typeof extra === 'string') return `${context}/${extra} is not a known parameter`;
  return `${context}${first.instancePath} ${first.message ?? 'is invalid'}`;
}

export default fp(
  async (app) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      const status = error.statusCode ?? 500;
      if (status >= 500 && status !== 503) {
        request.log.error({ err: error }, 'request failed');
        return sendProblem(reply, 500, 'ATL_INTERNAL', 'Something went wrong on our side. Please try again.');
      }
      if (status === 503) {
        request.log.warn({ err: error }, 'answered 503');
        // Renders clear within seconds: tell clients when it is worth asking again.
        reply.header('retry-after', '5');
      }
      if (error.validation) return sendProblem(reply, 400, 'ATL_INVALID_PARAMETER', validationDetail(error));
      return sendProblem(reply, status, error.code ?? 'ATL_ERROR', error.message);
    });

    app.setNotFoundHandler((request, reply) => {
      const error = new RouteNotFound(request.method, request.url.split('?')[0] ?? '/');
      return sendProblem(reply, 404, error.code, error.message);
    });
  },
  { name: 'errors' },
);
