/**
 * `podcast:guid`: a UUIDv5 of the feed's URL, as the podcast namespace
 * specifies it (docs/tags/guid.md): the URL without its scheme and trailing
 * slashes, named in the namespace's own UUID.
 */
import { createHash } from 'node:crypto';

/** The podcast namespace's UUID, the namespace every podcast:guid is named in. */
export const PODCAST_GUID_NAMESPACE = 'ead4c236-bf58-58c6-a2c6-a6b28d128cb6';

/** A UUID version 5 (RFC 9562, section 5.5: SHA-1 of the namespace's bytes and the name's UTF-8). */
export function uuidV5(name: string, namespace: string): string {
  const hex = namespace.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new RangeError(`"${namespace}" is not a UUID`);
  const bytes = createHash('sha1').update(Buffer.from(hex, 'hex')).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const out = bytes.toString('hex');
  return `${out.slice(0, 8)}-${out.slice(8, 12)}-${out.slice(12, 16)}-${out.slice(16, 20)}-${out.slice(20)}`;
}

/** The podcast:guid of the feed at `feedUrl`. */
export function podcastGuid(feedUrl: string): string {
  return uuidV5(feedUrl.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/+$/, ''), PODCAST_GUID_NAMESPACE);
}
