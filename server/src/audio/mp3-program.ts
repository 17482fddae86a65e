/**
 * MP3 through an installed LAME: the `lame` program, or ffmpeg's libmp3lame.
 * The same LAME as the WebAssembly encoder's, native rather than WebAssembly,
 * in a process of its own, so encoding runs on another core beside the render
 * and the event loop stays free.
 *
 * `lame` comes first when both are installed: it starts in about 10 ms, where
 * ffmpeg (which loads a hundred libraries) takes about 140 ms of CPU before it
 * encodes anything. That is paid once per episode encoded, so for the
 * pack with the native engine it was a fifth of all the encoding's CPU. The
 * two encode the same way: same library, same settings, same delay.
 *
 * Measured (a 3-minute episode, on a loaded 2-core machine, CPU time):
 * WebAssembly LAME 1.4 to 1.8 s; ffmpeg's LAME 1.09 s at its default
 * quality, 0.66 s at quality 7 ("fast, ok quality" in LAME's words), which
 * is what this uses: at 48 kb/s mono speech the psychoacoustic search of the
 * higher qualities buys little.
 *
 * The bytes are plain MP3 frames (no ID3, no Xing or LAME frame of the program's own, which a
 * pipe cannot rewrite at the end); the stored file gets the same gapless Info
 * frame as the WebAssembly encoder's (./mp3.ts), since it is the same LAME
 * with the same delay.
 */
import { endianness } from 'node:os';
import { EncoderError } from './encoder-error.js';
import { ProgramError, runProgram, startProgram } from '../external-program.js';
import type { EncoderStream } from './formats.js';
import { DEFAULT_MP3_KBPS, checkedKbps, gaplessHeader } from './mp3.js';

/** LAME's quality setting (0 best and slowest, 9 fastest). */
export const MP3_PROGRAM_QUALITY = 7;
const PROBE_TIMEOUT_MS = 10_000;

/** The programs that can run LAME for us, in order of preference. */
export type Mp3Program = 'lame' | 'ffmpeg';

const probes: Record<Mp3Program, { readonly args: readonly string[]; readonly works: RegExp }> = {
  lame: { args: ['--version'], works: /\bLAME\b/ },
  ffmpeg: { args: ['-hide_banner', '-encoders'], works: /\slibmp3lame\s/ },
};
const detected = new Map<Mp3Program, Promise<boolean>>();

/** Whether `program` is on the PATH and can encode MP3 (ffmpeg: with its libmp3lame encoder). Looked up once. */
export function mp3ProgramAvailable(program: Mp3Program): Promise<boolean> {
  let answer = detected.get(program);
  if (answer === undefined) {
    const { args, works } = probes[program];
    answer = runProgram(program, args, { timeoutMs: PROBE_TIMEOUT_MS }).then(
      ({ stdout }) => works.test(stdout.toString('utf8')),
      () => false,
    );
    detected.set(program, answer);
  }
  return answer;
}

/** The samples as little-endian bytes (a view on little-endian hosts, a copy otherwise). */
function littleEndianBytes(samples: Int16Array): Uint8Array {
  if (endianness() === 'LE') return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  const out = Buffer.alloc(samples.length * 2);
  samples.forEach((value, i) => out.writeInt16LE(value, i * 2));
  return out;
}

/**
 * The program's arguments for raw little-endian mono 16-bit PCM in on stdin and
 * MP3 frames out on stdout, at the input's own sample rate when it is an MP3 rate
 * (`forceRate`): no tags and no Xing or LAME frame, which a pipe cannot rewrite.
 */
function programArgs(program: Mp3Program, sampleRate: number, kbps: number, forceRate: boolean): string[] {
  if (program === 'lame') {
    const kHz = String(sampleRate / 1000);
    // `--noreplaygain`: the program measures ReplayGain by default, for the LAME frame we do not
    // write; that was 18% of its time. The MP3 bytes are the same either way.
    // prettier-ignore
    return [
      '--quiet', '-r', '-s', kHz, '--bitwidth', '16', '--signed', '--little-endian', '-m', 'm',
      '-b', String(kbps), '--cbr', '-q', String(MP3_PROGRAM_QUALITY), '-t', '--noreplaygain', ...(forceRate ? ['--resample', kHz] : []), '-', '-',
    ];
  }
  // prettier-ignore
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    '-f', 's16le', '-ar', String(sampleRate), '-ac', '1', '-i', 'pipe:0',
    '-c:a', 'libmp3lame', '-b:a', `${kbps}k`, '-compression_level', String(MP3_PROGRAM_QUALITY),
    ...(forceRate ? ['-ar', String(sampleRate)] : []),
    '-write_xing', '0', '-id3v2_version', '0', '-map_metadata', '-1', '-flush_packets', '1', '-f', 'mp3', 'pipe:1',
  ];
}

/**
 * Starts an MP3 of mono 16-bit PCM at `sampleRate` in a `program` process; its
 * bytes go to `onBytes` as the program writes them.
 * @throws EncoderError for a bit rate the sample rate cannot carry.
 */
export function openProgramMp3Stream(
  program: Mp3Program,
  sampleRate: number,
  onBytes: (bytes: Buffer) => void,
  options: { readonly kbps?: number; readonly timeoutMs?: number } = {},
): EncoderStream {
  const kbps = options.kbps ?? DEFAULT_MP3_KBPS;
  const version = checkedKbps(sampleRate, kbps);
  const wrap = (error: unknown): EncoderError =>
    error instanceof EncoderError ? error : new EncoderError(`${program} failed to encode the MP3: ${error instanceof ProgramError ? error.message : String(error)}`, { cause: error });
  const body: Buffer[] = [];
  const running = startProgram(program, programArgs(program, sampleRate, kbps, version !== undefined), (bytes) => {
    body.push(bytes);
    onBytes(bytes);
  }, { timeoutMs: options.timeoutMs ?? 120_000 });
  let samplesIn = 0;
  let finished = false;
  return {
    async write(samples) {
      if (finished) throw new EncoderError('this MP3 stream is finished');
      try {
        await running.write(littleEndianBytes(samples));
      } catch (error) {
        finished = true;
        running.kill();
        throw wrap(error);
      }
      samplesIn += samples.length;
    },
    async end() {
      if (finished) throw new EncoderError('this MP3 stream is finished');
      finished = true;
      try {
        await running.end();
      } catch (error) {
        throw wrap(error);
      }
      return { header: gaplessHeader(Buffer.concat(body), sampleRate, kbps, samplesIn) };
    },
    abandon() {
      if (finished) return;
      finished = true;
      running.kill();
    },
  };
}
