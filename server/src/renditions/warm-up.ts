/**
 * Warms the render cache in the background at start: every episode in its
 * default rendition, in catalog order, one at a time so listeners' own
 * requests are never queued behind a burst of warm-up renders.
 */
import type { AudioFormat } from '../audio/formats.js';
import type { Catalog } from '../catalog.js';
import type { Renditions } from './renditions.js';

export interface WarmUpProgress {
  readonly total: number;
  readonly done: number;
  readonly failed: number;
  readonly finished: boolean;
}

export interface WarmUp {
  progress(): WarmUpProgress;
  /** Resolves when every episode has been tried. */
  readonly finished: Promise<void>;
  /** Stops after the episode under way. */
  stop(): void;
}

export function warmUp(
  catalog: Catalog,
  renditions: Renditions,
  options: { formats: readonly AudioFormat[]; onError?: (episodeId: string, error: unknown) => void },
): WarmUp {
  const total = catalog.entries.length * options.formats.length;
  let done = 0;
  let failed = 0;
  let stopped = false;
  let finished = false;

  const run = async (): Promise<void> => {
    for (const entry of catalog.entries) {
      for (const format of options.formats) {
        if (stopped) return;
        try {
          await renditions.render({ narration: entry.narration, format, rate: 1 });
        } catch (error) {
          failed++;
          options.onError?.(entry.episode.id, error);
        }
        done++;
      }
    }
  };

  return {
    progress: () => ({ total, done, failed, finished }),
    finished: run().finally(() => {
      finished = true;
    }),
    stop: () => {
      stopped = true;
    },
  };
}
