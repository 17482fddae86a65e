/**
 * The contract every speech engine meets: SSML in, mono PCM plus timings out.
 * Domain code: never imports fastify.
 */

/** A point in the rendered audio that the engine reported (or that we constructed). */
export interface TimingEvent {
  readonly type: 'sentence' | 'word' | 'mark';
  /** Milliseconds from the start of the audio. */
  readonly audioMs: number;
  /** 1-based code-point index into the SSML the engine was given (as eSpeak NG reports it). */
  readonly textPosition: number;
  /** For word events: length in code points. */
  readonly length?: number;
  /** For mark events: the mark's name. */
  readonly name?: string;
}

/** What a render produces: the audio and the timings that came from the same render. */
export interface Synthesis {
  readonly sampleRate: number;
  /** Mono signed 16-bit samples. */
  readonly samples: Int16Array;
  readonly events: readonly TimingEvent[];
}

export interface SynthesisOptions {
  /** Engine voice id, e.g. `en-us`; the engine's default when absent. */
  readonly voice?: string;
  /** Speaking-rate multiplier, 1 = normal. */
  readonly rate?: number;
  readonly signal?: AbortSignal;
}

export interface Voice {
  readonly id: string;
  /** What a listener chooses from: the language, then where it is spoken ("English, Scotland"). */
  readonly name: string;
  readonly language: string;
}

export interface SpeechEngine {
  readonly name: string;
  /** Identifies the engine build, so a cache can tell renders of different versions apart. */
  readonly version: string;
  /**
   * The voice a render that names none is spoken in, when the document is in that
   * voice's language (eSpeak takes the voice from the document's `xml:lang`);
   * absent when the engine leaves it to the system.
   */
  readonly defaultVoice?: string;
  available(): Promise<boolean>;
  voices(): Promise<readonly Voice[]>;
  synthesize(ssml: string, options?: SynthesisOptions): Promise<Synthesis>;
  /** Releases workers or processes. Safe to call twice. */
  close(): Promise<void>;
}

/** A failure inside an engine, with the cause kept. */
export class SpeechError extends Error {
  override readonly name = 'SpeechError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
