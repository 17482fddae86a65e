/**
 * Every error a client can meet, with a stable code. Messages for 4xx go to
 * the client as they are; 5xx are logged and masked (see plugins/errors.ts).
 */
import createError from '@fastify/error';

export const EpisodeNotFound = createError<[string]>('ATL_EPISODE_NOT_FOUND', 'There is no episode with the id "%s".', 404);
export const RangeNotSatisfiable = createError<[string, number]>(
  'ATL_RANGE_NOT_SATISFIABLE',
  'The range "%s" is outside the %d bytes of this file.',
  416,
);
export const RouteNotFound = createError<[string, string]>('ATL_NOT_FOUND', 'Nothing is served at %s %s.', 404);
export const RenderFailed = createError('ATL_RENDER_FAILED', 'The audio could not be rendered. Please try again shortly.', 503);
