/**
 * The RFC 9110 plan for answering a GET or HEAD of bytes with a strong validator:
 * conditional requests (section 13) and range requests (section 14), decided from
 * the request's method and headers and the entity's size and validators, without
 * a server, so every rule is testable on its own.
 *
 * The plan says the status, the headers and which byte ranges the body holds;
 * `memory-body.ts` (bytes held in memory) and `file-body.ts` (a file on disk)
 * turn it into the body. Several ranges are framed by `multipart.ts`.
 *
 * Plain TypeScript: no fastify import.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { frameMultipart, type MultipartFraming } from './multipart.js';

/**
 * The most ranges one response is split into, after overlapping and adjacent ones
 * are merged. Beyond it the whole entity is sent with 200, as RFC 9110 section 14.2
 * allows ("a server MAY ignore the Range header field"): many tiny parts cost more
 * in part headers and work than they save, and they are a known way to tie up a server.
 */
export const MAX_RANGE_PARTS = 16;

/** What is being served: its length and validators. */
export interface ByteEntity {
  /** Length in bytes. */
  readonly size: number;
  /** A strong entity tag, quotes included, e.g. `"3f2a…"` (see `strongEtag`). */
  readonly etag: string;
  readonly lastModified: Date;
  readonly contentType: string;
  /** Sent as `Cache-Control` on 200, 206 and 304 when given. */
  readonly cacheControl?: string;
}

/** The parts of a request the plan depends on; a Node `IncomingMessage` or a Fastify request fits. */
export interface ByteRequest {
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
}

/** A byte range, both ends inclusive as in `Content-Range`. */
export interface BytePart {
  readonly start: number;
  readonly end: number;
}

export type ByteStatus = 200 | 206 | 304 | 412 | 416;

/** The decided response. */
export interface BytePlan {
  readonly status: ByteStatus;
  /** Lower-case names; `content-length` is exact for the body `byteResponseBody` makes. */
  readonly headers: Record<string, string>;
  /**
   * The ranges the body holds, in order: the whole entity for 200, one or more for
   * 206, none otherwise. A HEAD request is planned like GET; Node then sends no body.
   */
  readonly parts: readonly BytePart[];
  /** Present when the 206 body is multipart/byteranges. */
  readonly multipart?: MultipartFraming;
}

/** A strong entity tag from a content hash: 128 bits of it are plenty to tell versions apart. */
export function strongEtag(sha256: string): string {
  return `"${sha256.slice(0, 32)}"`;
}

/** A header's value as one string: Node gives repeated list headers as one joined string already. */
const headerValue = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.join(', ') : value);

interface EntityTag {
  readonly weak: boolean;
  readonly opaque: string;
}

// entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; commas may sit inside the quotes, so split on tags, not commas.
const ENTITY_TAG = /(W\/)?("[^"]*")/g;

function parseEntityTags(value: string): EntityTag[] {
  const tags: EntityTag[] = [];
  for (const match of value.matchAll(ENTITY_TAG)) tags.push({ weak: match[1] !== undefined, opaque: match[2] ?? '' });
  return tags;
}

/** Last-Modified in whole seconds, the precision HTTP dates have. */
const modifiedSeconds = (entity: ByteEntity): number => Math.floor(entity.lastModified.getTime() / 1000);

function parseOwnEtag(etag: string): EntityTag {
  const weak = etag.startsWith('W/');
  return { weak, opaque: weak ? etag.slice(2) : etag };
}

/** `If-Match`/`If-None-Match`: `*` matches any current representation. */
function anyTagMatches(field: string, own: EntityTag, strong: boolean): boolean {
  if (field.trim() === '*') return true;
  return parseEntityTags(field).some((tag) => tag.opaque === own.opaque && (!strong || (!tag.weak && !own.weak)));
}

// The three HTTP-date forms (RFC 9110 section 5.6.7): IMF-fixdate, then the obsolete RFC 850 and asctime forms.
const IMF_FIXDATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC850_DATE = /^[A-Z][a-z]{5,8}, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME_DATE = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/**
 * Seconds since the epoch of an HTTP-date, or undefined when it is not one. The shape is
 * checked first because Date.parse also takes "2026" or "99999", which a client never
 * means as a validator; the standard says to ignore what is not an HTTP-date.
 */
function httpDateSeconds(value: string): number | undefined {
  const text = value.trim();
  let ms: number;
  if (IMF_FIXDATE.test(text) || RFC850_DATE.test(text)) ms = Date.parse(text);
  // asctime carries no zone, but means GMT; Date.parse would read it as local time.
  else if (ASCTIME_DATE.test(text)) ms = Date.parse(`${text} GMT`);
  else return undefined;
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

const OWS = /^[ \t]+|[ \t]+$/g;
const INT_RANGE = /^(\d+)-(\d*)$/;
const ONE_INT_RANGE = /^bytes=(\d+)-(\d*)$/;
const SUFFIX_RANGE = /^-(\d+)$/;

type RangeSpec = { readonly first: string; readonly last: string | undefined } | { readonly suffix: string };

/** `first-last` or `first-` as INT_RANGE or ONE_INT_RANGE matched it; undefined when `last < first`. */
function intRangeSpec(match: RegExpExecArray): RangeSpec | undefined {
  const first = match[1] ?? '';
  const last = match[2] === '' ? undefined : match[2];
  if (last !== undefined && compareDigits(last, first) < 0) return undefined;
  return { first, last };
}

/**
 * The range-set of a `Range: bytes=…` field (RFC 9110 section 14.1.1), or undefined when
 * the field is not one: another unit, bad syntax, or `last < first`. The caller then
 * ignores the field and sends 200, as the standard asks.
 */
function parseRangeSet(field: string): RangeSpec[] | undefined {
  // The form players send, one `first-last` or `first-`, in one step: a plan is made for
  // every Range request, and the general reading below costs several times more.
  const one = ONE_INT_RANGE.exec(field);
  if (one !== null) {
    const spec = intRangeSpec(one);
    return spec === undefined ? undefined : [spec];
  }
  const equals = field.indexOf('=');
  // The range unit is a token compared without regard to case.
  if (equals === -1 || field.slice(0, equals).replace(OWS, '').toLowerCase() !== 'bytes') return undefined;
  const specs: RangeSpec[] = [];
  for (const element of field.slice(equals + 1).split(',')) {
    const spec = element.replace(OWS, '');
    // Lists may hold empty elements, which recipients skip (RFC 9110 section 5.6.1.2).
    if (spec === '') continue;
    const int = INT_RANGE.exec(spec);
    if (int !== null) {
      const intSpec = intRangeSpec(int);
      if (intSpec === undefined) return undefined;
      specs.push(intSpec);
      continue;
    }
    const suffix = SUFFIX_RANGE.exec(spec);
    if (suffix === null) return undefined;
    specs.push({ suffix: suffix[1] ?? '' });
  }
  return specs.length === 0 ? undefined : specs;
}

/**
 * Compares two digit strings as numbers of any length: positions past
 * Number.MAX_SAFE_INTEGER would round, and `bytes=…99-…98` must still read as reversed.
 */
function compareDigits(a: string, b: string): number {
  // Up to 15 digits a Number holds exactly: the positions of every real entity.
  if (a.length <= 15 && b.length <= 15) return Number(a) - Number(b);
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * A position as a number. Above 2^53 the value rounds, which is harmless: any such
 * position is past the end of every entity, and the order checks use `compareDigits`.
 */
const position = (digits: string): number => Number(digits);

type Satisfiable = { readonly kind: 'ranges'; readonly ranges: BytePart[] } | { readonly kind: 'unsatisfiable' } | { readonly kind: 'whole' };

/** Which bytes the range-set selects in an entity of `size` bytes. */
function selectRanges(specs: readonly RangeSpec[], size: number): Satisfiable {
  const ranges: BytePart[] = [];
  let emptySuffix = false;
  for (const spec of specs) {
    if ('suffix' in spec) {
      const length = position(spec.suffix);
      // A suffix of 0 bytes selects nothing.
      if (length === 0) continue;
      if (size === 0) emptySuffix = true;
      else ranges.push({ start: Math.max(0, size - length), end: size - 1 });
      continue;
    }
    const first = position(spec.first);
    if (first >= size) continue;
    const end = spec.last === undefined ? size - 1 : Math.min(position(spec.last), size - 1);
    ranges.push({ start: first, end });
  }
  if (ranges.length > 0) return { kind: 'ranges', ranges };
  // A non-empty suffix of an empty entity is satisfiable (RFC 9110 section 14.1.1), but
  // Content-Range cannot say "no bytes": send the whole, empty, entity with 200.
  return emptySuffix ? { kind: 'whole' } : { kind: 'unsatisfiable' };
}

/** Sorted, with overlapping and touching ranges merged (RFC 9110 section 14.2 allows reordering to merge). */
function coalesce(ranges: readonly BytePart[]): BytePart[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const merged: BytePart[] = [];
  for (const range of sorted) {
    const last = merged.at(-1);
    if (last !== undefined && range.start <= last.end + 1) merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, range.end) };
    else merged.push(range);
  }
  return merged;
}

// Formatting a date costs about as much as the rest of a plan, and a server formats the
// same few Last-Modified dates on every request: remember the last one.
let lastFormatted = { time: Number.NaN, text: '' };
function httpDate(date: Date): string {
  const time = date.getTime();
  if (time !== lastFormatted.time) lastFormatted = { time, text: date.toUTCString() };
  return lastFormatted.text;
}

/**
 * The headers of a 200 or 206. One object literal, not spreads: a plan is made for
 * every Range request a player sends, and copying objects was most of its cost.
 */
function representationHeaders(entity: ByteEntity, contentType: string, contentLength: number, contentRange?: string): Record<string, string> {
  const headers: Record<string, string> = {
    'accept-ranges': 'bytes',
    etag: entity.etag,
    'last-modified': httpDate(entity.lastModified),
    'content-type': contentType,
    'content-length': String(contentLength),
  };
  if (contentRange !== undefined) headers['content-range'] = contentRange;
  if (entity.cacheControl !== undefined) headers['cache-control'] = entity.cacheControl;
  return headers;
}

function whole(entity: ByteEntity): BytePlan {
  return {
    status: 200,
    headers: representationHeaders(entity, entity.contentType, entity.size),
    parts: entity.size === 0 ? [] : [{ start: 0, end: entity.size - 1 }],
  };
}

function notModified(entity: ByteEntity): BytePlan {
  // A 304 repeats the validators and caching fields a 200 would carry (RFC 9110 section 15.4.5),
  // and no representation metadata: no Content-Length or Content-Type, since there is no body.
  const headers: Record<string, string> = { etag: entity.etag };
  if (entity.cacheControl !== undefined) headers['cache-control'] = entity.cacheControl;
  return { status: 304, headers, parts: [] };
}

const PRECONDITION_FAILED: BytePlan = { status: 412, headers: { 'content-length': '0' }, parts: [] };

/**
 * Decides the response to a GET or HEAD for `entity`, per RFC 9110:
 *
 * - Preconditions in the standard's order (section 13.2.2): `If-Match` (strong
 *   comparison; failing: 412), else `If-Unmodified-Since` (412); then `If-None-Match`
 *   (weak comparison, `*` and lists; matching: 304), else `If-Modified-Since` (304
 *   when not modified since; an invalid date is ignored).
 * - `Range` on GET only (HEAD ignores it, as section 14.2 requires): `a-b`, `a-`, `-n`
 *   and lists of them. `If-Range` (a strong entity tag, or exactly the Last-Modified
 *   date) that does not match means the whole entity, 200.
 * - A Range that is not valid `bytes` syntax, or has `last < first`, is ignored: 200.
 *   None satisfiable: 416 with `Content-Range: bytes *\/size`.
 * - Several ranges are sorted and merged where they overlap or touch; one left is a
 *   plain 206, more are multipart/byteranges. More than `MAX_RANGE_PARTS`, or ranges
 *   asking for more bytes in total than the entity holds (overlap abuse), get 200.
 *
 * Never throws on any header value: positions beyond Number.MAX_SAFE_INTEGER are
 * past the end or clamped to it.
 */
export function planByteResponse(request: ByteRequest, entity: ByteEntity): BytePlan {
  const { headers } = request;
  // Our own validators are read only for a request that asks about them: most ask only for a range.
  const ifMatch = headerValue(headers['if-match']);
  if (ifMatch !== undefined) {
    if (!anyTagMatches(ifMatch, parseOwnEtag(entity.etag), true)) return PRECONDITION_FAILED;
  } else {
    const ifUnmodifiedSince = headerValue(headers['if-unmodified-since']);
    const since = ifUnmodifiedSince === undefined ? undefined : httpDateSeconds(ifUnmodifiedSince);
    if (since !== undefined && modifiedSeconds(entity) > since) return PRECONDITION_FAILED;
  }

  const ifNoneMatch = headerValue(headers['if-none-match']);
  if (ifNoneMatch !== undefined) {
    if (anyTagMatches(ifNoneMatch, parseOwnEtag(entity.etag), false)) return notModified(entity);
  } else {
    const ifModifiedSince = headerValue(headers['if-modified-since']);
    const since = ifModifiedSince === undefined ? undefined : httpDateSeconds(ifModifiedSince);
    if (since !== undefined && modifiedSeconds(entity) <= since) return notModified(entity);
  }

  const range = headerValue(headers.range);
  if (range === undefined || request.method !== 'GET') return whole(entity);

  const ifRange = headerValue(headers['if-range']);
  if (ifRange !== undefined && !ifRangeMatches(ifRange.trim(), parseOwnEtag(entity.etag), modifiedSeconds(entity))) return whole(entity);

  const specs = parseRangeSet(range);
  if (specs === undefined) return whole(entity);
  const selected = selectRanges(specs, entity.size);
  if (selected.kind === 'whole') return whole(entity);
  if (selected.kind === 'unsatisfiable') {
    return {
      status: 416,
      headers: { 'accept-ranges': 'bytes', 'content-range': `bytes */${entity.size}`, 'content-length': '0' },
      parts: [],
    };
  }

  let asked = 0;
  for (const r of selected.ranges) asked += r.end - r.start + 1;
  if (asked > entity.size) return whole(entity);
  const parts = selected.ranges.length === 1 ? selected.ranges : coalesce(selected.ranges);
  if (parts.length > MAX_RANGE_PARTS) return whole(entity);

  const first = parts[0];
  if (parts.length === 1 && first !== undefined) {
    return {
      status: 206,
      headers: representationHeaders(entity, entity.contentType, first.end - first.start + 1, `bytes ${first.start}-${first.end}/${entity.size}`),
      parts,
    };
  }
  return multipartPlan(entity, parts);
}

/** `If-Range`: a strong tag equal to ours, or a date equal to Last-Modified (section 13.1.5). */
function ifRangeMatches(value: string, own: EntityTag, modifiedSeconds: number): boolean {
  if (value.startsWith('"') || value.startsWith('W/')) {
    // Weak tags never match here: a weak validator cannot promise the bytes are the same.
    return !own.weak && value === own.opaque;
  }
  return httpDateSeconds(value) === modifiedSeconds;
}

function multipartPlan(entity: ByteEntity, parts: readonly BytePart[]): BytePlan {
  const multipart = frameMultipart(entity, parts);
  return {
    status: 206,
    headers: representationHeaders(entity, `multipart/byteranges; boundary=${multipart.boundary}`, multipart.length),
    parts,
    multipart,
  };
}
