/**
 * Three seconds of real speech for the encoder tests, rendered once per test
 * file (each runs in its own process) by the embedded eSpeak NG engine (the one engine every machine has).
 */
import { createEmbeddedEngine } from '../../../server/src/speech/embedded/embedded-engine.js';

export const SAMPLE_SECONDS = 3;

let rendered: Promise<{ samples: Int16Array; sampleRate: number }> | undefined;

/** Mono 16-bit speech at 22 050 Hz, exactly {@link SAMPLE_SECONDS} long; rendered once per test file. */
export function threeSecondsOfSpeech(): Promise<{ samples: Int16Array; sampleRate: number }> {
  rendered ??= render();
  return rendered;
}

async function render(): Promise<{ samples: Int16Array; sampleRate: number }> {
  const engine = createEmbeddedEngine();
  try {
    const { samples, sampleRate } = await engine.synthesize(
      '<speak><s>Marie-Laure reads the model of the town with her fingers, street by street, until she knows the way home.</s></speak>',
    );
    const wanted = SAMPLE_SECONDS * sampleRate;
    if (samples.length < wanted) throw new Error(`the speech sample is only ${samples.length / sampleRate} s long`);
    return { samples: samples.slice(0, wanted), sampleRate };
  } finally {
    await engine.close();
  }
}
