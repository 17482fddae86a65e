/**
 * Test helpers for programs some tests need on the PATH. A missing program
 * fails the test with the package to install (CI installs them in .ci/run):
 * a test is never skipped silently.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runProgram } from '../../../server/src/external-program.js';

/** Debian packages that provide the programs these tests run. */
const PACKAGES: Readonly<Record<string, string>> = {
  'espeak-ng': 'espeak-ng',
  ffmpeg: 'ffmpeg',
  lame: 'lame',
  opusenc: 'opus-tools',
  festival: 'festival',
  flite: 'flite',
};

/**
 * Resolves when `command` runs; otherwise throws an Error saying what to install.
 * @param versionArgs Arguments that make the program print its version and exit 0.
 */
export async function requireProgram(command: string, versionArgs: readonly string[] = ['--version']): Promise<void> {
  try {
    await runProgram(command, versionArgs, { timeoutMs: 15_000 });
  } catch (error) {
    const pkg = PACKAGES[command] ?? command;
    throw new Error(`${command} is needed by this test but cannot be run: install it with "apt-get install -y ${pkg}" (.ci/run installs it)`, { cause: error });
  }
}

/**
 * Decodes any audio file ffmpeg reads to mono 16-bit PCM at `sampleRate`.
 * From a file, not a pipe, as a player reads it: ffmpeg trims an MP3's end
 * padding (from its Info frame) only when it can seek (measured: through a
 * pipe it keeps it, 176 samples more for a 2-second file).
 * @param file the file's bytes, or its path
 */
export async function decodeWithFfmpeg(file: Buffer | string, sampleRate: number): Promise<Int16Array> {
  await requireProgram('ffmpeg', ['-version']);
  let input = typeof file === 'string' ? file : undefined;
  const folder = input === undefined ? await mkdtemp(path.join(tmpdir(), 'atl-decode-')) : undefined;
  try {
    if (input === undefined && folder !== undefined) {
      input = path.join(folder, 'audio');
      await writeFile(input, file);
    }
    const { stdout } = await runProgram('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', input!, '-f', 's16le', '-ac', '1', '-ar', String(sampleRate), 'pipe:1'], {
      timeoutMs: 60_000,
    });
    const samples = new Int16Array(Math.floor(stdout.length / 2));
    Buffer.from(samples.buffer).set(stdout.subarray(0, samples.length * 2));
    return samples;
  } finally {
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  }
}
