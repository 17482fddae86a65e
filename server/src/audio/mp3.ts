/**
 * MP3 encoding with LAME compiled to WebAssembly (`wasm-media-encoders`):
 * no program to install, so MP3 is always available.
 *
 * eSpeak renders 22 050 Hz mono, which MP3 carries as MPEG-2 Layer III
 * without resampling; 48 kb/s constant bit rate is clear for speech and
 * about 360 kB a minute.
 *
 * Gapless: LAME delays the sound by 576 samples and pads the end to a whole
 * frame, and a decoder adds 529 samples of its own, so an MP3 plays 50 ms
 * late at 22 050 Hz and a little long. The captions come from the PCM, so
 * every file starts with an "Info" frame carrying a LAME tag with the delay
 * and padding (the frame LAME's own command line writes), which decoders
 * that honour it (ffmpeg, and the browsers built on it) use to trim both
 * ends: the decoded audio is then the PCM, sample for sample in length.
 * Decoders that do not know the tag play the frame as 26 ms of silence.
 *
 * Encodes stream: {@link openMp3Stream} gives the bytes as the samples come,
 * so a listener can start before a long render ends. The Info frame can only
 * be written once the length is known, so a streamed copy goes without it
 * (ffmpeg ignores a tag that knows neither frames nor bytes, measured): it
 * plays 50 ms late; the stored file, which has it, does not.
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
/** Layer III bit rates in kb/s by header index 1..14: MPEG-1, and MPEG-2/2.5 (which stop at 160). */
const MPEG1_KBPS = [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320] as const;
const MPEG2_KBPS = [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160] as const;
/** The bit rates the wasm build of LAME accepts (wasm-media-encoders' Mp3CbrValues: no 56 or 144). */
const LAME_KBPS = [8, 16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320] as const;
type Mp3Kbps = (typeof LAME_KBPS)[number];
type Mp3Rate = 8000 | 11025 | 12000 | 16000 | 22050 | 24000 | 32000 | 44100 | 48000;
/** Sample rates by header index 0..2, per MPEG version. */
const RATES_OF_VERSION: Readonly<Record<'1' | '2' | '2.5', readonly number[]>> = {
  '1': [44_100, 48_000, 32_000],
  '2': [22_050, 24_000, 16_000],
  '2.5': [11_025, 12_000, 8_000],
};

/** The default bit rate: speech at 22 050 Hz stays clear, at about 360 kB a minute. */
export const DEFAULT_MP3_KBPS = 48;
/**
 * LAME's encoder delay (its ENCDELAY), in samples, at every rate. With the
 * decoder's 529 it makes the 1 105 samples an untagged file plays late
 * (measured with ffmpeg at 22 050 Hz).
 */
export const MP3_ENCODER_DELAY = 576;
/** A string the version says in the tag: decoders look for "LAME" to trust the delay fields. */
const TAG_ENCODER = 'LAME3.100';

export interface Mp3Options {
  /** Constant bit rate in kb/s; must suit the sample rate's MPEG version. Default 48. */
  readonly kbps?: number;
}

/** Samples handed to LAME per call: about 6 s at 22 050 Hz, so the event loop gets a turn that often. */
const CHUNK = 1 << 17;
/** LAME instances kept for reuse: compiling one costs 30 to 60 ms, configure() resets it. */
const POOL_LIMIT = 4;
const idle: WasmMediaEncoder<'audio/mpeg'>[] = [];

async function takeEncoder(): Promise<WasmMediaEncoder<'audio/mpeg'>> {
  const pooled = idle.pop();
  if (pooled !== undefined) return pooled;
  try {
    return await createMp3Encoder();
  } catch (error) {
    throw new EncoderError('the MP3 encoder (LAME as WebAssembly) could not be loaded', { cause: error });
  }
}

function giveBack(encoder: WasmMediaEncoder<'audio/mpeg'>): void {
  if (idle.length < POOL_LIMIT) idle.push(encoder);
}

/** An MP3 being made: bytes out as samples go in. */
export interface Mp3Stream {
  /** Encodes more samples; resolves with the bytes LAME released for them (often a little behind). */
  write(samples: Int16Array): Promise<Buffer>;
  /**
   * Flushes the encoder and gives it back. `tail` is the last bytes. `gapless`
   * is the Info frame that goes before all the others in a stored file: it
   * names the frame count, the length, LAME's delay and its padding. Empty at
   * a sample rate MP3 cannot carry (LAME resamples to a rate of its own).
   */
  end(): Promise<{ readonly tail: Buffer; readonly gapless: Buffer }>;
  /** Gives the encoder back unfinished, after a failure or an abort. Safe to call after `end`. */
  abandon(): void;
}

/**
 * The MPEG version that carries `sampleRate` (undefined: LAME will resample).
 * @throws EncoderError for a bit rate that version lacks.
 */
export function checkedKbps(sampleRate: number, kbps: number): 1 | 2 | 2.5 | undefined {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw new EncoderError(`sample rate ${sampleRate} must be a positive integer`);
  const version = MPEG_VERSION_OF_RATE.get(sampleRate);
  // Without a known version LAME resamples to a rate of its choosing, so any of its bit rates may do.
  const allowed: readonly number[] = version === 1 ? MPEG1_KBPS : version === undefined ? LAME_KBPS : MPEG2_KBPS;
  if (!allowed.includes(kbps) || !(LAME_KBPS as readonly number[]).includes(kbps)) {
    throw new EncoderError(`${kbps} kb/s is not an MP3 bit rate for ${sampleRate} Hz; try ${DEFAULT_MP3_KBPS}`);
  }
  return version;
}

/**
 * Starts an MP3 of mono 16-bit PCM at `sampleRate` (constant bit rate, no ID3
 * tag). At a sample rate MP3 can carry the output keeps it; other rates are
 * resampled by LAME. Each stream has its own LAME instance, so streams run side by side.
 * @throws EncoderError for a bit rate the sample rate's MPEG version lacks, or a failing encoder.
 */
export async function openMp3Stream(sampleRate: number, options: Mp3Options = {}): Promise<Mp3Stream> {
  const kbps = options.kbps ?? DEFAULT_MP3_KBPS;
  const version = checkedKbps(sampleRate, kbps);
  const lame = await takeEncoder();
  try {
    lame.configure({ sampleRate, channels: 1, bitrate: kbps as Mp3Kbps, ...(version === undefined ? {} : { outputSampleRate: sampleRate as Mp3Rate }) });
  } catch (error) {
    throw new EncoderError('LAME refused the MP3 settings', { cause: error });
  }
  const body: Buffer[] = [];
  let samplesIn = 0;
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    giveBack(lame);
  };
  const floats = new Float32Array(CHUNK);

  return {
    async write(samples) {
      if (released) throw new EncoderError('this MP3 stream is finished');
      const parts: Buffer[] = [];
      try {
        for (let start = 0; start < samples.length; start += CHUNK) {
          const end = Math.min(samples.length, start + CHUNK);
          const block = floats.subarray(0, end - start);
          for (let i = start; i < end; i++) block[i - start] = samples[i]! / 32768;
          // The returned bytes belong to the encoder until its next call: copy them out.
          parts.push(Buffer.from(lame.encode([block])));
          if (end < samples.length) await nextTurn();
        }
      } catch (error) {
        release();
        throw new EncoderError('LAME failed to encode the MP3', { cause: error });
      }
      samplesIn += samples.length;
      const out = Buffer.concat(parts);
      body.push(out);
      return out;
    },
    async end() {
      if (released) throw new EncoderError('this MP3 stream is finished');
      let tail: Buffer;
      try {
        tail = Buffer.from(lame.finalize());
      } catch (error) {
        throw new EncoderError('LAME failed to finish the MP3', { cause: error });
      } finally {
        release();
      }
      body.push(tail);
      return { tail, gapless: gaplessHeader(Buffer.concat(body), sampleRate, kbps, samplesIn) };
    },
    abandon: release,
  };
}

/**
 * Encodes mono 16-bit PCM to a constant-bit-rate MP3 with a gapless Info
 * frame that knows its length. Yields to the event loop between chunks.
 * @throws EncoderError for a bit rate the sample rate's MPEG version lacks, or a failing encoder.
 */
export async function encodeMp3(samples: Int16Array, sampleRate: number, options: Mp3Options = {}): Promise<Buffer> {
  const stream = await openMp3Stream(sampleRate, options);
  try {
    const body = await stream.write(samples);
    const { tail, gapless } = await stream.end();
    return Buffer.concat([gapless, body, tail]);
  } finally {
    stream.abandon();
  }
}

const samplesPerFrame = (version: 1 | 2 | 2.5): number => (version === 1 ? 1152 : 576);

/**
 * The gapless Info frame for `audio`, the frames LAME made from `samplesIn`
 * samples at `sampleRate` and `kbps` (with LAME's own delay, {@link MP3_ENCODER_DELAY}).
 * Empty at a sample rate MP3 cannot carry (LAME resampled to a rate of its own).
 * @throws EncoderError when `audio` is not a run of MP3 frames.
 */
export function gaplessHeader(audio: Buffer, sampleRate: number, kbps: number, samplesIn: number): Buffer {
  const version = MPEG_VERSION_OF_RATE.get(sampleRate);
  if (version === undefined) return Buffer.alloc(0);
  const frames = countFrames(audio);
  const padding = frames * samplesPerFrame(version) - MP3_ENCODER_DELAY - samplesIn;
  return infoFrame(version, sampleRate, kbps, { frames, audioBytes: audio.length, padding });
}

/** Bytes of a Layer III frame without padding (ISO/IEC 11172-3 and 13818-3). */
const frameBytes = (version: 1 | 2 | 2.5, sampleRate: number, kbps: number): number => Math.floor(((samplesPerFrame(version) / 8) * kbps * 1000) / sampleRate);

/** Counts the MPEG audio frames laid back to back in `mp3`, by walking their headers. */
export function countFrames(mp3: Buffer): number {
  let at = 0;
  let frames = 0;
  while (at + 4 <= mp3.length) {
    const size = frameSizeAt(mp3, at);
    if (size === undefined) throw new EncoderError(`LAME wrote something that is not an MP3 frame at byte ${at}`);
    at += size;
    frames++;
  }
  return frames;
}

function frameSizeAt(mp3: Buffer, at: number): number | undefined {
  const b1 = mp3[at + 1] ?? 0;
  const b2 = mp3[at + 2] ?? 0;
  if (mp3[at] !== 0xff || (b1 & 0xe0) !== 0xe0) return undefined;
  const version = ([2.5, undefined, 2, 1] as const)[(b1 >> 3) & 3];
  if (version === undefined) return undefined;
  const kbps = (version === 1 ? MPEG1_KBPS : MPEG2_KBPS)[(b2 >> 4) - 1];
  const sampleRate = RATES_OF_VERSION[version === 1 ? '1' : version === 2 ? '2' : '2.5'][(b2 >> 2) & 3];
  if (kbps === undefined || sampleRate === undefined) return undefined;
  return frameBytes(version, sampleRate, kbps) + ((b2 >> 1) & 1);
}

/** What the Info frame says about the audio after it. */
interface AudioLength {
  /** Audio frames after the Info frame. */
  readonly frames: number;
  /** Bytes of those frames. */
  readonly audioBytes: number;
  /** LAME's end padding: samples decoded past the input (it counts the decoder's delay in). */
  readonly padding: number;
}

/**
 * A Layer III frame of silence carrying the Xing "Info" header and LAME tag
 * (fields as LAME 3.100 writes them; ffmpeg's mp3dec.c reads the same), at
 * the stream's bit rate when the tag fits that frame, else the smallest rate
 * where it does.
 */
function infoFrame(version: 1 | 2 | 2.5, sampleRate: number, kbps: number, length: AudioLength): Buffer {
  const table: readonly number[] = version === 1 ? MPEG1_KBPS : MPEG2_KBPS;
  // Side information of a mono frame: 17 bytes in MPEG-1, 9 in MPEG-2 and 2.5.
  const tagAt = 4 + (version === 1 ? 17 : 9);
  // "Info", flags, frames, bytes, then the 36-byte LAME tag.
  const needed = tagAt + 16 + 36;
  const frameKbps = frameBytes(version, sampleRate, kbps) >= needed ? kbps : table.find((rate) => frameBytes(version, sampleRate, rate) >= needed);
  if (frameKbps === undefined) throw new EncoderError(`no MP3 frame at ${sampleRate} Hz can hold the gapless tag`);
  const frame = Buffer.alloc(frameBytes(version, sampleRate, frameKbps));
  const bytes = frame.length + length.audioBytes;
  const versionBits = version === 1 ? 3 : version === 2 ? 2 : 0;
  const rateIndex = RATES_OF_VERSION[version === 1 ? '1' : version === 2 ? '2' : '2.5'].indexOf(sampleRate);
  frame[0] = 0xff;
  // Sync, version, layer III (01), no CRC.
  frame[1] = 0xe0 | (versionBits << 3) | (1 << 1) | 1;
  frame[2] = ((table.indexOf(frameKbps) + 1) << 4) | (rateIndex << 2);
  // Mono (channel mode 11), original.
  frame[3] = (3 << 6) | (1 << 2);

  frame.write('Info', tagAt, 'ascii');
  // Flags: the frame count and the byte count follow.
  frame.writeUInt32BE(3, tagAt + 4);
  frame.writeUInt32BE(length.frames, tagAt + 8);
  frame.writeUInt32BE(bytes, tagAt + 12);
  const lame = tagAt + 16;
  frame.write(TAG_ENCODER, lame, 'ascii');
  // Tag revision 0, method 1: constant bit rate.
  frame[lame + 9] = 0x01;
  frame[lame + 20] = Math.min(255, kbps);
  // Delay and padding, 12 bits each.
  frame.writeUIntBE((MP3_ENCODER_DELAY << 12) | Math.max(0, Math.min(4095, length.padding)), lame + 21, 3);
  frame.writeUInt32BE(bytes, lame + 28);
  // CRC-16 of the frame up to the tag's own CRC field.
  frame.writeUInt16BE(crc16(frame.subarray(0, lame + 34)), lame + 34);
  return frame;
}

/** CRC-16/ARC (polynomial 0x8005 reflected), the LAME tag's checksum. */
function crc16(data: Buffer): number {
  let crc = 0;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}
