/**
 * Keeps Node's HTTP server as fast after the render cache's warm-up as it is when
 * fresh: the request listener this module wraps holds the last request and response
 * it was given (and so their socket) until the next one comes.
 *
 * What was seen (Node 20.20, this 2-core machine): in the HTTP benchmark the companion
 * warms a fresh cache for a minute or more, answering health checks while the render
 * workers fill memory with audio, and only then takes load. That process spent about
 * 35 µs of CPU on an episode JSON request where a freshly started one spent 28 (a bare
 * Node server sending the same bytes: 21), medians of 5 rounds taking turns. Its CPU profile
 * showed Node's `OutgoingMessage` constructor and `writeHead` as frames of their own
 * (1.5 and 1.2 µs a request) that the fresh process had inlined into their callers.
 *
 * Why holding one exchange helps, as far as we can tell: the same cause as
 * `keep-next-tick-fast.ts`. V8 holds the hidden classes ("maps") that Node's request,
 * response and socket objects pass through only weakly; full garbage collections
 * while no exchange is alive drop them, each later exchange gets new ones, and code
 * optimized for the old ones is thrown away or no longer inlined. One exchange kept
 * reachable keeps its maps, and the chains leading to them, alive. A minimal attempt to
 * reproduce this (a bare server, six full collections with one request between each)
 * left `OutgoingMessage`'s feedback monomorphic with or without the hold, so which V8
 * state changes in the warmed-up process is not pinned down; the effect is measured.
 *
 * Measured: bench/http.ts, 3 rounds each, builds taking turns (control, this, control,
 * this): 64 KiB ranges 0.48x and 0.46x nginx without, 0.64x and 0.63x with; the episode
 * JSON 0.59x and 0.62x a Fastify hello-world without, 1.09x and 0.94x with (no coding:
 * 0.60x and 0.73x, then 0.97x and 0.88x).
 *
 * It costs two assignments per request and keeps those few objects from being
 * collected until the next request.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

// Two variables, not an object: nothing is allocated per request to hold them.
let keptRequest: IncomingMessage | undefined;
let keptResponse: ServerResponse | undefined;

/** `listener`, holding each request and response it is given until the next one comes (the whole process holds one). */
export function keepingExchangeShapes(listener: RequestListener): RequestListener {
  return (request, response) => {
    keptRequest = request;
    keptResponse = response;
    listener(request, response);
  };
}

/** The last request and response held (for tests). */
export function keptExchange(): { request: IncomingMessage; response: ServerResponse } | undefined {
  return keptRequest === undefined || keptResponse === undefined ? undefined : { request: keptRequest, response: keptResponse };
}
