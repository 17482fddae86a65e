/**
 * The body of a byte-range plan (`byte-ranges.ts`) from bytes held in memory
 * (`memory-cache.ts`): the bytes themselves, a view into them for one range (no
 * copy), or the parts framed as multipart/byteranges. `file-body.ts` makes the
 * same body from a file on disk.
 *
 * Plain TypeScript: no fastify import.
 */
import type { BytePlan } from './byte-ranges.js';

/**
 * The body for a plan, for `reply.send()`: the held bytes themselves for 200, a
 * view into them for a single range (no copy), one assembled buffer for multipart,
 * and undefined for 304, 412 and 416, which have no body (so Fastify adds no
 * Content-Type to them either).
 * For HEAD, pass the same: Node's HTTP server never writes a body for HEAD, and
 * Fastify's HEAD routes take Content-Length from it.
 *
 * @throws Error when `content` is not the size the plan was made for.
 */
export function byteResponseBody(plan: BytePlan, content: Buffer): Buffer | undefined {
  if (plan.status !== 200 && plan.status !== 206) return undefined;
  const last = plan.parts.at(-1);
  if (last !== undefined && last.end >= content.length) {
    throw new Error(`the plan reaches byte ${last.end} of content holding only ${content.length}`);
  }
  if (plan.status === 200) {
    if (String(content.length) !== plan.headers['content-length']) {
      throw new Error(`the plan is for ${plan.headers['content-length']} bytes, the content has ${content.length}`);
    }
    return content;
  }
  const { multipart } = plan;
  if (multipart === undefined) {
    const part = plan.parts[0];
    return part === undefined ? Buffer.alloc(0) : content.subarray(part.start, part.end + 1);
  }
  const pieces: Buffer[] = [];
  for (const [i, part] of plan.parts.entries()) {
    pieces.push(Buffer.from(multipart.partHeads[i] ?? ''), content.subarray(part.start, part.end + 1));
  }
  pieces.push(Buffer.from(multipart.tail));
  return Buffer.concat(pieces);
}
