/**
 * Why a rendition could not be had. The route maps each to an answer:
 * RenderBusy to 503 with Retry-After, FormatUnavailable to 406, the others to
 * 503 with a reason (never a truncated file).
 */
import type { AudioFormat } from '../audio/formats.js';

/** Too many renders are running or queued; try again after `retryAfterSeconds`. */
export class RenderBusy extends Error {
  override readonly name = 'RenderBusy';
  constructor(readonly retryAfterSeconds: number) {
    super(`too many renders under way; retry after ${retryAfterSeconds} s`);
  }
}

/** The format was asked for but cannot be made on this machine. */
export class FormatUnavailable extends Error {
  override readonly name = 'FormatUnavailable';
  constructor(readonly format: AudioFormat) {
    super(`the ${format} format cannot be made on this machine`);
  }
}

/** A render took longer than allowed; the engine was told to stop (a hung worker is killed and replaced). */
export class RenderTimedOut extends Error {
  override readonly name = 'RenderTimedOut';
  constructor(readonly timeoutMs: number, options?: { cause?: unknown }) {
    super(`the render took longer than ${timeoutMs} ms and was stopped`, options);
  }
}

/** The caller's signal aborted before the rendition was ready. */
export class RenderAborted extends Error {
  override readonly name = 'RenderAborted';
  constructor(reason: unknown) {
    super('the render was abandoned by its caller', { cause: reason });
  }
}

/** No cache folder could take the render (read-only, full, not a folder...): nothing was served half-written. */
export class CacheUnwritable extends Error {
  override readonly name = 'CacheUnwritable';
  constructor(readonly folders: readonly string[], options?: { cause?: unknown }) {
    const reason = options?.cause instanceof Error ? options.cause.message : String(options?.cause ?? 'unknown error');
    super(`the render cache cannot be written in ${folders.join(' nor in ')} (${reason})`, options);
  }
}
