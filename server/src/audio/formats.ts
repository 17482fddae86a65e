/**
 * The audio formats a listener can ask for, and how each is made from PCM.
 */
import { encodeWav } from './wav.js';

export const AUDIO_FORMATS = ['mp3', 'opus', 'wav'] as const;
export type AudioFormat = (typeof AUDIO_FORMATS)[number];

export interface AudioEncoder {
  readonly format: AudioFormat;
  readonly contentType: string;
  /** File name extension, without the dot. */
  readonly extension: string;
  encode(samples: Int16Array, sampleRate: number): Promise<Buffer>;
}

/** WAV needs no encoder program: it is always available. */
export const wavEncoder: AudioEncoder = {
  format: 'wav',
  contentType: 'audio/wav',
  extension: 'wav',
  encode: async (samples, sampleRate) => encodeWav(samples, sampleRate),
};
