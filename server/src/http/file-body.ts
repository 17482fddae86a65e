/**
 * The body of a byte-range plan read from a file on disk, for files too big to
 * hold in memory (see memory-cache.ts `keeps`). Same bytes as `byteResponseBody`,
 * as a stream: a single range is one `createReadStream` over exactly those bytes,
 * multipart parts are framed between reads.
 *
 * Plain TypeScript: no fastify import.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { BytePlan } from './byte-ranges.js';

/**
 * Bytes per read. Node's default of 64 KiB for files is what makes a file
 * stream keep up; smaller reads (16 KiB, @fastify/send's default) cost a
 * system call and a socket write for every 16 KiB.
 */
export const FILE_READ_BYTES = 64 * 1024;

/**
 * A stream of the body `plan` describes, read from `file`; undefined when the
 * plan has no body (304, 412, 416) or selects no byte (an empty file).
 * The file must be the entity the plan was made for: content-addressed render
 * files never change once written, so reading later gives the planned bytes.
 */
export function byteResponseStream(plan: BytePlan, file: string, highWaterMark = FILE_READ_BYTES): Readable | undefined {
  if ((plan.status !== 200 && plan.status !== 206) || plan.parts.length === 0) return undefined;
  const { multipart } = plan;
  const first = plan.parts[0];
  if (multipart === undefined && first !== undefined) return createReadStream(file, { start: first.start, end: first.end, highWaterMark });
  const parts = plan.parts;
  async function* framed(): AsyncGenerator<Buffer> {
    for (const [i, part] of parts.entries()) {
      yield Buffer.from(multipart?.partHeads[i] ?? '');
      // One stream per part: each ends at its own `end`, so no part reads past its range.
      for await (const chunk of createReadStream(file, { start: part.start, end: part.end, highWaterMark })) yield chunk as Buffer;
    }
    yield Buffer.from(multipart?.tail ?? '');
  }
  return Readable.from(framed(), { objectMode: false });
}
