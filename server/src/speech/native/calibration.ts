/**
 * What cutting a paragraph at its separators needs to know of a voice, speed
 * and wrapping: how long the separator's silence is as rendered, and eSpeak's
 * own pause between two sentences. Measured once on a pair of one-word
 * sentences, then remembered.
 */
import { innerSilences } from '../../audio/samples.js';
import type { SsmlElement } from '../ssml-outline.js';
import type { ProcessRender } from './process-pool.js';
import { wrappedDocument } from './sentence-cutting.js';

/** What the cutting needs to know of a voice, speed and wrapping, in samples. */
export interface Calibration {
  /** The silence between the calibration pair with a separator between them. */
  readonly separated: number;
  /** The silence between the same pair as eSpeak says it, with no separator. */
  readonly natural: number;
  /** Silences at least this long are separators: well above any pause eSpeak makes itself. */
  readonly threshold: number;
}

/** The pair {@link calibrate} measures: one word, so the longest silence inside is the pause between them. */
const CALIBRATION_SENTENCE = '<s>Ready.</s>';

/**
 * Measures the calibration pair: the longest silence inside each render is the
 * one between its two sentences (the sentence is one short word). Undefined if
 * the separator did not make a silence clearly longer than eSpeak's own pause.
 */
function calibrate(natural: ProcessRender, separated: ProcessRender): Calibration | undefined {
  const longest = (samples: Int16Array): number => Math.max(0, ...innerSilences(samples, 1).map(([start, end]) => end - start));
  const pause = longest(natural.samples);
  const separator = longest(separated.samples);
  if (natural.sampleRate !== separated.sampleRate || pause === 0 || separator < 2 * pause) return undefined;
  return { separated: separator, natural: pause, threshold: Math.ceil((separator + pause) / 2) };
}

/** Calibrations by program arguments, root, separator and wrappers. */
export class Calibrations {
  readonly #known = new Map<string, Promise<Calibration | undefined>>();

  /**
   * The separator and the pause as this voice, speed and wrapping render them:
   * measured once (each document of the pair through `render`), then
   * remembered. The measuring belongs to the render that started it (its
   * abort or timeout kills those processes too); a render that was waiting
   * for it when that render gave up measures again itself.
   */
  async of(
    args: readonly string[],
    root: string,
    separator: string,
    wrappers: readonly SsmlElement[],
    render: (document: string) => Promise<ProcessRender>,
    signal: AbortSignal,
  ): Promise<Calibration | undefined> {
    const key = [...args, root, separator, ...wrappers.map((wrapper) => wrapper.startTag)].join('\n');
    for (;;) {
      let calibration = this.#known.get(key);
      const mine = calibration === undefined;
      if (calibration === undefined) {
        const pair = (between: string): string => wrappedDocument(root, wrappers, `${CALIBRATION_SENTENCE}${between}${CALIBRATION_SENTENCE}`);
        const started: Promise<Calibration | undefined> = Promise.all([render(pair('')), render(pair(separator))]).then(([natural, separated]) => calibrate(natural, separated));
        calibration = started;
        this.#known.set(key, started);
        // A calibration cut short (an abort, a failed process) is tried again by the next render.
        started.catch(() => {
          if (this.#known.get(key) === started) this.#known.delete(key);
        });
      }
      try {
        return await calibration;
      } catch (error) {
        if (mine || signal.aborted) throw error;
      }
    }
  }
}
