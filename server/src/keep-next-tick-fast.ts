/**
 * Keeps `process.nextTick` fast for the life of a long-running Node.js 20 process.
 *
 * Why: Node's `nextTick` makes each queued callback an object literal whose first
 * two keys are symbols (`{ [async_id_symbol]: id, [trigger_async_id_symbol]: id,
 * callback, args }`). V8 11 (Node 20) remembers, for each of those keys, the hidden
 * class ("map") it last added the key to, and holds those maps weakly. When the
 * process is idle through a few full garbage collections, no such object is alive,
 * the maps are collected, the next callback gets new ones, and V8 marks the places
 * megamorphic for good: from then on every `nextTick` goes through V8's runtime
 * instead of a few inline stores. Node's HTTP server calls `nextTick` about eight
 * times per request, so a server that has once been idle (or, like ours, warmed its
 * cache with large buffers) answers every request more slowly than a fresh one.
 *
 * Measured on this 2-core machine (Node 20.20), the built companion answering the
 * episode JSON: the state went megamorphic in 2 of 3 starts with the warm-up on;
 * then `nextTick`'s own time was 11.8 µs a request against 0.7 µs in a fresh bare
 * Node server, and the whole request cost about 25% more CPU. A bare server made
 * idle through six full collections went the same way (64 to 82 µs a request).
 * With this module, taking turns for 8 rounds: 12,849 requests a second and 69 µs of
 * server CPU each, against 10,620 and 87 µs for the build before it, once megamorphic.
 *
 * How: one queued callback's object is kept alive (`executionAsyncResource()` inside
 * a `nextTick` callback is that object). Its map holds the chain of maps V8
 * remembers, so they are never collected and the places stay monomorphic. It costs
 * one small object. On later Node versions, where the object or V8 differ, keeping
 * it is harmless.
 */
import { executionAsyncResource } from 'node:async_hooks';

let kept: object | undefined;

/** Keeps one `nextTick` callback's object alive for the life of the process; resolves once it is kept. */
export function keepNextTickFast(): Promise<void> {
  return new Promise((resolve) => {
    process.nextTick(() => {
      kept ??= executionAsyncResource();
      resolve();
    });
  });
}

/** The object kept (for tests): undefined until `keepNextTickFast()` has resolved. */
export function keptTickObject(): object | undefined {
  return kept;
}
