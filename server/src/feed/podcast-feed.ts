/**
 * The podcast feed: RSS 2.0 with the iTunes and Podcasting 2.0 namespaces,
 * so any podcast app can subscribe. Absolute URLs come from the base URL.
 */
import type { Catalog } from '../catalog.js';
import type { Person } from '../content/schema.js';

export interface FeedEpisode {
  readonly episodeId: string;
  readonly durationMs: number;
  readonly audioBytes: number;
  readonly audioType: string;
  readonly audioPath: string;
}

const xml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** podcast:person roles from the Podcast Taxonomy for a person's first role. */
function personRole(person: Person): { group: string; role: string } {
  const role = person.roles[0];
  if (role === undefined || role.kind === 'cast') {
    // The series' cast are the subject of an episode: the taxonomy has no role for
    // a subject, and "guest" is how podcast apps list people an episode is about.
    return { group: 'cast', role: 'guest' };
  }
  const job = role.job.toLowerCase();
  if (job.includes('director')) return { group: 'creative direction', role: 'director' };
  if (job.includes('author')) return { group: 'writing', role: 'author' };
  if (job.includes('writer')) return { group: 'writing', role: 'writer' };
  if (job.includes('associate producer')) return { group: 'creative direction', role: 'associate producer' };
  if (job.includes('executive producer')) return { group: 'creative direction', role: 'executive producer' };
  if (job.includes('producer')) return { group: 'creative direction', role: 'producer' };
  if (job.includes('photograph')) return { group: 'visuals', role: 'photographer' };
  return { group: 'misc', role: 'consultant' };
}

/** RFC 822 date, as RSS requires. */
const rfc822 = (date: Date): string => date.toUTCString();

/**
 * Renders the feed. Episodes are dated from the series' release date, a minute
 * apart in catalog order, so podcast apps list them in the order we tell them.
 */
export function renderPodcastFeed(catalog: Catalog, episodes: readonly FeedEpisode[], baseUrl: string): string {
  const { info, show } = catalog.pack;
  const base = baseUrl.replace(/\/+$/, '');
  const released = new Date(`${show.releaseDate.value}T12:00:00Z`);
  const language = info.language.toLowerCase();
  const byId = new Map(episodes.map((e) => [e.episodeId, e]));

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
    <atom:link href="${xml(`${base}/feed.xml`)}" rel="self" type="application/rss+xml"/>
    <itunes:author>${xml(info.title)}</itunes:author>
    <itunes:summary>${xml(info.description)}</itunes:summary>
    <itunes:explicit>false</itunes:explicit>
    <itunes:type>serial</itunes:type>
    <itunes:category text="TV &amp; Film"/>
    <podcast:locked>no</podcast:locked>
    <podcast:medium>podcast</podcast:medium>
${items.join('\n')}
  </channel>
</rss>
`;
}
