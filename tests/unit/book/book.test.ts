/**
 * The talking book from a hand-made time line (no speech engine): what the
 * book refuses, the container's first bytes, the identifier, names and the
 * pronunciation lexicon. The real book, against real validators, a real
 * reading library and a real render, is tested in tests/export/book.test.ts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadCover } from '../../../server/src/artwork/cover.js';
import type { BookEpisode } from '../../../server/src/book/book-input.js';
import { bookCover, type BookCover } from '../../../server/src/book/cover.js';
import { makeBook, BookRefused } from '../../../server/src/book/book.js';
import { bookIdentifier, nameBasedUuid } from '../../../server/src/book/package-document.js';
import { createCatalog, type Catalog } from '../../../server/src/catalog.js';
import { loadContentPack } from '../../../server/src/content/load.js';
import type { Timeline } from '../../../server/src/shared/timeline.js';
import { readEpubText, readZip } from '../../helpers/epub.js';
import { ROOT } from '../../helpers/paths.js';

const NIGHT_RADIO = path.join(ROOT, 'tests', 'browser', 'fixtures', 'night-radio');
const MODIFIED = new Date('2024-05-01T12:00:00Z');

let catalog: Catalog;
let work: string;
let audioFile: string;
let cover: BookCover;

/** Every sentence a second long, one after another: the time line a render could give. */
function evenTimeline(entry: Catalog['entries'][number]): Timeline {
  const flat = entry.narration.chapters.flatMap((chapter) => chapter.sentences.map((sentence) => ({ chapter, sentence })));
  const sentences = flat.map(({ chapter, sentence }, i) => ({ id: sentence.id, chapterId: chapter.id, kind: sentence.kind, text: sentence.text, startMs: i * 1000, endMs: (i + 1) * 1000 }));
  const chapters = entry.narration.chapters.map((chapter) => {
    const own = sentences.filter((s) => s.chapterId === chapter.id);
    return { id: chapter.id, number: chapter.number, title: chapter.title, startMs: own[0]?.startMs ?? 0, endMs: own.at(-1)?.endMs ?? 0 };
  });
  return { durationMs: flat.length * 1000, sentences, chapters };
}

const episodes = (change: (timeline: Timeline, episodeId: string) => Timeline = (t) => t): BookEpisode[] =>
  catalog.entries.map((entry) => ({ entry, timeline: change(evenTimeline(entry), entry.episode.id), audioFile, audioSha256: 'not-checked-here' }));

const book = (list = episodes()) => makeBook({ catalog, episodes: list, narrator: 'a test narrator', cover, modified: MODIFIED });

beforeAll(async () => {
  catalog = createCatalog(await loadContentPack(NIGHT_RADIO));
  cover = await bookCover(await loadCover());
  work = await mkdtemp(path.join(tmpdir(), 'atl-book-unit-'));
  // Stands in for the MP3: the container copies it as it is.
  audioFile = path.join(work, 'audio.mp3');
  await writeFile(audioFile, Buffer.alloc(4096, 0xff));
});

afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('a pack that cannot make a valid book', () => {
  const sentenceOf = (timeline: Timeline, id: string) => timeline.sentences.find((s) => s.id === id)!;
  test.each([
    { name: 'a sentence the time line leaves out', change: (t: Timeline): Timeline => ({ ...t, sentences: t.sentences.filter((s) => s.id !== 'c2.s2') }), reason: /does not place it/ },
    {
      name: 'a sentence with an empty clip',
      change: (t: Timeline): Timeline => ({ ...t, sentences: t.sentences.map((s) => (s.id === 'c2.s2' ? { ...s, endMs: s.startMs } : s)) }),
      reason: /clip is empty \(from \d+\.\d{3} s to \d+\.\d{3} s\)/,
    },
    { name: 'a time line with other words there', change: (t: Timeline): Timeline => ({ ...t, sentences: t.sentences.map((s) => (s.id === 'c2.s2' ? { ...s, text: 'Something else.' } : s)) }), reason: /other words/ },
    { name: 'a clip past the end of the audio', change: (t: Timeline): Timeline => ({ ...t, durationMs: sentenceOf(t, 'c2.s2').endMs - 1 }), reason: /outside the audio/ },
  ])('$name: refused, naming the episode and the sentence', async ({ change, reason }) => {
    const refused = await book(episodes((timeline, id) => (id === 'the-tower' ? change(timeline) : timeline))).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BookRefused);
    const { message } = refused as BookRefused;
    expect(message).toContain('episode "the-tower", sentence c2.s2');
    expect(message).toContain('Far away, a boy hears');
    expect(message).toMatch(reason);
  });
});

describe('the container', () => {
  test('starts with the mimetype entry, stored, with no extra field, as OCF requires; the MP3s are stored, the text deflated', async () => {
    const zip = await book();
    // The local header of the first entry: signature, method (stored = 0), name length, extra length, then name and data.
    expect(zip.readUInt32LE(0)).toBe(0x04034b50);
    expect(zip.readUInt16LE(8)).toBe(0);
    expect(zip.readUInt16LE(26)).toBe('mimetype'.length);
    expect(zip.readUInt16LE(28)).toBe(0);
    expect(zip.subarray(30, 38 + 'application/epub+zip'.length).toString('latin1')).toBe('mimetypeapplication/epub+zip');
    const entries = await readZip(zip);
    expect(entries.map((e) => e.name).slice(0, 3)).toEqual(['mimetype', 'META-INF/container.xml', 'EPUB/package.opf']);
    const byName = new Map(entries.map((e) => [e.name, e]));
    expect(byName.get('EPUB/audio/the-tower.mp3')?.compressionMethod).toBe(0);
    expect(byName.get('EPUB/episode-the-tower.xhtml')?.compressionMethod).toBe(8);
    expect(entries.every((e) => e.extraFieldLength === 0)).toBe(true);
  });

  test('is the same bytes for the same content and date: nothing random goes in', async () => {
    expect((await book()).equals(await book())).toBe(true);
  });
});

describe('the identifier', () => {
  test('is a name-based UUID (RFC 4122 version 5), as Python\'s uuid5 makes it', () => {
    // python3 -c "import uuid; print(uuid.uuid5(uuid.NAMESPACE_URL, 'https://example.org/book'))"
    expect(nameBasedUuid('https://example.org/book')).toBe('0966d62d-2133-582d-b0ce-63f420cb7a00');
  });

  test('stays the same for a pack from build to build, and differs between packs', async () => {
    const opf = (await readEpubText(await book())).get('EPUB/package.opf') ?? '';
    expect(opf).toContain(`<dc:identifier id="book-id">${bookIdentifier('night-radio')}</dc:identifier>`);
    expect(bookIdentifier('night-radio')).not.toBe(bookIdentifier('all-the-light'));
  });
});

describe('names and how to say them', () => {
  let files: Map<string, string>;
  beforeAll(async () => {
    files = await readEpubText(await book());
  });

  test('names in the text carry their language, in lang and xml:lang', () => {
    expect(files.get('EPUB/episode-the-makers.xhtml')).toContain('<span lang="hu-HU" xml:lang="hu-HU">Ines Varga</span> plays <span lang="fr-FR" xml:lang="fr-FR">Elodie Marchal</span>.');
  });

  test('every content document links a PLS lexicon for each language, and each holds its names with their IPA', () => {
    const documents = [...files.keys()].filter((name) => name.endsWith('.xhtml'));
    expect(documents.length).toBeGreaterThanOrEqual(6);
    for (const name of documents) {
      expect(files.get(name), name).toContain('<link rel="pronunciation" type="application/pls+xml" hreflang="fr-FR" href="lexicon/fr-FR.pls"/>');
      expect(files.get(name), name).toContain('<link rel="pronunciation" type="application/pls+xml" hreflang="hu-HU" href="lexicon/hu-HU.pls"/>');
    }
    const french = files.get('EPUB/lexicon/fr-FR.pls') ?? '';
    expect(french).toContain('xml:lang="fr-FR"');
    expect(french).toContain('<grapheme>Elodie Marchal</grapheme>');
    expect(french).toContain('<phoneme>elɔdi maʁʃal</phoneme>');
    expect(french).not.toContain('Ines Varga');
  });

  test('the cover is the show\'s art, marked as the cover image, on the title page with the art\'s text alternative', () => {
    expect(files.get('EPUB/package.opf')).toContain('<item id="cover" href="cover.png" media-type="image/png" properties="cover-image"/>');
    expect(files.get('EPUB/title.xhtml')).toContain(`<img src="cover.png" alt="${cover.alt.replace(/"/g, '&quot;')}"/>`);
    expect(cover.alt).toMatch(/^Cover art: /);
  });

  test('headings are the spoken title without the full stop the narration adds', () => {
    expect(files.get('EPUB/episode-the-tower.xhtml')).toContain('<h1 id="c1.s1" epub:type="title">The tower</h1>');
    expect(files.get('EPUB/episode-the-tower.xhtml')).toContain('<h2 id="c2.s1" epub:type="title">Chapter 2: The listener</h2>');
  });
});
