/** The small parts the renditions are built from: the replay log, single flight, and the render slots. */
import { describe, expect, test } from 'vitest';
import { RenderAborted, RenderBusy } from '../../../server/src/renditions/render-errors.js';
import { RenderSlots } from '../../../server/src/renditions/render-slots.js';
import { ReplayLog } from '../../../server/src/renditions/replay-log.js';
import { SingleFlight } from '../../../server/src/renditions/single-flight.js';

const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ReplayLog', () => {
  test('a late reader gets everything from the first item, an early one waits for new items', async () => {
    const log = new ReplayLog<number>();
    log.push(1);
    const early = collect(log.read());
    await tick();
    log.push(2);
    const late = collect(log.read());
    log.push(3);
    log.end();
    log.push(4);
    expect(await early).toEqual([1, 2, 3]);
    expect(await late).toEqual([1, 2, 3]);
    expect(log.closed).toBe(true);
  });

  test('a failure reaches readers after the items, never as a quiet end', async () => {
    const log = new ReplayLog<number>();
    const seen: number[] = [];
    const reading = (async () => {
      for await (const item of log.read()) seen.push(item);
    })();
    log.push(1);
    log.fail(new Error('engine crashed'));
    log.end();
    await expect(reading).rejects.toThrow('engine crashed');
    expect(seen).toEqual([1]);
  });

  test('a reader whose signal aborts stops waiting', async () => {
    const log = new ReplayLog<number>();
    const controller = new AbortController();
    const reading = collect(log.read(controller.signal));
    await tick();
    controller.abort(new Error('listener left'));
    await expect(reading).rejects.toThrow('listener left');
  });
});

describe('SingleFlight', () => {
  const job = () => {
    let finish: (value: string) => void = () => undefined;
    let aborted: AbortSignal | undefined;
    const start = (signal: AbortSignal) => {
      aborted = signal;
      return { result: new Promise<string>((resolve) => (finish = resolve)) };
    };
    return { start, finish: (value: string) => finish(value), signal: () => aborted };
  };

  test('callers of one key share one job', async () => {
    const flights = new SingleFlight();
    const work = job();
    let starts = 0;
    const start = (signal: AbortSignal) => (starts++, work.start(signal));
    const a = flights.join('k', start).result;
    const b = flights.join('k', start).result;
    expect(flights.size).toBe(1);
    work.finish('done');
    expect(await Promise.all([a, b])).toEqual(['done', 'done']);
    expect(starts).toBe(1);
    expect(flights.size).toBe(0);
  });

  test('the job is aborted only when its last caller leaves, and a new caller then starts afresh', async () => {
    const flights = new SingleFlight();
    const work = job();
    const first = new AbortController();
    const second = new AbortController();
    const a = flights.join('k', work.start, first.signal).result;
    const b = flights.join('k', work.start, second.signal).result;
    first.abort();
    await expect(a).rejects.toBeInstanceOf(RenderAborted);
    expect(work.signal()?.aborted).toBe(false);
    second.abort();
    await expect(b).rejects.toBeInstanceOf(RenderAborted);
    expect(work.signal()?.aborted).toBe(true);
    const fresh = job();
    const c = flights.join('k', fresh.start).result;
    fresh.finish('again');
    expect(await c).toBe('again');
  });

  test('a caller without a signal keeps the job going', async () => {
    const flights = new SingleFlight();
    const work = job();
    const leaving = new AbortController();
    const stays = flights.join('k', work.start).result;
    const leaves = flights.join('k', work.start, leaving.signal).result;
    leaving.abort();
    await expect(leaves).rejects.toBeInstanceOf(RenderAborted);
    expect(work.signal()?.aborted).toBe(false);
    work.finish('kept');
    expect(await stays).toBe('kept');
  });

  test('an aborted signal starts nothing', () => {
    const flights = new SingleFlight();
    expect(() => flights.join('k', job().start, AbortSignal.abort())).toThrow(RenderAborted);
    expect(flights.size).toBe(0);
  });
});

describe('RenderSlots', () => {
  test('runs up to the concurrency, queues up to the capacity, refuses past it', async () => {
    const slots = new RenderSlots(1, 2);
    const release = await slots.acquire();
    let second: (() => void) | undefined;
    const waiting = slots.acquire().then((r) => (second = r));
    expect(slots.pending).toBe(2);
    const refused: unknown = await slots.acquire().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RenderBusy);
    expect((refused as RenderBusy).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    await tick();
    expect(second).toBeUndefined();
    release();
    await waiting;
    expect(slots.pending).toBe(1);
    second!();
    second!();
    expect(slots.pending).toBe(0);
  });

  test('a caller that gives up while queued leaves the queue', async () => {
    const slots = new RenderSlots(1, 3);
    const release = await slots.acquire();
    const controller = new AbortController();
    const waiting = slots.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(RenderAborted);
    expect(slots.pending).toBe(1);
    release();
    expect(slots.pending).toBe(0);
  });

  test('refuses nonsensical sizes', () => {
    expect(() => new RenderSlots(0, 1)).toThrow(RangeError);
    expect(() => new RenderSlots(2, 1)).toThrow(RangeError);
  });
});
