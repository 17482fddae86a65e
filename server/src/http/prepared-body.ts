/**
 * A response body made once and sent many times: the episode JSON, which never
 * changes while the process runs once the episode is rendered. It is prepared
 * once with everything a request could need (a strong ETag, brotli and gzip
 * copies at their best levels), so each request only picks what to send:
 * 304 when the client has it, else the smallest copy the client accepts.
 *
 * Plain TypeScript: no fastify import, so any HTTP layer can use it.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** Content codings a prepared body can be sent in, best first. */
export type ContentCoding = 'br' | 'gzip' | 'identity';

/** A body and its copies, ready to send. */
export interface PreparedBody {
  /** A strong validator of the identity body (quotes included). */
  readonly etag: string;
  readonly contentType: string;
  /** Each coding's bytes; `identity` always, the others when they are smaller. */
  readonly bodies: Readonly<Partial<Record<ContentCoding, Buffer>>> & { readonly identity: Buffer };
}

/**
 * Prepares `body`: hashes it for the ETag and compresses it (brotli at its best
 * quality, gzip at level 9) off the event loop. A compressed copy that is not
 * smaller than the body is dropped.
 */
export async function prepareBody(body: Buffer, contentType: string): Promise<PreparedBody> {
  const [br, gz] = await Promise.all([
    brotli(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT } }),
    gzipAsync(body, { level: zlib.Z_BEST_COMPRESSION }),
  ]);
  return {
    etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`,
    contentType,
    bodies: {
      identity: body,
      ...(br.length < body.length ? { br } : {}),
      ...(gz.length < body.length ? { gzip: gz } : {}),
    },
  };
}

// A coding in Accept-Encoding, with an optional weight: `br`, `gzip;q=0.8`, `*;q=0`.
const CODING = /^\s*([!#$%&'*+.^_`|~0-9a-z-]+)\s*(?:;\s*q\s*=\s*([0-9.]+)\s*)?$/i;

/**
 * The coding to send for an `Accept-Encoding` field (RFC 9110 section 12.5.3), among
 * those `available`: the client's most preferred, ties going to the smaller (brotli
 * before gzip), `*` standing for any coding not named, `q=0` ruling one out. No field
 * at all means identity; identity is acceptable unless refused (`identity;q=0`, or
 * `*;q=0` without naming it), in which case undefined: 406 is the caller's to send.
 */
export function chooseCoding(acceptEncoding: string | undefined, available: ReadonlySet<ContentCoding>): ContentCoding | undefined {
  if (acceptEncoding === undefined) return 'identity';
  const weights = new Map<string, number>();
  for (const element of acceptEncoding.split(',')) {
    if (element.trim() === '') continue;
    const match = CODING.exec(element);
    // A malformed element is ignored, as an unknown coding would be.
    if (match === null) continue;
    const weight = match[2] === undefined ? 1 : Number(match[2]);
    weights.set((match[1] ?? '').toLowerCase(), Number.isFinite(weight) ? Math.min(1, Math.max(0, weight)) : 0);
  }
  const any = weights.get('*');
  const weightOf = (coding: ContentCoding): number | undefined =>
    weights.get(coding) ?? (coding === 'gzip' ? weights.get('x-gzip') : undefined) ?? (coding === 'identity' ? undefined : any);
  let best: ContentCoding | undefined;
  let bestWeight = 0;
  for (const coding of ['br', 'gzip', 'identity'] as const) {
    const weight = available.has(coding) ? weightOf(coding) : undefined;
    // Strictly greater: among equal weights the earlier (smaller) coding wins.
    if (weight !== undefined && weight > bestWeight) {
      best = coding;
      bestWeight = weight;
    }
  }
  if (best !== undefined) return best;
  // Nothing named and wanted: identity, which is acceptable unless refused, by name or by `*;q=0`.
  const identity = weights.get('identity') ?? any;
  return identity === 0 || !available.has('identity') ? undefined : 'identity';
}

/** The response to send: status, headers and body (none for 304). */
export interface PreparedResponse {
  readonly status: 200 | 304;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | undefined;
}

/** How many distinct Accept-Encoding values are remembered: clients send a handful. */
const REMEMBERED_FIELDS = 64;

/**
 * Answers requests for one prepared body with header objects made once: one per
 * coding for 200 and one for 304, and the coding chosen for each Accept-Encoding
 * value remembered (browsers send the same few), so a request costs a few lookups.
 */
export class PreparedAnswers {
  readonly #prepared: PreparedBody;
  readonly #available: ReadonlySet<ContentCoding>;
  readonly #ok = new Map<ContentCoding, PreparedResponse>();
  readonly #notModified: PreparedResponse;
  readonly #chosen = new Map<string, ContentCoding | undefined>();

  /** @param cacheControl sent on 200 and 304, e.g. `no-cache` (revalidate, a cheap 304). */
  constructor(prepared: PreparedBody, cacheControl: string) {
    this.#prepared = prepared;
    this.#available = new Set(Object.keys(prepared.bodies) as ContentCoding[]);
    // Vary: the body depends on Accept-Encoding whenever a compressed copy exists.
    const vary: Record<string, string> = this.#available.size > 1 ? { vary: 'accept-encoding' } : {};
    for (const coding of this.#available) {
      const body = prepared.bodies[coding]!;
      const headers: Record<string, string> = {
        'content-type': prepared.contentType,
        'content-length': String(body.length),
        etag: prepared.etag,
        'cache-control': cacheControl,
        ...vary,
      };
      if (coding !== 'identity') headers['content-encoding'] = coding;
      this.#ok.set(coding, { status: 200, body, headers });
    }
    this.#notModified = { status: 304, body: undefined, headers: { etag: prepared.etag, 'cache-control': cacheControl, ...vary } };
  }

  get prepared(): PreparedBody {
    return this.#prepared;
  }

  /**
   * The answer to a GET or HEAD with these request headers: 304 when `If-None-Match`
   * names the ETag (or is `*`), else 200 in the best acceptable coding. A client that
   * refuses every coding there is gets the body as it is, which RFC 9110 allows
   * (section 12.5.3: the server may disregard the field) and serves it better than 406.
   */
  answer(headers: { readonly 'if-none-match'?: string | undefined; readonly 'accept-encoding'?: string | undefined }): PreparedResponse {
    const ifNoneMatch = headers['if-none-match'];
    if (ifNoneMatch !== undefined && matchesAny(ifNoneMatch, this.#prepared.etag)) return this.#notModified;
    const field = headers['accept-encoding'];
    let coding: ContentCoding | undefined;
    if (field === undefined) coding = 'identity';
    else if (this.#chosen.has(field)) coding = this.#chosen.get(field);
    else {
      coding = chooseCoding(field, this.#available);
      if (this.#chosen.size >= REMEMBERED_FIELDS) this.#chosen.clear();
      this.#chosen.set(field, coding);
    }
    return this.#ok.get(coding ?? 'identity')!;
  }
}

/** `If-None-Match` by weak comparison (RFC 9110 section 13.1.2): `*`, or a list naming the tag, `W/` or not. */
function matchesAny(field: string, etag: string): boolean {
  if (field.trim() === '*') return true;
  for (const match of field.matchAll(/(?:W\/)?("[^"]*")/g)) if (match[1] === etag) return true;
  return false;
}
