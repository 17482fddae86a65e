/**
 * The MP3s' ID3v2.4 tags, read back with a real tag reader (music-metadata):
 * title, show, narrator, year, language, the sources, the cover, and chapters
 * equal to chapters.json. The tag shifts no time and its bytes are counted:
 * length, ETag and ranges are the tagged file's; the bytes sent while the file
 * was being made carry a tag of the same size (no chapters yet, no picture), so the audio
 * starts at the same byte in both.
 */
import { parseBuffer } from 'music-metadata';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EMBEDDED_COVER, loadCover } from '../../server/src/artwork/cover.js';
import { startCompanion, type TestCompanion } from '../helpers/app.js';
import { FIXTURE_PACK } from '../helpers/paths.js';
import { decodeWithFfmpeg } from '../unit/audio/installed-programs.js';

const AUDIO = '/api/episodes/the-light/audio.mp3';
let companion: TestCompanion;
let live: Buffer;
let stored: Buffer;

/** The size of the ID3v2 tag at the start of `file` (header included). */
const tagSize = (file: Buffer): number => {
  expect(file.toString('latin1', 0, 3)).toBe('ID3');
  return 10 + ((file[6]! << 21) | (file[7]! << 14) | (file[8]! << 7) | file[9]!);
};

beforeAll(async () => {
  companion = await startCompanion(FIXTURE_PACK);
  // Nobody asked for it yet: the first answer is the MP3 as it is made, the next the stored file.
  const first = await companion.app.inject(AUDIO);
  expect(first.headers['cache-control']).toBe('no-store');
  live = first.rawPayload;
  const second = await companion.app.inject(AUDIO);
  expect(second.headers['cache-control']).toBe('public, no-cache');
  stored = second.rawPayload;
});
afterAll(async () => {
  await companion?.close();
});

describe('the stored MP3', () => {
  test('tells its title, show, narrator, author, year, language, sources and cover (ID3v2.4)', async () => {
    const { common, format } = await parseBuffer(stored, { mimeType: 'audio/mpeg' });
    expect(format.tagTypes).toEqual(['ID3v2.4']);
    expect(common).toMatchObject({
      title: 'The light',
      album: 'The Lamp Room: a test companion',
      artist: 'eSpeak NG (synthetic voice)',
      year: 2024,
      language: 'eng',
    });
    expect(common.lyricist).toEqual(['The Lamp Room makers']);
    expect(common.comment?.[0]?.text).toBe('Facts about The Lamp Room in our own words, from these articles: A made-up press note; A made-up review.');
    const cover = await loadCover();
    const picture = common.picture?.[0];
    expect(picture).toMatchObject({ format: 'image/png', type: 'Cover (front)', description: cover.alt });
    expect(Buffer.from(picture!.data).equals(await cover.bytes(EMBEDDED_COVER))).toBe(true);
  });

  test('has the chapters of chapters.json, within 10 ms, in a table of contents', async () => {
    const { format, native } = await parseBuffer(stored, { mimeType: 'audio/mpeg' }, { includeChapters: true });
    const json = (await companion.app.inject('/api/episodes/the-light/chapters.json')).json<{ chapters: { startTime: number; endTime: number; title: string }[] }>();
    expect(format.chapters?.map((c) => c.title)).toEqual(json.chapters.map((c) => c.title));
    format.chapters?.forEach((chapter, i) => {
      expect(Math.abs(chapter.start - json.chapters[i]!.startTime)).toBeLessThanOrEqual(0.01);
      expect(Math.abs(chapter.end! - json.chapters[i]!.endTime)).toBeLessThanOrEqual(0.01);
    });
    const toc = native['ID3v2.4']?.find((tag) => tag.id === 'CTOC')?.value as { flags: { topLevel: boolean; ordered: boolean }; childElementIds: string[] };
    expect(toc).toMatchObject({ flags: { topLevel: true, ordered: true }, childElementIds: format.chapters?.map((c) => c.id) });
  });

  test('its length, ETag and ranges are the tagged file’s', async () => {
    const head = await companion.app.inject({ method: 'HEAD', url: AUDIO });
    expect(Number(head.headers['content-length'])).toBe(stored.length);
    const size = tagSize(stored);
    const range = await companion.app.inject({ url: AUDIO, headers: { range: `bytes=${size - 4}-${size + 3}` } });
    expect(range.statusCode).toBe(206);
    expect(range.headers['content-range']).toBe(`bytes ${size - 4}-${size + 3}/${stored.length}`);
    expect(range.rawPayload.equals(stored.subarray(size - 4, size + 4))).toBe(true);
    // The first audio frame follows the tag: an MPEG sync word.
    expect(stored[size]).toBe(0xff);
    const conditional = await companion.app.inject({ url: AUDIO, headers: { 'if-none-match': String(head.headers.etag) } });
    expect(conditional.statusCode).toBe(304);
  });

  test('the tag shifts no time: the decoded audio is as long as the time line', async () => {
    const samples = await decodeWithFfmpeg(stored, 22_050);
    const { durationMs } = (await companion.app.inject('/api/episodes/the-light/transcript.json')).json<{ durationMs: number }>();
    expect(Math.abs((samples.length / 22.05) - durationMs)).toBeLessThan(2);
  });
});

describe('the MP3 sent while it was being made', () => {
  test('starts with a tag of the stored tag’s size, without chapters or picture, and then the same audio bytes', async () => {
    const size = tagSize(live);
    expect(tagSize(stored)).toBe(size);
    const { common, format } = await parseBuffer(live, { mimeType: 'audio/mpeg' }, { includeChapters: true });
    expect(common.title).toBe('The light');
    // With the picture first, Chromium did not play the bytes as a stream.
    expect(common.picture).toBeUndefined();
    expect(format.chapters ?? []).toEqual([]);
    // The stored file has LAME's gapless Info frame after the tag; the rest is the same bytes.
    const infoFrame = stored.length - live.length;
    expect(stored.toString('latin1', size + 13, size + 17)).toBe('Info');
    expect(live.subarray(size).equals(stored.subarray(size + infoFrame))).toBe(true);
  });
});
