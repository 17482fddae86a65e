/**
 * The player's pages and files as the server sends them: pages never cached
 * for long, fingerprinted assets cached for a year, gzip and brotli copies
 * chosen by Accept-Encoding, a service worker that caches the same URLs, and
 * security headers with a CSP that allows no inline script or style.
 */
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { IMMUTABLE_CACHE_CONTROL, PAGE_CACHE_CONTROL } from '../../server/src/app.js';
import { assertBuilt } from '../helpers/browser.js';
import { FIXTURE_PACK } from '../helpers/paths.js';
import { startCompanion, type TestCompanion } from '../helpers/app.js';

let companion: TestCompanion;
let page: string;
let assetBase: string;

beforeAll(async () => {
  assertBuilt();
  companion = await startCompanion(FIXTURE_PACK);
  page = (await get('/')).body;
  assetBase = /<script type="module" src="(\/assets\/[0-9a-f]{16})\/main\.js"><\/script>/.exec(page)?.[1] ?? '';
});
afterAll(async () => {
  await companion?.close();
});

const get = (url: string, headers: Record<string, string> = {}) => companion.app.inject({ method: 'GET', url, headers });

describe('pages', () => {
  test.each(['/', '/episodes/the-light/'])('%s links the fingerprinted stylesheet and script, and is never cached immutably', async (url) => {
    const response = await get(url);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.headers['cache-control']).toBe(PAGE_CACHE_CONTROL);
    expect(response.body).toContain(`<link rel="stylesheet" href="${assetBase}/player.css">`);
    expect(response.body).toContain(`<script type="module" src="${assetBase}/main.js"></script>`);
  });

  test('a page holds no inline script, style or event handler, so the CSP can forbid them', () => {
    expect(assetBase).toMatch(/^\/assets\/[0-9a-f]{16}$/);
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(page).not.toMatch(/<style[\s>]/);
    expect(page).not.toMatch(/\sstyle="/);
    expect(page).not.toMatch(/\son[a-z]+="/);
  });

  test.each([
    ['br', brotliDecompressSync],
    ['gzip', gunzipSync],
  ] as const)('a page is sent %s-compressed when the client accepts it, and decompresses to the page', async (encoding, decompress) => {
    const response = await get('/', { 'accept-encoding': encoding });
    expect(response.headers['content-encoding']).toBe(encoding);
    expect(response.headers.vary).toMatch(/accept-encoding/i);
    expect(response.headers['cache-control']).toBe(PAGE_CACHE_CONTROL);
    expect(decompress(response.rawPayload).toString()).toBe(page);
  });
});

describe('fingerprinted assets', () => {
  test.each(['main.js', 'player.css'])('%s: cached for a year as immutable, with a validator', async (name) => {
    const response = await get(`${assetBase}/${name}`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe(IMMUTABLE_CACHE_CONTROL);
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(response.headers['content-type']).toMatch(name.endsWith('.js') ? /^(application|text)\/javascript/ : /^text\/css/);
    expect(response.headers.etag).toBeDefined();
    const again = await get(`${assetBase}/${name}`, { 'if-none-match': String(response.headers.etag) });
    expect(again.statusCode).toBe(304);
  });

  test.each([
    ['br', brotliDecompressSync],
    ['gzip', gunzipSync],
  ] as const)('scripts and styles come %s-compressed from precompressed files', async (encoding, decompress) => {
    for (const name of ['main.js', 'player.css']) {
      const plain = await get(`${assetBase}/${name}`);
      const packed = await get(`${assetBase}/${name}`, { 'accept-encoding': `${encoding}, identity` });
      expect(packed.headers['content-encoding'], name).toBe(encoding);
      expect(packed.headers['content-type'], name).toBe(plain.headers['content-type']);
      expect(packed.headers['cache-control'], name).toBe(IMMUTABLE_CACHE_CONTROL);
      expect(packed.rawPayload.length, name).toBeLessThan(plain.rawPayload.length);
      expect(decompress(packed.rawPayload).equals(plain.rawPayload), name).toBe(true);
    }
  });

  test('the player is one module: it imports nothing, so a first visit asks for one script, and ships without comments', async () => {
    const response = await get(`${assetBase}/main.js`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^(text|application)\/javascript/);
    // No import statement or dynamic import left: every component is in the bundle.
    expect(/(?:^|[;}])\s*import\s*[\w{*'"]|\bimport\s*\(\s*['"`]/m.test(response.body)).toBe(false);
    // Every component the page names by data-module is in it.
    for (const name of ["announcer", "player", "play-button", "seek", "transcript", "offline"]) expect(response.body.includes(`${name.includes("-") ? `"${name}"` : name}:`), name).toBe(true);
    // Comments stay in the sources and the map, not in what listeners download.
    expect(/^\s*\/\*\*|^\s*\/\/ (?!# sourceMappingURL)/m.test(response.body)).toBe(false);
    expect((await get(`${assetBase}/main.js.map`)).statusCode).toBe(200);
  });

  test('an asset of another version, or without one, is a 404 problem', async () => {
    for (const url of ['/assets/0000000000000000/main.js', '/assets/main.js', '/assets/player.css']) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(404);
      expect(response.headers['content-type'], url).toMatch(/^application\/problem\+json/);
    }
  });
});

describe('the service worker', () => {
  test('caches exactly the fingerprinted scripts and styles, each of which resolves, under a version named by them', async () => {
    const response = await get('/sw.js');
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe(PAGE_CACHE_CONTROL);
    const version = /^const SHELL_VERSION = "([0-9a-f]{16})";$/m.exec(response.body)?.[1];
    expect(`/assets/${version}`).toBe(assetBase);
    const shell = JSON.parse(/^const SHELL_FILES = (\[.*\]);$/m.exec(response.body)?.[1] ?? '[]') as string[];
    expect(shell).toContain(`${assetBase}/main.js`);
    expect(shell).toContain(`${assetBase}/player.css`);
    for (const url of shell) {
      expect(url.startsWith(`${assetBase}/`), url).toBe(true);
      expect((await get(url)).statusCode, url).toBe(200);
    }
    expect(response.body).not.toMatch(/^export /m);
  });
});

describe('security headers', () => {
  test.each(['/', '/api/episodes.json', `/feed.xml`, '/api/nothing-here'])('%s carries helmet headers and a CSP without inline script or style', async (url) => {
    const response = await get(url);
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(response.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'x-dns-prefetch-control': 'off',
      'x-permitted-cross-domain-policies': 'none',
      'origin-agent-cluster': '?1',
      'x-xss-protection': '0',
    });
    expect(response.headers['x-powered-by']).toBeUndefined();
  });

  test('audio and tracks may be fetched by other sites (podcast apps); pages and the API stay same-origin', async () => {
    expect((await get('/')).headers['cross-origin-resource-policy']).toBe('same-origin');
    expect((await get('/api/episodes.json')).headers['cross-origin-resource-policy']).toBe('same-origin');
    expect((await get('/api/episodes/the-light/captions.vtt')).headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect((await get('/api/episodes/the-light/audio.mp3', { range: 'bytes=0-0' })).headers['cross-origin-resource-policy']).toBe('cross-origin');
  });
});
