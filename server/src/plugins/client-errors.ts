/**
 * Requests refused before any route runs are answered as problems with a stable
 * code, like every other error, instead of Fastify's default `application/json`:
 * - those Node's HTTP parser refuses (not HTTP, a NUL byte or a bare space in the
 *   target, headers over 16 KiB, too slow to arrive); then the connection is
 *   closed, as Node and Fastify do, since the rest of its bytes cannot be trusted;
 * - those the router refuses (a broken %-escape, a path part over 100 characters).
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BadUrl, HeadersTooLarge, MalformedRequest, PathTooLong, RequestTimedOut } from '../errors.js';
import type { Problem } from './errors.js';

/** The problem for a parser error, by Node's error code. */
function problemFor(code: string | undefined): { status: number; code: string; detail: string } {
  const error = code === 'HPE_HEADER_OVERFLOW' ? new HeadersTooLarge() : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? new RequestTimedOut() : new MalformedRequest();
  return { status: error.statusCode ?? 400, code: error.code, detail: error.message };
}

/** Fastify's `clientErrorHandler` option: writes the problem to the socket and closes it. */
export function clientErrorHandler(this: FastifyInstance, error: ConnectionError, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, code, detail } = problemFor(error.code);
  const title = STATUS_CODES[status] ?? 'Error';
  const problem: Problem = { type: 'about:blank', title, status, detail, code };
  const body = JSON.stringify(problem);
  this.log.info({ err: error, status }, 'refused a request that is not well-formed HTTP');
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/**
 * Fastify's `frameworkErrors` option: the router's refusals as problems. Anything
 * else it reports (an async constraint failing) is ours, so it is logged and masked.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const known = error.code === 'FST_ERR_BAD_URL' ? new BadUrl() : error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? new PathTooLong() : undefined;
  if (known === undefined) request.log.error({ err: error }, 'request failed');
  const status = known?.statusCode ?? 500;
  const problem: Problem = {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail: known?.message ?? 'Something went wrong on our side. Please try again.',
    code: known?.code ?? 'ATL_INTERNAL',
  };
  void reply.code(status).type('application/problem+json').header('x-content-type-options', 'nosniff').send(problem);
}
