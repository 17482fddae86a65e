/** The ID3v2.4 writer's own rules: header and synchsafe sizes, padding to a size, the same-sized live tag. */
import { describe, expect, test } from 'vitest';
import { id3v2Tag, iso639_2, sameSizeTags } from '../../../server/src/audio/id3.js';

const TAGS = { title: 'Ünïcode títle', album: 'Show', artist: 'Voice', picture: { mimeType: 'image/png' as const, description: 'A cover', data: Buffer.alloc(300, 7) } };
const sizeOf = (tag: Buffer): number => 10 + ((tag[6]! << 21) | (tag[7]! << 14) | (tag[8]! << 7) | tag[9]!);

describe('id3v2Tag', () => {
  test('writes an ID3v2.4 header whose synchsafe size counts every byte after it', () => {
    const tag = id3v2Tag({ ...TAGS, chapters: [{ title: 'One', startMs: 0, endMs: 1000 }] });
    expect(tag.toString('latin1', 0, 5)).toBe('ID3\u0004\u0000');
    expect(sizeOf(tag)).toBe(tag.length);
    for (const byte of tag.subarray(6, 10)) expect(byte & 0x80).toBe(0);
    // Text is UTF-8 (encoding 3), which ID3v2.4 allows and 2.3 does not.
    expect(tag.includes(Buffer.from('Ünïcode títle', 'utf8'))).toBe(true);
  });

  test('pads to the size asked for, and refuses one too small', () => {
    expect(id3v2Tag(TAGS, { padTo: 2000 }).length).toBe(2000);
    expect(() => id3v2Tag(TAGS, { padTo: 100 })).toThrow(RangeError);
  });

  test('the live tag and the stored tag are one size; the stored one refuses other chapters', () => {
    const tags = sameSizeTags(TAGS, ['Chapter 1: One', 'Chapter 2: Two']);
    const stored = tags.stored([
      { title: 'Chapter 1: One', startMs: 0, endMs: 61_234 },
      { title: 'Chapter 2: Two', startMs: 61_234, endMs: 99_000 },
    ]);
    expect(tags.live.length).toBe(tags.size);
    expect(stored.length).toBe(tags.size);
    expect(tags.live.includes(Buffer.from('CHAP'))).toBe(false);
    expect(tags.live.includes(Buffer.from('APIC'))).toBe(false);
    expect(stored.includes(Buffer.from('CTOC'))).toBe(true);
    expect(() => tags.stored([{ title: 'Another', startMs: 0, endMs: 1 }])).toThrow(RangeError);
  });

  test('language codes are ISO 639-2', () => {
    expect(iso639_2('en-US')).toBe('eng');
    expect(iso639_2('fra')).toBe('fra');
    expect(() => iso639_2('xx')).toThrow(RangeError);
  });
});
