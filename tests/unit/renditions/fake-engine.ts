/**
 * A speech engine for the renditions' unit tests only: it "says" each
 * sentence of the SSML it gets as a tone, laid out the way eSpeak NG lays out
 * its audio (measured): a mark at the sentence start, 49 ms of digital
 * silence, the sound, a pause after each sentence, and a 534 ms pause at the
 * end. Faults (a crash, a hang) are switched on per call, to test what the
 * renditions do with them. The real engines are tested in tests/unit/speech.
 */
import { writeFile } from 'node:fs/promises';
import { SpeechError, type SpeechEngine, type Synthesis, type SynthesisOptions, type TimingEvent } from '../../../server/src/speech/engine.js';

export const FAKE_RATE = 22_050;
export const LEAD_IN_MS = 49;
export const SOUND_MS = 300;
export const PAUSE_MS = 200;
export const TRAILING_MS = 534;
/** The tone's amplitude: well above any silence threshold. */
export const LEVEL = 8000;

/** What a call does: render, fail at once (a crashed worker), or never answer (a hung one). */
export type FakeBehaviour = 'render' | 'crash' | 'hang';

export interface FakeEngine extends SpeechEngine {
  /** Every call, in order, with the SSML and signal it got. */
  readonly calls: { readonly ssml: string; readonly options: SynthesisOptions }[];
  /** Decides each call's behaviour; by default every call renders. */
  behaviour: (ssml: string, call: number) => FakeBehaviour;
  /** Renders that wait for `release()` before answering (for tests of concurrency). */
  gate: Promise<void> | undefined;
  /** Crashes that wait for this before failing (to have other work reach a point first). */
  crashGate: Promise<void> | undefined;
  version: string;
}

const ms = (value: number): number => Math.round((value * FAKE_RATE) / 1000);

/** The fake engine's audio and events for the sentences (by mark name) of an SSML document. */
export function fakeRender(ssml: string): Synthesis {
  const names = [...ssml.matchAll(/<mark name=["']([^"']+)["']\s*\/>/g)].map((match) => match[1] ?? '');
  const perSentence = ms(LEAD_IN_MS) + ms(SOUND_MS) + ms(PAUSE_MS);
  const samples = new Int16Array(names.length * perSentence + ms(TRAILING_MS));
  const events: TimingEvent[] = [];
  names.forEach((name, i) => {
    const start = i * perSentence;
    const audioMs = Math.round((start * 1000) / FAKE_RATE);
    events.push({ type: 'sentence', audioMs, textPosition: 1 }, { type: 'mark', audioMs, textPosition: 1, name });
    const soundFrom = start + ms(LEAD_IN_MS);
    for (let s = 0; s < ms(SOUND_MS); s++) samples[soundFrom + s] = Math.round(LEVEL * Math.sin((2 * Math.PI * 220 * s) / FAKE_RATE)) || 1;
  });
  return { sampleRate: FAKE_RATE, samples, events };
}

export function createFakeEngine(): FakeEngine {
  const engine: FakeEngine = {
    name: 'fake',
    version: '1',
    calls: [],
    behaviour: () => 'render',
    gate: undefined,
    crashGate: undefined,
    available: async () => true,
    voices: async () => [{ id: 'en-us', name: 'English (America)', language: 'en-US' }],
    async synthesize(ssml, options = {}) {
      const call = engine.calls.length;
      engine.calls.push({ ssml, options });
      const behaviour = engine.behaviour(ssml, call);
      if (behaviour === 'hang') return new Promise<Synthesis>(() => undefined);
      await engine.gate;
      // A turn of the event loop, as a worker's answer takes.
      await new Promise((resolve) => setImmediate(resolve));
      if (behaviour === 'crash') {
        await engine.crashGate;
        throw new SpeechError('eSpeak worker crashed during a render', { cause: new Error('worker exited with code 3') });
      }
      options.signal?.throwIfAborted();
      return fakeRender(ssml);
    },
    close: async () => undefined,
  };
  return engine;
}

/** A gate that holds renders until opened. */
export function gate(): { readonly promise: Promise<void>; open(): void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/**
 * Resolves once `condition` holds, checking every few milliseconds: for
 * waiting until work has reached a point, without guessing how long it takes
 * on a busy machine. Fails after `timeoutMs`, a margin no slowness reaches.
 */
export async function eventually(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`the condition did not hold within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * A `writeFile` for the render cache (its `writeFile` option) that holds every
 * write until `release()`; `started` resolves when the first one is asked for.
 */
export function heldWrites(): { writeFile(file: string, data: Buffer | string): Promise<void>; readonly started: Promise<void>; release(): void } {
  const started = gate();
  const released = gate();
  return {
    async writeFile(file, data) {
      started.open();
      await released.promise;
      await writeFile(file, data);
    },
    started: started.promise,
    release: released.open,
  };
}

/** Whether `promise` is still pending after `ms` milliseconds. */
export async function pendingAfter(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  const done = (): void => {
    settled = true;
  };
  promise.then(done, done);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return !settled;
}
