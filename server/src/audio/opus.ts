/**
 * Ogg Opus encoding through an installed program: `ffmpeg` (with libopus) or
 * `opusenc` (opus-tools). Opus is the smaller format (about 32 kb/s for
 * clear speech against MP3's 48) but has no WebAssembly encoder among our
 * dependencies, so it is offered only where one of those programs exists.
 *
 * Both get the PCM on stdin and write the Ogg file to stdout, run with an
 * argument array (never a shell).
 */
import { endianness } from 'node:os';
import { ProgramError, runProgram } from '../external-program.js';
import { EncoderError } from './encoder-error.js';

/** The programs that can make Ogg Opus, in the order they are preferred. */
export const OPUS_PROGRAMS = ['ffmpeg', 'opusenc'] as const;
export type OpusProgram = (typeof OPUS_PROGRAMS)[number];

/** The default bit rate: clear mono speech. */
export const DEFAULT_OPUS_KBPS = 32;

export interface OpusEncoderOptions {
  /** Programs to look for, in order of preference. Default {@link OPUS_PROGRAMS}. */
  readonly programs?: readonly OpusProgram[];
  /** Bit rate in kb/s, 6 to 256. Default 32. */
  readonly kbps?: number;
  /** Longest one encode may take, in ms. Default 120 000. */
  readonly timeoutMs?: number;
}

/** An Opus encoder bound to whichever program this machine has. */
export interface OpusEncoder {
  /** The program that will encode, or undefined when none is installed. Looked up once. */
  detect(): Promise<OpusProgram | undefined>;
  /**
   * Encodes mono 16-bit PCM to Ogg Opus.
   * @throws EncoderError naming what to install when no program is found, or with the program's error.
   */
  encodeOpus(samples: Int16Array, sampleRate: number, options?: { readonly signal?: AbortSignal }): Promise<Buffer>;
}

const PROBE_TIMEOUT_MS = 10_000;

/** Whether `program` is installed and can make Opus. */
async function usable(program: OpusProgram): Promise<boolean> {
  try {
    if (program === 'opusenc') {
      await runProgram('opusenc', ['--version'], { timeoutMs: PROBE_TIMEOUT_MS });
      return true;
    }
    // An ffmpeg built without libopus has only its experimental native encoder, which needs 48 kHz stereo tricks: not ours.
    const { stdout } = await runProgram('ffmpeg', ['-hide_banner', '-encoders'], { timeoutMs: PROBE_TIMEOUT_MS });
    return /\slibopus\s/.test(stdout.toString('utf8'));
  } catch {
    return false;
  }
}

/*
 * Opus's CELT mode (ffmpeg's `lowdelay`; opusenc's `--music`), with constrained VBR,
 * not SILK (`voip`, `--speech`): the podcast norm's true-peak ceiling is on the
 * decoded file (loudness-normalize.ts), and SILK's decoded speech peaked 2.3 to 4.4 dB
 * above its limited input, where ffmpeg's CELT at 32 kb/s peaked 2.4 to 2.6 dB above it,
 * steadily (measured on eSpeak speech at -4 dBTP: -1.4 dBTP). CELT's default VBR
 * spent 54 kb/s; constrained, 30 to 31.
 */
function encoderArguments(program: OpusProgram, sampleRate: number, kbps: number): string[] {
  if (program === 'opusenc') {
    // opusenc resamples to Opus's 48 kHz itself and records the input rate in the header.
    return ['--quiet', '--raw', '--raw-bits', '16', '--raw-rate', String(sampleRate), '--raw-chan', '1', '--raw-endianness', '0', '--bitrate', String(kbps), '--cvbr', '--music', '-', '-'];
  }
  // libopus takes only 8/12/16/24/48 kHz, so ffmpeg resamples to 48 kHz, the rate every Opus decoder plays at.
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    '-f', 's16le', '-ar', String(sampleRate), '-ac', '1', '-i', 'pipe:0',
    '-c:a', 'libopus', '-b:a', `${kbps}k`, '-application', 'lowdelay', '-vbr', 'constrained', '-ar', '48000',
    '-map_metadata', '-1', '-f', 'ogg', 'pipe:1',
  ];
}

/** The samples as little-endian bytes (a view on little-endian hosts, a copy otherwise). */
function littleEndianBytes(samples: Int16Array): Buffer {
  if (endianness() === 'LE') return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const out = Buffer.alloc(samples.length * 2);
  samples.forEach((value, i) => out.writeInt16LE(value, i * 2));
  return out;
}

class ProgramOpusEncoder implements OpusEncoder {
  readonly #programs: readonly OpusProgram[];
  readonly #kbps: number;
  readonly #timeoutMs: number;
  #detected: Promise<OpusProgram | undefined> | undefined;

  constructor(options: OpusEncoderOptions) {
    this.#programs = options.programs ?? OPUS_PROGRAMS;
    this.#kbps = options.kbps ?? DEFAULT_OPUS_KBPS;
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    if (!Number.isInteger(this.#kbps) || this.#kbps < 6 || this.#kbps > 256) throw new RangeError(`Opus bit rate ${this.#kbps} kb/s is outside 6 to 256`);
  }

  detect(): Promise<OpusProgram | undefined> {
    this.#detected ??= (async () => {
      for (const program of this.#programs) if (await usable(program)) return program;
      return undefined;
    })();
    return this.#detected;
  }

  async encodeOpus(samples: Int16Array, sampleRate: number, options: { readonly signal?: AbortSignal } = {}): Promise<Buffer> {
    if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw new EncoderError(`sample rate ${sampleRate} must be a positive integer`);
    const program = await this.detect();
    if (program === undefined) {
      throw new EncoderError(
        `Opus needs ${this.#programs.join(' or ')} on the PATH and none was found: install one (Debian/Ubuntu: apt-get install ffmpeg, or the much smaller opus-tools)`,
      );
    }
    try {
      const { stdout } = await runProgram(program, encoderArguments(program, sampleRate, this.#kbps), {
        input: littleEndianBytes(samples),
        timeoutMs: this.#timeoutMs,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      if (stdout.toString('ascii', 0, 4) !== 'OggS') throw new EncoderError(`${program} did not write an Ogg stream`);
      return stdout;
    } catch (error) {
      if (error instanceof EncoderError) throw error;
      const reason = error instanceof ProgramError ? error.message : String(error);
      throw new EncoderError(`${program} failed to encode Opus: ${reason}`, { cause: error });
    }
  }
}

let shared: OpusEncoder | undefined;

/**
 * The Opus encoder. Without options, one shared instance for the process, so
 * the PATH is searched once; with options, a new one (e.g. to pin a program).
 */
export function opusEncoder(options?: OpusEncoderOptions): OpusEncoder {
  if (options !== undefined) return new ProgramOpusEncoder(options);
  shared ??= new ProgramOpusEncoder({});
  return shared;
}
