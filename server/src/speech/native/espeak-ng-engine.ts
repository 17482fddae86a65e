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
 * (the separator) between each two, and the audio is cut at those silences;
 * the document's own pauses are then put back here, so sentence and mark times
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
 *   pair of one-word sentences ({@link calibrate}). On the pack's paragraphs,
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
 *   changes nothing; a 900 ms one gives 900 ms). That is what {@link assemble}
 *   does, using the rebuilt pause after each sentence.
 */
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ProgramError, runProgram } from '../../external-program.js';
import { timeStretch } from '../../audio/time-stretch.js';
import { decodeWav } from '../../audio/wav.js';
import { isRunning } from '../../files.js';
import { InFlight } from '../../in-flight.js';
import { SpeechError, type SpeechEngine, type Synthesis, type SynthesisOptions, type TimingEvent, type Voice } from '../engine.js';
import { DEFAULT_VOICE_ID, ESPEAK_MAX_WPM, ESPEAK_VOICES, MAX_RATE, MIN_RATE, blankRootLanguage, findVoice, isValidRate, planRate, type RatePlan } from '../espeak-params.js';
import { escapeXmlText, looksLikeSsml, outlineSsml, type SsmlElement, type SsmlOutline, type Utterance } from '../ssml-outline.js';
import { espeakDataView, isWhole } from './espeak-data-view.js';

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
   * or false for its stdout (see #render). Default: the system's temporary folder.
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
/**
 * What goes between two sentences of a paragraph to cut them apart later: a
 * break well over twice the longest pause eSpeak makes itself at that speed
 * (its sentence pause is 1.55 s at its slowest, 80 wpm; 0.53 s at 175), and no
 * longer, since every millisecond of it is written, read and scanned: at a
 * fixed 6 s, scanning alone cost 200 ms for the pack.
 */
export function separatorFor(wordsPerMinute: number): string {
  // At its fastest eSpeak shortens breaks too (see above), so the separator is not.
  const ms = wordsPerMinute >= ESPEAK_MAX_WPM ? 1800 : Math.round((1800 * 175) / wordsPerMinute);
  return `<break time='${ms}ms'/>`;
}
/** The pair {@link calibrate} measures: one word, so the longest silence inside is the pause between them. */
const CALIBRATION_SENTENCE = '<s>Ready.</s>';
/** Sentences per process at most, so a long paragraph still renders on every core. */
const MAX_PARAGRAPH = 32;
/** How to get the program, for error messages. */
export const ESPEAK_INSTALL_HINT = 'install it (Debian/Ubuntu: apt-get install espeak-ng; macOS: brew install espeak-ng) or use the embedded engine';
const PROBE_TIMEOUT_MS = 10_000;
/** Scratch folders are named `<prefix><pid>-<6 random characters>`. */
const SCRATCH_PREFIX = 'atl-espeak-ng-';
const SCRATCH_FOLDER = /^atl-espeak-ng-(\d+)-[A-Za-z0-9]{6}$/;

/**
 * Removes the scratch folders in `parent` that processes no longer running
 * left (a kill -9 in the middle of a render); never a live process's.
 */
async function removeOrphanedScratch(parent: string): Promise<void> {
  const names = await readdir(parent).catch(() => [] as string[]);
  for (const name of names) {
    const pid = SCRATCH_FOLDER.exec(name)?.[1];
    if (pid !== undefined && Number(pid) !== process.pid && !isRunning(Number(pid))) await rm(path.join(parent, name), { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The most one process's WAV may weigh: 256 MiB, about 100 minutes of speech, far beyond any paragraph. */
const MAX_WAV_BYTES = 256 * 1024 * 1024;

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
  /** Samples of silence after `samples` that belong to it (a cut sentence's rebuilt pause), not yet made. */
  readonly silenceAfter?: number;
}

class NativeEspeakEngineImpl implements NativeEspeakEngine {
  readonly name = 'espeak-ng';
  readonly #program: string;
  readonly #timeoutMs: number;
  readonly #slots: ProcessSlots;
  readonly #running = new Set<AbortController>();
  readonly #calibrations = new Map<string, Promise<Calibration | undefined>>();
  #probe: Promise<EspeakProbe> | undefined;
  #probed: EspeakProbe | undefined;
  #voices: Promise<readonly Voice[]> | undefined;
  readonly #dataViewIn: string | false;
  readonly #scratchIn: string | false;
  #swept: Promise<void> | undefined;
  /** Processes' renders under way, each with its scratch folder: close() waits for them to clean up. */
  readonly #rendering = new InFlight();
  #dataView: Promise<string | undefined> | undefined;
  #closed = false;

  constructor(options: NativeEspeakEngineOptions) {
    this.#program = options.program ?? 'espeak-ng';
    this.#timeoutMs = positiveInteger(options.timeoutMs ?? 60_000, 'timeoutMs');
    this.#slots = new ProcessSlots(positiveInteger(options.processes ?? availableParallelism(), 'processes'));
    this.#dataViewIn = options.dataViewIn ?? tmpdir();
    this.#scratchIn = options.scratchIn ?? tmpdir();
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
      // Where the WAV goes is added per process (#render).
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
    await this.#rendering.settled();
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
    const alone = (utterance: Utterance): Promise<RenderedUtterance> => this.#slots.run(() => this.#render(args, utteranceDocument(root, utterance), signal), signal);
    const [first] = paragraph;
    if (first === undefined) return [];
    if (paragraph.length === 1) return [await alone(first)];
    const calibration = await this.#calibration(args, root, separator, first.wrappers, signal);
    if (calibration !== undefined) {
      const whole = await this.#slots.run(() => this.#render(args, paragraphDocument(root, separator, paragraph), signal), signal);
      const cut = cutAtSeparators(whole, paragraph.length, calibration);
      if (cut !== undefined) return cut;
    }
    return Promise.all(paragraph.map(alone));
  }

  /**
   * The separator and the pause as this voice, speed and wrapping render them:
   * measured once, then remembered. The measuring belongs to the render that
   * started it (its abort or timeout kills those processes too); a render
   * that was waiting for it when that render gave up measures again itself.
   */
  async #calibration(args: readonly string[], root: string, separator: string, wrappers: readonly SsmlElement[], signal: AbortSignal): Promise<Calibration | undefined> {
    const key = [...args, root, separator, ...wrappers.map((wrapper) => wrapper.startTag)].join('\n');
    for (;;) {
      let calibration = this.#calibrations.get(key);
      const mine = calibration === undefined;
      if (calibration === undefined) {
        const pair = (between: string): string => wrappedDocument(root, wrappers, `${CALIBRATION_SENTENCE}${between}${CALIBRATION_SENTENCE}`);
        const render = (document: string): Promise<RenderedUtterance> => this.#slots.run(() => this.#render(args, document, signal), signal);
        const started: Promise<Calibration | undefined> = Promise.all([render(pair('')), render(pair(separator))]).then(([natural, separated]) => calibrate(natural, separated));
        calibration = started;
        this.#calibrations.set(key, started);
        // A calibration cut short (an abort, a failed process) is tried again by the next render.
        started.catch(() => {
          if (this.#calibrations.get(key) === started) this.#calibrations.delete(key);
        });
      }
      try {
        return await calibration;
      } catch (error) {
        if (mine || signal.aborted) throw error;
      }
    }
  }

  /**
   * One process: `document` in, its WAV out. The program writes the WAV to a
   * file in a folder of its own (made for this render, removed after), read
   * back in one piece; without a folder for it, to stdout. Why a file: on
   * stdout the program writes 4 kB at a time, each write a wake-up and a
   * read here (about 10 000 for the pack) and the pieces joined at the end;
   * with the file, `npm run render` went from 276x to 290x real time (median
   * of 8 runs taken in turn, the data view in use in both).
   */
  #render(args: readonly string[], document: string, signal: AbortSignal): Promise<RenderedUtterance> {
    return this.#rendering.track(this.#renderOnce(args, document, signal));
  }

  async #renderOnce(args: readonly string[], document: string, signal: AbortSignal): Promise<RenderedUtterance> {
    const scratchIn = this.#scratchIn;
    let folder: string | undefined;
    if (scratchIn !== false) {
      this.#swept ??= removeOrphanedScratch(scratchIn);
      await this.#swept;
      // The process id in the name tells a later start which folders a killed process left.
      folder = await mkdtemp(path.join(scratchIn, `${SCRATCH_PREFIX}${process.pid}-`)).catch(() => undefined);
    }
    let output: Buffer;
    try {
      if (folder === undefined) ({ stdout: output } = await runProgram(this.#program, [...args, '--stdout'], { input: document, signal }));
      else {
        const file = path.join(folder, 'render.wav');
        await runProgram(this.#program, [...args, '-w', file], { input: document, signal });
        const { size } = await stat(file);
        if (size > MAX_WAV_BYTES) throw new RangeError(`it wrote ${size} bytes, more than the ${MAX_WAV_BYTES} a render may take`);
        output = await readFile(file);
      }
    } catch (error) {
      if (error instanceof ProgramError && error.failure === 'aborted' && signal.reason instanceof SpeechError) throw signal.reason;
      throw new SpeechError(`espeak-ng failed to render: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    } finally {
      if (folder !== undefined) await rm(folder, { recursive: true, force: true }).catch(() => undefined);
    }
    try {
      return decodeWav(withRealSizes(output));
    } catch (error) {
      throw new SpeechError('espeak-ng wrote something that is not a WAV file', { cause: error });
    }
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

/** `body` as a document of its own: the `<speak>` start tag `root`, then `wrappers` (outermost first) around it. */
function wrappedDocument(root: string, wrappers: readonly SsmlElement[], body: string): string {
  const open = wrappers.map((wrapper) => wrapper.startTag).join('');
  const close = wrappers.map((wrapper) => `</${wrapper.name}>`).reverse().join('');
  return `${root}${open}${body}${close}</speak>`;
}

/** An utterance as a document of its own, inside the same `<speak>` and wrappers it had. */
function utteranceDocument(root: string, utterance: Utterance): string {
  return wrappedDocument(root, utterance.wrappers, utterance.source);
}

/**
 * Utterances that share their wrappers (the same `<p>`, not only an equal start
 * tag), in runs of at most {@link MAX_PARAGRAPH}, in document order.
 */
function paragraphs(utterances: readonly Utterance[]): Utterance[][] {
  const runs: Utterance[][] = [];
  const sameWrappers = (a: Utterance, b: Utterance): boolean => a.wrappers.length === b.wrappers.length && a.wrappers.every((wrapper, i) => wrapper === b.wrappers[i]);
  for (const utterance of utterances) {
    const last = runs.at(-1);
    if (last !== undefined && last.length < MAX_PARAGRAPH && sameWrappers(last[0]!, utterance)) last.push(utterance);
    else runs.push([utterance]);
  }
  return runs;
}

/** The sentences of a paragraph as one document, a separator between each two. */
function paragraphDocument(root: string, separator: string, paragraph: readonly Utterance[]): string {
  return wrappedDocument(root, paragraph[0]?.wrappers ?? [], paragraph.map((utterance) => utterance.source).join(separator));
}

/** What the cutting needs to know of a voice, speed and wrapping, in samples. */
interface Calibration {
  /** The silence between the calibration pair with a separator between them. */
  readonly separated: number;
  /** The silence between the same pair as eSpeak says it, with no separator. */
  readonly natural: number;
  /** Silences at least this long are separators: well above any pause eSpeak makes itself. */
  readonly threshold: number;
}

/**
 * Runs of exact digital silence of at least `minimum` samples, strictly inside
 * `samples`: [start, end). Looks at every (minimum / 2)th sample and widens only
 * where it finds a zero: a run that long always holds one of the samples looked
 * at, and the sound between is skipped (scanning every sample cost 200 ms for
 * the pack).
 */
export function innerSilences(samples: Int16Array, minimum: number): [number, number][] {
  const runs: [number, number][] = [];
  const stride = Math.max(1, Math.floor(minimum / 2));
  let lead = 0;
  while (lead < samples.length && samples[lead] === 0) lead++;
  let i = lead;
  while (i < samples.length) {
    if (samples[i] !== 0) {
      i += stride;
      continue;
    }
    let start = i;
    while (start > lead && samples[start - 1] === 0) start--;
    let end = i;
    while (end < samples.length && samples[end] === 0) end++;
    if (end < samples.length && end - start >= minimum) runs.push([start, end]);
    i = end + stride;
  }
  return runs;
}

/**
 * Measures the calibration pair: the longest silence inside each render is the
 * one between its two sentences (the sentence is one short word). Undefined if
 * the separator did not make a silence clearly longer than eSpeak's own pause.
 */
function calibrate(natural: RenderedUtterance, separated: RenderedUtterance): Calibration | undefined {
  const longest = (samples: Int16Array): number => Math.max(0, ...innerSilences(samples, 1).map(([start, end]) => end - start));
  const pause = longest(natural.samples);
  const separator = longest(separated.samples);
  if (natural.sampleRate !== separated.sampleRate || pause === 0 || separator < 2 * pause) return undefined;
  return { separated: separator, natural: pause, threshold: Math.ceil((separator + pause) / 2) };
}

/**
 * Cuts a paragraph's render at its separators into one render per sentence,
 * each followed by the pause eSpeak would have made there: the silence the
 * separator left, less the separator, plus the pause. The last keeps the
 * silence it ends with. Undefined unless there are exactly `count - 1`
 * separators and every sentence has sound.
 */
function cutAtSeparators(whole: RenderedUtterance, count: number, calibration: Calibration): RenderedUtterance[] | undefined {
  const { samples, sampleRate } = whole;
  const separators = innerSilences(samples, calibration.threshold);
  if (separators.length !== count - 1) return undefined;
  const cut: RenderedUtterance[] = [];
  let from = 0;
  for (const [start, end] of separators) {
    if (start <= from) return undefined;
    const pause = Math.max(0, end - start - calibration.separated + calibration.natural);
    // Views, not copies: the paragraph's samples are laid together once, by assemble.
    cut.push({ sampleRate, samples: samples.subarray(from, start), silenceAfter: pause });
    from = end;
  }
  if (from >= samples.length) return undefined;
  cut.push({ sampleRate, samples: samples.subarray(from) });
  return cut;
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
      const after = Math.round((render.silenceAfter ?? 0) / plan.speedUp);
      if (after > 0) {
        pieces.push(new Int16Array(after));
        length += after;
        trailing += after;
      }
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
