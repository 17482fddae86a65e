/**
 * Reads WAV files that other programs wrote, in the shapes they write:
 * macOS `say` exports 32-bit float (`--data-format=LEF32@32000`), Windows
 * SAPI exports 16-bit PCM that may be stereo, and some tools use
 * WAVE_FORMAT_EXTENSIBLE. Everything becomes mono signed 16-bit, the one
 * shape the rest of the project handles (see ./wav.ts).
 */

const PCM = 1;
const IEEE_FLOAT = 3;
const EXTENSIBLE = 0xfffe;

interface Format {
  readonly tag: number;
  readonly channels: number;
  readonly sampleRate: number;
  readonly bitsPerSample: number;
}

/**
 * Decodes 8/16/24/32-bit integer PCM or 32/64-bit float WAV, any channel
 * count, to mono 16-bit (channels averaged, values beyond full scale clipped).
 * A `data` size larger than the file (as programs streaming to a pipe write
 * it) is read as "to the end of the file".
 * @throws Error naming what is wrong when the file is not a WAV of those kinds.
 */
export function decodeForeignWav(buf: Buffer): { sampleRate: number; samples: Int16Array } {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a WAV file: missing RIFF/WAVE signature');
  }
  let format: Format | undefined;
  let offset = 12;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) throw new Error('malformed WAV: short "fmt " chunk');
      let tag = buf.readUInt16LE(body);
      if (tag === EXTENSIBLE && size >= 26) tag = buf.readUInt16LE(body + 24);
      format = { tag, channels: buf.readUInt16LE(body + 2), sampleRate: buf.readUInt32LE(body + 4), bitsPerSample: buf.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (format === undefined) throw new Error('malformed WAV: "data" comes before "fmt "');
      return { sampleRate: checked(format).sampleRate, samples: toMono16(buf.subarray(body, Math.min(buf.length, body + size)), format) };
    }
    offset = body + size + (size % 2);
  }
  throw new Error(format === undefined ? 'malformed WAV: no "fmt " chunk' : 'malformed WAV: no "data" chunk');
}

function checked(format: Format): Format {
  const { tag, channels, sampleRate, bitsPerSample } = format;
  if (channels < 1) throw new Error('malformed WAV: no channels');
  if (sampleRate < 1) throw new Error('malformed WAV: sample rate is 0');
  if (tag === PCM && [8, 16, 24, 32].includes(bitsPerSample)) return format;
  if (tag === IEEE_FLOAT && (bitsPerSample === 32 || bitsPerSample === 64)) return format;
  throw new Error(`unsupported WAV: format ${tag} with ${bitsPerSample}-bit samples`);
}

/** One sample as a number from -1 to 1. */
function reader(data: Buffer, format: Format): (at: number) => number {
  const { tag, bitsPerSample } = format;
  if (tag === IEEE_FLOAT) return bitsPerSample === 32 ? (at) => data.readFloatLE(at) : (at) => data.readDoubleLE(at);
  switch (bitsPerSample) {
    case 8:
      return (at) => (data.readUInt8(at) - 128) / 128;
    case 16:
      return (at) => data.readInt16LE(at) / 32768;
    case 24:
      return (at) => data.readIntLE(at, 3) / 8388608;
    default:
      return (at) => data.readInt32LE(at) / 2147483648;
  }
}

function toMono16(data: Buffer, format: Format): Int16Array {
  const bytes = format.bitsPerSample / 8;
  const frameBytes = bytes * format.channels;
  const frames = Math.floor(data.length / frameBytes);
  const read = reader(data, format);
  const out = new Int16Array(frames);
  for (let frame = 0; frame < frames; frame++) {
    let sum = 0;
    for (let channel = 0; channel < format.channels; channel++) sum += read(frame * frameBytes + channel * bytes);
    // Scaled by 32768 and clipped, so 16-bit input comes back unchanged; NaN (a broken float) becomes silence.
    const value = Math.round((sum / format.channels) * 32768);
    out[frame] = Number.isNaN(value) ? 0 : Math.max(-32768, Math.min(32767, value));
  }
  return out;
}
