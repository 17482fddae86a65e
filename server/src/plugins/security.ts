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
  // Podcast apps and other sites' players fetch our audio and tracks: those
  // routes set cross-origin themselves; everything else stays same-origin.
  crossOriginResourcePolicy: { policy: 'same-origin' },
  referrerPolicy: { policy: 'no-referrer' },
};

/** Headers of every answer that are not helmet's. */
const NOT_HELMET = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);

/**
 * The headers @fastify/helmet sets with `options`, found once by asking it on a
 * private instance. Registered as it is, @fastify/helmet builds helmet's
 * middleware anew for every request: measured here, that halved the requests
 * per CPU-second of the episode JSON and cost a third of the audio's. The
 * headers do not depend on the request (no nonces), so they are set as found.
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
  interface FastifyInstance {
    /**
     * The security headers every answer carries (helmet's, with our CSP), for routes
     * that write their answer's headers in one go (the episode JSON) to include.
     */
    readonly securityHeaders: Readonly<Record<string, string>>;
  }
}

/** The one security header some routes set themselves (audio and tracks are fetched from other sites). */
const LOOSENED_BY_ROUTES = 'cross-origin-resource-policy';

/** Renders a client may start per minute before getting 429. */
export const RENDERS_PER_MINUTE = 30;

export default fp(
  async (app: FastifyInstance) => {
    const headers = Object.freeze(await helmetHeaders());
    app.decorate('securityHeaders', headers);
    const entries = Object.entries(headers);
    // Set as the answer is sent, not as the request arrives: an answer that writes its
    // own headers in one go (the episode JSON, with these included) skips the hook and
    // its 12 header copies, while every answer sent through Fastify (routes, static
    // files, problems, 404) still gets them. The episode JSON with both changes, against
    // a build without them, both loaded at once: +29% requests per CPU-second (brotli
    // asked), +12% (no coding); see routes/episodes.ts.
    app.addHook('onSend', (_request, reply, payload, done) => {
      for (const [name, value] of entries) {
        // Routes may loosen one (Cross-Origin-Resource-Policy on audio and tracks): theirs stays.
        if (name !== LOOSENED_BY_ROUTES || !reply.hasHeader(name)) reply.header(name, value);
      }
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
