/**
 * Renders the cover SVG to PNG and JPEG (for `npm run artwork` and the test
 * that the committed files match the design). resvg draws it with the DejaVu
 * Sans Bold file from npm and no system fonts, so every machine renders the
 * same pixels. Development only: the server serves the committed files.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import jpeg from 'jpeg-js';

/** JPEG quality: text edges stay clean, and the 3000 px file stays under half a megabyte. */
export const COVER_JPEG_QUALITY = 82;

const require = createRequire(import.meta.url);

/** The one typeface the cover uses, from the `dejavu-fonts-ttf` package. */
export function coverFontFile(): string {
  return path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf', 'DejaVuSans-Bold.ttf');
}

/** The cover at `size` x `size` pixels: its PNG and its RGBA pixels. */
export async function renderCover(svg: string, size: number): Promise<{ png: Buffer; pixels: Buffer }> {
  const font = coverFontFile();
  // Fail here, naming the file, rather than draw the title in no font at all.
  await readFile(font);
  const image = new Resvg(svg, {
    fitTo: { mode: 'width', value: size },
    font: { loadSystemFonts: false, fontFiles: [font], defaultFontFamily: 'DejaVu Sans' },
  }).render();
  if (image.width !== size || image.height !== size) throw new Error(`the cover rendered at ${image.width}x${image.height}, not ${size}x${size}: it must be square`);
  return { png: image.asPng(), pixels: image.pixels };
}

/** A JPEG of a square cover's RGBA pixels (as {@link renderCover} gives them). */
export function coverJpeg(pixels: Buffer, size: number): Buffer {
  return Buffer.from(jpeg.encode({ data: pixels, width: size, height: size }, COVER_JPEG_QUALITY).data);
}
