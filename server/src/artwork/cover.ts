/**
 * The show's cover art: a square SVG designed in the project
 * (`audio-scripts/artwork/cover.svg`), rendered to PNG and JPEG at 3000 and
 * 1400 px (`npm run artwork`), with its text alternative taken from the SVG's
 * own `<desc>`. The feed, the ID3 tags, the player's Media Session and the
 * EPUB cover all use these files. Domain code: never imports fastify.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../config.js';

/** Where the cover's source and rendered files live. */
export const COVER_DIR = path.join(PROJECT_ROOT, 'audio-scripts', 'artwork');
/** The design, rendered by `npm run artwork`. */
export const COVER_SVG = 'cover.svg';
/** The URL folder the site serves the rendered files from (a stable address for podcast apps). */
export const COVER_URL_FOLDER = '/artwork';

/** One rendered cover file. */
export interface CoverImage {
  readonly name: string;
  readonly type: 'image/png' | 'image/jpeg';
  /** Width and height in pixels: the cover is square. */
  readonly size: number;
}

/** The rendered files: Apple asks for 1400 to 3000 px, JPEG or PNG. */
export const COVER_IMAGES: readonly CoverImage[] = [
  { name: 'cover-3000.png', type: 'image/png', size: 3000 },
  { name: 'cover-3000.jpg', type: 'image/jpeg', size: 3000 },
  { name: 'cover-1400.png', type: 'image/png', size: 1400 },
  { name: 'cover-1400.jpg', type: 'image/jpeg', size: 1400 },
];

/** The file the feed names as the show's image: the largest, and the smallest file of that size (flat colours compress better as PNG). */
export const FEED_COVER = COVER_IMAGES[0]!;
/** The file embedded in every MP3 (ID3 APIC): 1400 px is what apps show, and at 66 kB it adds little to a file. */
export const EMBEDDED_COVER = COVER_IMAGES[2]!;

/** The cover as the rest of the project needs it. */
export interface Cover {
  /** The title the SVG gives itself. */
  readonly title: string;
  /** The text alternative: what the cover shows, for anyone who cannot see it. */
  readonly alt: string;
  readonly images: readonly CoverImage[];
  /** The bytes of one rendered file. */
  bytes(image: CoverImage): Promise<Buffer>;
  /** The folder the files are in. */
  readonly folder: string;
}

const decodeEntities = (text: string): string =>
  text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** The text of the SVG's first `<tag>` element, whitespace collapsed. */
function svgText(svg: string, tag: 'title' | 'desc'): string {
  const text = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(svg)?.[1];
  if (text === undefined || text.trim() === '') throw new Error(`the cover SVG has no <${tag}>: it is the cover's ${tag === 'desc' ? 'text alternative' : 'title'}`);
  return decodeEntities(text).replace(/\s+/g, ' ').trim();
}

/**
 * Reads the cover from `folder` (default {@link COVER_DIR}): its title and text
 * alternative now, each file's bytes when asked (once, then kept).
 * @throws Error when the SVG is missing or has no `<title>` or `<desc>`.
 */
export async function loadCover(folder: string = COVER_DIR): Promise<Cover> {
  const svg = await readFile(path.join(folder, COVER_SVG), 'utf8');
  const kept = new Map<string, Promise<Buffer>>();
  return {
    title: svgText(svg, 'title'),
    alt: svgText(svg, 'desc'),
    images: COVER_IMAGES,
    folder,
    bytes(image) {
      let bytes = kept.get(image.name);
      if (bytes === undefined) {
        bytes = readFile(path.join(folder, image.name));
        // A failed read is not kept: the next call tries again.
        bytes.catch(() => kept.delete(image.name));
        kept.set(image.name, bytes);
      }
      return bytes;
    },
  };
}
