/**
 * The one typed adapter around `@echogarden/espeak-ng-emscripten`.
 *
 * The package ships no type declarations and is an Emscripten build (wasm2js,
 * WebIDL-bound classes), so everything untyped stays in this file: the rest of
 * the engine sees only {@link EspeakSynthesizer}. Runs inside the worker thread.
 */

/** An event as the package's `synthesize` wrapper reports it (see the post.js glue). */
export interface RawEspeakEvent {
  readonly type: string;
  /** 1-based code-point index into the text handed to eSpeak. */
  readonly text_position: number;
  readonly word_length: number;
  /** Milliseconds from the start of this synthesis. */
  readonly audio_position: number;
  /** Mark events: the mark name; word/sentence events: a running number; phonemes: the IPA. */
  readonly id?: string | number;
}

/** The render of one text: PCM chunks in order and every event eSpeak emitted. */
export interface RawRender {
  readonly chunks: readonly Int16Array[];
  readonly events: readonly RawEspeakEvent[];
}

/** A loaded eSpeak NG instance, reduced to what the worker needs. */
export interface EspeakSynthesizer {
  /** Fixed by the build: 22050 Hz. */
  readonly sampleRate: number;
  /** Selects a voice by eSpeak name or identifier (e.g. `gmw/en-US`). False when eSpeak does not know it. */
  setVoice(name: string): boolean;
  /** Words per minute; eSpeak clamps to about 80..450 itself. */
  setRate(wordsPerMinute: number): void;
  /** Renders SSML synchronously. The glue always passes espeakSSML, so plain text must be escaped. */
  render(ssml: string): RawRender;
  /** The voices compiled into the data package. */
  listVoices(): readonly { readonly identifier: string; readonly name: string; readonly languages: readonly string[] }[];
}

// The shape of the WebIDL-bound class, as far as we call it.
interface RawWorkerObject {
  readonly samplerate: number;
  set_voice(name: string): number;
  set_rate(wpm: number): void;
  synthesize(text: string, callback: (samples: Int16Array, events: RawEspeakEvent[]) => boolean | undefined): void;
  list_voices(): { identifier: string; name: string; languages: { priority: number; name: string }[] }[];
}

interface RawModule {
  readonly eSpeakNGWorker: new () => RawWorkerObject;
}

/** The package entry; a variable so TypeScript does not look for declarations it does not ship. */
const PACKAGE = '@echogarden/espeak-ng-emscripten';

/**
 * Loads the Emscripten module (about 24 MB of voice data into the virtual FS)
 * and constructs one synthesizer. Call once per worker thread.
 */
export async function loadEspeak(): Promise<EspeakSynthesizer> {
  const imported = (await import(PACKAGE)) as { default?: unknown };
  if (typeof imported.default !== 'function') throw new Error(`${PACKAGE} has no default module factory`);
  const factory = imported.default as () => Promise<unknown>;
  const module = (await factory()) as Partial<RawModule>;
  if (typeof module.eSpeakNGWorker !== 'function') throw new Error(`${PACKAGE} did not expose eSpeakNGWorker`);
  const raw = new module.eSpeakNGWorker();

  return {
    sampleRate: raw.samplerate,
    // eSpeak returns EE_OK (0) on success, EE_NOT_FOUND (2) for an unknown voice; the old voice then stays.
    setVoice: (name) => raw.set_voice(name) === 0,
    // Stored on the C++ object and applied at the next synth, so order against setVoice does not matter.
    setRate: (wpm) => raw.set_rate(Math.round(wpm)),
    render(ssml) {
      const chunks: Int16Array[] = [];
      const events: RawEspeakEvent[] = [];
      raw.synthesize(ssml, (samples, chunkEvents) => {
        // The glue already copied the samples out of the heap (HEAP16.slice), so keeping them is safe.
        if (samples.length > 0) chunks.push(samples);
        for (const event of chunkEvents) events.push(event);
        // A truthy return would ask eSpeak to stop; we always want the whole text.
        return false;
      });
      return { chunks, events };
    },
    listVoices: () =>
      raw.list_voices().map((voice) => ({
        identifier: voice.identifier,
        name: voice.name,
        languages: voice.languages.map((language) => language.name),
      })),
  };
}
