/**
 * Picks the speech engine at start-up, from the `--engine` setting and what
 * this machine has, and says why in a sentence for the log.
 */
import { availableParallelism } from 'node:os';
import { createEmbeddedEngine, type EmbeddedEngineOptions } from './embedded/embedded-engine.js';
import { SpeechError, type SpeechEngine } from './engine.js';
import { ESPEAK_INSTALL_HINT, createNativeEspeakEngine, type NativeEspeakEngine } from './native/espeak-ng-engine.js';
import { createSayEngine } from './say/say-engine.js';
import { createUnavailableEngine } from './unavailable-engine.js';

/** What the settings may ask for (the same values as config.ts ENGINE_CHOICES). */
export type SpeechEngineChoice = 'auto' | 'embedded' | 'espeak-ng' | 'say';

/** The chosen engine, ready (probed, or warmed), and why it was chosen. */
export interface SelectedEngine {
  readonly engine: SpeechEngine;
  /** One sentence for the start-up log. */
  readonly reason: string;
  /**
   * True when the engine asked for could not be used and another stands in
   * (the reason says which and why): log it as a warning. When no engine can
   * run at all, the stand-in renders nothing and every render fails with the reason.
   */
  readonly fallback: boolean;
}

/** Replaceable parts, for tests. */
export interface SelectionDeps {
  readonly createNative?: () => NativeEspeakEngine;
  readonly createEmbedded?: (options: EmbeddedEngineOptions) => SpeechEngine;
  readonly createSay?: () => SpeechEngine;
  /** Default `os.availableParallelism()`. */
  readonly cpus?: number;
}

/**
 * How much faster the native engine renders the real content pack than the
 * embedded one, measured with bench/render.ts (2 cores, eSpeak NG
 * 1.51, the engine alone): about 490x against about 140x real time with the
 * embedded engine warm. Only used in the start-up sentence.
 */
export const NATIVE_SPEEDUP = 3;

/**
 * Worker threads for the embedded engine on a machine with `cpus` cores: one
 * core is left for the event loop (HTTP, MP3 encoding, cache hashing), at
 * least one worker, and at most four, because each worker holds its own
 * eSpeak instance (about 60 MB) and the renders come one episode at a time
 * from a handful of listeners. On the 2-core CI machine that is 1 worker.
 */
export function embeddedWorkers(cpus: number): number {
  return Math.max(1, Math.min(4, Math.floor(cpus) - 1));
}

/**
 * Creates the engine `choice` asks for. `auto` takes the native espeak-ng
 * when it is on the PATH (faster), else the embedded engine (always there).
 * An engine chosen by name that cannot work here is replaced by the embedded
 * one, with `fallback` set and a reason naming what to install, never
 * silently; if even the embedded engine cannot start, a stand-in whose
 * renders fail with the reason keeps the server up (audio answers 503).
 * Never throws for an engine that is missing.
 */
export async function selectSpeechEngine(choice: SpeechEngineChoice, deps: SelectionDeps = {}): Promise<SelectedEngine> {
  const createNative = deps.createNative ?? (() => createNativeEspeakEngine());
  const createEmbedded = deps.createEmbedded ?? createEmbeddedEngine;
  const createSay = deps.createSay ?? (() => createSayEngine());
  const workers = embeddedWorkers(deps.cpus ?? availableParallelism());

  const embedded = async (why: string, fallback: boolean): Promise<SelectedEngine> => {
    const engine = createEmbedded({ workers });
    // Also warms the first worker, so the first listener does not wait for eSpeak to load.
    if (!(await engine.available())) {
      await engine.close();
      const reason = `${why}and the embedded eSpeak NG engine could not start either (its WebAssembly worker failed to load; reinstall with npm ci): audio cannot be rendered`;
      return { engine: createUnavailableEngine(reason), reason, fallback: true };
    }
    return { engine, reason: `${why}using the embedded eSpeak NG (WebAssembly) with ${workers} worker thread${workers === 1 ? '' : 's'}`, fallback };
  };

  switch (choice) {
    case 'embedded':
      return embedded('chosen by setting; ', false);
    case 'espeak-ng':
    case 'auto': {
      const native = createNative();
      const probe = await native.probe();
      if (probe.available) {
        const why = choice === 'auto' ? `espeak-ng ${probe.programVersion} found on the PATH, about ${NATIVE_SPEEDUP}x faster than the embedded engine` : `espeak-ng ${probe.programVersion}, chosen by setting`;
        return { engine: native, reason: why, fallback: false };
      }
      await native.close();
      if (choice === 'espeak-ng') {
        return embedded(`the espeak-ng engine was chosen but cannot be used (${probe.reason}; ${ESPEAK_INSTALL_HINT}), so instead `, true);
      }
      return embedded('espeak-ng is not on the PATH (apt-get install espeak-ng renders faster); ', false);
    }
    case 'say': {
      const engine = createSay();
      if (!(await engine.available())) {
        await engine.close();
        const why =
          process.platform === 'linux'
            ? 'on Linux the say package cannot make audio files (it only speaks aloud, through festival; npm run speak does that)'
            : `on ${process.platform} the system voices could not make an audio file`;
        return embedded(`the say engine was chosen, but ${why}, so instead `, true);
      }
      return { engine, reason: `the system voices through say, chosen by setting (sentence times are estimates)`, fallback: false };
    }
    default: {
      const never: never = choice;
      throw new SpeechError(`unknown speech engine "${String(never)}"`);
    }
  }
}
