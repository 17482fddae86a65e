/**
 * Worker thread that owns one eSpeak NG instance. eSpeak renders synchronously
 * and cannot be interrupted, so it lives off the main thread, and the engine
 * cancels a render by terminating this thread.
 *
 * Protocol: see ./protocol.ts. Posts `ready` once loaded, then answers each
 * RenderRequest with a `result` or an `error`. An unexpected exception (e.g.
 * an Emscripten abort, after which the module is unusable) is left uncaught on
 * purpose: the thread dies and the engine replaces it.
 */
import { parentPort } from 'node:worker_threads';
import type { TimingEvent } from '../engine.js';
import { joinSamples } from '../../audio/samples.js';
import { timeStretch } from '../../audio/time-stretch.js';
import { loadEspeak, type EspeakSynthesizer, type RawEspeakEvent } from './espeak-module.js';
import { DEFAULT_VOICE_ID, blankRootLanguage, findVoice, planRate, type RatePlan } from '../espeak-params.js';
import type { ReadyMessage, RenderFailure, RenderRequest, RenderResult } from './protocol.js';

/**
 * Rendered and discarded before every request. eSpeak carries state from one
 * render into the next: measured on the same SSML, the first word started at
 * 526 ms on a fresh instance, 225 ms after most renders and 0 ms after one
 * that ended in a pause. An empty paragraph first (about 1 ms) puts eSpeak in
 * the same "after a pause" state every time, so timings no longer depend on
 * what the worker rendered before. (Samples still differ by a few values and
 * a few samples in length from history: eSpeak's noise generator is seeded
 * once per instance. Timings agree to 1 ms.)
 */
const PRIMER_SSML = '<speak><p></p></speak>';

const port = parentPort;
if (port === null) throw new Error('worker.ts must run as a worker thread');

const started = performance.now();
const espeak: EspeakSynthesizer = await loadEspeak();

/** A request the worker refuses without its eSpeak state being in doubt. */
class RefusedRequest extends Error {}

port.on('message', (request: RenderRequest) => {
  let reply: RenderResult;
  try {
    reply = render(request);
  } catch (error) {
    if (!(error instanceof RefusedRequest)) throw error;
    port.postMessage({ kind: 'error', id: request.id, error: error.message } satisfies RenderFailure);
    return;
  }
  const buffer = reply.samples.buffer;
  // Transfer rather than copy: a render is megabytes. (Always an ArrayBuffer here; the check narrows the type.)
  port.postMessage(reply, buffer instanceof ArrayBuffer ? [buffer] : []);
});
// Only now: the engine sends nothing before this, so no request can miss the listener.
port.postMessage({ kind: 'ready', sampleRate: espeak.sampleRate, loadMs: performance.now() - started } satisfies ReadyMessage);

function render(request: RenderRequest): RenderResult {
  const voice = findVoice(request.voice ?? DEFAULT_VOICE_ID);
  if (voice === undefined) throw new RefusedRequest(`unknown voice "${request.voice ?? ''}"`);
  let plan: RatePlan;
  try {
    plan = planRate(request.rate);
  } catch (error) {
    throw new RefusedRequest(error instanceof Error ? error.message : String(error));
  }
  // Set the voice on every request: SSML voice changes (xml:lang, <voice>) persist in eSpeak between renders.
  if (!espeak.setVoice(voice.espeakName)) throw new RefusedRequest(`eSpeak NG has no voice "${voice.espeakName}"`);
  espeak.setRate(plan.wordsPerMinute);
  espeak.render(PRIMER_SSML);

  // With an explicit voice, stop the root xml:lang from overriding it (see blankRootLanguage).
  const text = request.voice === undefined ? request.ssml : blankRootLanguage(request.ssml);
  const raw = espeak.render(text);

  let samples = joinSamples(raw.chunks);
  let events = raw.events.flatMap(toTimingEvent);
  if (plan.speedUp !== 1) {
    // Beyond eSpeak's own maximum: compress the audio and move the timings with it.
    samples = timeStretch(samples, espeak.sampleRate, plan.speedUp);
    events = events.map((event) => ({ ...event, audioMs: Math.round(event.audioMs / plan.speedUp) }));
  }
  return { kind: 'result', id: request.id, sampleRate: espeak.sampleRate, samples, events };
}

/** Keeps sentence, word and mark events; drops eSpeak's bookkeeping (end, phoneme, samplerate, ...). */
function toTimingEvent(event: RawEspeakEvent): TimingEvent[] {
  const base = { audioMs: event.audio_position, textPosition: event.text_position };
  switch (event.type) {
    case 'sentence':
      return [{ type: 'sentence', ...base }];
    case 'word':
      return [{ type: 'word', ...base, length: event.word_length }];
    case 'mark':
      return [{ type: 'mark', ...base, name: String(event.id ?? '') }];
    default:
      return [];
  }
}
