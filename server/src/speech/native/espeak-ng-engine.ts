/**
 * The "espeak-ng" speech engine: the installed `espeak-ng` program, one
 * process per paragraph, cut back into sentences.
 *
 * Why cut: the program renders far faster than the WebAssembly build (about
 * 900x real time of CPU here once started) but reports no timing events, and
 * the renditions need to know when each sentence starts. Starting the program
 * costs about 13 ms, more than most sentences take to render, so one process
 * per sentence spent three quarters of its CPU starting up (the pack at 199x
 * real time on two cores). So the sentences of one paragraph (each `<s>`, see
 * ../ssml-outline.ts) are rendered in one document, with a long `<break>`
 * (the separator) between each two, and the audio is cut at those silences
 * (./sentence-cutting.ts, in processes from ./process-pool.ts);
 * the document's own pauses are then put back (./assembly.ts), so sentence and mark times
 * are exact by construction rather than estimated.
 *
 * Measured (eSpeak NG 1.51, 80 to 460 wpm):
 * - Each sentence's sound between separators is, sample for sample, the sound
 *   eSpeak makes of it in the whole paragraph without separators: the
 *   separators change only the silences.
 * - The silence eSpeak leaves between two sentences is its end-of-sentence
 *   pause plus what the last and first sounds leave silent. With a separator,
 *   the pause is replaced by the separator and the rest is kept. So the pause
 *   after each sentence is rebuilt as (separator silence - separator) + the
 *   pause, both measured once per voice, speed and wrapper on a calibration
 *   pair of one-word sentences (./calibration.ts). On the pack's paragraphs,
 *   against the paragraph rendered whole (88, 175, 350 and 438 wpm): most
 *   pauses exact to the sample, the rest 5 to 85 ms longer, none shorter.
 * - At 450 wpm eSpeak speeds up with sonic, breaks included (a 1800 ms break
 *   lasts about 700 ms): the calibration measures the separator as rendered,
 *   so the cutting does not assume its length.
 * - A paragraph the cutting cannot make sense of (a silence inside a sentence
 *   as long as a separator, a sentence with no sound) is rendered sentence by
 *   sentence instead, one process each.
 * - A `<break>` between sentences does not add to eSpeak's own pause: the
 *   silence becomes the longer of the two (a 400 ms break after a 534 ms pause
 *   changes nothing; a 900 ms one gives 900 ms). That is what ./assembly.ts
 *   does, using the rebuilt pause after each sentence.
 */
import { availableParallelism, tmpdir } from 'node:os';
import { runProgram } from '../../external-program.js';
import { SpeechError, type SpeechEngine, type Synthesis, type SynthesisOptions, type Voice } from '../engine.js';
import { DEFAULT_VOICE_ID, ESPEAK_VOICES, MAX_RATE, MIN_RATE, blankRootLanguage, findVoice, isValidRate, planRate } from '../espeak-params.js';
import { escapeXmlText, looksLikeSsml, outlineSsml, type Utterance } from '../ssml-outline.js';
import { assemble } from './assembly.js';
import { Calibrations } from './calibration.js';
import { espeakDataView, isWhole } from './espeak-data-view.js';
import { ProcessPool } from './process-pool.js';
import { cutAtSeparators, paragraphDocument, paragraphs, separatorFor, utteranceDocument, type RenderedUtterance } from './sentence-cutting.js';

/** Options for {@link createNativeEspeakEngine}. */
export interface NativeEspeakEngineOptions {
  /** The program to run. Default `espeak-ng`, found on the PATH. */
  readonly program?: string;
  /** espeak-ng processes running at once, across all renders. Default `os.availableParallelism()`. */
  readonly processes?: number;
  /** Longest one whole `synthesize` may take, in ms. Default 60 000. */
  readonly timeoutMs?: number;
  /**
   * Where to keep the view of the program's data that holds only our voices, so each process starts
   * faster (./espeak-data-view.ts), or false to use the installed data as it is. Default: the
   * system's temporary folder.
   */
  readonly dataViewIn?: string | false;
  /**
   * Where each process writes its WAV, in a folder of its own made for it,
   * or false for its stdout (see ./process-pool.ts). Default: the system's temporary folder.
   */
  readonly scratchIn?: string | false;
}

/** What probing the program found. */
export type EspeakProbe =
  | {
      readonly available: true;
      /** The program's own version, e.g. `1.51`. */
      readonly programVersion: string;
      /** Where its data is, as it says (`Data at: ...`), when it says. */
      readonly dataDir?: string;
    }
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
const ADAPTER_REVISION = 2;
/** How to get the program, for error messages. */
export const ESPEAK_INSTALL_HINT = 'install it (Debian/Ubuntu: apt-get install espeak-ng; macOS: brew install espeak-ng) or use the embedded engine';
const PROBE_TIMEOUT_MS = 10_000;

class NativeEspeakEngineImpl implements NativeEspeakEngine {
  readonly name = 'espeak-ng';
  readonly defaultVoice = DEFAULT_VOICE_ID;
  readonly #program: string;
  readonly #timeoutMs: number;
  readonly #processes: ProcessPool;
  readonly #running = new Set<AbortController>();
  readonly #calibrations = new Calibrations();
  #probe: Promise<EspeakProbe> | undefined;
  #probed: EspeakProbe | undefined;
  #voices: Promise<readonly Voice[]> | undefined;
  readonly #dataViewIn: string | false;
  #dataView: Promise<string | undefined> | undefined;
  #closed = false;

  constructor(options: NativeEspeakEngineOptions) {
    this.#program = options.program ?? 'espeak-ng';
    this.#timeoutMs = positiveInteger(options.timeoutMs ?? 60_000, 'timeoutMs');
    this.#processes = new ProcessPool({
      program: this.#program,
      size: positiveInteger(options.processes ?? availableParallelism(), 'processes'),
      scratchIn: options.scratchIn ?? tmpdir(),
    });
    this.#dataViewIn = options.dataViewIn ?? tmpdir();
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
        const printed = stdout.toString('utf8');
        const version = /text-to-speech:\s*(\S+)/.exec(printed)?.[1];
        if (version === undefined) return { available: false, reason: `${this.#program} --version did not print an eSpeak NG version` };
        const dataDir = /Data at:\s*(.+?)\s*$/m.exec(printed)?.[1];
        return { available: true, programVersion: version, ...(dataDir === undefined ? {} : { dataDir }) };
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
      const data = onlyOurLanguages(ssml) && probe.dataDir !== undefined ? await this.#viewOf(probe.dataDir) : undefined;
      // Where the WAV goes is added per process (./process-pool.ts).
      const args = [...(data === undefined ? [] : [`--path=${data}`]), '-m', '-b', '1', '-v', voice.espeakName, '-s', String(plan.wordsPerMinute), '--stdin'];
      const separator = separatorFor(plan.wordsPerMinute);
      const renders = await Promise.all(paragraphs(utterances).map((paragraph) => this.#renderParagraph(args, root, separator, paragraph, controller.signal)));
      return await assemble(outline, renders.flat(), plan, controller.signal);
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
    // Their processes are being killed: once each is gone, its scratch folder is removed.
    await this.#processes.settled();
  }

  /**
   * The view of `dataDir` with only our voices (./espeak-data-view.ts), made
   * once and made again if it went missing (a server outlives what cleans the
   * temporary folder); undefined to use the installed data.
   */
  async #viewOf(dataDir: string): Promise<string | undefined> {
    if (this.#dataViewIn === false) return undefined;
    const made = this.#dataView;
    const view = await made;
    // No view could be made here: the installed data it is, without trying again at every render.
    if (made !== undefined && view === undefined) return undefined;
    if (view !== undefined && (await isWhole(view))) return view;
    // Not made yet, or gone: one render makes it again (the first to get here), the others wait for that.
    if (made === undefined || this.#dataView === made) this.#dataView = espeakDataView(dataDir, ESPEAK_VOICES.map((voice) => voice.espeakName), this.#dataViewIn);
    return this.#dataView;
  }

  /** One process for the paragraph, cut into its sentences; one process per sentence if it cannot be cut. */
  async #renderParagraph(args: readonly string[], root: string, separator: string, paragraph: readonly Utterance[], signal: AbortSignal): Promise<RenderedUtterance[]> {
    const render = (document: string): Promise<RenderedUtterance> => this.#processes.render(args, document, signal);
    const alone = (utterance: Utterance): Promise<RenderedUtterance> => render(utteranceDocument(root, utterance));
    const [first] = paragraph;
    if (first === undefined) return [];
    if (paragraph.length === 1) return [await alone(first)];
    const calibration = await this.#calibrations.of(args, root, separator, first.wrappers, render, signal);
    if (calibration !== undefined) {
      const whole = await render(paragraphDocument(root, separator, paragraph));
      const cut = cutAtSeparators(whole, paragraph.length, calibration);
      if (cut !== undefined) return cut;
    }
    return Promise.all(paragraph.map(alone));
  }
}

/** The languages of our voices, lower case: the ones the data view has. */
const OUR_LANGUAGES = new Set(ESPEAK_VOICES.flatMap((voice) => [voice.language.toLowerCase(), voice.id]));

/**
 * True if every `xml:lang` in the document names the language of one of our
 * voices. Another language (any SSML may ask for one) needs the installed
 * data, which has every voice: the view would speak it in the voice before.
 */
function onlyOurLanguages(ssml: string): boolean {
  for (const [, language] of ssml.matchAll(/xml:lang\s*=\s*["']([^"']*)["']/g)) {
    if (!OUR_LANGUAGES.has(language!.toLowerCase())) return false;
  }
  return true;
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
