/**
 * "Listening" without speakers: the native espeak-ng CLI prints the phonemes
 * it would say (`-x`), which is enough to hear "dot", a wrong accent or a
 * language that stuck. Tests that use it say why when it is not installed.
 */
import { spawnSync } from 'node:child_process';

/** Why eSpeak listening tests cannot run here, or undefined when they can. */
export function espeakUnavailableReason(): string | undefined {
  const probe = spawnSync('espeak-ng', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) return 'the espeak-ng command is not installed (apt-get install -y espeak-ng)';
  return undefined;
}

/** The phonemes espeak-ng would say for an SSML document, one clause per line, blank lines dropped. */
export function espeakPhonemes(ssml: string, voice = 'en-us'): string {
  const result = spawnSync('espeak-ng', ['-m', '-q', '-x', '-v', voice, '--stdin'], { input: ssml, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`espeak-ng failed: ${result.stderr}`);
  return result.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join('\n');
}

/** How eSpeak NG writes the word "dot" in its phoneme notation (en-us), with or without stress. */
export const SPOKEN_DOT = /d[',]?0t/;
