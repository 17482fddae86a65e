/**
 * Request logging: one line per answered request, like a web server's access
 * log (method, URL, status, time), instead of Fastify's two (incoming,
 * completed); successful answers at `debug`, problems at `info`.
 *
 * A client hanging up is how listening ends (a seek, a closed tab, a podcast
 * app that got enough): it is noted at `info`, never as an error of ours.
 * Errors of ours mid-stream (a file that cannot be read) stay errors. (A client
 * leaving while its render is under way is noted by the episode routes.)
 *
 * A log controller, not hooks: hooks would cost every request a closure.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/** Error codes that mean the client went away, not that we failed. */
const CLIENT_GONE = new Set(['ERR_STREAM_PREMATURE_CLOSE', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_DESTROYED']);

/** Whether `error` says only that the client closed the connection. */
export function isClientGone(error: unknown): boolean {
  return typeof error === 'object' && error !== null && CLIENT_GONE.has(String((error as { code?: unknown }).code));
}

/** Fastify's request log lines, as the companion writes them (pass as `logController`). */
export class AccessLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    // At info, the one line is written when the answer is complete; at debug, arrivals too.
    request.log.debug({ method: request.method, url: request.url }, 'asked');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const status = reply.statusCode;
    // Answers that went as asked are logged at debug: one listen is dozens of Range requests,
    // and a line for each cost a quarter of the audio's throughput (bench/http.ts). Problems
    // (4xx) are logged at info; errors of ours (5xx) by the error handler at error.
    const level = error && !isClientGone(error) ? 'error' : status >= 400 ? 'info' : 'debug';
    // pino answers whether a level is on; building a line nobody writes costs as much as writing it.
    if ((reply.log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled?.(level) === false) return;
    const line = { method: request.method, url: request.url, status, ms: Math.round(reply.elapsedTime * 10) / 10 };
    if (level === 'error') reply.log.error({ ...line, err: error }, 'answer failed');
    else reply.log[level](line, 'answered');
  }

  override streamError(error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply): void {
    if (isClientGone(error)) reply.log.info({ method: request.method, url: request.url, code: error.code }, 'the client hung up during the answer');
    else reply.log.error({ method: request.method, url: request.url, err: error }, 'the answer broke off after its headers were sent');
  }
}
