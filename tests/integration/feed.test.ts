import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../../server/src/app.js';
import { createCatalog } from '../../server/src/catalog.js';
import { loadContentPack } from '../../server/src/content/load.js';
import { createRenditions } from '../../server/src/renditions/renditions.js';
import { createEmbeddedEngine } from '../../server/src/speech/embedded/embedded-engine.js';
import type { FastifyInstance } from 'fastify';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCompanion } from '../helpers/app.js';
import { parseFeed } from 'podcast-partytime';
import { loadCover } from '../../server/src/artwork/cover.js';
import { podcastGuid } from '../../server/src/feed/podcast-guid.js';
import { imageSize } from '../helpers/image-size.js';
import { parsePodcastFeed } from '../helpers/podcast-feed.js';
import { FIXTURE_PACK } from '../helpers/paths.js';

const BASE = 'https://companion.example.org/listen';
let app: FastifyInstance;
let cacheDir: string;
const engine = createEmbeddedEngine();

beforeAll(async () => {
  cacheDir = await mkdtemp(path.join(tmpdir(), 'atl-feed-'));
  const renditions = createRenditions({ engine, cacheDir });
  app = await buildApp({ catalog: createCatalog(await loadContentPack(FIXTURE_PACK)), renditions, engine, siteDir: path.join(cacheDir, 'site'), baseUrl: BASE });
});
afterAll(async () => {
  await app?.close();
  await engine.close();
  await rm(cacheDir, { recursive: true, force: true });
});

describe('the podcast feed', () => {
  test('parses as RSS with the iTunes and podcast namespaces, absolute URLs from the base URL, and every URL resolves', async () => {
    const response = await app.inject('/feed.xml');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    expect(response.body).toContain('xmlns:podcast="https://podcastindex.org/namespace/1.0"');

    const feed = await parsePodcastFeed(response.body);
    expect(feed.title).toBe('The Lamp Room: a test companion');
    expect(feed.items).toHaveLength(1);
    const item = feed.items[0]!;
    expect(item.title).toBe('The light');
    expect(item.enclosure.url).toMatch(new RegExp(`^${BASE}/api/episodes/the-light/audio\\.(mp3|wav)$`));
    expect(Number(item.enclosure.length)).toBeGreaterThan(10_000);
    expect((item as { itunes?: { duration?: string } }).itunes?.duration).toMatch(/^\d+$/);
    expect(item.transcripts.map((t) => t.$.type)).toEqual(['text/vtt', 'text/html']);
    expect(item.people.map((p) => [p._, p.$.group, p.$.role])).toEqual([
      ['Ada Quill', 'Cast', 'Guest'],
      ['Bo Renn', 'Creative Direction', 'Director'],
    ]);

    const urls = [item.enclosure.url, ...item.transcripts.map((t) => t.$.url), item.chapters.$.url, ...item.people.map((p) => (p.$ as { href?: string }).href ?? '')];
    for (const url of urls) {
      expect(url.startsWith(`${BASE}/`)).toBe(true);
      const resolved = await app.inject(url.slice(BASE.length));
      expect(resolved.statusCode, url).toBe(200);
    }
    const enclosure = await app.inject(item.enclosure.url.slice(BASE.length));
    expect(enclosure.rawPayload.length).toBe(Number(item.enclosure.length));
  });
});

describe('the feed as Podcast Index reads it (podcast-partytime)', () => {
  test('finds the cover, the owner, the guid of the feed URL, the lock, the type, the episode numbers and the taxonomy roles', async () => {
    const response = await app.inject('/feed.xml');
    const feed = parseFeed(response.body);
    if (feed === null) throw new Error('podcast-partytime could not parse the feed');
    const image = `${BASE}/artwork/cover-3000.png`;
    expect(feed.itunesImage).toBe(image);
    expect(feed.image?.url).toBe(image);
    expect(feed.podcastImages?.map((i) => i.raw)).toEqual([`${image} 3000w`, `${BASE}/artwork/cover-1400.png 1400w`]);
    expect(response.body).toContain(`<podcast:image href="${image}" alt="${(await loadCover()).alt}" aspect-ratio="1/1" width="3000"`);
    expect(feed.owner).toEqual({ name: 'The Lamp Room makers', email: 'lamp-room@example.org' });
    expect(feed.locked).toBe(true);
    expect(feed.podcastOwner).toBe('lamp-room@example.org');
    expect(feed.guid).toBe(podcastGuid(`${BASE}/feed.xml`));
    expect(feed.itunesType).toBe('serial');
    expect(feed.items.map((item) => item.itunesEpisode)).toEqual([1]);
    expect(feed.items[0]?.podcastPeople?.map((p) => [p.name, p.group, p.role])).toEqual([
      ['Ada Quill', 'Cast', 'Guest'],
      ['Bo Renn', 'Creative Direction', 'Director'],
    ]);
    // Every size named in the feed is served, at the size it says.
    for (const { raw } of feed.podcastImages ?? []) {
      const [url, width] = raw.split(' ');
      const file = await app.inject(url!.slice(BASE.length));
      expect(file.statusCode, url).toBe(200);
      expect(file.headers['content-type']).toBe('image/png');
      expect(imageSize(file.rawPayload)).toMatchObject({ width: Number.parseInt(width!, 10), height: Number.parseInt(width!, 10) });
    }
  });
});

describe('without a base URL', () => {
  test('links are absolute on the address the request came to', async () => {
    const companion = await startCompanion(FIXTURE_PACK);
    try {
      const response = await companion.app.inject({ url: '/feed.xml', headers: { host: 'radio.example.net:8080' } });
      expect(response.statusCode).toBe(200);
      const feed = await parsePodcastFeed(response.body);
      expect(feed.link).toBe('http://radio.example.net:8080/');
      expect(feed.items[0]?.enclosure?.url).toMatch(/^http:\/\/radio\.example\.net:8080\/api\/episodes\/the-light\/audio\.mp3$/);
    } finally {
      await companion.close();
    }
  });
});
