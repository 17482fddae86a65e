/**
 * The "espeak-ng" speech engine: the installed `espeak-ng` program, run once
 * per sentence.
 *
 * Why per sentence: the program renders far faster than the WebAssembly build
 * (measured about 600x real time here) but reports no timing events, and the
 * renditions need to know when each sentence starts. So the document is
 * split into utterances (each `<s>`, see ../ssml-outline.ts), each is rendered
 * alone in its original context (its `<speak>` and `<p>` wrappers), and the
 * audio is put back together here: sentence and mark times are then exact by
 * construction rather than estimated.
 *
 * Measured (eSpeak NG 1.51, against the embedded engine on the same SSML):
 * - A sentence rendered alone ends with the same pause eSpeak puts after it
 *   inside a paragraph (534 ms at 175 wpm, 70 ms at 350), so sentences are
 *   simply laid end to end; the next sentence starts within 10 ms of where the
 *   embedded engine starts it.
 * - A `<break>` between sentences does not add to that pause: the silence
 *   becomes the longer of the two (a 400 ms break after a 534 ms pause changes
 *   nothing; a 900 ms one gives 900 ms). That is what {@link assemble} does,
 *   using the render's trailing digital silence as the pause it already has.
 */
import { availableParallelism } from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ProgramError, runProgram } from '../../audio/external-program.js';
import { timeStretch } from '../../audio/time-stretch.js';
import { decodeWav } from '../../audio/wav.js';
import { SpeechError, type SpeechEngine, type Synthesis, type SynthesisOptions, type TimingEvent, type Voice } from '../engine.js';
import { DEFAULT_VOICE_ID, ESPEAK_VOICES, MAX_RATE, MIN_RATE, blankRootLanguage, findVoice, isValidRate, planRate, type RatePlan } from '../embedded/espeak-params.js';
import { escapeXmlText, looksLikeSsml, outlineSsml, type SsmlOutline, type Utterance } from '../ssml-outline.js';

/** Options for {@link createNativeEspeakEngine}. */
export interface NativeEspeakEngineOptions {
  /** The program to run. Default `espeak-ng`, found on the PATH. */
  readonly program?: string;
  /** espeak-ng processes running at once, across all renders. Default `os.availableParallelism()`. */
  readonly processes?: number;
  /** Longest one whole `synthesize` may take, in ms. Default 60 000. */
  readonly timeoutMs?: number;
}

/** What probing the program found. */
export type EspeakProbe =
  | { readonly available: true; /** The program's own version, e.g. `1.51`. */ readonly programVersion: string }
  | { readonly available: false; /** Why not, in words for a log. */ readonly reason: string };

/** The native engine, with what it learned about the installed program. */
export interface NativeEspeakEngine extends SpeechEngine {
  /** Runs `espeak-ng --version` once; later calls return the same answer. */
  probe(): Promise<EspeakProbe>;
}

/**
 * Bumped when our own processing changes the audio for the same program
 * version (splitting, pause rules, time compression), so caches keyed on
 * `version` do not serve stale renders.
 */
const ADAPTER_REVISION = 1;
/** How to get the program, for error messages. */
export const ESPEAK_INSTALL_HINT = 'install it (Debian/Ubuntu: apt-get install espeak-ng; macOS: brew install espeak-ng) or use the embedded engine';
const PROBE_TIMEOUT_MS = 10_000;

/** A FIFO of process slots shared by all renders, so two long renders do not start twice as many processes. */
class ProcessSlots {
  readonly #waiting: (() => void)[] = [];
  #free: number;

  constructor(size: number) {
    this.#free = size;
  }

  async run<T>(task: () => Promise<T>, signal: AbortSignal): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      // A render aborted while it waited starts nothing.
      signal.throwIfAborted();
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next !== undefined) next();
      else this.#free++;
    }
  }
}

/** One utterance, rendered. */
interface RenderedUtterance {
  readonly sampleRate: number;
  readonly samples: Int16Array;
}

class NativeEspeakEngineImpl implements NativeEspeakEngine {
  readonly name = 'espeak-ng';
  readonly #program: string;
  readonly #timeoutMs: number;
  readonly #slots: ProcessSlots;
  readonly #running = new Set<AbortController>();
  #probe: Promise<EspeakProbe> | undefined;
  #probed: EspeakProbe | undefined;
  #voices: Promise<readonly Voice[]> | undefined;
  #closed = false;

  constructor(options: NativeEspeakEngineOptions) {
    this.#program = options.program ?? 'espeak-ng';
    this.#timeoutMs = positiveInteger(options.timeoutMs ?? 60_000, 'timeoutMs');
    this.#slots = new ProcessSlots(positiveInteger(options.processes ?? availableParallelism(), 'processes'));
  }

  /**
   * The program's version plus our adapter revision, e.g. `1.51+r1`. Known
   * once {@link probe} (or `available()`, or a render) has run; `unprobed+r1`
   * before, so call `available()` first when using it as a cache key
   * (selectSpeechEngine does).
   */
  get version(): string {
    const program = this.#probed?.available === true ? this.#probed.programVersion : 'unprobed';
    return `${program}+r${ADAPTER_REVISION}`;
  }

  probe(): Promise<EspeakProbe> {
    this.#probe ??= runProgram(this.#program, ['--version'], { timeoutMs: PROBE_TIMEOUT_MS }).then(
      ({ stdout }): EspeakProbe => {
        // "eSpeak NG text-to-speech: 1.51  Data at: /usr/lib/x86_64-linux-gnu/espeak-ng-data"
        const version = /text-to-speech:\s*(\S+)/.exec(stdout.toString('utf8'))?.[1];
        if (version === undefined) return { available: false, reason: `${this.#program} --version did not print an eSpeak NG version` };
        return { available: true, programVersion: version };
      },
      (error: unknown): EspeakProbe => ({ available: false, reason: error instanceof Error ? error.message : String(error) }),
    ).then((probe) => (this.#probed = probe));
    return this.#probe;
  }

  async available(): Promise<boolean> {
    return !this.#closed && (await this.probe()).available;
  }

  /** The voices of ESPEAK_VOICES that this installation has (`espeak-ng --voices`); none when the program is missing. */
  voices(): Promise<readonly Voice[]> {
    this.#voices ??= runProgram(this.#program, ['--voices'], { timeoutMs: PROBE_TIMEOUT_MS }).then(
      ({ stdout }) => {
        // Columns: Pty Language Age/Gender VoiceName File Other-languages; names use _ for spaces.
        const files = new Set(stdout.toString('utf8').split('\n').slice(1).map((line) => line.trim().split(/\s+/)[4]));
        return ESPEAK_VOICES.filter((voice) => files.has(voice.espeakName)).map(({ id, name, language }) => ({ id, name, language }));
      },
      () => [],
    );
    return this.#voices;
  }

  async synthesize(ssml: string, options: SynthesisOptions = {}): Promise<Synthesis> {
    if (this.#closed) throw new SpeechError('the espeak-ng engine is closed');
    const { signal } = options;
    const rate = options.rate ?? 1;
    const voice = findVoice(options.voice ?? DEFAULT_VOICE_ID);
    if (voice === undefined) throw new SpeechError(`the espeak-ng engine has no voice "${options.voice}"`, { cause: new RangeError(`unknown voice ${options.voice}`) });
    if (!isValidRate(rate)) throw new SpeechError(`rate ${rate} is outside ${MIN_RATE} to ${MAX_RATE}`, { cause: new RangeError(`rate ${rate}`) });
    if (signal?.aborted === true) throw new SpeechError('the render was aborted', { cause: signal.reason });
    const plan = planRate(rate);
    // Parse before any process starts: a malformed document costs nothing.
    const outline = looksLikeSsml(ssml) ? outlineSsml(ssml) : outlineSsml(`<speak>${escapeXmlText(ssml)}</speak>`);

    const probe = await this.probe();
    if (!probe.available) {
      throw new SpeechError(`the espeak-ng program cannot be used (${probe.reason}): ${ESPEAK_INSTALL_HINT}`, { cause: new Error(probe.reason) });
    }

    const controller = new AbortController();
    this.#running.add(controller);
    const onAbort = (): void => controller.abort(new SpeechError('the render was aborted', { cause: signal?.reason }));
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => controller.abort(new SpeechError(`espeak-ng render timed out after ${this.#timeoutMs} ms`)), this.#timeoutMs);
    try {
      const root = options.voice === undefined ? outline.rootStartTag : blankRootLanguage(outline.rootStartTag);
      const utterances = outline.items.filter((item): item is Utterance => item.kind === 'utterance');
      const args = ['-m', '-b', '1', '--stdout', '-v', voice.espeakName, '-s', String(plan.wordsPerMinute), '--stdin'];
      const renders = await Promise.all(
        utterances.map((utterance) => this.#slots.run(() => this.#render(args, utteranceDocument(root, utterance), controller.signal), controller.signal)),
      );
      return await assemble(outline, renders, plan, controller.signal);
    } catch (error) {
      // One failed utterance stops the others: kill their processes, skip the queued ones.
      controller.abort(error);
      const reason: unknown = controller.signal.reason;
      if (reason instanceof SpeechError) throw reason;
      throw error instanceof SpeechError ? error : new SpeechError('espeak-ng failed to render', { cause: error });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      this.#running.delete(controller);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const controller of this.#running) controller.abort(new SpeechError('the espeak-ng engine was closed'));
    this.#running.clear();
  }

  async #render(args: readonly string[], document: string, signal: AbortSignal): Promise<RenderedUtterance> {
    let output: Buffer;
    try {
      ({ stdout: output } = await runProgram(this.#program, args, { input: document, signal }));
    } catch (error) {
      if (error instanceof ProgramError && error.failure === 'aborted' && signal.reason instanceof SpeechError) throw signal.reason;
      throw new SpeechError(`espeak-ng failed to render a sentence: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    try {
      return decodeWav(withRealSizes(output));
    } catch (error) {
      throw new SpeechError('espeak-ng wrote something that is not a WAV file', { cause: error });
    }
  }
}

/** An utterance as a document of its own, inside the same `<speak>` and wrappers it had. */
function utteranceDocument(root: string, utterance: Utterance): string {
  const open = utterance.wrappers.map((wrapper) => wrapper.startTag).join('');
  const close = utterance.wrappers.map((wrapper) => `</${wrapper.name}>`).reverse().join('');
  return `${root}${open}${utterance.source}${close}</speak>`;
}

/**
 * espeak-ng writes WAV to a pipe before it knows the length, so the RIFF and
 * `data` sizes say 0x7ffff000-ish. Sets both to what actually arrived
 * (whole samples only), in place, so the strict decoder accepts the file.
 */
function withRealSizes(wav: Buffer): Buffer {
  if (wav.length < 12 || wav.toString('ascii', 0, 4) !== 'RIFF') return wav;
  let offset = 12;
  while (offset + 8 <= wav.length) {
    const id = wav.toString('ascii', offset, offset + 4);
    const size = wav.readUInt32LE(offset + 4);
    if (id === 'data') {
      const available = wav.length - offset - 8;
      const real = Math.min(size, available - (available % 2));
      wav.writeUInt32LE(real, offset + 4);
      wav.writeUInt32LE(offset + real, 4);
      return wav.subarray(0, offset + 8 + real);
    }
    offset += 8 + size + (size % 2);
  }
  return wav;
}

/** Samples of exact digital silence at the end: the pause eSpeak already put after the utterance. */
function trailingSilence(samples: Int16Array): number {
  let last = samples.length - 1;
  while (last >= 0 && samples[last] === 0) last--;
  return samples.length - 1 - last;
}

/** Where sound starts and ends in a render: [first, last] non-zero sample, or undefined for silence. */
function soundSpan(samples: Int16Array): [number, number] | undefined {
  let first = 0;
  while (first < samples.length && samples[first] === 0) first++;
  if (first === samples.length) return undefined;
  return [first, samples.length - 1 - trailingSilence(samples)];
}

/**
 * Lays the rendered utterances end to end with the document's pauses, and
 * writes the timing events from that construction. Time compression (rates
 * past eSpeak's 450 wpm) is applied per utterance, yielding between them, so
 * a long render does not hold the event loop.
 */
async function assemble(outline: SsmlOutline, renders: readonly RenderedUtterance[], plan: RatePlan, signal: AbortSignal): Promise<Synthesis> {
  const sampleRate = renders[0]?.sampleRate ?? 22_050;
  const pieces: Int16Array[] = [];
  const events: TimingEvent[] = [];
  let length = 0;
  // Silence already at the end of the audio so far, in samples.
  let trailing = 0;
  // Break time asked for since the last utterance, in samples of the output.
  let pending = 0;
  const ms = (samples: number): number => Math.round((samples * 1000) / sampleRate);
  const flushPause = (): void => {
    // The longer of eSpeak's own pause and the break, as eSpeak does in one document.
    const extra = Math.max(0, pending - trailing);
    if (extra > 0) {
      pieces.push(new Int16Array(extra));
      length += extra;
      trailing += extra;
    }
    pending = 0;
  };

  let next = 0;
  for (const item of outline.items) {
    if (item.kind === 'pause') {
      // Breaks are compressed with the speech, as in the embedded engine's render.
      pending += Math.round((item.ms * sampleRate) / 1000 / plan.speedUp);
    } else if (item.kind === 'mark') {
      flushPause();
      events.push({ type: 'mark', audioMs: ms(length), textPosition: item.textPosition, name: item.name });
    } else {
      flushPause();
      const render = renders[next++];
      if (render === undefined) throw new SpeechError('espeak-ng returned fewer renders than sentences');
      if (render.sampleRate !== sampleRate) throw new SpeechError(`espeak-ng rendered at ${render.sampleRate} Hz and at ${sampleRate} Hz in one document`);
      let samples = render.samples;
      if (plan.speedUp !== 1) {
        signal.throwIfAborted();
        samples = timeStretch(samples, sampleRate, plan.speedUp);
        await nextTurn();
      }
      const start = length;
      const span = soundSpan(samples);
      const characters = [...item.text].length;
      for (const mark of item.marks) {
        // A mark at the start is exact; one inside the sentence is placed by its share of the characters (an estimate).
        const within = mark.textOffset === 0 || span === undefined || characters === 0 ? 0 : span[0] + ((span[1] - span[0]) * mark.textOffset) / characters;
        events.push({ type: 'mark', audioMs: ms(start + within), textPosition: item.textPosition, name: mark.name });
      }
      events.push({ type: 'sentence', audioMs: ms(start), textPosition: item.textPosition });
      pieces.push(samples);
      length += samples.length;
      trailing = span === undefined ? trailing + samples.length : trailingSilence(samples);
    }
  }
  flushPause();

  const samples = new Int16Array(length);
  let offset = 0;
  for (const piece of pieces) {
    samples.set(piece, offset);
    offset += piece.length;
  }
  return { sampleRate, samples, events };
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${what} must be a positive integer, got ${value}`);
  return value;
}

/**
 * Creates the native eSpeak NG engine. Nothing runs until the first
 * `available()`, `voices()` or render. When the program is missing,
 * `available()` is false and renders reject with a SpeechError saying how to
 * install it.
 */
export function createNativeEspeakEngine(options: NativeEspeakEngineOptions = {}): NativeEspeakEngine {
  return new NativeEspeakEngineImpl(options);
}
