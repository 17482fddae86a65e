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
  406: 'Not acceptable',
  412: 'Precondition failed',
  413: 'Content too large',
  416: 'Range not satisfiable',
  429: 'Too many requests',
  499: 'Client closed request',
  503: 'Service unavailable',
};

/** Our codes for errors Fastify and its plugins raise with their own (FST_…) codes. */
const FRAMEWORK_CODES: Record<number, string> = {
  400: 'ATL_BAD_REQUEST',
  404: 'ATL_NOT_FOUND',
  405: 'ATL_METHOD_NOT_ALLOWED',
  413: 'ATL_BODY_TOO_LARGE',
  415: 'ATL_UNSUPPORTED_MEDIA_TYPE',
};

/** The error's own code when it is one of ours; otherwise ours for its status, so clients see one set of codes. */
const stableCode = (error: FastifyError, status: number): string =>
  error.code?.startsWith('ATL_') === true ? error.code : (FRAMEWORK_CODES[status] ?? 'ATL_REQUEST_REFUSED');

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
  const allowed = (first.params as { allowedValues?: unknown }).allowedValues;
  if (Array.isArray(allowed)) return `${context}${first.instancePath} must be one of ${allowed.join(', ')}`;
  return `${context}${first.instancePath} ${first.message ?? 'is invalid'}`;
}

/** What a 503 suggests waiting when nothing better is known, in seconds: renders clear within seconds. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/**
 * Seconds a 503 asks the client to wait: the estimate the error or its cause carries
 * (`RenderBusy.retryAfterSeconds`: the queue ahead at the pace renders have gone), else
 * `DEFAULT_RETRY_AFTER_SECONDS`. Read by shape, so the HTTP layer needs no domain class.
 */
export function retryAfterSeconds(error: unknown): number {
  for (let link = error, depth = 0; typeof link === 'object' && link !== null && depth < 4; link = (link as { cause?: unknown }).cause, depth++) {
    const estimate = (link as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    // Retry-After is a whole number of seconds (RFC 9110 section 10.2.3).
    if (typeof estimate === 'number' && Number.isFinite(estimate) && estimate >= 0) return Math.max(1, Math.ceil(estimate));
  }
  return DEFAULT_RETRY_AFTER_SECONDS;
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
        reply.header('retry-after', String(retryAfterSeconds(error)));
      }
      if (error.validation) return sendProblem(reply, 400, 'ATL_INVALID_PARAMETER', validationDetail(error));
      return sendProblem(reply, status, stableCode(error, status), error.message);
    });

    app.setNotFoundHandler((request, reply) => {
      const error = new RouteNotFound(request.method, request.url.split('?')[0] ?? '/');
      return sendProblem(reply, 404, error.code, error.message);
    });
  },
  { name: 'errors' },
);
