/**
 * Every error a client can meet, with a stable code. Messages for 4xx go to
 * the client as they are; 5xx are logged and masked (see plugins/errors.ts).
 */
import createError from '@fastify/error';

export const EpisodeNotFound = createError<[string]>('ATL_EPISODE_NOT_FOUND', 'There is no episode with the id "%s".', 404);
export const ChapterNotFound = createError<[string, string]>('ATL_CHAPTER_NOT_FOUND', 'There is no chapter "%s" in the episode "%s".', 404);
export const PersonNotFound = createError<[string]>('ATL_PERSON_NOT_FOUND', 'There is no person with the id "%s".', 404);
export const NameNotFound = createError<[string]>('ATL_NAME_NOT_FOUND', 'The pronunciation lexicon has no name "%s".', 404);
export const RouteNotFound = createError<[string, string]>('ATL_NOT_FOUND', 'Nothing is served at %s %s.', 404);
export const UnknownVoice = createError<[string, string]>('ATL_INVALID_PARAMETER', 'querystring/voice "%s" is not one of the voices: %s.', 400);
export const FormatUnavailableHere = createError<[string]>(
  'ATL_FORMAT_UNAVAILABLE',
  'The %s format cannot be made on this server; ask for mp3 or wav.',
  406,
);
export const RangeNotSatisfiable = createError<[string, number]>(
  'ATL_RANGE_NOT_SATISFIABLE',
  'The range "%s" selects none of the %s bytes there are.',
  416,
);
export const PreconditionFailed = createError<[string]>('ATL_PRECONDITION_FAILED', 'The file no longer matches the %s header: ask again without it.', 412);
export const TooManyRenders = createError<[number, string]>(
  'ATL_TOO_MANY_RENDERS',
  'This client asked for more than %s new renders in a minute. Audio already made is not limited; try new ones again in %s.',
  429,
);
/**
 * The client left while its render was under way, and the render stopped. Nobody reads
 * this answer; 499 (as nginx logs it) keeps it out of the 5xx errors of ours.
 */
export const ClientLeft = createError('ATL_CLIENT_LEFT', 'The client left before its answer was ready.', 499);
export const RenderBusyError = createError(
  'ATL_RENDER_BUSY',
  'Many episodes are being rendered right now. Please try again in a few seconds.',
  503,
);
/** The content pack cannot make a valid talking book (a sentence with no timing): the log names the episode and sentence. */
export const BookRefusedError = createError<[string]>('ATL_BOOK_REFUSED', 'The talking book cannot be made from this content pack: %s', 500);
export const RenderFailed = createError('ATL_RENDER_FAILED', 'The audio could not be rendered. Please try again shortly.', 503);
/** Raised by Node's HTTP parser, before any route (answered by plugins/client-errors.ts). */
export const MalformedRequest = createError('ATL_MALFORMED_REQUEST', 'The request is not well-formed HTTP/1.1.', 400);
export const HeadersTooLarge = createError('ATL_HEADERS_TOO_LARGE', 'The request headers are larger than the server accepts (16 KiB).', 431);
export const RequestTimedOut = createError('ATL_REQUEST_TIMEOUT', 'The request did not arrive in time.', 408);
/** Refused by the router before any route (answered by plugins/client-errors.ts). */
export const BadUrl = createError('ATL_BAD_URL', 'The address is not valid: each "%" in it must start an escape of two hexadecimal digits.', 400);
export const PathTooLong = createError('ATL_PATH_TOO_LONG', 'A part of the address is longer than any id served here (100 characters).', 414);
