/**
 * Messages between the embedded engine (main thread) and its eSpeak worker
 * threads. Types only, so both sides agree at compile time.
 */
import type { TimingEvent } from '../engine.js';

/** Main thread to worker: render this SSML. */
export interface RenderRequest {
  readonly id: number;
  readonly ssml: string;
  /** A voice id from `ESPEAK_VOICES`; absent means the default voice and the document's own `xml:lang`. */
  readonly voice?: string;
  /** Rate multiplier, already validated by the engine. */
  readonly rate: number;
}

/** Worker to main thread, once, after eSpeak has loaded. */
export interface ReadyMessage {
  readonly kind: 'ready';
  readonly sampleRate: number;
  /** Time the worker spent loading the Emscripten module and its data, in ms. */
  readonly loadMs: number;
}

/** Worker to main thread: a finished render. `samples.buffer` is transferred, not copied. */
export interface RenderResult {
  readonly kind: 'result';
  readonly id: number;
  readonly sampleRate: number;
  readonly samples: Int16Array;
  readonly events: readonly TimingEvent[];
}

/** Worker to main thread: a render the worker refused (bad voice, bad rate). The worker stays usable. */
export interface RenderFailure {
  readonly kind: 'error';
  readonly id: number;
  readonly error: string;
}

/** Everything a worker posts to the main thread, told apart by `kind`. */
export type WorkerReply = ReadyMessage | RenderResult | RenderFailure;
