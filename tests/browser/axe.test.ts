/**
 * axe-core (WCAG 2.0 A and AA, 2.1 AA, 2.2 AA, best practice, and AAA text
 * contrast) finds nothing in any state of the player, each state reached as a
 * listener reaches it (see player-states.ts, which the interaction tests share).
 */
import { describe, expect } from 'vitest';
import { axeViolations, browserTest as test, describeViolations } from '../helpers/browser.js';
import { reach, STATES } from './player-states.js';

describe('axe-core in every state of the player', () => {
  test.for(STATES)('$name: no violations', async (s, { browser, baseUrl }) => {
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
