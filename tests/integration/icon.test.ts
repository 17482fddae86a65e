/**
 * The site's icon as the server sends it: `/favicon.ico` (which browsers ask for
 * whatever a page says) and `/icon.svg`, named by every page.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { COVER_DIR } from '../../server/src/artwork/cover.js';
import { FAVICON } from '../../server/src/artwork/icon.js';
import { startCompanion, type TestCompanion } from '../helpers/app.js';
import { FIXTURE_PACK } from '../helpers/paths.js';

let companion: TestCompanion;
beforeAll(async () => {
  companion = await startCompanion(FIXTURE_PACK);
});
afterAll(async () => {
  await companion?.close();
});

describe("the site's icon", () => {
  test('at /favicon.ico and /icon.svg, named by every page', async () => {
    const ico = await companion.app.inject('/favicon.ico');
    expect(ico.statusCode).toBe(200);
    expect(ico.headers['content-type']).toMatch(/^image\/(x-icon|vnd\.microsoft\.icon)/);
    expect(ico.rawPayload.equals(await readFile(path.join(COVER_DIR, FAVICON)))).toBe(true);
    const svg = await companion.app.inject('/icon.svg');
    expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
    for (const page of ['/', '/episodes/the-light/']) {
      const head = (await companion.app.inject(page)).body.split('</head>')[0];
      expect(head).toContain('<link rel="icon" href="/favicon.ico" sizes="16x16 32x32">');
      expect(head).toContain('<link rel="icon" href="/icon.svg" type="image/svg+xml">');
    }
  });
});
