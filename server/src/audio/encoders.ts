/**
 * The encoders this machine offers, as the renditions want them: MP3 always
 * (WebAssembly), Opus when ffmpeg or opusenc is installed. WAV needs no
 * encoder and is added by the renditions themselves (formats.ts).
 */
import type { AudioEncoder } from './formats.js';
import { encodeMp3 } from './mp3.js';
import { opusEncoder } from './opus.js';

/** MP3 at 48 kb/s mono. */
export const mp3Encoder: AudioEncoder = {
  format: 'mp3',
  contentType: 'audio/mpeg',
  extension: 'mp3',
  encode: (samples, sampleRate) => encodeMp3(samples, sampleRate),
};

/** Ogg Opus at 32 kb/s mono; only listed by {@link availableEncoders} when a program can make it. */
export const opusAudioEncoder: AudioEncoder = {
  format: 'opus',
  contentType: 'audio/ogg; codecs=opus',
  extension: 'opus',
  encode: (samples, sampleRate) => opusEncoder().encodeOpus(samples, sampleRate),
};

/** The encoders that work here: MP3, plus Opus when `ffmpeg` (with libopus) or `opusenc` is on the PATH. */
export async function availableEncoders(): Promise<readonly AudioEncoder[]> {
  const opus = await opusEncoder().detect();
  return opus === undefined ? [mp3Encoder] : [mp3Encoder, opusAudioEncoder];
}
