/**
 * Answers ready before the request comes, by exact path: the episode JSON once
 * prepared (`prepared-body.ts`), and an episode's audio once its verified bytes
 * are held in memory (`memory-cache.ts`), with its ranges planned per request
 * (`byte-ranges.ts`). The HTTP server's request listener looks the path up first
 * and answers GET and HEAD itself; every other request goes on to the framework.
 *
 * Why before the framework: these are the requests a player makes most (one
 * listen is dozens of Range requests), the answer is a few lookups and one write,
 * yet Fastify's work for each request (request and reply objects, a child logger,
 * routing, validation, hooks, header copies) cost more than the answer.
 * Measured on this 2-core machine, built server, 4 process starts each: the episode
 * JSON (brotli asked, the server alone on one core) took 111 to 170 µs of CPU a request
 * through Fastify, 92 to 100 µs from here; a 64 KiB Range GET of held audio about 190
 * through Fastify, 112 to 125 from here. bench/http.ts (three runs of 3 rounds) then read
 * 0.64 to 0.72x nginx for 64 KiB ranges, and 0.76 to 0.89x a Fastify hello-world for
 * the JSON (0.69x and 0.59x before, in one run of the older bench). Those runs loaded
 * with autocannon, which holds nginx back; under wrk, which the bench uses now, the
 * ranges read 0.42 to 0.49x nginx (a bare Node server sending the same answer: 0.54 to
 * 0.88x) and the JSON 0.52 to 1.01x the hello-world, depending on how the process had
 * warmed up; holding the last exchange (keep-exchange-shapes.ts) made that 0.63 to
 * 0.69x for the ranges and 0.81 to 1.09x for the JSON, with and without coding (four
 * runs of 3 rounds).
 *
 * What the route would have done is kept:
 * - the same status, headers and bytes: the JSON's prepared answers, and for audio
 *   the same planner, the same entity and the same headers (the security headers
 *   included) as the route sends;
 * - only the exact path is matched, with no query string: anything else (a query,
 *   which the route validates, another method, a path spelled another way) reaches
 *   the route, and so does anything a ready answer declines (audio no longer held,
 *   a precondition that fails, a range that cannot be satisfied: problems are the
 *   route's to answer and to log);
 * - while the server shuts down, requests go to Fastify, which answers 503 and
 *   closes the connection;
 * - successful answers are logged at debug by the access log: when debug is on,
 *   every request goes to Fastify, which writes those lines.
 *
 * Plain TypeScript over node:http: no Fastify import.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { byteResponseBody, planByteResponse, type ByteEntity } from './byte-ranges.js';

/** One path's answer, made before the request. */
export interface ReadyAnswer {
  /**
   * Sends the answer to a GET or HEAD of the path and returns true; or returns false
   * having written nothing, and the route answers.
   */
  send(request: IncomingMessage, response: ServerResponse): boolean;
}

export class ReadyAnswers {
  readonly #byPath = new Map<string, ReadyAnswer>();
  #open = true;
  #answered = 0;

  /** From now on `answer` is asked first for a GET or HEAD of each of `paths` (exact, no query string). */
  set(paths: readonly string[], answer: ReadyAnswer): void {
    for (const path of paths) this.#byPath.set(path, answer);
  }

  /** From now on every request goes to the framework: the server is shutting down, or logging every request. */
  stop(): void {
    this.#open = false;
  }

  /** Requests answered here so far. */
  get answered(): number {
    return this.#answered;
  }

  /** Answers `request` when its path has a ready answer that takes it, and says whether it did. */
  tryAnswer(request: IncomingMessage, response: ServerResponse): boolean {
    if (!this.#open) return false;
    const { method } = request;
    if (method !== 'GET' && method !== 'HEAD') return false;
    const answer = this.#byPath.get(request.url ?? '');
    if (answer === undefined || !answer.send(request, response)) return false;
    this.#answered++;
    return true;
  }

  /** A request listener: ready answers first, every other request to `next`. */
  listener(next: RequestListener): RequestListener {
    return (request, response) => {
      if (!this.tryAnswer(request, response)) next(request, response);
    };
  }
}

/** Bytes held in memory, and what describes them. */
export interface HeldBytes {
  readonly entity: ByteEntity;
  readonly body: Buffer;
}

/**
 * A ready answer for bytes held in memory: 200, 206 (one range or several) or 304,
 * planned for each request, with `headers` (the route's own, none of which the plan
 * sets) before the plan's. `held` gives the bytes when they are still held; when they
 * are not (evicted, or discarded as corrupt), and when the plan is 412 or 416, it
 * declines and the route answers.
 */
export function heldBytesAnswer(held: () => HeldBytes | undefined, headers: Readonly<Record<string, string>>): ReadyAnswer {
  // Names and values in one list, as Node's writeHead takes them: merging the route's 18
  // headers and the plan's into one object per request cost 19 µs here (V8 gives up on
  // fast properties past a dozen added ones); copying this list and adding 7 costs 0.2 µs.
  const routeHeaders = Object.entries(headers).flat();
  return {
    send(request, response) {
      const bytes = held();
      if (bytes === undefined) return false;
      const plan = planByteResponse({ method: request.method ?? '', headers: request.headers }, bytes.entity);
      if (plan.status === 412 || plan.status === 416) return false;
      const all = routeHeaders.slice();
      for (const name in plan.headers) all.push(name, plan.headers[name] ?? '');
      response.writeHead(plan.status, all);
      // HEAD: the headers a GET gets, Content-Length included, and no body.
      response.end(request.method === 'HEAD' ? undefined : byteResponseBody(plan, bytes.body));
      return true;
    },
  };
}
