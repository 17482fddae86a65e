/**
 * MP3 through ffmpeg's libmp3lame, when ffmpeg is installed: the same LAME,
 * native rather than WebAssembly, in a process of its own, so encoding runs
 * on another core beside the render and the event loop stays free.
 *
 * Measured (a 3-minute episode, on a loaded 2-core machine, CPU time):
 * WebAssembly LAME 1.4 to 1.8 s; ffmpeg's LAME 1.09 s at its default
 * quality, 0.66 s at quality 7 ("fast, ok quality" in LAME's words), which
 * is what this uses: at 48 kb/s mono speech the psychoacoustic search of the
 * higher qualities buys little.
 *
 * The bytes are plain MP3 frames (no ID3, no Xing frame of ffmpeg's, which a
 * pipe cannot rewrite at the end); the stored file gets the same gapless Info
 * frame as the WebAssembly encoder's (./mp3.ts), since it is the same LAME
 * with the same delay.
 */
import { endianness } from 'node:os';
import { EncoderError } from './encoder-error.js';
import { ProgramError, runProgram, startProgram } from './external-program.js';
import type { EncoderStream } from './formats.js';
import { DEFAULT_MP3_KBPS, checkedKbps, gaplessHeader } from './mp3.js';

/** LAME's quality setting (0 best and slowest, 9 fastest). */
export const FFMPEG_MP3_QUALITY = 7;
const PROBE_TIMEOUT_MS = 10_000;

let detected: Promise<boolean> | undefined;

/** Whether `ffmpeg` is on the PATH with its libmp3lame encoder. Looked up once. */
export function ffmpegMp3Available(): Promise<boolean> {
  detected ??= runProgram('ffmpeg', ['-hide_banner', '-encoders'], { timeoutMs: PROBE_TIMEOUT_MS }).then(
    ({ stdout }) => /\slibmp3lame\s/.test(stdout.toString('utf8')),
    () => false,
  );
  return detected;
}

/** The samples as little-endian bytes (a view on little-endian hosts, a copy otherwise). */
function littleEndianBytes(samples: Int16Array): Uint8Array {
  if (endianness() === 'LE') return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  const out = Buffer.alloc(samples.length * 2);
  samples.forEach((value, i) => out.writeInt16LE(value, i * 2));
  return out;
}

const wrap = (error: unknown): EncoderError =>
  error instanceof EncoderError ? error : new EncoderError(`ffmpeg failed to encode the MP3: ${error instanceof ProgramError ? error.message : String(error)}`, { cause: error });

/**
 * Starts an MP3 of mono 16-bit PCM at `sampleRate` in an ffmpeg process; its
 * bytes go to `onBytes` as ffmpeg writes them.
 * @throws EncoderError for a bit rate the sample rate cannot carry.
 */
export function openFfmpegMp3Stream(sampleRate: number, onBytes: (bytes: Buffer) => void, options: { readonly kbps?: number; readonly timeoutMs?: number } = {}): EncoderStream {
  const kbps = options.kbps ?? DEFAULT_MP3_KBPS;
  const version = checkedKbps(sampleRate, kbps);
  const body: Buffer[] = [];
  // prettier-ignore
  const program = startProgram('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    '-f', 's16le', '-ar', String(sampleRate), '-ac', '1', '-i', 'pipe:0',
    '-c:a', 'libmp3lame', '-b:a', `${kbps}k`, '-compression_level', String(FFMPEG_MP3_QUALITY),
    ...(version === undefined ? [] : ['-ar', String(sampleRate)]),
    '-write_xing', '0', '-id3v2_version', '0', '-map_metadata', '-1', '-flush_packets', '1', '-f', 'mp3', 'pipe:1',
  ], (bytes) => {
    body.push(bytes);
    onBytes(bytes);
  }, { timeoutMs: options.timeoutMs ?? 120_000 });
  let samplesIn = 0;
  let finished = false;
  return {
    async write(samples) {
      if (finished) throw new EncoderError('this MP3 stream is finished');
      try {
        await program.write(littleEndianBytes(samples));
      } catch (error) {
        finished = true;
        program.kill();
        throw wrap(error);
      }
      samplesIn += samples.length;
    },
    async end() {
      if (finished) throw new EncoderError('this MP3 stream is finished');
      finished = true;
      try {
        await program.end();
      } catch (error) {
        throw wrap(error);
      }
      return { header: gaplessHeader(Buffer.concat(body), sampleRate, kbps, samplesIn) };
    },
    abandon() {
      if (finished) return;
      finished = true;
      program.kill();
    },
  };
}
