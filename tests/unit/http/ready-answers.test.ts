/**
 * The table of answers sent before routing: which requests it takes (GET and
 * HEAD of an exact path whose answer accepts them), which it passes on, and
 * that it passes everything on once stopped. Against the real app over a
 * socket: tests/integration/ready-answers.test.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, test } from 'vitest';
import { heldBytesAnswer, ReadyAnswers, type ReadyAnswer } from '../../../server/src/http/ready-answers.js';
import { strongEtag } from '../../../server/src/http/byte-ranges.js';

/** A response that records what was written. */
function recorder() {
  const written: { status?: number; headers?: unknown; body?: Buffer | undefined; ended: boolean } = { ended: false };
  const response = {
    writeHead(status: number, headers: unknown) {
      written.status = status;
      written.headers = headers;
      return response;
    },
    end(body?: Buffer) {
      written.body = body;
      written.ended = true;
      return response;
    },
  };
  return { written, response: response as unknown as ServerResponse };
}

const asked = (method: string, url: string, headers: Record<string, string> = {}) => ({ method, url, headers }) as unknown as IncomingMessage;

/** A ready answer that always answers, counting its calls. */
function always(): ReadyAnswer & { calls: number } {
  return {
    calls: 0,
    send(_request, response) {
      this.calls++;
      response.writeHead(200, {}).end(Buffer.from('ready'));
      return true;
    },
  };
}

describe('ReadyAnswers', () => {
  test('answers GET and HEAD of an exact path, and counts them', () => {
    const table = new ReadyAnswers();
    const answer = always();
    table.set(['/a', '/a.json'], answer);
    for (const [method, url] of [['GET', '/a'], ['HEAD', '/a'], ['GET', '/a.json']] as const) {
      const { written, response } = recorder();
      expect(table.tryAnswer(asked(method, url), response)).toBe(true);
      expect(written.ended).toBe(true);
    }
    expect(answer.calls).toBe(3);
    expect(table.answered).toBe(3);
  });

  test.each([
    ['another method', 'POST', '/a'],
    ['OPTIONS', 'OPTIONS', '/a'],
    ['a query string', 'GET', '/a?x=1'],
    ['a trailing slash', 'GET', '/a/'],
    ['another path', 'GET', '/b'],
  ])('passes on %s without asking the answer', (_name, method, url) => {
    const table = new ReadyAnswers();
    const answer = always();
    table.set(['/a'], answer);
    const { written, response } = recorder();
    expect(table.tryAnswer(asked(method, url), response)).toBe(false);
    expect(answer.calls).toBe(0);
    expect(written.ended).toBe(false);
    expect(table.answered).toBe(0);
  });

  test('an answer that declines leaves the request to the route, uncounted', () => {
    const table = new ReadyAnswers();
    table.set(['/a'], { send: () => false });
    expect(table.tryAnswer(asked('GET', '/a'), recorder().response)).toBe(false);
    expect(table.answered).toBe(0);
  });

  test('once stopped, everything goes on to the framework', () => {
    const table = new ReadyAnswers();
    table.set(['/a'], always());
    table.stop();
    expect(table.tryAnswer(asked('GET', '/a'), recorder().response)).toBe(false);
  });

  test('the listener calls the next one exactly for the requests it did not answer', () => {
    const table = new ReadyAnswers();
    table.set(['/a'], always());
    const passed: string[] = [];
    const listener = table.listener((request) => passed.push(String(request.url)));
    listener(asked('GET', '/a'), recorder().response);
    listener(asked('GET', '/b'), recorder().response);
    listener(asked('DELETE', '/a'), recorder().response);
    expect(passed).toEqual(['/b', '/a']);
  });
});

describe('heldBytesAnswer', () => {
  const content = Buffer.from('0123456789abcdefghij');
  const entity = { size: content.length, etag: strongEtag('ab'.repeat(32)), lastModified: new Date('2026-11-01T00:00:00Z'), contentType: 'audio/mpeg', cacheControl: 'no-cache' };
  const route = { 'x-route': 'yes', 'content-disposition': 'inline; filename="a.mp3"' };

  test("one range: 206 with the route's headers first, then the plan's, and a view of the bytes", () => {
    const answer = heldBytesAnswer(() => ({ entity, body: content }), route);
    const { written, response } = recorder();
    expect(answer.send(asked('GET', '/a', { range: 'bytes=2-4' }), response)).toBe(true);
    expect(written.status).toBe(206);
    const headers = written.headers as string[];
    expect(headers.slice(0, 4)).toEqual(['x-route', 'yes', 'content-disposition', 'inline; filename="a.mp3"']);
    const pairs = Object.fromEntries(Array.from({ length: headers.length / 2 }, (_, i) => [headers[2 * i], headers[2 * i + 1]]));
    expect(pairs).toMatchObject({ 'content-range': 'bytes 2-4/20', 'content-length': '3', etag: entity.etag, 'accept-ranges': 'bytes' });
    expect(written.body?.toString()).toBe('234');
  });

  test('HEAD: the headers of the whole, no body', () => {
    const { written, response } = recorder();
    expect(heldBytesAnswer(() => ({ entity, body: content }), route).send(asked('HEAD', '/a', { range: 'bytes=2-4' }), response)).toBe(true);
    expect(written.status).toBe(200);
    expect(written.body).toBeUndefined();
  });

  test.each([
    ['the bytes are no longer held', () => undefined, {}],
    ['the range cannot be satisfied (416)', () => ({ entity, body: content }), { range: 'bytes=50-' }],
    ['a precondition fails (412)', () => ({ entity, body: content }), { 'if-match': '"other"' }],
  ])('declines, writing nothing, when %s', (_name, held, headers) => {
    const { written, response } = recorder();
    expect(heldBytesAnswer(held, route).send(asked('GET', '/a', headers), response)).toBe(false);
    expect(written.ended).toBe(false);
    expect(written.status).toBeUndefined();
  });
});
