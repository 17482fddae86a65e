/**
 * The player's pages are valid HTML, as the Nu HTML Checker (vnu) reads them:
 * the home page and every episode's page of the real pack, in one vnu run.
 * A page or HTML download added to the site belongs in this set.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadContentPack } from '../../server/src/content/load.js';
import { startCompanion, type TestCompanion } from '../helpers/app.js';
import { checkHtml, htmlProblems } from '../helpers/html-validator.js';
import { CONTENT_DIR } from '../helpers/paths.js';

let real: TestCompanion;

beforeAll(async () => {
  real = await startCompanion(CONTENT_DIR);
});
afterAll(async () => {
  await real?.close();
});

describe('the Nu HTML Checker', () => {
  test('finds no error or warning in any of the player\'s pages', async () => {
    const pages = ['/', ...(await loadContentPack(CONTENT_DIR)).episodes.map((episode) => `/episodes/${episode.id}/`)];
    const documents = await Promise.all(
      pages.map(async (url) => {
        const response = await real.app.inject(url);
        expect(response.statusCode, url).toBe(200);
        return { name: url, html: response.body };
      }),
    );
    const report = await checkHtml(documents);
    expect(report.size).toBe(documents.length);
    expect(htmlProblems(report)).toEqual([]);
  });
});
