/**
 * MP3 encoding with LAME compiled to WebAssembly (`wasm-media-encoders`):
 * no program to install, so MP3 is always available.
 *
 * eSpeak renders 22 050 Hz mono, which MP3 carries as MPEG-2 Layer III
 * without resampling; 48 kb/s constant bit rate is clear for speech and
 * about 360 kB a minute.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createMp3Encoder, type WasmMediaEncoder } from 'wasm-media-encoders';
import { EncoderError } from './encoder-error.js';

/** Sample rates an MP3 frame can declare, with the MPEG version that carries them. */
const MPEG_VERSION_OF_RATE: ReadonlyMap<number, 1 | 2 | 2.5> = new Map([
  [32_000, 1],
  [44_100, 1],
  [48_000, 1],
  [16_000, 2],
  [22_050, 2],
  [24_000, 2],
  [8_000, 2.5],
  [11_025, 2.5],
  [12_000, 2.5],
]);
/** Layer III bit rates in kb/s: MPEG-1, and MPEG-2/2.5 (which stop at 160). */
const MPEG1_KBPS = [32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320] as const;
const MPEG2_KBPS = [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160] as const;
/** The bit rates the wasm build of LAME accepts (wasm-media-encoders' Mp3CbrValues: no 56 or 144). */
const LAME_KBPS = [8, 16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320] as const;
type Mp3Kbps = (typeof LAME_KBPS)[number];
type Mp3Rate = 8000 | 11025 | 12000 | 16000 | 22050 | 24000 | 32000 | 44100 | 48000;

/** The default bit rate: speech at 22 050 Hz stays clear, at about 360 kB a minute. */
export const DEFAULT_MP3_KBPS = 48;

export interface Mp3Options {
  /** Constant bit rate in kb/s; must suit the sample rate's MPEG version. Default 48. */
  readonly kbps?: number;
}

/** Samples handed to LAME per call: about 6 s at 22 050 Hz, so the event loop gets a turn that often. */
const CHUNK = 1 << 17;

// One encoder for the process: compiling and instantiating the module is the slow part, and configure() resets it.
let encoder: Promise<WasmMediaEncoder<'audio/mpeg'>> | undefined;
// The encoder has one state, so encodes take turns.
let queue: Promise<unknown> = Promise.resolve();

function loadEncoder(): Promise<WasmMediaEncoder<'audio/mpeg'>> {
  encoder ??= createMp3Encoder().catch((error: unknown) => {
    encoder = undefined;
    throw new EncoderError('the MP3 encoder (LAME as WebAssembly) could not be loaded', { cause: error });
  });
  return encoder;
}

/**
 * Encodes mono 16-bit PCM to a constant-bit-rate MP3 (no ID3 tag).
 * At a sample rate MP3 can carry, the output keeps it; other rates are
 * resampled by LAME. Encodes run one at a time and yield to the event loop
 * between chunks.
 * @throws EncoderError for a bit rate the sample rate's MPEG version lacks, or a failing encoder.
 */
export function encodeMp3(samples: Int16Array, sampleRate: number, options: Mp3Options = {}): Promise<Buffer> {
  const kbps = options.kbps ?? DEFAULT_MP3_KBPS;
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) return Promise.reject(new EncoderError(`sample rate ${sampleRate} must be a positive integer`));
  const version = MPEG_VERSION_OF_RATE.get(sampleRate);
  // Without a known version LAME resamples to a rate of its choosing, so any of its bit rates may do.
  const allowed: readonly number[] = version === 1 ? MPEG1_KBPS : version === undefined ? LAME_KBPS : MPEG2_KBPS;
  if (!allowed.includes(kbps) || !(LAME_KBPS as readonly number[]).includes(kbps)) {
    return Promise.reject(new EncoderError(`${kbps} kb/s is not an MP3 bit rate for ${sampleRate} Hz; try ${DEFAULT_MP3_KBPS}`));
  }
  const run = queue.then(() => encodeNow(samples, sampleRate, kbps as Mp3Kbps, version === undefined ? undefined : (sampleRate as Mp3Rate)));
  queue = run.catch(() => undefined);
  return run;
}

async function encodeNow(samples: Int16Array, sampleRate: number, kbps: Mp3Kbps, outputSampleRate: Mp3Rate | undefined): Promise<Buffer> {
  const lame = await loadEncoder();
  const parts: Buffer[] = [];
  try {
    lame.configure({ sampleRate, channels: 1, bitrate: kbps, ...(outputSampleRate === undefined ? {} : { outputSampleRate }) });
    const floats = new Float32Array(Math.min(CHUNK, samples.length));
    for (let start = 0; start < samples.length; start += CHUNK) {
      const end = Math.min(samples.length, start + CHUNK);
      const block = floats.subarray(0, end - start);
      for (let i = start; i < end; i++) block[i - start] = samples[i]! / 32768;
      // The returned bytes belong to the encoder until its next call: copy them out.
      parts.push(Buffer.from(lame.encode([block])));
      if (end < samples.length) await nextTurn();
    }
    parts.push(Buffer.from(lame.finalize()));
  } catch (error) {
    throw error instanceof EncoderError ? error : new EncoderError('LAME failed to encode the MP3', { cause: error });
  }
  return Buffer.concat(parts);
}
