/**
 * `npm run artwork`: renders `audio-scripts/artwork/cover.svg` to the PNG and
 * JPEG files the site serves (3000 and 1400 px), and `icon.svg` to
 * `favicon.ico` (16 and 32 px). Run it after changing a design, look at the
 * result at 55 px (the cover) and 16 px (the icon) too, and commit the files.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { COVER_DIR, COVER_IMAGES, COVER_SVG } from '../artwork/cover.js';
import { FAVICON, FAVICON_SIZES, ICON_SVG, packIco } from '../artwork/icon.js';
import { coverJpeg, renderCover } from '../artwork/render-cover.js';

async function main(): Promise<void> {
  const svg = await readFile(path.join(COVER_DIR, COVER_SVG), 'utf8');
  for (const size of [...new Set(COVER_IMAGES.map((image) => image.size))]) {
    const rendered = await renderCover(svg, size);
    for (const image of COVER_IMAGES.filter((candidate) => candidate.size === size)) {
      const bytes = image.type === 'image/png' ? rendered.png : coverJpeg(rendered.pixels, size);
      await writeFile(path.join(COVER_DIR, image.name), bytes);
      process.stdout.write(`  ${image.name}: ${Math.round(bytes.length / 1024)} kB\n`);
    }
  }
  const icon = await readFile(path.join(COVER_DIR, ICON_SVG), 'utf8');
  const ico = packIco(await Promise.all(FAVICON_SIZES.map(async (size) => ({ size, png: (await renderCover(icon, size)).png }))));
  await writeFile(path.join(COVER_DIR, FAVICON), ico);
  process.stdout.write(`  ${FAVICON}: ${ico.length} bytes\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`The cover could not be rendered: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
