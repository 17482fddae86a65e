import type { IncomingHttpHeaders } from 'node:http';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MAX_RANGE_PARTS, planByteResponse, strongEtag, type ByteEntity, type BytePart, type BytePlan } from '../../../server/src/http/byte-ranges.js';
import { byteResponseBody } from '../../../server/src/http/memory-body.js';
import { boundaryOf, readMultipart } from './multipart.js';

const MODIFIED = new Date('2026-03-04T05:06:07.890Z');
const ENTITY: ByteEntity = { size: 1000, etag: '"abc"', lastModified: MODIFIED, contentType: 'audio/mpeg', cacheControl: 'public, max-age=60' };
// Every byte differs from its neighbours, so a part off by one shows.
const CONTENT = Buffer.from(Array.from({ length: ENTITY.size }, (_, i) => (i * 7 + 3) % 256));

const HTTP_DATE = MODIFIED.toUTCString();
const EARLIER = new Date(MODIFIED.getTime() - 60_000).toUTCString();
const LATER = new Date(MODIFIED.getTime() + 60_000).toUTCString();
const HUGE = '99999999999999999999999';

const plan = (headers: IncomingHttpHeaders, method = 'GET', entity: ByteEntity = ENTITY): BytePlan => planByteResponse({ method, headers }, entity);
const whole: BytePart[] = [{ start: 0, end: 999 }];
/** `count` disjoint two-byte ranges, three bytes apart. */
const spread = (count: number): string => `bytes=${Array.from({ length: count }, (_, i) => `${i * 3}-${i * 3 + 1}`).join(',')}`;

interface Case {
  readonly name: string;
  readonly method?: string;
  readonly headers: IncomingHttpHeaders;
  readonly status: number;
  readonly parts?: readonly BytePart[];
  /** Headers the plan must have; `undefined` means absent. */
  readonly expect?: Record<string, string | undefined>;
}

const cases: Case[] = [
  // Plain and single ranges.
  { name: 'no Range: the whole entity', headers: {}, status: 200, parts: whole, expect: { 'content-length': '1000', 'content-range': undefined } },
  { name: 'a-b', headers: { range: 'bytes=0-99' }, status: 206, parts: [{ start: 0, end: 99 }], expect: { 'content-range': 'bytes 0-99/1000', 'content-length': '100' } },
  { name: 'a single byte', headers: { range: 'bytes=0-0' }, status: 206, parts: [{ start: 0, end: 0 }], expect: { 'content-length': '1' } },
  { name: 'a- (to the end)', headers: { range: 'bytes=900-' }, status: 206, parts: [{ start: 900, end: 999 }], expect: { 'content-range': 'bytes 900-999/1000' } },
  { name: '-n (the last n bytes)', headers: { range: 'bytes=-100' }, status: 206, parts: [{ start: 900, end: 999 }] },
  { name: '-n longer than the entity: all of it, as 206', headers: { range: 'bytes=-5000' }, status: 206, parts: whole, expect: { 'content-range': 'bytes 0-999/1000' } },
  { name: 'b past the end is clamped', headers: { range: 'bytes=990-5000' }, status: 206, parts: [{ start: 990, end: 999 }] },
  { name: 'the unit is case-insensitive', headers: { range: 'Bytes=0-9' }, status: 206, parts: [{ start: 0, end: 9 }] },
  // Not satisfiable.
  { name: 'a at the end: 416', headers: { range: 'bytes=1000-' }, status: 416, parts: [], expect: { 'content-range': 'bytes */1000', 'content-length': '0' } },
  { name: 'a suffix of 0 bytes: 416', headers: { range: 'bytes=-0' }, status: 416, expect: { 'content-range': 'bytes */1000' } },
  { name: 'every range past the end: 416', headers: { range: 'bytes=2000-2100, 3000-' }, status: 416 },
  { name: 'a huge first position: 416', headers: { range: `bytes=${HUGE}-` }, status: 416 },
  // Invalid: ignored, the whole entity.
  { name: 'reversed a-b is invalid: 200', headers: { range: 'bytes=9-3' }, status: 200, parts: whole },
  { name: 'reversed huge positions are invalid: 200', headers: { range: `bytes=${HUGE}9-${HUGE}8` }, status: 200 },
  { name: 'reversed with leading zeros is invalid: 200', headers: { range: 'bytes=0009-0003' }, status: 200 },
  { name: 'leading zeros past 15 digits still read as the number', headers: { range: `bytes=${'0'.repeat(20)}3-${'0'.repeat(20)}9` }, status: 206, parts: [{ start: 3, end: 9 }] },
  { name: 'garbage: 200', headers: { range: 'garbage' }, status: 200, parts: whole },
  { name: 'another unit: 200', headers: { range: 'items=0-9' }, status: 200 },
  { name: 'no ranges at all: 200', headers: { range: 'bytes=' }, status: 200 },
  { name: 'only commas: 200', headers: { range: 'bytes=, ,' }, status: 200 },
  { name: 'a negative first position: 200', headers: { range: 'bytes=-5-9' }, status: 200 },
  { name: 'exponents are not digits: 200', headers: { range: 'bytes=1e2-2e2' }, status: 200 },
  { name: 'spaces inside a range: 200', headers: { range: 'bytes=0 - 9' }, status: 200 },
  { name: 'one bad range spoils the set: 200', headers: { range: 'bytes=0-9,x' }, status: 200 },
  { name: 'a repeated Range field: 200', headers: { range: ['bytes=0-9', 'bytes=20-29'] as unknown as string }, status: 200 },
  // Huge numbers within satisfiable ranges.
  { name: 'a huge last position is clamped', headers: { range: `bytes=0-${HUGE}` }, status: 206, parts: whole },
  { name: 'a huge suffix is the whole entity', headers: { range: `bytes=-${HUGE}` }, status: 206, parts: whole },
  { name: 'a 400-digit suffix is the whole entity', headers: { range: `bytes=-${'9'.repeat(400)}` }, status: 206, parts: whole },
  // Several ranges.
  {
    name: 'two ranges: multipart, in order',
    headers: { range: 'bytes=0-9, 50-59' },
    status: 206,
    parts: [{ start: 0, end: 9 }, { start: 50, end: 59 }],
    expect: { 'content-range': undefined },
  },
  { name: 'ranges are sorted', headers: { range: 'bytes=50-59,0-9' }, status: 206, parts: [{ start: 0, end: 9 }, { start: 50, end: 59 }] },
  { name: 'empty list elements are skipped', headers: { range: 'bytes=0-9,,\t50-59' }, status: 206, parts: [{ start: 0, end: 9 }, { start: 50, end: 59 }] },
  { name: 'overlapping ranges merge into one plain 206', headers: { range: 'bytes=0-9,5-19' }, status: 206, parts: [{ start: 0, end: 19 }], expect: { 'content-range': 'bytes 0-19/1000' } },
  { name: 'adjacent ranges merge', headers: { range: 'bytes=10-19,0-9' }, status: 206, parts: [{ start: 0, end: 19 }] },
  { name: 'a suffix merges with an overlapping range', headers: { range: 'bytes=950-979,-30' }, status: 206, parts: [{ start: 950, end: 999 }] },
  { name: 'unsatisfiable ranges among satisfiable ones are dropped', headers: { range: 'bytes=0-9,2000-3000' }, status: 206, parts: [{ start: 0, end: 9 }] },
  { name: `${MAX_RANGE_PARTS} parts: multipart`, headers: { range: spread(MAX_RANGE_PARTS) }, status: 206 },
  { name: `${MAX_RANGE_PARTS + 1} parts: the whole entity`, headers: { range: spread(MAX_RANGE_PARTS + 1) }, status: 200, parts: whole },
  { name: 'asking for more than the entity in total: the whole entity', headers: { range: 'bytes=0-999,0-999' }, status: 200, parts: whole },
  // If-Range.
  { name: 'If-Range with our tag: the range', headers: { range: 'bytes=0-9', 'if-range': '"abc"' }, status: 206, parts: [{ start: 0, end: 9 }] },
  { name: 'If-Range with another tag: the whole entity', headers: { range: 'bytes=0-9', 'if-range': '"old"' }, status: 200, parts: whole },
  { name: 'If-Range with a weak tag never matches', headers: { range: 'bytes=0-9', 'if-range': 'W/"abc"' }, status: 200 },
  { name: 'If-Range with our date: the range', headers: { range: 'bytes=0-9', 'if-range': HTTP_DATE }, status: 206 },
  { name: 'If-Range with an older date: the whole entity', headers: { range: 'bytes=0-9', 'if-range': EARLIER }, status: 200 },
  { name: 'If-Range that is neither: the whole entity', headers: { range: 'bytes=0-9', 'if-range': 'soon' }, status: 200 },
  { name: 'If-Range without Range: 200', headers: { 'if-range': '"abc"' }, status: 200 },
  // If-None-Match and If-Modified-Since.
  { name: 'If-None-Match with our tag: 304', headers: { 'if-none-match': '"abc"' }, status: 304, parts: [], expect: { etag: '"abc"', 'cache-control': 'public, max-age=60', 'content-length': undefined, 'content-type': undefined } },
  { name: 'If-None-Match compares weakly', headers: { 'if-none-match': 'W/"abc"' }, status: 304 },
  { name: 'If-None-Match *: 304', headers: { 'if-none-match': '*' }, status: 304 },
  { name: 'If-None-Match with our tag in a list: 304', headers: { 'if-none-match': '"x", W/"y" ,"abc"' }, status: 304 },
  { name: 'If-None-Match with a tag holding a comma', headers: { 'if-none-match': '"a,bc", "abc"' }, status: 304 },
  { name: 'If-None-Match with other tags: 200', headers: { 'if-none-match': '"x", "abcd"' }, status: 200 },
  { name: 'If-None-Match wins over Range', headers: { 'if-none-match': '"abc"', range: 'bytes=0-9' }, status: 304 },
  { name: 'HEAD with If-None-Match: 304', method: 'HEAD', headers: { 'if-none-match': '"abc"' }, status: 304 },
  { name: 'If-Modified-Since the same second: 304', headers: { 'if-modified-since': HTTP_DATE }, status: 304 },
  { name: 'If-Modified-Since later: 304', headers: { 'if-modified-since': LATER }, status: 304 },
  { name: 'If-Modified-Since earlier: 200', headers: { 'if-modified-since': EARLIER }, status: 200 },
  { name: 'If-Modified-Since in the RFC 850 form', headers: { 'if-modified-since': 'Wednesday, 04-Mar-26 05:06:07 GMT' }, status: 304 },
  { name: 'If-Modified-Since in the asctime form', headers: { 'if-modified-since': 'Wed Mar  4 05:06:07 2026' }, status: 304 },
  { name: 'If-Modified-Since that is not a date is ignored', headers: { 'if-modified-since': 'yesterday' }, status: 200 },
  { name: 'If-Modified-Since that is a bare number is ignored', headers: { 'if-modified-since': '99999' }, status: 200 },
  { name: 'If-Modified-Since is ignored beside If-None-Match', headers: { 'if-none-match': '"x"', 'if-modified-since': LATER }, status: 200 },
  // If-Match and If-Unmodified-Since.
  { name: 'If-Match with our tag: 200', headers: { 'if-match': '"abc"' }, status: 200 },
  { name: 'If-Match *: 200', headers: { 'if-match': '*' }, status: 200 },
  { name: 'If-Match with another tag: 412', headers: { 'if-match': '"x"' }, status: 412, parts: [], expect: { 'content-length': '0', etag: undefined } },
  { name: 'If-Match compares strongly: a weak tag fails', headers: { 'if-match': 'W/"abc"' }, status: 412 },
  { name: 'If-Match fails before If-None-Match is looked at', headers: { 'if-match': '"x"', 'if-none-match': '"abc"' }, status: 412 },
  { name: 'If-Unmodified-Since earlier: 412', headers: { 'if-unmodified-since': EARLIER }, status: 412 },
  { name: 'If-Unmodified-Since the same second: 200', headers: { 'if-unmodified-since': HTTP_DATE }, status: 200 },
  { name: 'If-Unmodified-Since is ignored beside If-Match', headers: { 'if-match': '"abc"', 'if-unmodified-since': EARLIER }, status: 200 },
  // HEAD.
  { name: 'HEAD: the whole entity’s headers', method: 'HEAD', headers: {}, status: 200, expect: { 'content-length': '1000', 'accept-ranges': 'bytes' } },
  { name: 'HEAD ignores Range', method: 'HEAD', headers: { range: 'bytes=0-9' }, status: 200, expect: { 'content-length': '1000', 'content-range': undefined } },
];

describe('planByteResponse', () => {
  test.each(cases)('$name', ({ method, headers, status, parts, expect: expected }) => {
    const result = plan(headers, method);
    expect(result.status).toBe(status);
    if (parts !== undefined) expect(result.parts).toEqual(parts);
    for (const [name, value] of Object.entries(expected ?? {})) expect(result.headers[name], name).toBe(value);
    if (status === 200 || status === 206) {
      expect(result.headers).toMatchObject({ 'accept-ranges': 'bytes', etag: '"abc"', 'last-modified': HTTP_DATE, 'cache-control': 'public, max-age=60' });
      expect(Number(result.headers['content-length'])).toBe(byteResponseBody(result, CONTENT)?.length);
    } else {
      expect(byteResponseBody(result, CONTENT)).toBeUndefined();
    }
  });

  test('a multipart body frames each part with its type and range, and its length is exact', () => {
    const result = plan({ range: 'bytes=500-509,0-1,-3' });
    expect(result.headers['content-type']).toBe(`multipart/byteranges; boundary=${result.multipart?.boundary}`);
    const body = byteResponseBody(result, CONTENT) ?? Buffer.alloc(0);
    expect(body.length).toBe(Number(result.headers['content-length']));
    expect(body.subarray(0, 2).toString()).toBe('--');
    const tail = `\r\n--${result.multipart?.boundary}--\r\n`;
    expect(body.subarray(-tail.length).toString()).toBe(tail);
    const parts = readMultipart(body, boundaryOf(result.headers['content-type']));
    expect(parts.map((p) => p.headers)).toEqual([
      { 'content-type': 'audio/mpeg', 'content-range': 'bytes 0-1/1000' },
      { 'content-type': 'audio/mpeg', 'content-range': 'bytes 500-509/1000' },
      { 'content-type': 'audio/mpeg', 'content-range': 'bytes 997-999/1000' },
    ]);
    expect(parts.map((p) => [...p.data])).toEqual([[...CONTENT.subarray(0, 2)], [...CONTENT.subarray(500, 510)], [...CONTENT.subarray(997)]]);
  });

  test('each multipart response has its own boundary', () => {
    const boundaries = new Set(Array.from({ length: 20 }, () => plan({ range: 'bytes=0-1,5-6' }).multipart?.boundary));
    expect(boundaries.size).toBe(20);
  });

  test('no Cache-Control unless the caller gives one', () => {
    const uncached: ByteEntity = { size: ENTITY.size, etag: ENTITY.etag, lastModified: MODIFIED, contentType: ENTITY.contentType };
    expect(plan({}, 'GET', uncached).headers['cache-control']).toBeUndefined();
  });

  test.each([
    { name: 'no Range', range: undefined, status: 200, length: '0' },
    { name: 'a-', range: 'bytes=0-', status: 416, length: '0' },
    { name: 'a non-empty suffix: the whole, empty, entity', range: 'bytes=-5', status: 200, length: '0' },
  ])('an empty entity, $name', ({ range, status, length }) => {
    const empty = { ...ENTITY, size: 0 };
    const result = plan(range === undefined ? {} : { range }, 'GET', empty);
    expect(result.status).toBe(status);
    expect(result.headers['content-length']).toBe(length);
    expect(byteResponseBody(result, Buffer.alloc(0))?.length ?? 0).toBe(0);
  });

  test('strongEtag quotes a prefix of the hash', () => {
    expect(strongEtag('a'.repeat(64))).toBe(`"${'a'.repeat(32)}"`);
  });
});

describe('byteResponseBody', () => {
  test('a single range is a view into the held bytes, not a copy', () => {
    const body = byteResponseBody(plan({ range: 'bytes=10-19' }), CONTENT);
    expect(body?.buffer).toBe(CONTENT.buffer);
    expect(body?.byteOffset).toBe(CONTENT.byteOffset + 10);
  });

  test('200 sends the held bytes themselves; 304, 412 and 416 send no body', () => {
    expect(byteResponseBody(plan({}), CONTENT)).toBe(CONTENT);
    expect(byteResponseBody(plan({ 'if-none-match': '*' }), CONTENT)).toBeUndefined();
    expect(byteResponseBody(plan({ 'if-match': '"x"' }), CONTENT)).toBeUndefined();
    expect(byteResponseBody(plan({ range: 'bytes=5000-' }), CONTENT)).toBeUndefined();
  });

  test('refuses content of another size than planned', () => {
    expect(() => byteResponseBody(plan({}), CONTENT.subarray(1))).toThrow(/999/);
    expect(() => byteResponseBody(plan({ range: 'bytes=-10' }), CONTENT.subarray(0, 500))).toThrow(/999/);
  });
});

// Range fields as a fuzzer and as a careless client would write them. Valid pieces
// are weighted up: one bad piece spoils a whole set, and the sets must reach 206 often.
const position = fc.oneof(
  { arbitrary: fc.nat({ max: 3200 }).map(String), weight: 12 },
  { arbitrary: fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String), weight: 1 },
  { arbitrary: fc.constantFrom('0', '007', '9007199254740991', '9007199254740993'), weight: 1 },
);
const badPosition = fc.constantFrom('1e3', '-1', '', ' 1', '0x10', '1.5', 'Infinity');
const rangeSpec = fc.oneof(
  { arbitrary: fc.tuple(fc.nat({ max: 3200 }), fc.nat({ max: 300 })).map(([a, length]) => `${a}-${a + length}`), weight: 8 },
  { arbitrary: fc.tuple(position, position).map(([a, b]) => `${a}-${b}`), weight: 2 },
  { arbitrary: position.map((a) => `${a}-`), weight: 3 },
  { arbitrary: position.map((n) => `-${n}`), weight: 3 },
  { arbitrary: fc.tuple(badPosition, position).map(([a, b]) => `${a}-${b}`), weight: 1 },
  { arbitrary: fc.integer({ min: -5000, max: -1 }).map((n) => `${n}-${n + 3}`), weight: 1 },
  { arbitrary: fc.string({ maxLength: 6 }), weight: 1 },
);
const rangeSet = fc.oneof(
  { arbitrary: fc.array(fc.tuple(rangeSpec, fc.constantFrom(',', ',', ', ', ' ,', ',,', ',\t')), { minLength: 1, maxLength: 4 }), weight: 4 },
  { arbitrary: fc.array(fc.tuple(rangeSpec, fc.constantFrom(',', ', ')), { minLength: 5, maxLength: 24 }), weight: 1 },
);
const rangeField = fc.oneof(
  { arbitrary: fc.string({ maxLength: 40 }), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 1 },
  {
    arbitrary: fc
      .tuple(fc.oneof({ arbitrary: fc.constant('bytes='), weight: 12 }, { arbitrary: fc.constantFrom('BYTES=', 'bytes =', 'bits=', '=', ''), weight: 3 }), rangeSet)
      .map(([unit, specs]) => unit + specs.map(([spec, comma], i) => (i === 0 ? spec : comma + spec)).join('')),
    weight: 8,
  },
);

describe('the one-range form players send', () => {
  test('is planned as the general reading plans the same range (read with spaces around it)', () => {
    const digits = fc.oneof(fc.nat({ max: 3000 }).map(String), fc.stringMatching(/^\d{1,25}$/));
    const spec = fc.oneof(fc.tuple(digits, digits).map(([a, b]) => `${a}-${b}`), digits.map((a) => `${a}-`));
    fc.assert(
      fc.property(spec, fc.nat({ max: 3000 }), (range, size) => {
        const entity = { ...ENTITY, size };
        expect(plan({ range: `bytes=${range}` }, 'GET', entity)).toEqual(plan({ range: `bytes= ${range} ` }, 'GET', entity));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('planByteResponse with any Range field', () => {
  test('never throws, answers 200, 206 or 416, and a 206 holds exactly the bytes its headers promise', () => {
    fc.assert(
      fc.property(rangeField, fc.nat({ max: 3000 }), (range, size) => {
        const content = CONTENT.length >= size ? CONTENT.subarray(0, size) : Buffer.alloc(size, 7);
        const result = plan({ range }, 'GET', { ...ENTITY, size });
        expect([200, 206, 416]).toContain(result.status);
        const body = byteResponseBody(result, content) ?? Buffer.alloc(0);
        expect(body.length).toBe(Number(result.headers['content-length']));
        if (result.status !== 206) return;
        expect(result.parts.length).toBeGreaterThan(0);
        expect(result.parts.length).toBeLessThanOrEqual(MAX_RANGE_PARTS);
        for (const [i, part] of result.parts.entries()) {
          expect(Number.isSafeInteger(part.start) && Number.isSafeInteger(part.end)).toBe(true);
          expect(part.start).toBeGreaterThanOrEqual(0);
          expect(part.end).toBeGreaterThanOrEqual(part.start);
          expect(part.end).toBeLessThan(size);
          // Sorted, apart, and not touching: touching ones would have merged.
          if (i > 0) expect(part.start).toBeGreaterThan((result.parts[i - 1]?.end ?? -2) + 1);
        }
        const pieces = result.multipart === undefined ? [body] : readMultipart(body, result.multipart.boundary).map((p) => p.data);
        expect(pieces.length).toBe(result.parts.length);
        for (const [i, part] of result.parts.entries()) expect(pieces[i]?.equals(content.subarray(part.start, part.end + 1))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
