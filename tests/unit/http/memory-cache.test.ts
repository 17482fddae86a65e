import { createHash } from 'node:crypto';
import { mkdtemp, rm, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createByteCache, HeldFileCorrupt } from '../../../server/src/http/memory-cache.js';

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'atl-byte-cache-'));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

interface Written {
  readonly file: string;
  readonly content: Buffer;
  readonly sha256: string;
}

/** A file of `size` bytes that differ from every other file's. */
async function write(name: string, size: number, seed = name.charCodeAt(0)): Promise<Written> {
  const content = Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + seed) % 256));
  const file = path.join(folder, name);
  await writeFile(file, content);
  return { file, content, sha256: createHash('sha256').update(content).digest('hex') };
}

const load = (cache: ReturnType<typeof createByteCache>, { file, sha256, content }: Written) => cache.get(file, sha256, content.length);

describe('createByteCache', () => {
  test('reads a file once, then answers from memory with its modification time', async () => {
    const cache = createByteCache();
    const audio = await write('a.mp3', 1000);
    const when = new Date('2026-02-03T04:05:06Z');
    await utimes(audio.file, when, when);
    const first = await load(cache, audio);
    expect(first.content.equals(audio.content)).toBe(true);
    expect(first.lastModified.getTime()).toBe(when.getTime());
    // Gone from disk, still held.
    await rm(audio.file);
    expect((await load(cache, audio)).content).toBe(first.content);
    expect(cache.heldBytes).toBe(1000);
    expect(cache.heldFiles).toBe(1);
  });

  test('peek answers from memory only, never reading, and counts as a use', async () => {
    const cache = createByteCache({ maxBytes: 400 });
    const [a, b, c, d, e] = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((name) => write(name, 100)));
    if (a === undefined || b === undefined || c === undefined || d === undefined || e === undefined) throw new Error('files missing');
    // Not held yet: nothing, and nothing read.
    expect(cache.peek(a.file, a.sha256)).toBeUndefined();
    expect(cache.heldFiles).toBe(0);
    for (const file of [a, b, c, d]) await load(cache, file);
    expect(cache.peek(a.file, a.sha256)?.content.equals(a.content)).toBe(true);
    // Another version of the same file is not this one.
    expect(cache.peek(a.file, b.sha256)).toBeUndefined();
    // Peeking a made b the oldest: e pushes b out, not a.
    await load(cache, e);
    expect(cache.peek(a.file, a.sha256)).toBeDefined();
    expect(cache.peek(b.file, b.sha256)).toBeUndefined();
  });

  test('repeated peeks of the file used last keep the order of use exact', async () => {
    const cache = createByteCache({ maxBytes: 400 });
    const [a, b, c, d, e, f] = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((name) => write(name, 100)));
    if (a === undefined || b === undefined || c === undefined || d === undefined || e === undefined || f === undefined) throw new Error('files missing');
    for (const file of [a, b, c, d]) await load(cache, file);
    // Used in the order d (already last), d, a, a, d: from oldest, b c a d.
    for (const used of [d, d, a, a, d]) expect(cache.peek(used.file, used.sha256)).toBeDefined();
    await load(cache, e);
    expect(cache.peek(b.file, b.sha256)).toBeUndefined();
    // Now c a d e; c used: a d e c; f pushes a out.
    expect(cache.peek(c.file, c.sha256)).toBeDefined();
    await load(cache, f);
    expect(cache.peek(a.file, a.sha256)).toBeUndefined();
    for (const held of [c, d, e, f]) expect(cache.peek(held.file, held.sha256), held.file).toBeDefined();
  });

  test('drops the least recently used files once the bytes exceed the budget', async () => {
    const cache = createByteCache({ maxBytes: 400 });
    const [a, b, c, d, e] = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((name) => write(name, 100)));
    if (a === undefined || b === undefined || c === undefined || d === undefined || e === undefined) throw new Error('files missing');
    for (const file of [a, b, c, d]) await load(cache, file);
    expect(cache.heldBytes).toBe(400);
    // Using a makes b the oldest.
    await load(cache, a);
    await load(cache, e);
    expect(cache.heldBytes).toBe(400);
    await Promise.all([a, b, c, d, e].map(({ file }) => rm(file)));
    for (const held of [a, c, d, e]) await expect(load(cache, held)).resolves.toBeDefined();
    await expect(load(cache, b)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('evicts as many files as it takes to fit a larger one', async () => {
    const cache = createByteCache({ maxBytes: 1000 });
    for (const name of ['a', 'b', 'c', 'd', 'e']) await load(cache, await write(name, 100));
    await load(cache, await write('wav', 250));
    expect(cache.heldFiles).toBe(6);
    await load(cache, await write('wav2', 250, 2));
    expect(cache.heldBytes).toBe(1000);
    // 1250 bytes: the three oldest 100-byte files go.
    await load(cache, await write('wav3', 250, 3));
    expect(cache.heldBytes).toBe(950);
    expect(cache.heldFiles).toBe(5);
  });

  test('reads a file bigger than a quarter of the budget but does not keep it', async () => {
    const cache = createByteCache({ maxBytes: 400 });
    const wav = await write('big.wav', 101);
    expect(cache.keeps(100)).toBe(true);
    expect(cache.keeps(101)).toBe(false);
    expect((await load(cache, wav)).content.equals(wav.content)).toBe(true);
    expect(cache.heldBytes).toBe(0);
    await rm(wav.file);
    await expect(load(cache, wav)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('concurrent requests for a file share one read', async () => {
    const cache = createByteCache();
    const audio = await write('a.mp3', 50_000);
    const results = await Promise.all(Array.from({ length: 20 }, () => load(cache, audio)));
    // Separate reads would make separate buffers.
    for (const result of results) expect(result.content).toBe(results[0]?.content);
  });

  test('a new version of a file replaces the old one', async () => {
    const cache = createByteCache();
    const first = await write('a.mp3', 100, 1);
    await load(cache, first);
    const second = await write('a.mp3', 120, 2);
    expect((await load(cache, second)).content.equals(second.content)).toBe(true);
    expect(cache.heldBytes).toBe(120);
    expect(cache.heldFiles).toBe(1);
  });

  test('forget drops a held file', async () => {
    const cache = createByteCache();
    const audio = await write('a.mp3', 100);
    await load(cache, audio);
    cache.forget(audio.file);
    expect(cache.heldBytes).toBe(0);
    await rm(audio.file);
    await expect(load(cache, audio)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test.each([
    {
      name: 'one altered byte',
      spoil: async ({ file, content }: Written) => writeFile(file, Buffer.from(content).fill(content[0] === 0 ? 1 : 0, 0, 1)),
      reason: /SHA-256/,
    },
    { name: 'a truncated file', spoil: async ({ file }: Written) => truncate(file, 600), reason: /length 600 is not the expected 1000/ },
    { name: 'a longer file', spoil: async ({ file, content }: Written) => writeFile(file, Buffer.concat([content, Buffer.from('x')])), reason: /length 1001/ },
  ])('$name is an error, never returned, never kept', async ({ spoil, reason }) => {
    const cache = createByteCache();
    const audio = await write('a.mp3', 1000);
    await spoil(audio);
    const failure = load(cache, audio);
    await expect(failure).rejects.toBeInstanceOf(HeldFileCorrupt);
    await expect(failure).rejects.toThrow(reason);
    expect(cache.heldBytes).toBe(0);
    // Mended on disk, the next request reads it again: the failure was not remembered.
    await writeFile(audio.file, audio.content);
    expect((await load(cache, audio)).content.equals(audio.content)).toBe(true);
  });

  test('a hash given in upper case matches', async () => {
    const cache = createByteCache();
    const audio = await write('a.mp3', 10);
    await expect(cache.get(audio.file, audio.sha256.toUpperCase(), 10)).resolves.toBeDefined();
  });
});
