/**
 * The "say" speech engine: the operating system's own voices through the
 * `say` npm package (macOS `say`, Windows SAPI through PowerShell, Linux
 * festival).
 *
 * What `say` can and cannot do shapes this adapter:
 * - It exports audio files on macOS and Windows only. On Linux it can only
 *   speak aloud through festival, so there this engine is not `available()`
 *   for rendering and offers {@link SayEngine.speakAloud} alone (the
 *   `npm run speak` preview).
 * - It pastes text, voice and file name into festival Scheme or a PowerShell
 *   command unescaped. So it only ever receives text made safe by
 *   ./safe-speech-text.ts, a voice from a fixed list per platform, a clamped
 *   number for the speed, and a file name we made and checked.
 * - It reports no timings. Sentence and mark events are ESTIMATES: the sound
 *   between the first and last audible sample is shared out by character
 *   count. Good enough to follow along, not to cut audio on.
 * - It does not understand SSML: the document is reduced to the text it says
 *   (a `sub` says its alias); breaks are dropped.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeForeignWav } from '../../audio/foreign-wav.js';
import { soundSpan } from '../../audio/samples.js';
import { runProgram } from '../../external-program.js';
import { MAX_RATE, MIN_RATE, isValidRate } from '../espeak-params.js';
import { SpeechError, type SpeechEngine, type Synthesis, type SynthesisOptions, type TimingEvent, type Voice } from '../engine.js';
import { looksLikeSsml, outlineSsml, type OutlineItem } from '../ssml-outline.js';
import { toSafeSpeechText, toSafeSpeed } from './safe-speech-text.js';

/** The part of the `say` package this adapter calls (see its index.d.ts). */
export interface SayModule {
  speak(text: string, voice?: string, speed?: number, callback?: (error: unknown) => void): void;
  export(text: string, voice?: string, speed?: number, filename?: string, callback?: (error: unknown) => void): void;
  /** Stops the current speech. Never called on Linux, where `say` kills process id + 2, which may be anyone's. */
  stop?(): void;
}

/** Platforms `say` knows. */
export type SayPlatform = 'darwin' | 'win32' | 'linux';

/**
 * The only voices passed to `say`, per platform; any other voice is refused.
 * On Linux a voice is pasted into festival as `(voice_name)`, i.e. run as
 * Scheme, so this list is what keeps that safe.
 */
export const SAY_VOICES: Readonly<Record<SayPlatform, readonly Voice[]>> = {
  darwin: [
    { id: 'Samantha', name: 'Samantha', language: 'en-US' },
    { id: 'Alex', name: 'Alex', language: 'en-US' },
    { id: 'Fred', name: 'Fred', language: 'en-US' },
    { id: 'Victoria', name: 'Victoria', language: 'en-US' },
    { id: 'Daniel', name: 'Daniel', language: 'en-GB' },
    { id: 'Karen', name: 'Karen', language: 'en-AU' },
    { id: 'Moira', name: 'Moira', language: 'en-IE' },
    { id: 'Tessa', name: 'Tessa', language: 'en-ZA' },
    { id: 'Thomas', name: 'Thomas', language: 'fr-FR' },
    { id: 'Anna', name: 'Anna', language: 'de-DE' },
  ],
  win32: [
    { id: 'Microsoft David Desktop', name: 'Microsoft David', language: 'en-US' },
    { id: 'Microsoft Zira Desktop', name: 'Microsoft Zira', language: 'en-US' },
    { id: 'Microsoft Mark', name: 'Microsoft Mark', language: 'en-US' },
    { id: 'Microsoft Hazel Desktop', name: 'Microsoft Hazel', language: 'en-GB' },
    { id: 'Microsoft Hortense Desktop', name: 'Microsoft Hortense', language: 'fr-FR' },
    { id: 'Microsoft Hedda Desktop', name: 'Microsoft Hedda', language: 'de-DE' },
  ],
  linux: [
    { id: 'voice_kal_diphone', name: 'Kal (festvox-kallpc16k)', language: 'en-US' },
    { id: 'voice_ked_diphone', name: 'Ked (festvox-kdlpc16k)', language: 'en-US' },
    { id: 'voice_rab_diphone', name: 'Rab (festvox-rablpc16k)', language: 'en-GB' },
    { id: 'voice_cmu_us_slt_arctic_hts', name: 'SLT (festvox-us-slt-hts)', language: 'en-US' },
  ],
};

/** Options for {@link createSayEngine}. */
export interface SayEngineOptions {
  /** The `say` module; default the real package, loaded on first use. Tests pass a fake. */
  readonly say?: SayModule;
  /** Default `process.platform`. */
  readonly platform?: NodeJS.Platform;
  /** Where temporary WAV exports go; default `os.tmpdir()`. Its path must be plain (see {@link isPlainPath}). */
  readonly tmpDir?: string;
  /** Longest text, in code points after making it safe, one render or one `speakAloud` may say. Default 20 000. */
  readonly maxTextLength?: number;
  /** Longest one export may take, in ms. Default 120 000. */
  readonly timeoutMs?: number;
}

/** How `speakAloud` may be asked to speak. */
export interface SpeakAloudOptions {
  /** A voice id from `voices()`; the system default when absent. */
  readonly voice?: string;
  /** Rate multiplier; clamped to 0.5..4. */
  readonly rate?: number;
}

/** The `say` engine, which can also speak on the host's speakers. */
export interface SayEngine extends SpeechEngine {
  /** Speaks plain text aloud on this machine (any platform, Linux through festival); resolves when done. */
  speakAloud(text: string, options?: SpeakAloudOptions): Promise<void>;
}

/** Bumped when this adapter changes the audio for the same `say` version. */
const ADAPTER_REVISION = 1;
const require = createRequire(import.meta.url);

function sayPackageVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(require.resolve('say/package.json'), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * True for a path made only of letters, digits, `_ . - : / \` and single
 * spaces. On Windows `say` puts the export path inside a PowerShell string run
 * through cmd.exe, where quotes, `&`, `|`, `%`, `^`, `$` or backticks would
 * break out of it.
 */
export function isPlainPath(file: string): boolean {
  return /^[A-Za-z0-9_.:\\/-]+(?: [A-Za-z0-9_.:\\/-]+)*$/.test(file) && !file.startsWith('-');
}

/** A piece of the text `say` receives, with where it came from. */
interface Segment {
  readonly text: string;
  readonly textPosition: number;
  readonly sentence: boolean;
  readonly marks: readonly { readonly name: string; readonly textOffset: number }[];
}

const sentenceSegmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

/** The segments of a document or of plain text, already made safe, in order. */
function segmentsOf(input: string): Segment[] {
  if (!looksLikeSsml(input)) {
    return [...sentenceSegmenter.segment(input)].flatMap((part) => {
      const text = toSafeSpeechText(part.segment, Number.POSITIVE_INFINITY);
      return text === '' ? [] : [{ text, textPosition: [...input.slice(0, part.index)].length + 1, sentence: true, marks: [] }];
    });
  }
  const segments: Segment[] = [];
  let loose: { name: string; textPosition: number }[] = [];
  const place = (item: OutlineItem): void => {
    if (item.kind === 'mark') loose.push({ name: item.name, textPosition: item.textPosition });
    if (item.kind !== 'utterance') return;
    const text = toSafeSpeechText(item.text, Number.POSITIVE_INFINITY);
    // Making the text safe may shorten it; marks keep their share of it.
    const scale = item.text.length === 0 ? 0 : [...text].length / [...item.text].length;
    const marks = [...loose.map((mark) => ({ name: mark.name, textOffset: 0 })), ...item.marks.map((mark) => ({ name: mark.name, textOffset: Math.round(mark.textOffset * scale) }))];
    loose = [];
    segments.push({ text, textPosition: item.textPosition, sentence: item.sentence, marks });
  };
  for (const item of outlineSsml(input).items) place(item);
  // Marks after the last utterance sit at the very end.
  if (loose.length > 0) segments.push({ text: '', textPosition: loose[0]?.textPosition ?? 1, sentence: false, marks: loose.map((mark) => ({ name: mark.name, textOffset: 0 })) });
  return segments;
}

/** Sentence and mark events by share of characters: estimates, see the module comment. */
function estimateEvents(segments: readonly Segment[], samples: Int16Array, sampleRate: number): TimingEvent[] {
  // Where speech is, in a render with unknown padding: all of it when nothing is louder than a whisper.
  const [soundStart, soundEnd] = soundSpan(samples) ?? [0, samples.length];
  const total = segments.reduce((sum, segment) => sum + [...segment.text].length + 1, 0) - 1;
  const at = (characters: number): number => Math.round(((soundStart + ((soundEnd - soundStart) * characters) / Math.max(1, total)) * 1000) / sampleRate);
  const events: TimingEvent[] = [];
  let characters = 0;
  for (const segment of segments) {
    for (const mark of segment.marks) events.push({ type: 'mark', audioMs: at(characters + mark.textOffset), textPosition: segment.textPosition, name: mark.name });
    if (segment.text !== '') events.push({ type: 'sentence', audioMs: at(characters), textPosition: segment.textPosition });
    characters += [...segment.text].length + 1;
  }
  return events;
}

/** A program's complaint on one line, without festival's `-=-=-=-` banners. */
function programMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/(?:-=){2,}-?/g, ' ').replace(/\s+/g, ' ').trim();
}

class SayEngineImpl implements SayEngine {
  readonly name = 'say';
  readonly version: string;
  readonly #platform: NodeJS.Platform;
  readonly #injected: SayModule | undefined;
  readonly #tmpDir: string;
  readonly #maxTextLength: number;
  readonly #timeoutMs: number;
  #module: Promise<SayModule> | undefined;
  #festival: Promise<boolean> | undefined;
  /** `say` keeps one current child process per module, so calls go one at a time. */
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(options: SayEngineOptions) {
    this.#platform = options.platform ?? process.platform;
    this.#injected = options.say;
    this.#tmpDir = options.tmpDir ?? tmpdir();
    this.#maxTextLength = options.maxTextLength ?? 20_000;
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    this.version = `${sayPackageVersion()}-${this.#platform}+r${ADAPTER_REVISION}`;
  }

  /** True on macOS and Windows, where `say` can export audio; false on Linux and elsewhere. */
  async available(): Promise<boolean> {
    return !this.#closed && this.#canExport();
  }

  async voices(): Promise<readonly Voice[]> {
    return this.#voiceList();
  }

  async synthesize(ssml: string, options: SynthesisOptions = {}): Promise<Synthesis> {
    if (this.#closed) throw new SpeechError('the say engine is closed');
    if (!this.#canExport()) {
      throw new SpeechError(
        `the say engine cannot make audio on ${this.#platform}: the say package can only speak aloud there (through festival), not export a file. ` +
          'Use the embedded or espeak-ng engine to render.',
        { cause: new Error(`say.export is not supported on ${this.#platform}`) },
      );
    }
    const voice = this.#voice(options.voice);
    const rate = options.rate ?? 1;
    if (!isValidRate(rate)) throw new SpeechError(`rate ${rate} is outside ${MIN_RATE} to ${MAX_RATE}`, { cause: new RangeError(`rate ${rate}`) });
    const { signal } = options;
    if (signal?.aborted === true) throw new SpeechError('the render was aborted', { cause: signal.reason });

    const segments = segmentsOf(ssml);
    const text = segments.map((segment) => segment.text).filter((part) => part !== '').join(' ');
    this.#checkLength(text);
    if (text === '') return { sampleRate: 22_050, samples: new Int16Array(0), events: estimateEvents(segments, new Int16Array(0), 22_050) };

    const folder = await mkdtemp(path.join(this.#tmpDir, 'say-'));
    try {
      const file = path.join(folder, 'speech.wav');
      if (!isPlainPath(file)) {
        throw new SpeechError(`the temporary folder ${this.#tmpDir} has characters say cannot be trusted with; pass a plain tmpDir (letters, digits, _ . - and single spaces)`);
      }
      const say = await this.#say();
      await this.#oneAtATime(() =>
        this.#call('export', signal, (done) => say.export(text, voice, toSafeSpeed(rate), file, done)),
      );
      let decoded: { sampleRate: number; samples: Int16Array };
      try {
        decoded = decodeForeignWav(await readFile(file));
      } catch (error) {
        throw new SpeechError('say wrote no usable WAV file', { cause: error });
      }
      return { ...decoded, events: estimateEvents(segments, decoded.samples, decoded.sampleRate) };
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }

  async speakAloud(text: string, options: SpeakAloudOptions = {}): Promise<void> {
    if (this.#closed) throw new SpeechError('the say engine is closed');
    const voice = this.#voice(options.voice);
    const safe = toSafeSpeechText(text, Number.POSITIVE_INFINITY);
    this.#checkLength(safe);
    if (safe === '') return;
    if (this.#platform === 'linux' && !(await this.#festivalInstalled())) {
      throw new SpeechError('say speaks through festival on Linux, and festival is not installed: apt-get install festival festvox-kallpc16k');
    }
    const speed = toSafeSpeed(options.rate ?? 1);
    const say = await this.#say();
    // Speed 1 is passed as "no speed": on Linux any speed replaces festival's audio command with an aplay one.
    await this.#oneAtATime(() => this.#call('speak', undefined, (done) => say.speak(safe, voice, speed === 1 ? undefined : speed, done)));
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #canExport(): boolean {
    return this.#platform === 'darwin' || this.#platform === 'win32';
  }

  #voiceList(): readonly Voice[] {
    const platform = this.#platform;
    return platform === 'darwin' || platform === 'win32' || platform === 'linux' ? SAY_VOICES[platform] : [];
  }

  /** The whitelisted spelling of a voice, or undefined for the system default. Never the caller's own string. */
  #voice(id: string | undefined): string | undefined {
    if (id === undefined) return undefined;
    const voice = this.#voiceList().find((known) => known.id.toLowerCase() === id.toLowerCase());
    if (voice === undefined) {
      throw new SpeechError(`the say engine has no voice "${id}" on ${this.#platform}; known voices: ${this.#voiceList().map((known) => known.id).join(', ') || 'none'}`, {
        cause: new RangeError(`unknown voice ${id}`),
      });
    }
    return voice.id;
  }

  #checkLength(text: string): void {
    const length = [...text].length;
    if (length > this.#maxTextLength) {
      throw new SpeechError(`the text is ${length} characters, more than the say engine takes at once (${this.#maxTextLength}); split it`);
    }
  }

  #say(): Promise<SayModule> {
    // Loaded only when used: the package throws at import on platforms it does not know.
    this.#module ??= this.#injected !== undefined ? Promise.resolve(this.#injected) : import('say').then((loaded) => loaded.default as SayModule);
    return this.#module;
  }

  #festivalInstalled(): Promise<boolean> {
    // `say` does not listen for spawn errors, so a missing festival would crash the process: check first.
    this.#festival ??= runProgram('festival', ['--version'], { timeoutMs: 10_000 }).then(
      () => true,
      () => false,
    );
    return this.#festival;
  }

  #oneAtATime<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Calls `say` with a node-style callback, bounded by the timeout and the signal. */
  #call(what: 'export' | 'speak', signal: AbortSignal | undefined, start: (done: (error: unknown) => void) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (error?: SpeechError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(error);
      };
      const stop = (error: SpeechError): void => {
        // On Linux `say.stop` kills a guessed process id; elsewhere it stops its own child.
        if (this.#platform !== 'linux') this.#injectedOrLoadedStop();
        finish(error);
      };
      const onAbort = (): void => stop(new SpeechError('the render was aborted', { cause: signal?.reason }));
      signal?.addEventListener('abort', onAbort, { once: true });
      const timer = what === 'export' ? setTimeout(() => stop(new SpeechError(`say took longer than ${this.#timeoutMs} ms`)), this.#timeoutMs) : undefined;
      try {
        start((error) => {
          if (error === null || error === undefined) finish();
          else finish(new SpeechError(`say could not ${what === 'export' ? 'export audio' : 'speak'}: ${programMessage(error)}`, { cause: error }));
        });
      } catch (error) {
        finish(new SpeechError(`say could not ${what === 'export' ? 'export audio' : 'speak'}`, { cause: error }));
      }
    });
  }

  #injectedOrLoadedStop(): void {
    void this.#say().then((say) => {
      try {
        say.stop?.();
      } catch {
        // Nothing was playing any more.
      }
    });
  }
}

/**
 * Creates the `say` engine. Renders (`synthesize`) work on macOS and Windows;
 * on Linux `available()` is false and renders reject with a SpeechError that
 * says why, while `speakAloud` still speaks through festival.
 */
export function createSayEngine(options: SayEngineOptions = {}): SayEngine {
  return new SayEngineImpl(options);
}
