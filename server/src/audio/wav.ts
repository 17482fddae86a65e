/**
 * RIFF/WAVE encoding and decoding for mono 16-bit PCM, the format every
 * speech engine here produces and every browser plays.
 */

import { endianness } from 'node:os';

const RIFF_HEADER_BYTES = 12;
/** WAV is little-endian; on a little-endian host samples can be copied as bytes instead of one by one. */
const HOST_IS_LITTLE_ENDIAN = endianness() === 'LE';
const CHUNK_HEADER_BYTES = 8;
const PCM_FORMAT = 1;
/** WAVE_FORMAT_EXTENSIBLE: some tools write it even for plain PCM; the real tag is then in the sub-format GUID. */
const EXTENSIBLE_FORMAT = 0xfffe;

/**
 * Encodes mono signed 16-bit samples as a canonical 44-byte-header WAV file.
 * @param samples Mono PCM, one Int16 per sample.
 * @param sampleRate Samples per second, a positive integer (e.g. 22050).
 * @returns The whole file: RIFF header, `fmt ` chunk, `data` chunk (little-endian).
 * @throws RangeError if the sample rate is not a positive integer or the data would exceed 4 GiB.
 */
export function encodeWav(samples: Int16Array, sampleRate: number): Buffer {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw new RangeError(`sample rate ${sampleRate} must be a positive integer`);
  const dataBytes = samples.length * 2;
  // RIFF sizes are 32-bit; 36 bytes of header follow the size field.
  if (dataBytes + 36 > 0xffffffff) throw new RangeError(`${samples.length} samples are too many for a WAV file`);

  const out = Buffer.alloc(44 + dataBytes);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(PCM_FORMAT, 20);
  out.writeUInt16LE(1, 22); // channels
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * 2, 28); // byte rate
  out.writeUInt16LE(2, 32); // block align
  out.writeUInt16LE(16, 34); // bits per sample
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(dataBytes, 40);
  if (HOST_IS_LITTLE_ENDIAN) Buffer.from(samples.buffer, samples.byteOffset, dataBytes).copy(out, 44);
  else for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i] ?? 0, 44 + 2 * i);
  return out;
}

/**
 * Decodes a mono 16-bit PCM WAV file (as written by {@link encodeWav} or by
 * common tools: extra chunks such as LIST are skipped, WAVE_FORMAT_EXTENSIBLE
 * is accepted when it holds PCM).
 * @returns The sample rate and a fresh Int16Array (not a view of `buf`).
 * @throws Error naming what is wrong when the file is not RIFF/WAVE, is
 *   truncated, lacks a `fmt ` or `data` chunk, or is not mono 16-bit PCM.
 */
export function decodeWav(buf: Buffer): { sampleRate: number; samples: Int16Array } {
  if (buf.length < RIFF_HEADER_BYTES) throw new Error(`not a WAV file: ${buf.length} bytes is shorter than a RIFF header`);
  if (buf.toString('ascii', 0, 4) !== 'RIFF') throw new Error('not a WAV file: missing "RIFF" signature');
  if (buf.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a WAV file: RIFF form type is not "WAVE"');

  let format: { sampleRate: number } | undefined;
  let offset = RIFF_HEADER_BYTES;
  while (offset + CHUNK_HEADER_BYTES <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + CHUNK_HEADER_BYTES;
    if (id === 'fmt ') {
      if (body + size > buf.length) throw new Error('malformed WAV: "fmt " chunk runs past the end of the file');
      format = readFormat(buf, body, size);
    } else if (id === 'data') {
      if (format === undefined) throw new Error('malformed WAV: "data" chunk comes before the "fmt " chunk');
      if (body + size > buf.length) {
        throw new Error(`malformed WAV: "data" chunk declares ${size} bytes but only ${buf.length - body} remain (truncated file?)`);
      }
      if (size % 2 !== 0) throw new Error(`malformed WAV: "data" chunk has ${size} bytes, not a whole number of 16-bit samples`);
      const samples = new Int16Array(size / 2);
      // Copy, never view: `buf` may be pooled, and the data offset may be odd (Int16Array views need alignment).
      if (HOST_IS_LITTLE_ENDIAN) buf.copy(Buffer.from(samples.buffer), 0, body, body + size);
      else for (let i = 0; i < samples.length; i++) samples[i] = buf.readInt16LE(body + 2 * i);
      return { sampleRate: format.sampleRate, samples };
    }
    // Chunks are padded to an even length.
    offset = body + size + (size % 2);
  }
  throw new Error(format === undefined ? 'malformed WAV: no "fmt " chunk' : 'malformed WAV: no "data" chunk');
}

function readFormat(buf: Buffer, at: number, size: number): { sampleRate: number } {
  if (size < 16) throw new Error(`malformed WAV: "fmt " chunk is ${size} bytes, fewer than 16`);
  let tag = buf.readUInt16LE(at);
  const channels = buf.readUInt16LE(at + 2);
  const sampleRate = buf.readUInt32LE(at + 4);
  const bitsPerSample = buf.readUInt16LE(at + 14);
  if (tag === EXTENSIBLE_FORMAT && size >= 40) tag = buf.readUInt16LE(at + 24); // first two bytes of the sub-format GUID
  if (tag !== PCM_FORMAT) throw new Error(`unsupported WAV: format tag ${tag} is not PCM (1)`);
  if (channels !== 1) throw new Error(`unsupported WAV: ${channels} channels, only mono is supported`);
  if (bitsPerSample !== 16) throw new Error(`unsupported WAV: ${bitsPerSample}-bit samples, only 16-bit is supported`);
  if (sampleRate === 0) throw new Error('malformed WAV: sample rate is 0');
  return { sampleRate };
}

/**
 * A WAV written to a pipe before its writer knew the length (espeak-ng does
 * so even into a file) says its RIFF and `data` sizes are 0x7ffff000-ish.
 * Sets both to what actually arrived (whole samples only), in place, so
 * {@link decodeWav} accepts the file; anything else is returned as it is.
 */
export function withRealSizes(wav: Buffer): Buffer {
  if (wav.length < RIFF_HEADER_BYTES || wav.toString('ascii', 0, 4) !== 'RIFF') return wav;
  let offset = RIFF_HEADER_BYTES;
  while (offset + CHUNK_HEADER_BYTES <= wav.length) {
    const id = wav.toString('ascii', offset, offset + 4);
    const size = wav.readUInt32LE(offset + 4);
    if (id === 'data') {
      const available = wav.length - offset - CHUNK_HEADER_BYTES;
      const real = Math.min(size, available - (available % 2));
      wav.writeUInt32LE(real, offset + 4);
      wav.writeUInt32LE(offset + real, 4);
      return wav.subarray(0, offset + CHUNK_HEADER_BYTES + real);
    }
    offset += CHUNK_HEADER_BYTES + size + (size % 2);
  }
  return wav;
}
