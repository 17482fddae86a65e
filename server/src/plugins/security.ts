/**
 * Security headers and limits. The Content-Security-Policy allows no inline
 * script or style: the player ships as files. Render-triggering routes are
 * rate limited per client, but only for renditions not already in the cache,
 * so listening (Range requests) is never throttled.
 */
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

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

/** Renders a client may start per minute before getting 429. */
export const RENDERS_PER_MINUTE = 30;

export default fp(
  async (app: FastifyInstance) => {
    await app.register(helmet, {
      contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
      // Podcast apps and other sites' players fetch our audio and tracks: those
      // routes set cross-origin themselves; everything else stays same-origin.
      crossOriginResourcePolicy: { policy: 'same-origin' },
      referrerPolicy: { policy: 'no-referrer' },
    });
    await app.register(rateLimit, { global: false });
  },
  { name: 'security' },
);

/**
 * Route config that rate-limits only requests that would start a render.
 * `isCached` answers whether the request's rendition is already made.
 */
export function renderRateLimit(isCached: (request: FastifyRequest) => boolean | Promise<boolean>) {
  return {
    rateLimit: {
      max: RENDERS_PER_MINUTE,
      timeWindow: 60_000,
      // A check that fails must not fail the request: validation answers bad input.
      allowList: async (request: FastifyRequest) => {
        try {
          return await isCached(request);
        } catch {
          return true;
        }
      },
    },
  };
}
