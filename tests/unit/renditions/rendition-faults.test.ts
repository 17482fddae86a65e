import { readFile, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { sha256 } from '../../../server/src/renditions/cache-store.js';
import { CacheUnwritable, RenderAborted, RenderTimedOut } from '../../../server/src/renditions/renditions.js';
import { SpeechError } from '../../../server/src/speech/engine.js';
import { createFakeEngine, eventually, gate, heldWrites, pendingAfter } from './fake-engine.js';
import { cleanUp, filesIn, freshFolder, narration, request, sentenceCount, setup } from './renditions-setup.js';

afterEach(cleanUp);

describe('faults: each is a clear error or a fallback, never a crash or a half-written file', () => {
  test('an engine that crashes mid-render fails that render with its error; the next render works', async () => {
    const engine = createFakeEngine();
    // The second chapter's render crashes once.
    engine.behaviour = (_ssml, call) => (call === 1 ? 'crash' : 'render');
    const { renditions, cacheDir } = await setup({}, engine);
    const error: unknown = await renditions.render(request()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SpeechError);
    expect((error as Error).message).toMatch(/crashed during a render/);
    // Nothing of the episode was stored; the first chapter (complete) may be.
    expect((await filesIn(cacheDir)).filter((file) => !file.startsWith(`renditions${path.sep}chapters`))).toEqual([]);
    expect(await filesIn(cacheDir)).not.toContainEqual(expect.stringMatching(/\.tmp$/));
    const next = await renditions.render(request());
    expect(next.sentences).toHaveLength(sentenceCount());
  });

  test('a chapter rendering ahead when its episode failed goes on to store itself, and idle() waits for that', async () => {
    const engine = createFakeEngine();
    const firstChapter = narration.chapters[0]!.sentences[0]!.mark;
    engine.behaviour = (ssml) => (ssml.includes(`<mark name="${firstChapter}"/>`) ? 'crash' : 'render');
    // The second chapter is rendered and being written when the first one crashes.
    const writes = heldWrites();
    engine.crashGate = writes.started;
    const { renditions, cacheDir } = await setup({ writeFile: writes.writeFile }, engine);
    await expect(renditions.render(request())).rejects.toBeInstanceOf(SpeechError);
    // Its one caller (the episode) has left it, so it is no longer a job anyone can join; still, it writes.
    const idle = renditions.idle();
    expect(await pendingAfter(idle, 50)).toBe(true);
    writes.release();
    await idle;
    const stored = await filesIn(cacheDir);
    expect(stored.filter((file) => file.startsWith(`renditions${path.sep}chapters${path.sep}`) && file.endsWith('.wav'))).toHaveLength(1);
    expect(stored).not.toContainEqual(expect.stringMatching(/\.tmp$/));
  });

  test('a hung engine: the render times out, the engine is told to stop, and the next render works', async () => {
    const engine = createFakeEngine();
    engine.behaviour = (_ssml, call) => (call === 0 ? 'hang' : 'render');
    // Short, but the fake engine answers in a millisecond: no margin is needed for the renders that work.
    const { renditions } = await setup({ renderTimeoutMs: 200 }, engine);
    const error: unknown = await renditions.render(request()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RenderTimedOut);
    expect((error as Error).message).toMatch(/longer than 200 ms/);
    // The real engines kill the worker (or process) when this signal aborts.
    expect(engine.calls[0]!.options.signal?.aborted).toBe(true);
    expect((await renditions.render(request())).sentences).toHaveLength(sentenceCount());
  });

  test('a caller that leaves stops the render only when no other caller wants it', async () => {
    const held = gate();
    const engine = createFakeEngine();
    engine.gate = held.promise;
    const { renditions } = await setup({}, engine);
    const alone = new AbortController();
    const abandoned = renditions.render(request('wav'), { signal: alone.signal });
    await eventually(() => engine.calls.length > 0);
    alone.abort(new Error('listener left'));
    await expect(abandoned).rejects.toBeInstanceOf(RenderAborted);
    expect(engine.calls[0]!.options.signal?.aborted).toBe(true);

    const leaving = new AbortController();
    const staying = renditions.render(request('mp3', 2));
    const left = renditions.render(request('mp3', 2), { signal: leaving.signal });
    await eventually(() => engine.calls.some((call) => call.options.rate === 2));
    leaving.abort();
    await expect(left).rejects.toBeInstanceOf(RenderAborted);
    held.open();
    expect((await staying).sentences).toHaveLength(sentenceCount());
    expect(engine.calls.filter((call) => call.options.rate === 2).every((call) => call.options.signal?.aborted !== true)).toBe(true);
  });

  test.each([
    { damage: 'truncated', apply: async (file: string) => truncate(file, 100), reason: /length 100 is not the recorded/ },
    {
      damage: 'altered',
      apply: async (file: string) => {
        const bytes = await readFile(file);
        bytes[bytes.length - 10] = (bytes[bytes.length - 10]! + 1) % 256;
        await writeFile(file, bytes);
      },
      reason: /content differs from the recorded hash/,
    },
    { damage: 'with a broken record', apply: async (file: string) => writeFile(`${file}.json`, '{"bytes": '), reason: /integrity record is not readable/ },
  ])('a $damage cache entry is discarded and rendered again, never served', async ({ apply, reason }) => {
    const first = await setup();
    const made = await first.renditions.render(request());
    await apply(made.audioFile);
    // A new process, as after a restart: nothing is known about the file.
    const engine = createFakeEngine();
    const next = await setup({ cacheDir: first.cacheDir }, engine);
    const served = await next.renditions.render(request());
    expect(next.discarded).toEqual([{ file: made.audioFile, reason: expect.stringMatching(reason) as string }]);
    const bytes = await readFile(served.audioFile);
    expect(bytes.length).toBe(served.bytes);
    expect(sha256(bytes)).toBe(served.sha256);
    expect(served.sentences).toEqual(made.sentences);
  });

  test('a damaged entry is found in this process too, even after it was verified once', async () => {
    const { renditions, discarded } = await setup();
    const made = await renditions.render(request('wav'));
    await truncate(made.audioFile, 44);
    const served = await renditions.render(request('wav'));
    expect(discarded.map((entry) => entry.file)).toEqual([made.audioFile]);
    expect((await readFile(served.audioFile)).length).toBe(served.bytes);
  });

  test('a damaged chapter or time line is rendered again', async () => {
    const first = await setup();
    await first.renditions.render(request('wav'));
    const folder = path.join(first.cacheDir, 'renditions');
    const timeline = (await filesIn(folder)).find((file) => file.endsWith('.timeline.json'))!;
    await writeFile(path.join(folder, timeline), '{}');
    const chapter = (await filesIn(folder)).find((file) => file.startsWith('chapters') && file.endsWith('.wav'))!;
    await truncate(path.join(folder, chapter), 10);
    const engine = createFakeEngine();
    const next = await setup({ cacheDir: first.cacheDir }, engine);
    const served = await next.renditions.render(request('wav'));
    expect(next.discarded.map((entry) => path.basename(entry.file)).sort()).toEqual([path.basename(chapter), timeline].sort());
    // Only the damaged chapter was rendered again.
    expect(engine.calls).toHaveLength(1);
    expect(served.sentences).toHaveLength(sentenceCount());
  });

  test('an unwritable cache folder: renders go to the fallback folder, reported once, and are served verified', async () => {
    const parent = await freshFolder();
    // A file where the folder should be: mkdir fails (ENOTDIR), even for root, unlike a permission.
    await writeFile(path.join(parent, 'not-a-folder'), '');
    const fallbackDir = path.join(parent, 'fallback');
    const { renditions, storeFailures } = await setup({ cacheDir: path.join(parent, 'not-a-folder'), fallbackDir });
    const made = await renditions.render(request());
    expect(made.audioFile.startsWith(fallbackDir)).toBe(true);
    expect(storeFailures).toHaveLength(1);
    expect(storeFailures[0]).toMatchObject({ folder: path.join(parent, 'not-a-folder', 'renditions'), next: fallbackDir });
    expect((storeFailures[0]!.error as NodeJS.ErrnoException).code).toBe('ENOTDIR');
    expect(sha256(await readFile(made.audioFile))).toBe(made.sha256);
    expect(await renditions.render(request())).toEqual(made);
  });

  test('no folder can be written: CacheUnwritable names them, and nothing half-written stays', async () => {
    const parent = await freshFolder();
    await writeFile(path.join(parent, 'file'), '');
    const { renditions, storeFailures } = await setup({ cacheDir: path.join(parent, 'file', 'a'), fallbackDir: path.join(parent, 'file', 'b') });
    const error: unknown = await renditions.render(request()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CacheUnwritable);
    expect((error as Error).message).toMatch(/cannot be written in .*file.a.renditions nor in .*file.b/);
    expect(storeFailures.map((failure) => failure.next)).toEqual([path.join(parent, 'file', 'b'), undefined]);
    expect(await filesIn(parent)).toEqual(['file']);
  });

  test('a full disk mid-write leaves no partial file, and the render goes to the fallback folder', async () => {
    const cacheDir = await freshFolder();
    const primary = path.join(cacheDir, 'renditions');
    const writeFull = async (file: string, data: Buffer | string): Promise<void> => {
      if (!file.startsWith(primary)) return writeFile(file, data);
      // Half the bytes land, then the disk is full: what writeFile does on ENOSPC.
      await writeFile(file, typeof data === 'string' ? data.slice(0, data.length / 2) : data.subarray(0, data.length / 2));
      throw Object.assign(new Error(`ENOSPC: no space left on device, write '${file}'`), { code: 'ENOSPC' });
    };
    const fallbackDir = path.join(await freshFolder(), 'fallback');
    const { renditions, storeFailures } = await setup({ cacheDir, fallbackDir, writeFile: writeFull });
    const made = await renditions.render(request());
    expect(storeFailures.map((failure) => (failure.error as NodeJS.ErrnoException).code)).toEqual(['ENOSPC']);
    expect(await filesIn(primary)).toEqual([]);
    expect(made.audioFile.startsWith(fallbackDir)).toBe(true);
    expect(sha256(await readFile(made.audioFile))).toBe(made.sha256);
  });
});
