/**
 * The cover art: the committed PNG and JPEG files are the SVG as it is now
 * (re-rendered here), square at the sizes Apple asks for, and the SVG carries
 * the text alternative everything that shows the cover uses.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { beforeAll, describe, expect, test } from 'vitest';
import { COVER_DIR, COVER_IMAGES, COVER_SVG, EMBEDDED_COVER, FEED_COVER, loadCover } from '../../../server/src/artwork/cover.js';
import { renderCover } from '../../../server/src/artwork/render-cover.js';
import { imageSize } from '../../helpers/image-size.js';

const REGENERATE = 'run `npm run artwork` after changing audio-scripts/artwork/cover.svg, and commit the files';
let svg: string;

beforeAll(async () => {
  svg = await readFile(path.join(COVER_DIR, COVER_SVG), 'utf8');
});

describe('the cover art', () => {
  test('has a title and a text alternative that says what it shows', async () => {
    const cover = await loadCover();
    expect(cover.title).toBe('All the Light We Cannot See: an audio companion');
    expect(cover.alt).toMatch(/^Cover art: .*All the Light.*We Cannot See.*An audio companion/);
    expect(cover.alt).not.toMatch(/\s{2}|&[a-z]+;/);
  });

  test.each(COVER_IMAGES.map((image) => ({ ...image })))('$name is a square $type of $size px', async (image) => {
    const file = await readFile(path.join(COVER_DIR, image.name));
    expect(imageSize(file)).toEqual({ type: image.type, width: image.size, height: image.size });
  });

  test('the feed names the 3000 px file and the MP3s embed a 1400 px one', () => {
    expect(FEED_COVER.size).toBe(3000);
    expect(EMBEDDED_COVER.size).toBe(1400);
  });

  test('the 1400 px files are the SVG as it is now', async () => {
    const rendered = await renderCover(svg, 1400);
    const png = await readFile(path.join(COVER_DIR, 'cover-1400.png'));
    expect(png.equals(rendered.png), REGENERATE).toBe(true);
    // JPEG is lossy: the committed file decodes to the rendered pixels, give or take its compression.
    const decoded = jpeg.decode(await readFile(path.join(COVER_DIR, 'cover-1400.jpg')), { useTArray: true });
    let difference = 0;
    for (let i = 0; i < rendered.pixels.length; i += 4) {
      for (let c = 0; c < 3; c++) difference += Math.abs(decoded.data[i + c]! - rendered.pixels[i + c]!);
    }
    expect(difference / ((rendered.pixels.length / 4) * 3), REGENERATE).toBeLessThan(2);
  });

  test('a cover without a text alternative is refused, naming what is missing', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const folder = await mkdtemp(path.join(tmpdir(), 'atl-cover-'));
    try {
      await writeFile(path.join(folder, COVER_SVG), svg.replace(/<desc>[^<]*<\/desc>/, ''));
      await expect(loadCover(folder)).rejects.toThrow(/no <desc>: it is the cover's text alternative/);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
