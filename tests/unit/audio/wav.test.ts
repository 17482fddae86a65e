import { describe, test, expect } from 'vitest';
import { decodeWav, encodeWav, withRealSizes } from '../../../server/src/audio/wav.js';

/** A hand-built WAV with the given format fields and data bytes, for malformed-input cases. */
function wavWith(options: { format?: number; channels?: number; bits?: number; rate?: number; data?: Buffer; dataSize?: number; extraChunk?: Buffer }): Buffer {
  const data = options.data ?? Buffer.alloc(4);
  const fmt = Buffer.alloc(24);
  fmt.write('fmt ', 0, 'ascii');
  fmt.writeUInt32LE(16, 4);
  fmt.writeUInt16LE(options.format ?? 1, 8);
  fmt.writeUInt16LE(options.channels ?? 1, 10);
  fmt.writeUInt32LE(options.rate ?? 22050, 12);
  fmt.writeUInt32LE((options.rate ?? 22050) * 2, 16);
  fmt.writeUInt16LE(2, 20);
  fmt.writeUInt16LE(options.bits ?? 16, 22);
  const dataHeader = Buffer.alloc(8);
  dataHeader.write('data', 0, 'ascii');
  dataHeader.writeUInt32LE(options.dataSize ?? data.length, 4);
  const body = Buffer.concat([Buffer.from('WAVE'), fmt, options.extraChunk ?? Buffer.alloc(0), dataHeader, data]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0, 'ascii');
  riff.writeUInt32LE(body.length, 4);
  return Buffer.concat([riff, body]);
}

describe('encodeWav / decodeWav', () => {
  test('round-trips samples, including the extremes, and the sample rate', () => {
    const samples = Int16Array.from({ length: 1001 }, (_, i) => Math.round(Math.sin(i / 7) * 30000));
    samples[0] = -32768;
    samples[1] = 32767;
    const wav = encodeWav(samples, 22050);
    expect(wav.length).toBe(44 + samples.length * 2);
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
    expect(wav.toString('ascii', 8, 16)).toBe('WAVEfmt ');
    expect(wav.readUInt32LE(24)).toBe(22050);
    const decoded = decodeWav(wav);
    expect(decoded.sampleRate).toBe(22050);
    expect(decoded.samples).toEqual(samples);
  });

  test('encodes a subarray view, not its whole backing buffer', () => {
    const backing = Int16Array.from([1, 2, 3, 4, 5, 6]);
    const decoded = decodeWav(encodeWav(backing.subarray(2, 4), 8000));
    expect(Array.from(decoded.samples)).toEqual([3, 4]);
  });

  test('round-trips an empty render', () => {
    const decoded = decodeWav(encodeWav(new Int16Array(0), 16000));
    expect(decoded).toEqual({ sampleRate: 16000, samples: new Int16Array(0) });
  });

  test('decodes from a Buffer at an odd byte offset', () => {
    const wav = encodeWav(Int16Array.from([-2, 700, 32000]), 44100);
    const shifted = Buffer.concat([Buffer.alloc(1), wav]).subarray(1);
    expect(Array.from(decodeWav(shifted).samples)).toEqual([-2, 700, 32000]);
  });

  test('skips unknown chunks, honouring odd-size padding', () => {
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc'), Buffer.alloc(1)]);
    const data = Buffer.alloc(4);
    data.writeInt16LE(-5, 0);
    data.writeInt16LE(9, 2);
    expect(Array.from(decodeWav(wavWith({ data, extraChunk: list })).samples)).toEqual([-5, 9]);
  });

  test('rejects an invalid sample rate when encoding', () => {
    expect(() => encodeWav(new Int16Array(1), 0)).toThrow(RangeError);
    expect(() => encodeWav(new Int16Array(1), 22050.5)).toThrow(RangeError);
  });

  describe('throws a clear Error on malformed input', () => {
    const cases: [string, Buffer, RegExp][] = [
      ['an empty buffer', Buffer.alloc(0), /shorter than a RIFF header/],
      ['a non-RIFF file', Buffer.from('ID3\u0004 this is an mp3, honest'), /missing "RIFF"/],
      ['a RIFF file that is not WAVE', Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('AVI LIST')]), /not "WAVE"/],
      ['a truncated data chunk', wavWith({ data: Buffer.alloc(4), dataSize: 4000 }), /truncated/],
      ['an odd data size', wavWith({ data: Buffer.alloc(3) }), /whole number of 16-bit samples/],
      ['stereo', wavWith({ channels: 2 }), /2 channels, only mono/],
      ['8-bit samples', wavWith({ bits: 8 }), /8-bit samples/],
      ['IEEE float', wavWith({ format: 3 }), /format tag 3 is not PCM/],
      ['a zero sample rate', wavWith({ rate: 0 }), /sample rate is 0/],
      ['no data chunk', encodeWav(new Int16Array(2), 8000).subarray(0, 36), /no "data" chunk/],
      ['a header only', Buffer.from('RIFF\u0000\u0000\u0000\u0000WAVE', 'latin1'), /no "fmt " chunk/],
    ];
    for (const [what, buffer, message] of cases) {
      test(what, () => {
        expect(() => decodeWav(buffer)).toThrow(message);
      });
    }

    test('a data chunk before the fmt chunk', () => {
      const wav = Buffer.concat([Buffer.from('RIFF'), Buffer.from([12, 0, 0, 0]), Buffer.from('WAVEdata'), Buffer.alloc(4)]);
      expect(() => decodeWav(wav)).toThrow(/before the "fmt " chunk/);
    });
  });
});

describe('withRealSizes', () => {
  /** A WAV as espeak-ng writes it to a pipe: the sizes say 0x7ffff000-ish whatever arrived. */
  const streamed = (samples: Int16Array, extraBytes = 0): Buffer => {
    const wav = Buffer.concat([encodeWav(samples, 22_050), Buffer.alloc(extraBytes, 7)]);
    wav.writeUInt32LE(0x7ffff024, 4);
    wav.writeUInt32LE(0x7ffff000, 40);
    return wav;
  };

  test('sets the RIFF and data sizes to the samples that arrived, so the strict decoder reads them', () => {
    const samples = Int16Array.from([1, -2, 3, -32768, 32767]);
    expect(() => decodeWav(streamed(samples))).toThrow(/declares/);
    const repaired = withRealSizes(streamed(samples));
    expect(repaired.readUInt32LE(4)).toBe(repaired.length - 8);
    expect(decodeWav(repaired).samples).toEqual(samples);
  });

  test('keeps whole samples only: a last odd byte is dropped', () => {
    const samples = Int16Array.from([5, 6, 7]);
    const repaired = withRealSizes(streamed(samples, 1));
    expect(decodeWav(repaired).samples).toEqual(samples);
  });

  test('leaves a correct WAV as it is, and anything that is not RIFF untouched', () => {
    const wav = encodeWav(Int16Array.from([1, 2]), 16_000);
    expect(withRealSizes(Buffer.from(wav)).equals(wav)).toBe(true);
    const text = Buffer.from('not a wav file at all');
    expect(withRealSizes(text)).toBe(text);
  });
});
