/**
 * The book's cover: the show's cover art (`../artwork/`), the same file the
 * MP3s embed, with the art's own text alternative, shown on the title page.
 */
import { EMBEDDED_COVER, type Cover } from '../artwork/cover.js';

/** The cover as the book holds it. */
export interface BookCover {
  /** Relative to the package folder. */
  readonly href: string;
  readonly mediaType: string;
  readonly data: Buffer;
  /** What the cover shows, for anyone who cannot see it. */
  readonly alt: string;
}

/** The 1400 px rendering: what reading apps show, at a size that adds little to the book. */
export async function bookCover(cover: Cover): Promise<BookCover> {
  const image = EMBEDDED_COVER;
  return { href: `cover.${image.name.split('.').pop() ?? 'png'}`, mediaType: image.type, data: await cover.bytes(image), alt: cover.alt };
}
