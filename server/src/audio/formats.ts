/**
 * The audio formats a listener can ask for, and how each is made from PCM.
 */
import { encodeWav } from './wav.js';

export const AUDIO_FORMATS = ['mp3', 'opus', 'wav'] as const;
export type AudioFormat = (typeof AUDIO_FORMATS)[number];

/** An encode under way whose bytes go out as they are made (see {@link AudioEncoder.openStream}). */
export interface EncoderStream {
  /** Encodes more samples; their bytes go to the stream's `onBytes` as soon as the encoder gives them. */
  write(samples: Int16Array): Promise<void>;
  /**
   * Finishes: the last bytes go to `onBytes` before this resolves. `header`
   * goes before all the others in a stored file (bytes that can only be
   * written once the length is known, such as MP3's gapless Info frame), and may be empty.
   */
  end(): Promise<{ readonly header: Buffer }>;
  /** Stops without finishing, after a failure or an abort. Safe after `end`. */
  abandon(): void;
}

export interface AudioEncoder {
  readonly format: AudioFormat;
  readonly contentType: string;
  /** File name extension, without the dot. */
  readonly extension: string;
  /**
   * The encoder and its settings, e.g. `mp3-48k-lame-wasm-0.7.0-gapless`. Part
   * of the render cache key: a change of settings never serves an old file.
   */
  readonly id: string;
  encode(samples: Int16Array, sampleRate: number): Promise<Buffer>;
  /** Present when the encoder can stream: bytes go to `onBytes`, and on to a listener, before the render ends. */
  openStream?(sampleRate: number, onBytes: (bytes: Buffer) => void): Promise<EncoderStream>;
}

/** WAV needs no encoder program: it is always available. */
export const wavEncoder: AudioEncoder = {
  format: 'wav',
  contentType: 'audio/wav',
  extension: 'wav',
  id: 'wav-pcm16',
  encode: async (samples, sampleRate) => encodeWav(samples, sampleRate),
};
