/**
 * Answers GET and HEAD for a file with a strong validator, through the RFC 9110
 * planner in `http/byte-ranges.ts`: Range (206, multipart/byteranges),
 * conditional requests (304, 412), and 416 as a problem with a stable code.
 * The bytes come from memory (the common case: a verified copy held by
 * `http/memory-cache.ts`) or, for files too big to hold, from disk.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PreconditionFailed, RangeNotSatisfiable } from '../errors.js';
import { planByteResponse, type ByteEntity } from '../http/byte-ranges.js';
import { byteResponseBody } from '../http/memory-body.js';
import { byteResponseStream } from '../http/file-body.js';

/** What to answer with: the entity's metadata, and its bytes in memory or the file that holds them. */
export interface ServedBytes {
  readonly entity: ByteEntity;
  readonly body: Buffer | { readonly file: string };
}

/** Enough of a client's Range header to recognise it in a problem's detail, never a page of it. */
const quoted = (value: string | undefined): string => {
  const text = value ?? '';
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
};

/**
 * Plans the response to `request` and sends it. Throws `RangeNotSatisfiable` (416,
 * with `Content-Range: bytes *\/size` already on the reply) and `PreconditionFailed`
 * (412) for the error handler to answer as problems.
 */
export function sendBytes(request: FastifyRequest, reply: FastifyReply, { entity, body }: ServedBytes): FastifyReply {
  const plan = planByteResponse(request, entity);
  if (plan.status === 416) {
    // The error handler keeps headers already set, so the problem carries the size too.
    reply.header('content-range', plan.headers['content-range']).header('accept-ranges', 'bytes');
    throw new RangeNotSatisfiable(quoted(request.headers.range), entity.size);
  }
  if (plan.status === 412) throw new PreconditionFailed(request.headers['if-match'] === undefined ? 'If-Unmodified-Since' : 'If-Match');
  reply.code(plan.status).headers(plan.headers);
  // HEAD: the headers a GET would get, Content-Length included, and no body to read.
  if (request.method === 'HEAD' || plan.status === 304) return reply.send();
  return reply.send(Buffer.isBuffer(body) ? byteResponseBody(plan, body) : byteResponseStream(plan, body.file));
}
