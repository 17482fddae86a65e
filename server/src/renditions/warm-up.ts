/**
 * Warms the render cache in the background at start, in two passes:
 * 1. the first chapter of every episode, so the first bytes of any episode a
 *    listener picks come from the cache at once (the rest renders while the
 *    first chapter plays);
 * 2. every episode whole, in each format asked for.
 * One render at a time, so listeners' own requests are never queued behind a
 * burst of warm-up renders; when the renderer is busy with listeners, the
 * warm-up waits its turn instead of failing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { AudioFormat } from '../audio/formats.js';
import type { Catalog } from '../catalog.js';
import { RenderBusy, type Renditions } from './renditions.js';

export interface WarmUpProgress {
  /** Renders planned: one first chapter per episode, then each episode in each format. */
  readonly total: number;
  readonly done: number;
  readonly failed: number;
  readonly finished: boolean;
}

export interface WarmUp {
  progress(): WarmUpProgress;
  /** Resolves when every render has been tried (or the warm-up was stopped). */
  readonly finished: Promise<void>;
  /** Stops: the render under way is abandoned (its engine work stops unless a listener wants it too). */
  stop(): void;
}

export interface WarmUpOptions {
  readonly formats: readonly AudioFormat[];
  /** Told about a render that failed; the episode will render when a listener asks. */
  readonly onError?: (episodeId: string, error: unknown) => void;
  /** How many times a render refused as busy is tried again before it counts as failed. Default 20. */
  readonly busyRetries?: number;
  /** Longest wait before trying a busy render again, in ms (Retry-After is followed up to this). Default 10 000. */
  readonly maxBusyWaitMs?: number;
}

export function warmUp(catalog: Catalog, renditions: Renditions, options: WarmUpOptions): WarmUp {
  const episodes = catalog.entries;
  const total = episodes.length * (1 + options.formats.length);
  const busyRetries = options.busyRetries ?? 20;
  const maxBusyWaitMs = options.maxBusyWaitMs ?? 10_000;
  const controller = new AbortController();
  const { signal } = controller;
  let done = 0;
  let failed = 0;
  let finished = false;

  /** Runs one render, waiting and trying again while the renderer is busy with listeners. */
  const attempt = async (episodeId: string, work: () => Promise<unknown>): Promise<void> => {
    for (let tries = 0; !signal.aborted; tries++) {
      try {
        await work();
        done++;
        return;
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof RenderBusy && tries < busyRetries) {
          await sleep(Math.min(maxBusyWaitMs, error.retryAfterSeconds * 1000), undefined, { signal }).catch(() => undefined);
          continue;
        }
        done++;
        failed++;
        options.onError?.(episodeId, error);
        return;
      }
    }
  };

  const run = async (): Promise<void> => {
    for (const entry of episodes) {
      const first = entry.narration.chapters[0];
      if (first === undefined) {
        done++;
        continue;
      }
      await attempt(entry.episode.id, () => renditions.renderChapter({ narration: entry.narration, rate: 1 }, first.id, { signal }));
    }
    for (const entry of episodes) {
      for (const format of options.formats) {
        await attempt(entry.episode.id, () => renditions.render({ narration: entry.narration, format, rate: 1 }, { signal }));
      }
    }
  };

  return {
    progress: () => ({ total, done, failed, finished }),
    finished: run().finally(() => {
      finished = true;
    }),
    stop: () => controller.abort(new Error('the warm-up was stopped')),
  };
}
