/**
 * The book's cover: a plain SVG of its title, light on dark, made here until
 * the podcast artwork exists. Its text alternative is on the title page.
 */
import { html } from '../site/html.js';

export const COVER = { href: 'cover.svg', mediaType: 'image/svg+xml' } as const;

/** Splits a title into lines of at most `width` characters, at spaces. */
function lines(title: string, width: number): string[] {
  const out: string[] = [];
  for (const word of title.split(/\s+/)) {
    const last = out.at(-1);
    if (last !== undefined && `${last} ${word}`.length <= width) out[out.length - 1] = `${last} ${word}`;
    else out.push(word);
  }
  return out;
}

export function coverSvg(title: string, subtitle: string): string {
  const titleLines = lines(title, 18);
  return `<?xml version="1.0" encoding="UTF-8"?>
${html`<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="0 0 1400 2100" width="1400" height="2100" role="img" aria-labelledby="cover-title">
<title id="cover-title">${title}</title>
<rect width="1400" height="2100" fill="#0b1a33"/>
<circle cx="1100" cy="360" r="120" fill="#f4e7b0"/>
<g font-family="Georgia, serif" fill="#f8f4e6" text-anchor="middle">${titleLines.map(
    (line, i) => html`
<text x="700" y="${900 + i * 130}" font-size="110">${line}</text>`,
  )}
<text x="700" y="${1000 + titleLines.length * 130}" font-size="60">${subtitle}</text>
</g>
</svg>`}
`;
}
