/**
 * axe-core (WCAG 2.0 A and AA, 2.1 AA, 2.2 AA, best practice, and AAA text
 * contrast) finds nothing in any state of the player, each state reached as a
 * listener reaches it (see player-states.ts, which the interaction tests share).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCompanion, type TestCompanion } from '../helpers/app.js';
import { axeViolations, describeViolations, launchBrowser } from '../helpers/browser.js';
import { assertBuilt } from './built.js';
import { NIGHT_RADIO, reach, STATES } from './player-states.js';

let companion: TestCompanion;
let browser: Browser;
let baseUrl: string;

beforeAll(async () => {
  assertBuilt();
  companion = await startCompanion(NIGHT_RADIO);
  baseUrl = await companion.app.listen({ host: '127.0.0.1', port: 0 });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await companion?.close();
});

describe('axe-core in every state of the player', () => {
  test.each(STATES)('$name: no violations', async (s) => {
    const { page, errors, close } = await reach(browser, baseUrl, s);
    try {
      const violations = await axeViolations(page);
      expect(violations, describeViolations(violations)).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});
