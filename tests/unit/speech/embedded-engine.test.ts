import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { SpeechError, type SpeechEngine, type Synthesis, type TimingEvent } from '../../../server/src/speech/engine.js';
import { createEmbeddedEngine } from '../../../server/src/speech/embedded/embedded-engine.js';

const SSML =
  '<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US">' +
  '<p><s><mark name="f1"/>Hello there.</s><s><mark name="f2"/>Marie-Laure lives in Paris.</s></p></speak>';

/** About an hour of speech: many seconds to render even on a fast machine, so a render of it can be timed out or aborted. */
const LONG_SSML = `<speak><p>${'The quick brown fox jumps over the lazy dog near the quiet river bank. '.repeat(800)}</p></speak>`;

const seconds = (synthesis: Synthesis): number => synthesis.samples.length / synthesis.sampleRate;
const ofType = (events: readonly TimingEvent[], type: TimingEvent['type']): TimingEvent[] => events.filter((event) => event.type === type);
/** The text at a 1-based code-point position, as eSpeak reports positions. */
const textAt = (text: string, position: number, length: number): string => [...text].slice(position - 1, position - 1 + length).join('');

describe('embedded engine (eSpeak NG in worker threads)', () => {
  let engine: SpeechEngine;

  beforeAll(async () => {
    engine = createEmbeddedEngine();
    // Loads the worker once here, so the tests below measure renders, not start-up.
    expect(await engine.available()).toBe(true);
  });

  afterAll(async () => {
    await engine.close();
  });

  test('names itself and takes its version from the eSpeak package', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../../node_modules/@echogarden/espeak-ng-emscripten/package.json', import.meta.url), 'utf8')) as { version: string };
    expect(engine.name).toBe('embedded');
    expect(engine.version.startsWith(`${manifest.version}+`)).toBe(true);
  });

  test('renders SSML to audio with sentence, word and mark events', async () => {
    const synthesis = await engine.synthesize(SSML);
    expect(synthesis.samples).toBeInstanceOf(Int16Array);
    expect(synthesis.samples.length).toBeGreaterThan(0);
    expect(synthesis.sampleRate).toBe(22050);
    expect(seconds(synthesis)).toBeGreaterThan(1.5);
    expect(seconds(synthesis)).toBeLessThan(6);
    expect(synthesis.samples.some((value) => Math.abs(value) > 1000)).toBe(true);

    const sentences = ofType(synthesis.events, 'sentence');
    expect(sentences).toHaveLength(2);
    expect(sentences[0]!.audioMs).toBeLessThan(sentences[1]!.audioMs);

    const marks = ofType(synthesis.events, 'mark');
    expect(marks.map((mark) => mark.name)).toEqual(['f1', 'f2']);
    expect(marks[0]!.audioMs).toBeLessThan(marks[1]!.audioMs);
    // A mark is reported where the next word starts, in time and in the text.
    expect(marks[1]!.audioMs).toBe(sentences[1]!.audioMs);
    expect(textAt(SSML, marks[0]!.textPosition, 5)).toBe('Hello');

    const words = ofType(synthesis.events, 'word').map((word) => textAt(SSML, word.textPosition, word.length ?? 0));
    // eSpeak reports a hyphenated name as one word event for its first part.
    expect(words).toEqual(['Hello', 'there', 'Marie', 'lives', 'in', 'Paris']);
    for (const event of synthesis.events) expect(event.audioMs).toBeLessThanOrEqual(seconds(synthesis) * 1000);
  });

  test('reports text positions in code points, not UTF-16 units', async () => {
    const ssml = '<speak><s>Zoë 😀 naïve café.</s></speak>';
    const synthesis = await engine.synthesize(ssml, { voice: 'en-us' });
    const words = ofType(synthesis.events, 'word').map((word) => textAt(ssml, word.textPosition, word.length ?? 0));
    expect(words).toContain('naïve');
    expect(words).toContain('café');
  });

  test('gives timings that do not depend on what the worker rendered before', async () => {
    const first = await engine.synthesize(SSML);
    await engine.synthesize('<speak>Trailing words with no full stop <break time="2s"/></speak>');
    const again = await engine.synthesize(SSML);
    // Within a millisecond: eSpeak's noise generator is seeded once per instance, so samples jitter slightly.
    expect(again.events).toHaveLength(first.events.length);
    again.events.forEach((event, i) => expect(Math.abs(event.audioMs - first.events[i]!.audioMs)).toBeLessThanOrEqual(2));
    expect(Math.abs(again.samples.length - first.samples.length)).toBeLessThan(50);
  });

  test('speaks faster at higher rates, beyond eSpeak’s own maximum too', async () => {
    const normal = await engine.synthesize(SSML, { rate: 1 });
    const double = await engine.synthesize(SSML, { rate: 2 });
    const quadruple = await engine.synthesize(SSML, { rate: 4 });
    const slow = await engine.synthesize(SSML, { rate: 0.5 });
    expect(seconds(double)).toBeLessThan(seconds(normal) * 0.7);
    // Rate 4 is past 450 wpm, reached by time compression; the marks move with the audio.
    expect(seconds(quadruple)).toBeLessThan(seconds(double) * 0.75);
    const marks = ofType(quadruple.events, 'mark');
    expect(marks.map((mark) => mark.name)).toEqual(['f1', 'f2']);
    expect(marks[1]!.audioMs).toBeLessThan(seconds(quadruple) * 1000);
    expect(seconds(slow)).toBeGreaterThan(seconds(normal) * 1.5);
  });

  test('lists English, French and German voices, each of which renders', async () => {
    const voices = await engine.voices();
    const ids = voices.map((voice) => voice.id);
    for (const id of ['en-us', 'en-gb', 'fr-fr', 'de-de']) expect(ids).toContain(id);
    const renders = await Promise.all(ids.map((voice) => engine.synthesize('<speak>Paris.</speak>', { voice })));
    for (const render of renders) expect(render.samples.length).toBeGreaterThan(1000);
  });

  test('rejects an unknown voice or an out-of-range rate with SpeechError', async () => {
    await expect(engine.synthesize(SSML, { voice: 'xx-klingon' })).rejects.toBeInstanceOf(SpeechError);
    await expect(engine.synthesize(SSML, { rate: 9 })).rejects.toBeInstanceOf(SpeechError);
    await expect(engine.synthesize(SSML, { rate: Number.NaN })).rejects.toThrow(/rate/);
  });

  test('aborts a running render, replacing its worker', async () => {
    const controller = new AbortController();
    // The worker is idle (every earlier render has ended), so the render goes to it at once: it is running.
    const render = engine.synthesize(LONG_SSML, { signal: controller.signal });
    controller.abort(new Error('listener left'));
    const error: unknown = await render.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SpeechError);
    expect((error as SpeechError).cause).toEqual(new Error('listener left'));
    // The replacement worker serves the next render.
    expect((await engine.synthesize(SSML)).samples.length).toBeGreaterThan(0);
  });

  test('aborts a queued render without touching the one running', async () => {
    const controller = new AbortController();
    const running = engine.synthesize(SSML);
    const queued = engine.synthesize(SSML, { signal: controller.signal });
    controller.abort();
    await expect(queued).rejects.toBeInstanceOf(SpeechError);
    expect((await running).samples.length).toBeGreaterThan(0);
  });

  test('rejects at once when the signal is already aborted', async () => {
    await expect(engine.synthesize(SSML, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(SpeechError);
  });

  test('answers queued renders in order', async () => {
    const order: number[] = [];
    await Promise.all([0, 1, 2].map((i) => engine.synthesize(SSML).then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2]);
  });
});

describe('embedded engine limits and lifecycle', () => {
  test('times out a render, replaces the worker, and renders the next request', async () => {
    // Long enough for a fresh worker's first short render on a busy machine, far shorter than LONG_SSML's render.
    const engine = createEmbeddedEngine({ timeoutMs: 4000 });
    try {
      expect(await engine.available()).toBe(true);
      await expect(engine.synthesize(LONG_SSML)).rejects.toThrow(/timed out after 4000 ms/);
      const next = await engine.synthesize(SSML);
      expect(ofType(next.events, 'mark').map((mark) => mark.name)).toEqual(['f1', 'f2']);
    } finally {
      await engine.close();
    }
  });

  test('renders in parallel with two workers', async () => {
    const engine = createEmbeddedEngine({ workers: 2 });
    try {
      const renders = await Promise.all([engine.synthesize(SSML), engine.synthesize(SSML, { voice: 'fr-fr' })]);
      for (const render of renders) expect(render.samples.length).toBeGreaterThan(0);
    } finally {
      await engine.close();
    }
  });

  test('close() rejects pending renders, refuses new ones and is safe to repeat', async () => {
    const engine = createEmbeddedEngine();
    const pending = expect(engine.synthesize(SSML)).rejects.toBeInstanceOf(SpeechError);
    await engine.close();
    await pending;
    await expect(engine.synthesize(SSML)).rejects.toBeInstanceOf(SpeechError);
    expect(await engine.available()).toBe(false);
    await engine.close();
  });

  test('rejects nonsensical pool options', () => {
    expect(() => createEmbeddedEngine({ workers: 0 })).toThrow(RangeError);
    expect(() => createEmbeddedEngine({ timeoutMs: -5 })).toThrow(RangeError);
  });
});

/** A stand-in worker, as a data: URL: posts `ready`, then does `onRequest` with each request. */
function fakeWorker(onRequest: string, startup = ''): URL {
  const code =
    `import { parentPort } from 'node:worker_threads';\n${startup}\n` +
    `parentPort.on('message', (request) => { ${onRequest} });\n` +
    `parentPort.postMessage({ kind: 'ready', sampleRate: 22050, loadMs: 0 });\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

describe('embedded engine worker failures', () => {
  test('a worker crash rejects the render in flight and the worker is replaced', async () => {
    // Crashes on the first request only (a file flag survives the worker being replaced).
    const flag = join(tmpdir(), `embedded-engine-crash-${process.pid}-${Date.now()}`);
    const engine = createEmbeddedEngine({
      workerUrl: fakeWorker(
        `import('node:fs').then((fs) => {
           if (!fs.existsSync(${JSON.stringify(flag)})) { fs.writeFileSync(${JSON.stringify(flag)}, ''); throw new Error('boom'); }
           const samples = new Int16Array(10);
           parentPort.postMessage({ kind: 'result', id: request.id, sampleRate: 22050, samples, events: [] }, [samples.buffer]);
         });`,
      ),
    });
    try {
      const error: unknown = await engine.synthesize(SSML).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(SpeechError);
      expect(((error as SpeechError).cause as Error).message).toBe('boom');
      expect((await engine.synthesize(SSML)).samples).toHaveLength(10);
    } finally {
      await engine.close();
      rmSync(flag, { force: true });
    }
  });

  test('a worker that exits mid-render rejects the render with SpeechError', async () => {
    const engine = createEmbeddedEngine({ workerUrl: fakeWorker('process.exit(3);') });
    try {
      await expect(engine.synthesize(SSML)).rejects.toThrow(/crashed during a render/);
    } finally {
      await engine.close();
    }
  });

  test('a worker that cannot start fails the queue instead of retrying forever', async () => {
    const engine = createEmbeddedEngine({ workers: 2, workerUrl: fakeWorker('', "throw new Error('no eSpeak here');") });
    try {
      const results = await Promise.allSettled([engine.synthesize(SSML), engine.synthesize(SSML)]);
      for (const result of results) {
        expect(result.status).toBe('rejected');
        expect((result as PromiseRejectedResult).reason).toBeInstanceOf(SpeechError);
      }
      expect(await engine.available()).toBe(false);
    } finally {
      await engine.close();
    }
  });

  test('a worker that never becomes ready times out at start-up', async () => {
    const hang = new URL(`data:text/javascript,${encodeURIComponent('setInterval(() => {}, 1000);')}`);
    const engine = createEmbeddedEngine({ startupTimeoutMs: 300, workerUrl: hang });
    try {
      await expect(engine.synthesize(SSML)).rejects.toThrow(/did not start within 300 ms/);
    } finally {
      await engine.close();
    }
  });
});
