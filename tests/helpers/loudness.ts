/**
 * Loudness as ffmpeg's `ebur128` filter measures it (ITU-R BS.1770: integrated
 * loudness, and true peak with its own oversampling to 192 kHz): the third-party
 * measure our audio is held to.
 */
import { expect } from 'vitest';
import { runProgram } from '../../server/src/external-program.js';
import { MAX_TRUE_PEAK_DBTP, TARGET_LUFS } from '../../server/src/audio/loudness-normalize.js';

export interface MeasuredLoudness {
  /** Integrated loudness, LUFS. */
  readonly integrated: number;
  /** True peak, dBTP. */
  readonly truePeak: number;
}

/** Measures an audio file (any format ffmpeg decodes) with `ebur128=peak=true` (its per-frame log at the verbose level, not shown: only the summary). */
export async function measureLoudness(file: string): Promise<MeasuredLoudness> {
  const { stderr } = await runProgram('ffmpeg', ['-hide_banner', '-nostats', '-nostdin', '-v', 'info', '-i', file, '-af', 'ebur128=peak=true:framelog=verbose', '-f', 'null', '-'], { timeoutMs: 120_000 });
  const summary = stderr.split('Summary:').at(-1) ?? '';
  const integrated = /I:\s+(-?[\d.]+|-inf) LUFS/.exec(summary)?.[1];
  const truePeak = /Peak:\s+(-?[\d.]+|-inf) dBFS/.exec(summary)?.[1];
  if (integrated === undefined || truePeak === undefined) throw new Error(`ffmpeg's ebur128 gave no summary for ${file}: ${summary.slice(0, 300)}`);
  const value = (text: string): number => (text === '-inf' ? Number.NEGATIVE_INFINITY : Number(text));
  return { integrated: value(integrated), truePeak: value(truePeak) };
}

/** Holds a measurement to the podcast norm: -16 LUFS ±1 integrated, true peak at most -1 dBTP. */
export function expectPodcastNorm(measured: MeasuredLoudness, what: string): void {
  expect(Math.abs(measured.integrated - TARGET_LUFS), `${what}: ${measured.integrated} LUFS`).toBeLessThanOrEqual(1);
  expect(measured.truePeak, `${what}: ${measured.truePeak} dBTP`).toBeLessThanOrEqual(MAX_TRUE_PEAK_DBTP);
}
