import { describe, test, expect } from 'vitest';
import type { EmbeddedEngineOptions } from '../../../server/src/speech/embedded/embedded-engine.js';
import { SpeechError, type SpeechEngine } from '../../../server/src/speech/engine.js';
import type { EspeakProbe, NativeEspeakEngine } from '../../../server/src/speech/native/espeak-ng-engine.js';
import { embeddedWorkers, selectSpeechEngine } from '../../../server/src/speech/select.js';

/** An engine that only answers the questions selection asks. */
function stubEngine(name: string, available: boolean): SpeechEngine & { closed: boolean } {
  return {
    name,
    version: '0',
    closed: false,
    available: async () => available,
    voices: async () => [],
    synthesize: async () => ({ sampleRate: 22050, samples: new Int16Array(0), events: [] }),
    async close() {
      this.closed = true;
    },
  };
}

function stubNative(probe: EspeakProbe): NativeEspeakEngine & { closed: boolean } {
  return { ...stubEngine('espeak-ng', probe.available), probe: async () => probe };
}

const FOUND: EspeakProbe = { available: true, programVersion: '1.51' };
const MISSING: EspeakProbe = { available: false, reason: 'espeak-ng is not installed or not on the PATH' };

describe('selectSpeechEngine', () => {
  test('auto prefers espeak-ng when it is on the PATH, and says so', async () => {
    const native = stubNative(FOUND);
    const { engine, reason, fallback } = await selectSpeechEngine('auto', { createNative: () => native, createEmbedded: () => stubEngine('embedded', true) });
    expect(engine).toBe(native);
    expect(fallback).toBe(false);
    expect(reason).toMatch(/^espeak-ng 1\.51 found on the PATH, about \d+x faster than the embedded engine$/);
  });

  test('auto falls back to the embedded engine, sized to the machine, naming what would be faster', async () => {
    const native = stubNative(MISSING);
    const sizes: EmbeddedEngineOptions[] = [];
    const embedded = stubEngine('embedded', true);
    const { engine, reason } = await selectSpeechEngine('auto', {
      createNative: () => native,
      createEmbedded: (options) => (sizes.push(options), embedded),
      cpus: 8,
    });
    expect(engine).toBe(embedded);
    expect(sizes).toEqual([{ workers: 4 }]);
    expect(native.closed).toBe(true);
    expect(reason).toMatch(/apt-get install espeak-ng.*embedded eSpeak NG \(WebAssembly\) with 4 worker threads/);
  });

  test('an explicit espeak-ng that is missing falls back to the embedded engine, saying why and what to install', async () => {
    const native = stubNative(MISSING);
    const embedded = stubEngine('embedded', true);
    const { engine, reason, fallback } = await selectSpeechEngine('espeak-ng', { createNative: () => native, createEmbedded: () => embedded, cpus: 2 });
    expect(engine).toBe(embedded);
    expect(fallback).toBe(true);
    expect(native.closed).toBe(true);
    expect(reason).toMatch(/espeak-ng engine was chosen but cannot be used \(espeak-ng is not installed or not on the PATH; .*apt-get install espeak-ng.*\), so instead using the embedded eSpeak NG/);
  });

  test('an explicit embedded engine is used even when espeak-ng exists', async () => {
    const embedded = stubEngine('embedded', true);
    const { engine, reason } = await selectSpeechEngine('embedded', { createNative: () => stubNative(FOUND), createEmbedded: () => embedded, cpus: 2 });
    expect(engine).toBe(embedded);
    expect(reason).toMatch(/chosen by setting; .*with 1 worker thread$/);
  });

  test('when no engine can start, a stand-in keeps the server up and every render fails with the reason', async () => {
    const embedded = stubEngine('embedded', false);
    const { engine, reason, fallback } = await selectSpeechEngine('espeak-ng', { createNative: () => stubNative(MISSING), createEmbedded: () => embedded });
    expect(embedded.closed).toBe(true);
    expect(fallback).toBe(true);
    expect(reason).toMatch(/espeak-ng engine was chosen but cannot be used.*embedded eSpeak NG engine could not start either/);
    expect(await engine.available()).toBe(false);
    expect(await engine.voices()).toEqual([]);
    const error: unknown = await engine.synthesize('<speak>Hello.</speak>').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SpeechError);
    expect((error as Error).message).toContain(reason);
    await engine.close();
  });

  test('say falls back to the embedded engine where it cannot make audio, and is used where it can', async () => {
    const embedded = stubEngine('embedded', true);
    const refused = await selectSpeechEngine('say', { createSay: () => stubEngine('say', false), createEmbedded: () => embedded });
    expect(refused.engine).toBe(embedded);
    expect(refused.fallback).toBe(true);
    expect(refused.reason).toMatch(/say engine was chosen, but .* so instead using the embedded eSpeak NG/);
    const say = stubEngine('say', true);
    const { engine, reason, fallback } = await selectSpeechEngine('say', { createSay: () => say });
    expect(engine).toBe(say);
    expect(fallback).toBe(false);
    expect(reason).toMatch(/estimates/);
  });
});

describe('embeddedWorkers', () => {
  test.each([
    { cpus: 1, workers: 1 },
    { cpus: 2, workers: 1 },
    { cpus: 3, workers: 2 },
    { cpus: 4, workers: 3 },
    { cpus: 8, workers: 4 },
    { cpus: 64, workers: 4 },
  ])('$cpus cores: $workers workers', ({ cpus, workers }) => {
    expect(embeddedWorkers(cpus)).toBe(workers);
  });
});
