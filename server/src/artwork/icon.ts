/**
 * The site's icon: the cover's radio signal on its night blue
 * (`audio-scripts/artwork/icon.svg`), and `favicon.ico` rendered from it
 * (`npm run artwork`), which browsers ask for at the site's root.
 * Domain code: never imports fastify.
 */

/** The design, next to the cover's in `COVER_DIR`. */
export const ICON_SVG = 'icon.svg';
/** The icon as browsers ask for it unprompted, at `/favicon.ico`. */
export const FAVICON = 'favicon.ico';
/** Pixel sizes the ICO holds: a browser tab's 16 px, and 32 px for high-density screens and bookmarks. */
export const FAVICON_SIZES = [16, 32] as const;

/**
 * An ICO file holding square PNG images (the form every current browser and
 * Windows since Vista read): a 6-byte header, a 16-byte entry per image, then
 * the PNGs as they are.
 * @throws RangeError for a size outside 1 to 256 px.
 */
export function packIco(images: readonly { readonly size: number; readonly png: Buffer }[]): Buffer {
  const header = Buffer.alloc(6 + 16 * images.length);
  header.writeUInt16LE(0, 0);
  // Type 1: icon.
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  images.forEach(({ size, png }, i) => {
    if (!Number.isInteger(size) || size < 1 || size > 256) throw new RangeError(`an icon is 1 to 256 px square, not ${size}`);
    const entry = 6 + 16 * i;
    // 256 is written as 0: the field is one byte.
    header.writeUInt8(size % 256, entry);
    header.writeUInt8(size % 256, entry + 1);
    // No palette; one plane of 32-bit colour.
    header.writeUInt16LE(1, entry + 4);
    header.writeUInt16LE(32, entry + 6);
    header.writeUInt32LE(png.length, entry + 8);
    header.writeUInt32LE(offset, entry + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...images.map((image) => image.png)]);
}
