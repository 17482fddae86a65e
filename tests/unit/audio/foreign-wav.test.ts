import { describe, test, expect } from 'vitest';
import { decodeForeignWav } from '../../../server/src/audio/foreign-wav.js';
import { encodeWav } from '../../../server/src/audio/wav.js';

/** A WAV file with any format tag, channel count and sample width, built by hand. */
function wav(options: { tag: number; channels: number; bits: number; rate: number; frames: number[][]; dataSize?: number }): Buffer {
  const { tag, channels, bits, rate, frames } = options;
  const bytes = bits / 8;
  const data = Buffer.alloc(frames.length * channels * bytes);
  frames.forEach((frame, f) =>
    frame.forEach((value, c) => {
      const at = (f * channels + c) * bytes;
      if (tag === 3 && bits === 32) data.writeFloatLE(value, at);
      else if (tag === 3) data.writeDoubleLE(value, at);
      else if (bits === 8) data.writeUInt8(Math.round(value * 127) + 128, at);
      else if (bits === 16) data.writeInt16LE(Math.round(value * 32767), at);
      else if (bits === 24) data.writeIntLE(Math.round(value * 8388607), at, 3);
      else data.writeInt32LE(Math.round(value * 2147483647), at);
    }),
  );
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(tag, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * channels * bytes, 28);
  header.writeUInt16LE(channels * bytes, 32);
  header.writeUInt16LE(bits, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(options.dataSize ?? data.length, 40);
  return Buffer.concat([header, data]);
}

describe('decodeForeignWav', () => {
  test.each([
    { name: '32-bit float mono, as macOS say writes it', tag: 3, bits: 32 },
    { name: '64-bit float', tag: 3, bits: 64 },
    { name: '8-bit PCM', tag: 1, bits: 8 },
    { name: '24-bit PCM', tag: 1, bits: 24 },
    { name: '32-bit PCM', tag: 1, bits: 32 },
  ])('reads $name', ({ tag, bits }) => {
    const decoded = decodeForeignWav(wav({ tag, bits, channels: 1, rate: 32000, frames: [[0], [0.5], [-0.5], [1]] }));
    expect(decoded.sampleRate).toBe(32000);
    const tolerance = bits === 8 ? 300 : 2;
    [0, 16383, -16383, 32767].forEach((expected, i) => expect(Math.abs(decoded.samples[i]! - expected)).toBeLessThanOrEqual(tolerance));
  });

  test('averages stereo to mono and clips floats beyond full scale', () => {
    const decoded = decodeForeignWav(wav({ tag: 3, bits: 32, channels: 2, rate: 22050, frames: [[0.5, -0.5], [0.5, 0.5], [3, 3]] }));
    expect(Array.from(decoded.samples)).toEqual([0, 16384, 32767]);
  });

  test('reads what our own encoder writes, and a data size left as a placeholder by a streaming program', () => {
    const samples = Int16Array.from([1, -2, 300, -32768]);
    expect(decodeForeignWav(encodeWav(samples, 22050)).samples).toEqual(samples);
    const streamed = wav({ tag: 1, bits: 16, channels: 1, rate: 22050, frames: [[0.25], [0.5]], dataSize: 0x7ffff000 });
    expect(decodeForeignWav(streamed).samples).toHaveLength(2);
  });

  test.each([
    { name: 'a file that is not RIFF', file: Buffer.from('OggS and more bytes'), message: /not a WAV/ },
    { name: 'A-law', file: wav({ tag: 6, bits: 8, channels: 1, rate: 8000, frames: [[0]] }), message: /unsupported WAV: format 6/ },
    { name: 'no data chunk', file: wav({ tag: 1, bits: 16, channels: 1, rate: 8000, frames: [] }).subarray(0, 36), message: /no "data" chunk/ },
  ])('refuses $name', ({ file, message }) => {
    expect(() => decodeForeignWav(file)).toThrow(message);
  });
});
