/**
 * The espeak-ng processes every render shares: at most so many at once (a
 * FIFO of slots, so two long renders do not start twice as many processes),
 * each given one document and giving back its samples, its scratch folder
 * removed after it, and known until then so that closing can wait for them.
 */
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { decodeWav, withRealSizes } from '../../audio/wav.js';
import { ProgramError, runProgram } from '../../external-program.js';
import { isRunning } from '../../files.js';
import { InFlight } from '../../in-flight.js';
import { SpeechError } from '../engine.js';

/** One process's render: the samples of the document it was given. */
export interface ProcessRender {
  readonly sampleRate: number;
  readonly samples: Int16Array;
}

export interface ProcessPoolOptions {
  /** The program to run. */
  readonly program: string;
  /** Processes running at once, across all renders. */
  readonly size: number;
  /**
   * Where each process writes its WAV, in a folder of its own made for it,
   * or false for its stdout (see {@link ProcessPool.render}).
   */
  readonly scratchIn: string | false;
}

/** Scratch folders are named `<prefix><pid>-<6 random characters>`. */
const SCRATCH_PREFIX = 'atl-espeak-ng-';
const SCRATCH_FOLDER = /^atl-espeak-ng-(\d+)-[A-Za-z0-9]{6}$/;
/** The most one process's WAV may weigh: 256 MiB, about 100 minutes of speech, far beyond any paragraph. */
const MAX_WAV_BYTES = 256 * 1024 * 1024;

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

/** A FIFO of process slots. */
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

export class ProcessPool {
  readonly #program: string;
  readonly #scratchIn: string | false;
  readonly #slots: ProcessSlots;
  /** Processes' renders under way, each with its scratch folder: close waits for them to clean up. */
  readonly #rendering = new InFlight();
  #swept: Promise<void> | undefined;

  constructor(options: ProcessPoolOptions) {
    this.#program = options.program;
    this.#scratchIn = options.scratchIn;
    this.#slots = new ProcessSlots(options.size);
  }

  /**
   * One process, once a slot is free: `document` in, its WAV out. The program
   * writes the WAV to a file in a folder of its own (made for this render,
   * removed after), read back in one piece; without a folder for it, to
   * stdout. Why a file: on stdout the program writes 4 kB at a time, each
   * write a wake-up and a read here (about 10 000 for the pack) and the pieces
   * joined at the end; with the file, `npm run render` went from 276x to 290x
   * real time (median of 8 runs taken in turn, the data view in use in both).
   * `signal` aborting kills the process (or starts none); a SpeechError it
   * aborts with is what the render rejects with.
   */
  render(args: readonly string[], document: string, signal: AbortSignal): Promise<ProcessRender> {
    return this.#slots.run(() => this.#rendering.track(this.#renderOnce(args, document, signal)), signal);
  }

  /** Resolves once every process started so far has ended and its scratch folder is gone. */
  settled(): Promise<void> {
    return this.#rendering.settled();
  }

  async #renderOnce(args: readonly string[], document: string, signal: AbortSignal): Promise<ProcessRender> {
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
