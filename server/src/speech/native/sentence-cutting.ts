/**
 * How the native engine renders a paragraph in one process and gets its
 * sentences back: the sentences of one paragraph go into one document with a
 * separator (a long `<break>`) between each two, and the render is cut at
 * those silences, each sentence followed by the pause eSpeak would have made
 * there (measured by ./calibration.ts). Why, and what was measured: see
 * ./espeak-ng-engine.ts.
 */
import { innerSilences } from '../../audio/samples.js';
import { ESPEAK_MAX_WPM } from '../espeak-params.js';
import type { SsmlElement, Utterance } from '../ssml-outline.js';
import type { Calibration } from './calibration.js';
import type { ProcessRender } from './process-pool.js';

/** One utterance, rendered. */
export interface RenderedUtterance extends ProcessRender {
  /** Samples of silence after `samples` that belong to it (a cut sentence's rebuilt pause), not yet made. */
  readonly silenceAfter?: number;
}

/** Sentences per process at most, so a long paragraph still renders on every core. */
const MAX_PARAGRAPH = 32;

/**
 * What goes between two sentences of a paragraph to cut them apart later: a
 * break well over twice the longest pause eSpeak makes itself at that speed
 * (its sentence pause is 1.55 s at its slowest, 80 wpm; 0.53 s at 175), and no
 * longer, since every millisecond of it is written, read and scanned: at a
 * fixed 6 s, scanning alone cost 200 ms for the pack.
 */
export function separatorFor(wordsPerMinute: number): string {
  // At its fastest eSpeak shortens breaks too (see the engine's notes), so the separator is not.
  const ms = wordsPerMinute >= ESPEAK_MAX_WPM ? 1800 : Math.round((1800 * 175) / wordsPerMinute);
  return `<break time='${ms}ms'/>`;
}

/** `body` as a document of its own: the `<speak>` start tag `root`, then `wrappers` (outermost first) around it. */
export function wrappedDocument(root: string, wrappers: readonly SsmlElement[], body: string): string {
  const open = wrappers.map((wrapper) => wrapper.startTag).join('');
  const close = wrappers.map((wrapper) => `</${wrapper.name}>`).reverse().join('');
  return `${root}${open}${body}${close}</speak>`;
}

/** An utterance as a document of its own, inside the same `<speak>` and wrappers it had. */
export function utteranceDocument(root: string, utterance: Utterance): string {
  return wrappedDocument(root, utterance.wrappers, utterance.source);
}

/**
 * Utterances that share their wrappers (the same `<p>`, not only an equal start
 * tag), in runs of at most {@link MAX_PARAGRAPH}, in document order.
 */
export function paragraphs(utterances: readonly Utterance[]): Utterance[][] {
  const runs: Utterance[][] = [];
  const sameWrappers = (a: Utterance, b: Utterance): boolean => a.wrappers.length === b.wrappers.length && a.wrappers.every((wrapper, i) => wrapper === b.wrappers[i]);
  for (const utterance of utterances) {
    const last = runs.at(-1);
    if (last !== undefined && last.length < MAX_PARAGRAPH && sameWrappers(last[0]!, utterance)) last.push(utterance);
    else runs.push([utterance]);
  }
  return runs;
}

/** The sentences of a paragraph as one document, a separator between each two. */
export function paragraphDocument(root: string, separator: string, paragraph: readonly Utterance[]): string {
  return wrappedDocument(root, paragraph[0]?.wrappers ?? [], paragraph.map((utterance) => utterance.source).join(separator));
}

/**
 * Cuts a paragraph's render at its separators into one render per sentence,
 * each followed by the pause eSpeak would have made there: the silence the
 * separator left, less the separator, plus the pause. The last keeps the
 * silence it ends with. Undefined unless there are exactly `count - 1`
 * separators and every sentence has sound.
 */
export function cutAtSeparators(whole: ProcessRender, count: number, calibration: Calibration): RenderedUtterance[] | undefined {
  const { samples, sampleRate } = whole;
  const separators = innerSilences(samples, calibration.threshold);
  if (separators.length !== count - 1) return undefined;
  const cut: RenderedUtterance[] = [];
  let from = 0;
  for (const [start, end] of separators) {
    if (start <= from) return undefined;
    const pause = Math.max(0, end - start - calibration.separated + calibration.natural);
    // Views, not copies: the paragraph's samples are laid together once, by the assembly.
    cut.push({ sampleRate, samples: samples.subarray(from, start), silenceAfter: pause });
    from = end;
  }
  if (from >= samples.length) return undefined;
  cut.push({ sampleRate, samples: samples.subarray(from) });
  return cut;
}
