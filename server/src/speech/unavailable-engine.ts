/**
 * The engine that stands in when no speech engine can run here: the server
 * still starts and serves everything that is text (pages, SSML, transcripts
 * of the written episodes), and every render fails with a SpeechError that
 * says why, which the routes answer with a 503. Better than refusing to start.
 */
import { SpeechError, type SpeechEngine } from './engine.js';

/** An engine whose every render fails with `reason`. */
export function createUnavailableEngine(reason: string): SpeechEngine {
  return {
    name: 'none',
    version: 'none',
    available: () => Promise.resolve(false),
    voices: () => Promise.resolve([]),
    synthesize: () => Promise.reject(new SpeechError(`no speech engine can run here: ${reason}`)),
    close: () => Promise.resolve(),
  };
}
