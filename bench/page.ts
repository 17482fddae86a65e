/**
 * Page benchmark (issue 7): what the player costs a listener on a first visit,
 * in Debian's headless Chromium against the companion as built, on loopback.
 *
 * - Transferred size of the player shell: the page's HTML, CSS and JavaScript as
 *   they came over the wire, compressed when the server compresses them. Target: at
 *   most 30 kB of bodies; the response headers are printed beside them (DevTools'
 *   "transferred" counts both; over HTTP/2 a CDN compresses repeated headers to
 *   little, over HTTP/1.1 on loopback they are sent whole). References measured in
 *   the same run: the same files uncompressed, and brotli at its best level (what
 *   precompression can reach). Each episode's page is weighed too: the HTML holds
 *   the whole transcript, so it grows with the episode.
 * - Time to interactive: navigation start until the enhanced controls are shown
 *   and every component has started (the Play button works from then on). The
 *   reference is the same page with JavaScript switched off, usable with native
 *   controls once its DOM is loaded. Also printed: first contentful paint, and when
 *   the transcript's sentences become links (the episode's timings have arrived).
 *
 * Prints figures and never asserts: times depend on the machine. The companion runs
 * as a child process with its own throw-away cache and is stopped at the end.
 *
 *     npx tsx bench/page.ts [--runs 7] [--companion <built checkout>]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { get } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { launchBrowser } from '../tests/helpers/browser.js';
import { freePort, sleep } from './loopback.js';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HOST = '127.0.0.1';
const TARGET_SHELL_BYTES = 30_000;
/** The kinds of resources that make the shell, as Chromium's DevTools names them. */
const SHELL_TYPES = new Set(['Document', 'Stylesheet', 'Script']);

// ---------------------------------------------------------------------------
// The companion, as a child process.

interface Companion {
  readonly origin: string;
  readonly process: ChildProcess;
  stderr(): string;
}

async function startCompanion(root: string, cacheDir: string): Promise<Companion> {
  const port = await freePort();
  // No warm-up: only the episode the page plays is rendered, before anything is timed.
  const child = spawn(process.execPath, ['dist/server/server.js', '--host', HOST, '--port', String(port), '--cache', cacheDir, '--warm', 'off', '--log-level', 'warn'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  });
  const companion: Companion = { origin: `http://${HOST}:${port}`, process: child, stderr: () => tail };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the companion exited before it was ready:\n${tail}`);
    try {
      if ((await fetch(`${companion.origin}/healthz`)).ok) return companion;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`the companion was not ready within a minute:\n${tail}`);
    await sleep(250);
  }
}

async function stopCompanion(companion: Companion | undefined): Promise<void> {
  const child = companion?.process;
  if (child === undefined || child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------
// Weighing a page load.

interface Resource {
  readonly url: string;
  readonly type: string;
  readonly status: number;
  readonly encoding: string;
  /** Bytes over the wire, headers included (DevTools' "transferred"). */
  transferred: number;
  /** Of which the response headers. */
  headers: number;
  /** Body bytes after decoding. */
  decoded: number;
}

/** Records every response of `page` through the DevTools protocol until `stop` is called. */
async function recordResources(page: Page): Promise<{ session: CDPSession; resources: Map<string, Resource> }> {
  const session = await page.context().newCDPSession(page);
  const resources = new Map<string, Resource>();
  session.on('Network.responseReceived', ({ requestId, type, response }) => {
    const headers = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
    // At this point the bytes received are the status line and headers.
    resources.set(requestId, { url: response.url, type, status: response.status, encoding: headers['content-encoding'] ?? 'none', transferred: 0, headers: response.encodedDataLength, decoded: 0 });
  });
  session.on('Network.dataReceived', ({ requestId, dataLength }) => {
    const resource = resources.get(requestId);
    if (resource !== undefined) resource.decoded += dataLength;
  });
  session.on('Network.loadingFinished', ({ requestId, encodedDataLength }) => {
    const resource = resources.get(requestId);
    if (resource !== undefined) resource.transferred = encodedDataLength;
  });
  // No cache: every byte comes over the wire, as on a first visit.
  await session.send('Network.enable');
  await session.send('Network.setCacheDisabled', { cacheDisabled: true });
  return { session, resources };
}

/** The shell's resources of one load of `url`, once the page and its scripts have settled. */
async function weighShell(browser: Browser, url: string): Promise<Resource[]> {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  try {
    const page = await context.newPage();
    const { resources } = await recordResources(page);
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector('[data-controls]:not([hidden])', { timeout: 30_000 });
    await page.waitForLoadState('networkidle');
    return [...resources.values()].filter((r) => SHELL_TYPES.has(r.type) && r.status === 200);
  } finally {
    await context.close();
  }
}

/** The body of `url` exactly as sent when brotli or gzip is accepted (fetch() would decode it), and its encoding. */
function asSent(url: string): Promise<{ bytes: number; encoding: string }> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { 'accept-encoding': 'br, gzip' } }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.on('end', () => resolve({ bytes, encoding: String(response.headers['content-encoding'] ?? 'none') }));
      response.on('error', reject);
    }).on('error', reject);
  });
}

/** Raw, gzip -9 and brotli q11 sizes of the body at `url`, fetched uncompressed. */
async function referenceSizes(url: string): Promise<{ raw: number; gzip: number; brotli: number }> {
  const body = Buffer.from(await (await fetch(url, { headers: { 'accept-encoding': 'identity' } })).arrayBuffer());
  return {
    raw: body.length,
    gzip: gzipSync(body, { level: 9 }).length,
    brotli: brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }).length,
  };
}

// ---------------------------------------------------------------------------
// Timing a page load.

interface Timing {
  readonly contentLoaded: number;
  readonly load: number;
  readonly firstPaint: number | undefined;
  /** With script: the enhanced controls are shown and every component has started. */
  readonly interactive: number | undefined;
  /** With script: the transcript's sentences are links (the timings arrived). */
  readonly timeline: number | undefined;
}

/**
 * Marks, relative to navigation start, when the controls are revealed and when
 * the first sentence becomes a link. Runs before the page's own scripts.
 */
const MARKS_SCRIPT = `(() => {
  const marks = (window.__benchMarks = {});
  const check = () => {
    if (marks.interactive === undefined) {
      const controls = document.querySelector('[data-controls]');
      const play = document.querySelector('[data-module="play-button"]');
      if (controls && !controls.hidden && play && play.hasAttribute('data-module-started')) marks.interactive = performance.now();
    }
    if (marks.timeline === undefined && document.querySelector('a[data-sentence][href]')) marks.timeline = performance.now();
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true });
})();`;

async function timeLoad(browser: Browser, url: string, javaScriptEnabled: boolean): Promise<Timing> {
  const context = await browser.newContext({ serviceWorkers: 'block', javaScriptEnabled });
  try {
    const page = await context.newPage();
    const session = await page.context().newCDPSession(page);
    await session.send('Network.enable');
    await session.send('Network.setCacheDisabled', { cacheDisabled: true });
    if (javaScriptEnabled) await page.addInitScript(MARKS_SCRIPT);
    await page.goto(url, { waitUntil: 'load' });
    if (javaScriptEnabled) {
      await page.waitForFunction(() => {
        const marks = (window as unknown as { __benchMarks: { interactive?: number; timeline?: number } }).__benchMarks;
        return marks.interactive !== undefined && marks.timeline !== undefined;
      }, undefined, { timeout: 60_000 });
    }
    // Read through the DevTools protocol, which works with the page's JavaScript off too.
    return await page.evaluate(() => {
      const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const paint = performance.getEntriesByName('first-contentful-paint')[0];
      const marks = (window as unknown as { __benchMarks?: { interactive?: number; timeline?: number } }).__benchMarks;
      return {
        contentLoaded: navigation.domContentLoadedEventEnd,
        load: navigation.loadEventEnd,
        firstPaint: paint?.startTime,
        interactive: marks?.interactive,
        timeline: marks?.timeline,
      };
    });
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------------------
// Printing.

const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
const ms = (value: number | undefined) => (value === undefined ? 'n/a' : `${value.toFixed(0)} ms`);
const pad = (text: string, width: number) => (text.length >= width ? text : text + ' '.repeat(width - text.length));

function median(values: readonly (number | undefined)[]): number | undefined {
  const sorted = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, companion: { type: 'string', default: PROJECT_ROOT } } });
  const runs = Math.max(1, Number(values.runs) || 7);
  const root = path.resolve(values.companion);
  if (!existsSync(path.join(root, 'dist', 'server', 'server.js')) || !existsSync(path.join(root, 'dist', 'web', 'main.js'))) {
    console.log('building the companion first (npm run build)…');
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }

  const cacheDir = await mkdtemp(path.join(tmpdir(), 'atl-bench-page-'));
  let companion: Companion | undefined;
  let browser: Browser | undefined;
  const stop = () => void stopCompanion(companion).finally(() => process.exit(130));
  process.once('SIGINT', stop);
  try {
    companion = await startCompanion(root, cacheDir);
    const { origin } = companion;
    const episodes = ((await (await fetch(`${origin}/api/episodes`)).json()) as { episodes?: { id: string; links: { page: string; transcript: string; audio: string } }[] }).episodes ?? [];
    const first = episodes[0];
    if (first === undefined) throw new Error('the companion lists no episodes');
    // Render the home page's episode before timing anything: the first render is the speech engine's cost, not the page's.
    console.log(`rendering "${first.id}" before timing…`);
    const rendered = await fetch(`${origin}${first.links.transcript}`);
    if (!rendered.ok) throw new Error(`the episode could not be rendered: ${rendered.status} ${await rendered.text()}`);
    // And its MP3, read whole: a first listener gets it as it is made, on a connection that stays
    // open while the player reads on, which is the render's cost too, not the page's.
    const audio = await fetch(`${origin}${first.links.audio}`);
    await audio.arrayBuffer();
    if (!audio.ok) throw new Error(`the episode's audio could not be rendered: ${audio.status}`);

    browser = await launchBrowser();
    console.log(`\ncompanion: ${path.join(root, 'dist', 'server', 'server.js')} on ${origin}; Chromium headless; ${runs} runs each\n`);

    // Size of the shell, as the home page loads it.
    const shell = await weighShell(browser, `${origin}/`);
    console.log('The player shell (home page), first visit, no cache:');
    console.log(`  ${pad('file', 40)}${pad('encoding', 10)}${pad('body', 10)}${pad('headers', 10)}${pad('raw', 10)}${pad('gzip -9', 10)}brotli 11`);
    const totals = { body: 0, headers: 0, raw: 0, gzip: 0, brotli: 0 };
    for (const resource of shell) {
      const reference = await referenceSizes(resource.url);
      const body = resource.transferred - resource.headers;
      totals.body += body;
      totals.headers += resource.headers;
      totals.raw += reference.raw;
      totals.gzip += reference.gzip;
      totals.brotli += reference.brotli;
      const name = new URL(resource.url).pathname;
      console.log(`  ${pad(name.length > 38 ? `…${name.slice(-37)}` : name, 40)}${pad(resource.encoding, 10)}${pad(kB(body), 10)}${pad(kB(resource.headers), 10)}${pad(kB(reference.raw), 10)}${pad(kB(reference.gzip), 10)}${kB(reference.brotli)}`);
    }
    console.log(`  ${pad(`total, ${shell.length} requests`, 50)}${pad(kB(totals.body), 10)}${pad(kB(totals.headers), 10)}${pad(kB(totals.raw), 10)}${pad(kB(totals.gzip), 10)}${kB(totals.brotli)}`);
    const verdict = (bytes: number) => `${(bytes / TARGET_SHELL_BYTES).toFixed(2)} (${bytes <= TARGET_SHELL_BYTES ? 'within' : 'OVER'} the target)`;
    console.log(`  bodies on the wire / target ${kB(TARGET_SHELL_BYTES)}: ${verdict(totals.body)}`);
    console.log(`  with headers (DevTools' "transferred", ${kB(totals.body + totals.headers)}) / target: ${verdict(totals.body + totals.headers)}`);
    console.log(`  bodies on the wire / raw: ${(totals.body / totals.raw).toFixed(2)}; / brotli 11: ${(totals.body / totals.brotli).toFixed(2)}`);

    // Every episode's page: the HTML carries the transcript.
    console.log('\nEach episode page\'s HTML (the transcript is in it):');
    for (const episode of episodes) {
      const url = `${origin}${episode.links.page}`;
      const sent = await asSent(url);
      const reference = await referenceSizes(url);
      console.log(`  ${pad(episode.id, 28)}raw ${pad(kB(reference.raw), 10)}as sent (${pad(sent.encoding, 4)}) ${pad(kB(sent.bytes), 10)}brotli 11 ${kB(reference.brotli)}`);
    }

    // Time to interactive, against the same page without JavaScript.
    await timeLoad(browser, `${origin}/`, true);
    await timeLoad(browser, `${origin}/`, false);
    const withScript: Timing[] = [];
    const withoutScript: Timing[] = [];
    for (let i = 0; i < runs; i++) {
      withoutScript.push(await timeLoad(browser, `${origin}/`, false));
      withScript.push(await timeLoad(browser, `${origin}/`, true));
    }
    const m = <K extends keyof Timing>(list: Timing[], key: K) => median(list.map((t) => t[key] as number | undefined));
    console.log(`\nTiming the home page, median of ${runs} cold loads (no cache):`);
    console.log(`  without JavaScript (reference): DOM loaded ${ms(m(withoutScript, 'contentLoaded'))}, load ${ms(m(withoutScript, 'load'))}, first paint ${ms(m(withoutScript, 'firstPaint'))}`);
    console.log(`  with JavaScript:                DOM loaded ${ms(m(withScript, 'contentLoaded'))}, load ${ms(m(withScript, 'load'))}, first paint ${ms(m(withScript, 'firstPaint'))}`);
    const interactive = m(withScript, 'interactive');
    const reference = m(withoutScript, 'contentLoaded');
    console.log(`  time to interactive (controls enhanced): ${ms(interactive)}; sentences seekable (timings in): ${ms(m(withScript, 'timeline'))}`);
    if (interactive !== undefined && reference !== undefined && reference > 0) {
      console.log(`  time to interactive / no-script page loaded: ${(interactive / reference).toFixed(2)}`);
    }
  } finally {
    await browser?.close();
    await stopCompanion(companion);
    await rm(cacheDir, { recursive: true, force: true });
    process.off('SIGINT', stop);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
