/**
 * A body prepared once and answered many times (the episode JSON): its ETag and
 * 304, the brotli and gzip copies, and the choice of coding from Accept-Encoding
 * (RFC 9110 section 12.5.3).
 */
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { chooseCoding, PreparedAnswers, prepareBody, type ContentCoding } from '../../../server/src/http/prepared-body.js';

const ALL = new Set<ContentCoding>(['br', 'gzip', 'identity']);
const JSON_BODY = Buffer.from(JSON.stringify({ episodes: Array.from({ length: 40 }, (_, i) => ({ id: `episode-${i}`, title: `Episode ${i}`, summary: 'Facts, in our own words.' })) }));

describe('chooseCoding', () => {
  test.each([
    { field: undefined, expected: 'identity', name: 'no field: identity' },
    { field: '', expected: 'identity', name: 'an empty field: identity' },
    { field: 'gzip, deflate, br, zstd', expected: 'br', name: "a browser's: brotli" },
    { field: 'gzip', expected: 'gzip', name: 'gzip only' },
    { field: 'GZIP', expected: 'gzip', name: 'codings are case-insensitive' },
    { field: 'x-gzip', expected: 'gzip', name: 'x-gzip is gzip' },
    { field: 'br;q=0.5, gzip;q=0.9', expected: 'gzip', name: 'the higher weight wins' },
    { field: 'br;q=0, gzip;q=0', expected: 'identity', name: 'both refused: identity, acceptable unless refused' },
    { field: '*', expected: 'br', name: 'any coding: the smallest' },
    { field: 'identity', expected: 'identity', name: 'identity only' },
    { field: 'deflate', expected: 'identity', name: 'only a coding we do not make' },
    { field: 'br;q=0, *', expected: 'gzip', name: '* stands for the codings not named' },
    { field: 'identity;q=0, *;q=0', expected: undefined, name: 'everything refused' },
    { field: 'br;q=nonsense, gzip', expected: 'gzip', name: 'a malformed weight rules the coding out' },
    { field: ';;, ,gzip', expected: 'gzip', name: 'malformed elements are skipped' },
  ])('$name', ({ field, expected }) => {
    expect(chooseCoding(field, ALL)).toBe(expected);
  });

  test('only codings that exist are chosen', () => {
    expect(chooseCoding('br, gzip', new Set<ContentCoding>(['gzip', 'identity']))).toBe('gzip');
    expect(chooseCoding('br', new Set<ContentCoding>(['identity']))).toBe('identity');
  });
});

describe('prepareBody and PreparedAnswers', () => {
  test('the copies decode to the body, are smaller, and the ETag is strong and of the content', async () => {
    const prepared = await prepareBody(JSON_BODY, 'application/json; charset=utf-8');
    expect(prepared.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(brotliDecompressSync(prepared.bodies.br!).equals(JSON_BODY)).toBe(true);
    expect(gunzipSync(prepared.bodies.gzip!).equals(JSON_BODY)).toBe(true);
    expect(prepared.bodies.br!.length).toBeLessThan(prepared.bodies.gzip!.length);
    expect(prepared.bodies.gzip!.length).toBeLessThan(JSON_BODY.length);
    expect((await prepareBody(Buffer.from(JSON_BODY), 'application/json')).etag).toBe(prepared.etag);
    expect((await prepareBody(Buffer.from('{"other":1}'), 'application/json')).etag).not.toBe(prepared.etag);
  });

  test.each([
    { name: 'brotli to a browser', headers: { 'accept-encoding': 'gzip, deflate, br' }, coding: 'br' },
    { name: 'gzip when that is all it takes', headers: { 'accept-encoding': 'gzip' }, coding: 'gzip' },
    { name: 'the body as it is without Accept-Encoding', headers: {}, coding: 'identity' },
    { name: 'the body as it is when every coding is refused', headers: { 'accept-encoding': 'identity;q=0, *;q=0' }, coding: 'identity' },
  ])('200: $name, with length, ETag, Vary and Cache-Control', async ({ headers, coding }) => {
    const answers = new PreparedAnswers(await prepareBody(JSON_BODY, 'application/json; charset=utf-8'), 'no-cache');
    const answer = answers.answer(headers);
    expect(answer.status).toBe(200);
    expect(answer.body).toBe(answers.prepared.bodies[coding as ContentCoding]);
    expect(answer.headers).toEqual({
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(answer.body!.length),
      etag: answers.prepared.etag,
      'cache-control': 'no-cache',
      vary: 'accept-encoding',
      ...(coding === 'identity' ? {} : { 'content-encoding': coding }),
    });
    // The same header object every time: nothing is built per request.
    expect(answers.answer(headers).headers).toBe(answer.headers);
  });

  test.each([
    { name: 'the ETag', field: 'ETAG' },
    { name: 'the ETag, weak', field: 'W/ETAG' },
    { name: 'a list naming it', field: '"other", ETAG' },
    { name: '*', field: '*' },
  ])('304 without a body when If-None-Match is $name', async ({ field }) => {
    const answers = new PreparedAnswers(await prepareBody(JSON_BODY, 'application/json'), 'no-cache');
    const answer = answers.answer({ 'if-none-match': field.replace('ETAG', answers.prepared.etag), 'accept-encoding': 'br' });
    expect(answer).toEqual({ status: 304, body: undefined, headers: { etag: answers.prepared.etag, 'cache-control': 'no-cache', vary: 'accept-encoding' } });
  });

  test('another ETag gets the body', async () => {
    const answers = new PreparedAnswers(await prepareBody(JSON_BODY, 'application/json'), 'no-cache');
    expect(answers.answer({ 'if-none-match': '"0123"' }).status).toBe(200);
  });

  test('a body compression does not shrink has no copies and no Vary', async () => {
    const answers = new PreparedAnswers(await prepareBody(Buffer.from('{}'), 'application/json'), 'no-cache');
    expect(Object.keys(answers.prepared.bodies)).toEqual(['identity']);
    const answer = answers.answer({ 'accept-encoding': 'br, gzip' });
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(answer.headers.vary).toBeUndefined();
    expect(answer.body!.toString()).toBe('{}');
  });
});
