import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, test } from 'vitest';
import { RenderBusy } from '../../../server/src/renditions/renditions.js';
import { SpeechError } from '../../../server/src/speech/engine.js';
import { createFakeEngine, eventually, gate } from './fake-engine.js';
import { cleanUp, narration, request, setup } from './renditions-setup.js';

afterEach(cleanUp);

describe('streaming a rendition as it is made', () => {
  test('live bytes are the stored file without its Info frame, from the first chapter on', async () => {
    const { renditions } = await setup();
    const stream = await renditions.stream(request());
    expect(stream.kind).toBe('live');
    if (stream.kind !== 'live') return;
    expect(stream.contentType).toBe('audio/mpeg');
    const parts: Buffer[] = [];
    for await (const chunk of stream.chunks) parts.push(chunk);
    const live = Buffer.concat(parts);
    const stored = await readFile((await stream.done).audioFile);
    expect(stored.length).toBeGreaterThan(live.length);
    expect(stored.subarray(stored.length - live.length).equals(live)).toBe(true);
    expect(stored.subarray(0, stored.length - live.length).includes('Info')).toBe(true);
    // Once stored, the same request is ready at once.
    expect((await renditions.stream(request())).kind).toBe('ready');
  });

  test('a render that fails mid-way makes the live bytes throw, never end quietly', async () => {
    const engine = createFakeEngine();
    const lastChapter = narration.chapters.at(-1)!.sentences[0]!.id;
    engine.behaviour = (ssml) => (ssml.includes(`"${lastChapter}"`) ? 'crash' : 'render');
    const { renditions } = await setup({}, engine);
    const stream = await renditions.stream(request());
    expect(stream.kind).toBe('live');
    if (stream.kind !== 'live') return;
    stream.done.catch(() => undefined);
    let bytes = 0;
    const reading = (async () => {
      for await (const chunk of stream.chunks) bytes += chunk.length;
    })();
    await expect(reading).rejects.toThrow(/crashed during a render/);
    expect(bytes).toBeGreaterThan(0);
    await expect(stream.done).rejects.toBeInstanceOf(SpeechError);
  });

  test('a busy renderer refuses a stream before any byte, so the answer can be a 503', async () => {
    const held = gate();
    const engine = createFakeEngine();
    engine.gate = held.promise;
    const { renditions } = await setup({ maxConcurrentRenders: 1, maxPendingRenders: 1 }, engine);
    const running = renditions.render(request('wav', 2));
    await eventually(() => renditions.pendingRenders === 1);
    await expect(renditions.stream(request())).rejects.toBeInstanceOf(RenderBusy);
    held.open();
    await running;
  });

  test('the first chapter, rendered ahead (the warm-up), starts the stream without the engine', async () => {
    const held = gate();
    const engine = createFakeEngine();
    const { renditions } = await setup({}, engine);
    await renditions.renderChapter({ narration, rate: 1 }, narration.chapters[0]!.id);
    expect(engine.calls).toHaveLength(1);
    // From now on the engine does not answer until the gate opens: the first bytes must come from the cache.
    engine.gate = held.promise;
    const stream = await renditions.stream(request());
    expect(stream.kind).toBe('live');
    if (stream.kind !== 'live') return;
    const iterator = stream.chunks[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.length).toBeGreaterThan(0);
    held.open();
    while (!(await iterator.next()).done);
    await stream.done;
    expect(engine.calls).toHaveLength(narration.chapters.length);
  });
});
