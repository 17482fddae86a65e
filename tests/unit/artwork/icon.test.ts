/**
 * The site's icon: `favicon.ico` is `icon.svg` as it is now, at 16 and 32 px,
 * in an ICO that browsers read.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { COVER_DIR } from '../../../server/src/artwork/cover.js';
import { FAVICON, FAVICON_SIZES, ICON_SVG, packIco } from '../../../server/src/artwork/icon.js';
import { renderCover } from '../../../server/src/artwork/render-cover.js';
import { imageSize } from '../../helpers/image-size.js';

/** The images of an ICO file, as its directory lists them. */
function readIco(file: Buffer): { size: number; image: Buffer }[] {
  expect([file.readUInt16LE(0), file.readUInt16LE(2)], 'an ICO header: reserved 0, type 1').toEqual([0, 1]);
  return Array.from({ length: file.readUInt16LE(4) }, (_, i) => {
    const entry = 6 + 16 * i;
    const [width, height] = [file.readUInt8(entry) || 256, file.readUInt8(entry + 1) || 256];
    expect(width).toBe(height);
    const length = file.readUInt32LE(entry + 8);
    const offset = file.readUInt32LE(entry + 12);
    expect(offset + length).toBeLessThanOrEqual(file.length);
    return { size: width, image: file.subarray(offset, offset + length) };
  });
}

describe('favicon.ico', () => {
  test('holds icon.svg as it is now, at 16 and 32 px', async () => {
    const svg = await readFile(path.join(COVER_DIR, ICON_SVG), 'utf8');
    const images = readIco(await readFile(path.join(COVER_DIR, FAVICON)));
    expect(images.map((image) => image.size)).toEqual([...FAVICON_SIZES]);
    for (const { size, image } of images) {
      expect(imageSize(image)).toEqual({ type: 'image/png', width: size, height: size });
      expect(image.equals((await renderCover(svg, size)).png), 'run `npm run artwork` after changing audio-scripts/artwork/icon.svg, and commit the files').toBe(true);
    }
  });

  test('an icon larger than an ICO can say is refused', () => {
    expect(() => packIco([{ size: 300, png: Buffer.alloc(1) }])).toThrow(/1 to 256 px square, not 300/);
  });
});
