/**
 * The podcast feed: RSS 2.0 with the iTunes and Podcasting 2.0 namespaces,
 * so any podcast app can subscribe. Absolute URLs come from the base URL.
 */
import { COVER_IMAGES, COVER_URL_FOLDER, FEED_COVER } from '../artwork/cover.js';
import { BOOK_URL, EPUB_MEDIA_TYPE } from '../book/book-paths.js';
import type { Catalog } from '../catalog.js';
import type { Person } from '../content/schema.js';
import { personRole } from './person-roles.js';
import { podcastGuid } from './podcast-guid.js';

export interface FeedEpisode {
  readonly episodeId: string;
  readonly durationMs: number;
  readonly audioBytes: number;
  readonly audioType: string;
  readonly audioPath: string;
}

const xml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** What the feed says about the show's cover: its text alternative (the SVG's `<desc>`). */
export interface FeedCover {
  readonly alt: string;
}

/** RFC 822 date, as RSS requires. */
const rfc822 = (date: Date): string => date.toUTCString();

/**
 * Renders the feed. Episodes are dated from the series' release date, a minute
 * apart in catalog order, so podcast apps list them in the order we tell them.
 */
export function renderPodcastFeed(catalog: Catalog, episodes: readonly FeedEpisode[], baseUrl: string, cover: FeedCover): string {
  const { info, show } = catalog.pack;
  const base = baseUrl.replace(/\/+$/, '');
  const released = new Date(`${show.releaseDate.value}T12:00:00Z`);
  const language = info.language.toLowerCase();
  const byId = new Map(episodes.map((e) => [e.episodeId, e]));
  const feedUrl = `${base}/feed.xml`;
  const coverUrl = (name: string): string => `${base}${COVER_URL_FOLDER}/${name}`;
  const image = coverUrl(FEED_COVER.name);
  const { owner } = info;

  const items = catalog.entries.flatMap((entry, index) => {
    const media = byId.get(entry.episode.id);
    if (media === undefined) return [];
    const api = `${base}/api/episodes/${encodeURIComponent(entry.episode.id)}`;
    const people = [...new Set(entry.facts.flatMap((f) => f.people))].map((id) => catalog.person(id)).filter((p): p is Person => p !== undefined);
    const published = new Date(released.getTime() + index * 60_000);
    return [
      `    <item>
      <title>${xml(entry.episode.title)}</title>
      <description>${xml(entry.episode.summary)}</description>
      <link>${xml(`${base}/episodes/${encodeURIComponent(entry.episode.id)}/`)}</link>
      <guid isPermaLink="false">${xml(`${info.id}:${entry.episode.id}`)}</guid>
      <pubDate>${rfc822(published)}</pubDate>
      <enclosure url="${xml(base + media.audioPath)}" length="${media.audioBytes}" type="${xml(media.audioType)}"/>
      <itunes:title>${xml(entry.episode.title)}</itunes:title>
      <itunes:summary>${xml(entry.episode.summary)}</itunes:summary>
      <itunes:duration>${Math.round(media.durationMs / 1000)}</itunes:duration>
      <itunes:episode>${index + 1}</itunes:episode>
      <itunes:episodeType>full</itunes:episodeType>
      <itunes:explicit>false</itunes:explicit>
      <podcast:episode>${index + 1}</podcast:episode>
      <podcast:transcript url="${xml(`${api}/captions.vtt`)}" type="text/vtt" language="${xml(language)}" rel="captions"/>
      <podcast:transcript url="${xml(`${api}/transcript.html`)}" type="text/html" language="${xml(language)}"/>
      <podcast:chapters url="${xml(`${api}/chapters.json`)}" type="application/json+chapters"/>
${people
  .map((p) => {
    const { group, role } = personRole(p);
    return `      <podcast:person group="${xml(group)}" role="${xml(role)}" href="${xml(`${base}/api/people/${encodeURIComponent(p.id)}.json`)}">${xml(p.name)}</podcast:person>`;
  })
  .join('\n')}
    </item>`,
    ];
  });

  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:podcast="https://podcastindex.org/namespace/1.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>${xml(info.title)}</title>
    <link>${xml(`${base}/`)}</link>
    <description>${xml(info.description)}</description>
    <language>${xml(language)}</language>
    <atom:link href="${xml(feedUrl)}" rel="self" type="application/rss+xml"/>
    <atom:link href="${xml(`${base}${BOOK_URL}`)}" rel="related" type="${EPUB_MEDIA_TYPE}" title="${xml(`${info.title}: the talking book (EPUB 3 with narration)`)}"/>
    <image>
      <url>${xml(image)}</url>
      <title>${xml(info.title)}</title>
      <link>${xml(`${base}/`)}</link>
    </image>
    <itunes:image href="${xml(image)}"/>
    <podcast:image href="${xml(image)}" alt="${xml(cover.alt)}" aspect-ratio="1/1" width="${FEED_COVER.size}" height="${FEED_COVER.size}" type="${FEED_COVER.type}" purpose="artwork"/>
    <podcast:images srcset="${xml(COVER_IMAGES.filter((c) => c.type === FEED_COVER.type).map((c) => `${coverUrl(c.name)} ${c.size}w`).join(', '))}"/>
    <itunes:author>${xml(owner?.name ?? info.title)}</itunes:author>
${owner === undefined ? '' : `    <itunes:owner>
      <itunes:name>${xml(owner.name)}</itunes:name>
      <itunes:email>${xml(owner.email)}</itunes:email>
    </itunes:owner>
`}    <itunes:summary>${xml(info.description)}</itunes:summary>
    <itunes:explicit>false</itunes:explicit>
    <itunes:type>serial</itunes:type>
    <itunes:category text="TV &amp; Film"/>
    <podcast:guid>${podcastGuid(feedUrl)}</podcast:guid>
    <podcast:locked${owner === undefined ? '' : ` owner="${xml(owner.email)}"`}>yes</podcast:locked>
    <podcast:medium>podcast</podcast:medium>
${items.join('\n')}
  </channel>
</rss>
`;
}
