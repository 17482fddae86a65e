/**
 * Security headers and limits. The Content-Security-Policy allows no inline
 * script or style: the player ships as files. The rate limiter is registered
 * here and applied by the routes where a render would start (`app.rateLimit`),
 * so listening to audio already made (Range requests) is never throttled.
 */
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { TooManyRenders } from '../errors.js';

export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  mediaSrc: ["'self'", 'blob:'],
  connectSrc: ["'self'"],
  workerSrc: ["'self'"],
  manifestSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  // The server runs on plain http on a laptop: upgrading would break every asset there.
  upgradeInsecureRequests: null,
};

/** helmet's settings: our CSP, and helmet's defaults for everything else. */
export const HELMET_OPTIONS: FastifyHelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
  // Answers of routes marked `crossOrigin` are loosened to cross-origin (see the hook below).
  crossOriginResourcePolicy: { policy: 'same-origin' },
  referrerPolicy: { policy: 'no-referrer' },
};

/** Headers of every answer that are not helmet's. */
const NOT_HELMET = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);

/**
 * The headers @fastify/helmet sets with `options`, found once by asking it on a
 * private instance. Registered as it is, @fastify/helmet builds helmet's
 * middleware anew for every request; these headers do not depend on the request
 * (no nonces), so they are found once and set as found.
 */
export async function helmetHeaders(options: FastifyHelmetOptions = HELMET_OPTIONS): Promise<Record<string, string>> {
  const probe = Fastify();
  try {
    await probe.register(helmet, options);
    probe.get('/', async () => '');
    const { headers } = await probe.inject('/');
    return Object.fromEntries(Object.entries(headers).flatMap(([name, value]) => (NOT_HELMET.has(name) || value === undefined ? [] : [[name, String(value)]])));
  } finally {
    await probe.close();
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Other sites embed this route's answers (podcast apps and web players: audio,
     * tracks, transcripts, the feed): `Cross-Origin-Resource-Policy: cross-origin`
     * instead of `same-origin`, on its problems too.
     */
    crossOrigin?: boolean;
  }
}

/** Renders a client may start per minute before getting 429. */
export const RENDERS_PER_MINUTE = 30;

export default fp(
  async (app: FastifyInstance) => {
    const headers = Object.entries(await helmetHeaders());
    // onSend runs for every answer Fastify sends: routes, static files, problems, 404.
    app.addHook('onSend', (request, reply, payload, done) => {
      for (const [name, value] of headers) reply.header(name, value);
      if (request.routeOptions.config.crossOrigin === true) reply.header('cross-origin-resource-policy', 'cross-origin');
      done(null, payload);
    });
    await app.register(rateLimit, {
      global: false,
      // A problem with a stable code, like every other error; Retry-After says when.
      errorResponseBuilder: (_request, context) => new TooManyRenders(context.max, context.after),
    });
  },
  { name: 'security' },
);
