import { beforeAll, describe, expect, test } from 'vitest';
import { createCatalog, type Catalog } from '../../../server/src/catalog.js';
import { loadContentPack } from '../../../server/src/content/load.js';
import { RenderBusy, type Renditions, type RenditionRequest } from '../../../server/src/renditions/renditions.js';
import { warmUp } from '../../../server/src/renditions/warm-up.js';
import { CONTENT_DIR } from '../../helpers/paths.js';

let catalog: Catalog;

beforeAll(async () => {
  catalog = createCatalog(await loadContentPack(CONTENT_DIR));
});

type Call = { readonly kind: 'chapter'; readonly episode: string; readonly chapter: string } | { readonly kind: 'episode'; readonly episode: string; readonly format: string };

/** Renditions that only record what the warm-up asks for; `answer` decides each call's outcome. */
function recorder(answer: (call: Call, index: number) => Promise<void> = async () => undefined): { renditions: Renditions; calls: Call[]; signals: (AbortSignal | undefined)[] } {
  const calls: Call[] = [];
  const signals: (AbortSignal | undefined)[] = [];
  const record = async (call: Call, signal: AbortSignal | undefined): Promise<void> => {
    calls.push(call);
    signals.push(signal);
    await answer(call, calls.length - 1);
  };
  const renditions = {
    formats: ['mp3', 'wav'],
    pendingRenders: 0,
    renderChapter: (request: Omit<RenditionRequest, 'format'>, chapter: string, options?: { signal?: AbortSignal }) =>
      record({ kind: 'chapter', episode: request.narration.episodeId, chapter }, options?.signal),
    render: async (request: RenditionRequest, options?: { signal?: AbortSignal }) => {
      await record({ kind: 'episode', episode: request.narration.episodeId, format: request.format }, options?.signal);
      return undefined as never;
    },
  } as unknown as Renditions;
  return { renditions, calls, signals };
}

describe('warmUp', () => {
  test('renders the first chapter of every episode first, then every episode whole', async () => {
    const { renditions, calls } = recorder();
    const warming = warmUp(catalog, renditions, { formats: ['mp3'] });
    await warming.finished;
    const episodes = catalog.entries.map((entry) => entry.episode.id);
    expect(calls).toEqual([
      ...catalog.entries.map((entry) => ({ kind: 'chapter', episode: entry.episode.id, chapter: entry.narration.chapters[0]!.id })),
      ...episodes.map((episode) => ({ kind: 'episode', episode, format: 'mp3' })),
    ]);
    expect(warming.progress()).toEqual({ total: episodes.length * 2, done: episodes.length * 2, failed: 0, finished: true });
  });

  test('waits its turn when the renderer is busy with listeners, and counts a real failure once', async () => {
    const errors: string[] = [];
    const { renditions, calls } = recorder(async (call, index) => {
      // The first two tries are refused as busy; one episode's render fails outright.
      if (index < 2) throw new RenderBusy(1);
      if (call.kind === 'episode' && call.episode === 'quick-facts') throw new Error('engine crashed');
    });
    const warming = warmUp(catalog, renditions, { formats: ['mp3'], maxBusyWaitMs: 5, onError: (episodeId, error) => errors.push(`${episodeId}: ${(error as Error).message}`) });
    await warming.finished;
    expect(calls.slice(0, 3).map((call) => call.episode)).toEqual(Array(3).fill(catalog.entries[0]!.episode.id));
    expect(errors).toEqual(['quick-facts: engine crashed']);
    expect(warming.progress()).toMatchObject({ done: catalog.entries.length * 2, failed: 1, finished: true });
  });

  test('gives up on a render refused as busy too many times', async () => {
    const { renditions } = recorder(async () => {
      throw new RenderBusy(1);
    });
    const warming = warmUp(catalog, renditions, { formats: ['mp3'], busyRetries: 2, maxBusyWaitMs: 1 });
    await warming.finished;
    expect(warming.progress().failed).toBe(catalog.entries.length * 2);
  });

  test('stop() abandons the render under way and starts no other', async () => {
    let started = 0;
    const { renditions, signals } = recorder(
      (_call, index) =>
        new Promise<void>((resolve, reject) => {
          started++;
          const signal = signals[index]!;
          signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
        }),
    );
    const warming = warmUp(catalog, renditions, { formats: ['mp3'] });
    await new Promise((resolve) => setImmediate(resolve));
    warming.stop();
    await warming.finished;
    expect(started).toBe(1);
    expect(signals[0]?.aborted).toBe(true);
    expect(warming.progress()).toMatchObject({ done: 0, failed: 0, finished: true });
  });
});
