/**
 * Real browser for the tests: Debian's Chromium driven by playwright-core
 * (never a downloaded browser), with axe-core and the virtual screen reader
 * evaluated in the page. They are evaluated through the DevTools protocol, not
 * added as <script>, so the page's Content-Security-Policy stays as served and
 * they also run in a page whose own JavaScript is disabled.
 *
 * `browserTest` is the one fixture every browser suite starts from: one
 * Chromium per test file (`browser`), and, for the suites that use it, one
 * server per file over the test show (`baseUrl`, `companion`) whose audio
 * comes from the render cache the whole run shares.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { inject as provided, test } from 'vitest';
import { startCompanion, type TestCompanion } from './app.js';
import { ROOT } from './paths.js';

const require = createRequire(import.meta.url);

/** Where Chromium is: CHROMIUM_PATH, else Debian's /usr/bin/chromium. */
export function chromiumPath(): string {
  const candidate = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(candidate)) {
    throw new Error(
      `No Chromium at ${candidate}. The browser tests need a real Chromium: ` +
        'install it with `apt-get install -y chromium` (Debian), or set CHROMIUM_PATH to its executable.',
    );
  }
  return candidate;
}

/** A made-up two-episode show: episode 1 has three chapters, episode 2 names people. */
export const NIGHT_RADIO = path.join(ROOT, 'tests', 'browser', 'fixtures', 'night-radio');

/** The browser suites need the compiled player; say how to get it instead of failing obscurely. */
export function assertBuilt(): void {
  if (!existsSync(path.join(ROOT, 'dist', 'web', 'main.js'))) {
    throw new Error('The player scripts are not built: run `npm run build` first (npm test does).');
  }
}

/**
 * The browser suites' test: `browser` (Chromium, one per file), `companion`
 * (the app over the test show, on a real port, one per file) and its `baseUrl`.
 * Each is started only by the files that use it, and closed when the file ends.
 */
export const browserTest = test
  // vitest reads what a fixture needs from its first argument's pattern: these two need no other fixture.
  // eslint-disable-next-line no-empty-pattern
  .extend('browser', { scope: 'file' }, async ({}, { onCleanup }) => {
    assertBuilt();
    const browser = await launchBrowser();
    onCleanup(() => browser.close());
    return browser;
  })
  // eslint-disable-next-line no-empty-pattern
  .extend('companion', { scope: 'file' }, async ({}, { onCleanup }) => {
    const companion: TestCompanion = await startCompanion(NIGHT_RADIO, undefined, { renderCache: provided('renderCache') });
    onCleanup(() => companion.close());
    return companion;
  })
  .extend('baseUrl', { scope: 'file' }, async ({ companion }) => companion.app.listen({ host: '127.0.0.1', port: 0 }));

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // This machine's network is closed: keep Chromium from reaching out at start.
    // Media needs a user gesture, as for a listener: the tests never rely on autoplay.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=user-gesture-required',
    ],
  });
}

export interface PageOptions extends BrowserContextOptions {
  /** Let the service worker run (it is blocked by default so routes and fresh loads stay predictable). */
  readonly serviceWorker?: boolean;
}

export interface OpenedPage {
  readonly page: Page;
  /** Uncaught errors, console errors and CSP violations seen so far. */
  readonly errors: string[];
  close(): Promise<void>;
}

/** A fresh context (its own storage) and page at `url`, collecting errors; `prepare` runs before the page loads. */
export async function openPage(browser: Browser, url: string, options: PageOptions = {}, prepare?: (page: Page) => Promise<void>): Promise<OpenedPage> {
  const { serviceWorker = false, ...context } = options;
  const ctx = await browser.newContext({ viewport: { width: 1024, height: 800 }, serviceWorkers: serviceWorker ? 'allow' : 'block', ...context });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // A failed request is the server's answer, checked by the tests that cause it.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(`console: ${message.text()}`);
  });
  await prepare?.(page);
  await page.goto(url);
  return { page, errors, close: () => ctx.close() };
}

export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa', 'best-practice'] as const;
/** Rules outside those tags that the player must pass too: text contrast at AAA (7:1). */
export const AXE_EXTRA_RULES = ['color-contrast-enhanced'] as const;

/** Rules switched off, each with why. Empty: every rule of the tags runs. */
export const AXE_DISABLED_RULES: Readonly<Record<string, string>> = {};

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

async function inject(page: Page, global: string, source: string): Promise<void> {
  if (await page.evaluate((name) => name in window, global)) return;
  await page.evaluate(source);
}

/** Runs axe-core in the page with the given tags, plus the extra rules, and returns its violations. */
export async function axeViolations(page: Page, tags: readonly string[] = AXE_TAGS): Promise<AxeViolation[]> {
  await inject(page, 'axe', axeSource);
  const rules = Object.fromEntries([
    ...AXE_EXTRA_RULES.map((id) => [id, { enabled: true }]),
    ...Object.keys(AXE_DISABLED_RULES).map((id) => [id, { enabled: false }]),
  ]);
  return page.evaluate(
    async ({ runTags, runRules }) => {
      const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: AxeViolation[] }> } }).axe;
      const result = await axe.run(document, { runOnly: { type: 'tag', values: runTags }, rules: runRules, resultTypes: ['violations'] });
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
    },
    { runTags: [...tags], runRules: rules },
  );
}

/** A readable summary of violations for a failing assertion. */
export function describeViolations(violations: readonly AxeViolation[]): string {
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`).join('\n  ')}`).join('\n');
}

// The browser build is an ES module ending in one export statement: as a
// classic script it puts the screen reader on `window.__virtualScreenReader`.
const vsrSource = readFileSync(require.resolve('@guidepup/virtual-screen-reader/browser.js'), 'utf8').replace(
  /export\s*\{\s*([\w$]+) as Virtual\s*,\s*([\w$]+) as virtual\s*\};?/,
  'window.__virtualScreenReader = $2;',
);

/** The parts of @guidepup/virtual-screen-reader the tests drive, run in the page. */
export interface VirtualScreenReader {
  start(options: { container: Node }): Promise<void>;
  stop(): Promise<void>;
  next(): Promise<void>;
  previous(): Promise<void>;
  act(): Promise<void>;
  press(key: string): Promise<void>;
  lastSpokenPhrase(): Promise<string>;
  spokenPhraseLog(): Promise<string[]>;
  clearSpokenPhraseLog(): Promise<void>;
}

/** Puts the virtual screen reader in the page; drive it with `page.evaluate` on `window.__virtualScreenReader`. */
export async function injectVirtualScreenReader(page: Page): Promise<void> {
  if (!vsrSource.includes('window.__virtualScreenReader')) throw new Error('The virtual screen reader build changed shape: update tests/helpers/browser.ts');
  await inject(page, '__virtualScreenReader', vsrSource);
}
