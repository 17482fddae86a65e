import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { planByteResponse, type ByteEntity } from '../../../server/src/http/byte-ranges.js';
import { byteResponseBody } from '../../../server/src/http/memory-body.js';
import { byteResponseStream } from '../../../server/src/http/file-body.js';
import { boundaryOf, readMultipart } from './multipart.js';

// 300 kB, more than four 64 KiB reads, with bytes that differ from their neighbours.
const CONTENT = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 11 + (i >> 9)) % 256));
const ENTITY: ByteEntity = { size: CONTENT.length, etag: '"v1"', lastModified: new Date('2026-01-01T00:00:00Z'), contentType: 'audio/wav' };

let folder: string;
let file: string;
beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'atl-file-body-'));
  file = path.join(folder, 'episode.wav');
  await writeFile(file, CONTENT);
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

const drain = async (stream: Readable): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

const plan = (headers: Record<string, string | undefined>, method = 'GET') => planByteResponse({ method, headers }, ENTITY);

describe('byteResponseStream', () => {
  test.each([
    { name: 'the whole file', headers: {} },
    { name: 'a range inside one read', headers: { range: 'bytes=100-199' } },
    { name: 'a range across reads', headers: { range: 'bytes=60000-200000' } },
    { name: 'the last bytes', headers: { range: 'bytes=-1000' } },
    { name: 'an open range', headers: { range: 'bytes=299990-' } },
  ])('$name: the same bytes as from memory', async ({ headers }) => {
    const p = plan(headers);
    const stream = byteResponseStream(p, file);
    expect(stream).toBeDefined();
    const streamed = await drain(stream!);
    expect(streamed.equals(byteResponseBody(p, CONTENT)!)).toBe(true);
    expect(streamed.length).toBe(Number(p.headers['content-length']));
  });

  test('several ranges: multipart framing with the right bytes, exactly Content-Length long', async () => {
    const p = plan({ range: 'bytes=0-9, 70000-140000, -5' });
    const streamed = await drain(byteResponseStream(p, file)!);
    expect(streamed.length).toBe(Number(p.headers['content-length']));
    const parts = readMultipart(streamed, boundaryOf(p.headers['content-type']));
    expect(parts.map((part) => part.headers['content-range'])).toEqual(['bytes 0-9/300000', 'bytes 70000-140000/300000', 'bytes 299995-299999/300000']);
    expect(parts[1]?.data.equals(CONTENT.subarray(70_000, 140_001))).toBe(true);
    expect(streamed.equals(byteResponseBody(p, CONTENT)!)).toBe(true);
  });

  test.each([
    { name: '304', headers: { 'if-none-match': '"v1"' } },
    { name: '412', headers: { 'if-match': '"v0"' } },
    { name: '416', headers: { range: 'bytes=300000-' } },
  ])('$name has no body to read', ({ headers }) => {
    expect(byteResponseStream(plan(headers), file)).toBeUndefined();
  });

  test('any satisfiable range list streams what memory would send', async () => {
    const range = fc.array(fc.tuple(fc.nat(CONTENT.length + 10), fc.nat(70_000)), { minLength: 1, maxLength: 4 }).map((pairs) => `bytes=${pairs.map(([a, n]) => `${a}-${a + n}`).join(',')}`);
    await fc.assert(
      fc.asyncProperty(range, async (header) => {
        const p = plan({ range: header });
        const stream = byteResponseStream(p, file);
        if (p.status !== 200 && p.status !== 206) {
          expect(stream).toBeUndefined();
          return;
        }
        const memory = byteResponseBody(p, CONTENT)!;
        const streamed = await drain(stream!);
        // Multipart boundaries are random per plan, but both bodies come from the same plan.
        expect(streamed.equals(memory)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});
