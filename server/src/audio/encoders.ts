/**
 * The encoders this machine offers, as the renditions want them: MP3 always
 * (the `lame` program, or ffmpeg's LAME, when installed, else LAME as WebAssembly), Opus
 * when ffmpeg or opusenc is installed. WAV needs no encoder and is added by
 * the renditions themselves (formats.ts).
 */
import type { AudioEncoder, EncoderStream } from './formats.js';
import { DEFAULT_MP3_KBPS, encodeMp3, openMp3Stream } from './mp3.js';
import { MP3_PROGRAM_QUALITY, mp3ProgramAvailable, openProgramMp3Stream, type Mp3Program } from './mp3-program.js';
import { OPUS_CEILING_DBTP, normalizeLoudness } from './loudness-normalize.js';
import { DEFAULT_OPUS_KBPS, opusEncoder } from './opus.js';

/** MP3 at 48 kb/s mono (LAME as WebAssembly), streamed as it is encoded, with a gapless Info frame in the stored file. */
export const mp3Encoder: AudioEncoder = {
  format: 'mp3',
  contentType: 'audio/mpeg',
  extension: 'mp3',
  id: `mp3-${DEFAULT_MP3_KBPS}k-lame-wasm-gapless-1`,
  encode: (samples, sampleRate) => encodeMp3(samples, sampleRate),
  async openStream(sampleRate, onBytes) {
    const stream = await openMp3Stream(sampleRate);
    const pass = (bytes: Buffer): void => {
      if (bytes.length > 0) onBytes(bytes);
    };
    return {
      write: async (samples) => pass(await stream.write(samples)),
      end: async () => {
        const { tail, gapless } = await stream.end();
        pass(tail);
        return { header: gapless };
      },
      abandon: () => stream.abandon(),
    };
  },
};

/** All of an encoder stream's output for `samples`, stored-file header first. */
async function encodeWhole(open: (onBytes: (bytes: Buffer) => void) => EncoderStream, samples: Int16Array): Promise<Buffer> {
  const body: Buffer[] = [];
  const stream = open((bytes) => body.push(bytes));
  try {
    await stream.write(samples);
    const { header } = await stream.end();
    return Buffer.concat([header, ...body]);
  } finally {
    stream.abandon();
  }
}

/** How each program's files are named in the cache (ffmpeg's name predates the lame program's). */
const PROGRAM_IDS: Readonly<Record<Mp3Program, string>> = { lame: 'lame-cli', ffmpeg: 'lame-ffmpeg' };

/** MP3 at 48 kb/s mono through an installed LAME (`program`), streamed, with the same gapless Info frame in the stored file. */
function programMp3Encoder(program: Mp3Program): AudioEncoder {
  return {
    format: 'mp3',
    contentType: 'audio/mpeg',
    extension: 'mp3',
    id: `mp3-${DEFAULT_MP3_KBPS}k-${PROGRAM_IDS[program]}-q${MP3_PROGRAM_QUALITY}-gapless-1`,
    encode: (samples, sampleRate) => encodeWhole((onBytes) => openProgramMp3Stream(program, sampleRate, onBytes), samples),
    openStream: async (sampleRate, onBytes) => openProgramMp3Stream(program, sampleRate, onBytes),
  };
}

/** MP3 through the `lame` program (Debian: apt-get install lame). */
export const lameMp3Encoder: AudioEncoder = programMp3Encoder('lame');
/** MP3 through ffmpeg's libmp3lame. */
export const ffmpegMp3Encoder: AudioEncoder = programMp3Encoder('ffmpeg');

/** The MP3 encoder this machine runs fastest: `lame`, else ffmpeg's LAME, else LAME as WebAssembly. */
export async function bestMp3Encoder(): Promise<AudioEncoder> {
  const [lame, ffmpeg] = await Promise.all([mp3ProgramAvailable('lame'), mp3ProgramAvailable('ffmpeg')]);
  return lame ? lameMp3Encoder : ffmpeg ? ffmpegMp3Encoder : mp3Encoder;
}

/** Ogg Opus at 32 kb/s mono; only listed by {@link availableEncoders} when a program can make it. */
export const opusAudioEncoder: AudioEncoder = {
  format: 'opus',
  contentType: 'audio/ogg; codecs=opus',
  extension: 'opus',
  id: `opus-${DEFAULT_OPUS_KBPS}k-celt-${OPUS_CEILING_DBTP}dbtp`,
  // libopus overshoots more than the master's ceiling allows for: its input is brought to the level under a lower one.
  encode: async (samples, sampleRate) => opusEncoder().encodeOpus((await normalizeLoudness(samples, sampleRate, { ceilingDbtp: OPUS_CEILING_DBTP })).samples, sampleRate),
};

/**
 * The encoders that work here: MP3 ({@link bestMp3Encoder}), plus Opus when
 * `ffmpeg` (with libopus) or `opusenc` is on the PATH.
 */
export async function availableEncoders(): Promise<readonly AudioEncoder[]> {
  const [opus, mp3] = await Promise.all([opusEncoder().detect(), bestMp3Encoder()]);
  return opus === undefined ? [mp3] : [mp3, opusAudioEncoder];
}
