/**
 * ID3v2.4 tags for the MP3 files (id3.org's id3v2.4.0-structure and -frames,
 * and the ID3v2 Chapter Frame Addendum 1.0 for CHAP and CTOC).
 *
 * Our own writer, because the npm libraries that write CHAP and CTOC write
 * ID3v2.3 (node-id3) or mix versions, and the issue asks for 2.4: its frame
 * sizes are synchsafe and its text can be UTF-8 (encoding 3), which every
 * frame here uses. The tag goes before the first MP3 frame (before LAME's
 * gapless Info frame), so it shifts no time: decoders skip it by its size.
 *
 * A tag can be padded to a given size (zeros after the frames, as the standard
 * allows): the MP3 sent while it is still being made carries a same-sized tag
 * without chapters or picture, so its bytes line up with the stored file's.
 */

/** The picture the tag embeds (APIC, "front cover"). */
export interface Id3Picture {
  readonly mimeType: 'image/png' | 'image/jpeg';
  /** Its text alternative. */
  readonly description: string;
  readonly data: Buffer;
}

/** A chapter as CHAP writes it: times in milliseconds from the start of the audio. */
export interface Id3Chapter {
  readonly title: string;
  readonly startMs: number;
  readonly endMs: number;
}

/** What a tag says. */
export interface Id3Tags {
  /** TIT2. */
  readonly title: string;
  /** TALB: the show. */
  readonly album: string;
  /** TPE1: who is heard. */
  readonly artist: string;
  /** TEXT: who wrote the words. */
  readonly author?: string;
  /** TDRC: the year. */
  readonly year?: number;
  /** TLAN: ISO 639-2 language code (three letters). */
  readonly language?: string;
  /** COMM, in `language`. */
  readonly comment?: string;
  /** TCON. */
  readonly genre?: string;
  readonly picture?: Id3Picture;
  /** CHAP frames and the CTOC that lists them, in order. */
  readonly chapters?: readonly Id3Chapter[];
}

const HEADER_BYTES = 10;
/** "Not used" for CHAP's byte offsets: players go by the times. */
const NO_OFFSET = 0xffffffff;
const UTF8 = 3;

/** A 28-bit number as four 7-bit bytes (synchsafe: no false MPEG sync in the tag's sizes). */
function synchsafe(value: number): Buffer {
  if (!Number.isInteger(value) || value < 0 || value >= 1 << 28) throw new RangeError(`${value} bytes is more than an ID3v2 tag can hold`);
  return Buffer.from([(value >> 21) & 0x7f, (value >> 14) & 0x7f, (value >> 7) & 0x7f, value & 0x7f]);
}

function frame(id: string, body: Buffer): Buffer {
  // Status and format flags: none.
  return Buffer.concat([Buffer.from(id, 'latin1'), synchsafe(body.length), Buffer.alloc(2), body]);
}

const terminated = (text: string): Buffer => Buffer.from(`${text}\0`, 'utf8');

function textFrame(id: string, text: string): Buffer {
  return frame(id, Buffer.concat([Buffer.from([UTF8]), Buffer.from(text, 'utf8')]));
}

/** ISO 639-2 code of `language` (a BCP 47 tag like `en-US`, or a three-letter code). */
export function iso639_2(language: string): string {
  const primary = language.split('-')[0]!.toLowerCase();
  const twoToThree: Readonly<Record<string, string>> = { en: 'eng', fr: 'fra', de: 'deu', es: 'spa', it: 'ita', nl: 'nld', pt: 'por' };
  const code = primary.length === 3 ? primary : twoToThree[primary];
  if (code === undefined || !/^[a-z]{3}$/.test(code)) throw new RangeError(`no ISO 639-2 code known for "${language}"`);
  return code;
}

function commentFrame(language: string, text: string): Buffer {
  return frame('COMM', Buffer.concat([Buffer.from([UTF8]), Buffer.from(language, 'latin1'), terminated(''), Buffer.from(text, 'utf8')]));
}

function pictureFrame(picture: Id3Picture): Buffer {
  // Type 3: "Cover (front)".
  return frame('APIC', Buffer.concat([Buffer.from([UTF8]), Buffer.from(`${picture.mimeType}\0`, 'latin1'), Buffer.from([3]), terminated(picture.description), picture.data]));
}

const elementId = (index: number): string => `chp${index}`;

function chapterFrame(chapter: Id3Chapter, index: number): Buffer {
  const times = Buffer.alloc(16);
  const ms = (value: number): number => Math.max(0, Math.min(0xfffffffe, Math.round(value)));
  times.writeUInt32BE(ms(chapter.startMs), 0);
  times.writeUInt32BE(ms(chapter.endMs), 4);
  times.writeUInt32BE(NO_OFFSET, 8);
  times.writeUInt32BE(NO_OFFSET, 12);
  return frame('CHAP', Buffer.concat([terminated(elementId(index)), times, textFrame('TIT2', chapter.title)]));
}

function tableOfContents(count: number): Buffer {
  if (count > 255) throw new RangeError(`a CTOC lists at most 255 chapters, not ${count}`);
  // Flags: top-level (bit 1) and ordered (bit 0).
  const head = Buffer.concat([terminated('toc'), Buffer.from([0b11, count])]);
  const children = Array.from({ length: count }, (_, index) => terminated(elementId(index)));
  return frame('CTOC', Buffer.concat([head, ...children, textFrame('TIT2', 'Chapters')]));
}

/**
 * The tag as bytes: header, frames (the picture left out when `picture` is
 * false), then padding up to `padTo` bytes in all (the whole tag, header
 * included), when given.
 * @throws RangeError when the frames need more than `padTo` bytes.
 */
export function id3v2Tag(tags: Id3Tags, options: { readonly padTo?: number; readonly picture?: boolean } = {}): Buffer {
  const frames: Buffer[] = [textFrame('TIT2', tags.title), textFrame('TALB', tags.album), textFrame('TPE1', tags.artist)];
  if (tags.author !== undefined) frames.push(textFrame('TEXT', tags.author));
  if (tags.year !== undefined) frames.push(textFrame('TDRC', String(tags.year)));
  if (tags.language !== undefined) frames.push(textFrame('TLAN', tags.language));
  if (tags.genre !== undefined) frames.push(textFrame('TCON', tags.genre));
  if (tags.comment !== undefined) frames.push(commentFrame(tags.language ?? 'und', tags.comment));
  if (tags.chapters !== undefined && tags.chapters.length > 0) {
    frames.push(tableOfContents(tags.chapters.length), ...tags.chapters.map(chapterFrame));
  }
  // The picture last: a reader that stops early still has every text frame.
  if (tags.picture !== undefined && options.picture !== false) frames.push(pictureFrame(tags.picture));
  const body = Buffer.concat(frames);
  const size = options.padTo ?? HEADER_BYTES + body.length;
  if (size < HEADER_BYTES + body.length) throw new RangeError(`the tag needs ${HEADER_BYTES + body.length} bytes, more than the ${size} it must fit`);
  const header = Buffer.concat([Buffer.from('ID3', 'latin1'), Buffer.from([4, 0, 0]), synchsafe(size - HEADER_BYTES)]);
  return Buffer.concat([header, body, Buffer.alloc(size - HEADER_BYTES - body.length)]);
}

/**
 * The stored file's tag (with its chapters and picture) and the tag for the
 * bytes sent while the file is being made, padded to the same size, so the
 * audio starts at the same byte in both. The live tag has no chapters (their
 * times are not known yet) and no picture: with a picture in the first bytes,
 * Chromium did not play the stream as a stream (it waited, and gave it a
 * length). `chapterTitles` fixes the size before the times exist: CHAP's times
 * are fixed-width.
 */
export function sameSizeTags(tags: Omit<Id3Tags, 'chapters'>, chapterTitles: readonly string[]): { size: number; live: Buffer; stored: (chapters: readonly Id3Chapter[]) => Buffer } {
  const size = id3v2Tag({ ...tags, chapters: chapterTitles.map((title) => ({ title, startMs: 0, endMs: 0 })) }).length;
  return {
    size,
    live: id3v2Tag(tags, { padTo: size, picture: false }),
    stored: (chapters) => {
      if (chapters.map((chapter) => chapter.title).join('\n') !== chapterTitles.join('\n')) throw new RangeError('the chapters differ from those the tag was sized for');
      return id3v2Tag({ ...tags, chapters }, { padTo: size });
    },
  };
}
