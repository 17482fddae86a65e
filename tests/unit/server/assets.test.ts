import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { publishAssets, writeWithCompressedCopies } from '../../../server/src/site/assets.js';

let work: string;
let compiled: string;
let handWritten: string;
let site: string;

beforeEach(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'atl-assets-'));
  compiled = path.join(work, 'dist-web');
  handWritten = path.join(work, 'static');
  site = path.join(work, 'site');
  await mkdir(compiled);
  await mkdir(handWritten);
  // Modules that import each other by relative path, as tsc emits the player.
  await writeFile(path.join(compiled, 'main.js'), `import { Player } from './player.js';\n${'new Player();\n'.repeat(40)}`);
  await writeFile(path.join(compiled, 'player.js'), `export class Player { constructor() { this.ready = true; } }\n${'// comment\n'.repeat(40)}`);
  await writeFile(path.join(compiled, 'sw.js'), 'self.addEventListener("fetch", () => {});\n');
  await writeFile(path.join(handWritten, 'player.css'), `.player { color: black; }\n${'.x { margin: 0; }\n'.repeat(40)}`);
  await writeFile(path.join(handWritten, 'icon.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

const publish = () => publishAssets(site, [compiled, handWritten]);

describe('publishAssets', () => {
  test('every file lands in one folder named by the hash of them all; the service worker does not', async () => {
    const assets = await publish();
    expect(assets.version).toMatch(/^[0-9a-f]{16}$/);
    expect(assets.base).toBe(`/assets/${assets.version}`);
    const names = await readdir(path.join(site, 'assets', assets.version));
    expect(names.filter((n) => !/\.(br|gz)$/.test(n)).sort()).toEqual(['icon.png', 'main.js', 'player.css', 'player.js']);
    expect(assets.shell).toEqual([`${assets.base}/main.js`, `${assets.base}/player.css`, `${assets.base}/player.js`]);
    // The relative import still finds its module: the names did not change.
    expect(await readFile(path.join(site, 'assets', assets.version, 'main.js'), 'utf8')).toContain("from './player.js'");
  });

  test('text files get brotli and gzip copies that decompress to the file; images get none', async () => {
    const { version } = await publish();
    const folder = path.join(site, 'assets', version);
    for (const name of ['main.js', 'player.js', 'player.css']) {
      const original = await readFile(path.join(folder, name));
      expect(brotliDecompressSync(await readFile(path.join(folder, `${name}.br`))).equals(original), name).toBe(true);
      expect(gunzipSync(await readFile(path.join(folder, `${name}.gz`))).equals(original), name).toBe(true);
    }
    const names = await readdir(folder);
    expect(names).not.toContain('icon.png.br');
    expect(names).not.toContain('icon.png.gz');
  });

  test('the same files give the same version; any change gives a new one and the old folder goes', async () => {
    const first = await publish();
    expect((await publish()).version).toBe(first.version);
    await writeFile(path.join(handWritten, 'player.css'), '.player { color: navy; }\n');
    const second = await publish();
    expect(second.version).not.toBe(first.version);
    expect(await readdir(path.join(site, 'assets'))).toEqual([second.version]);
  });

  test('a renamed file is a new version too, even with the same bytes', async () => {
    const first = await publish();
    await writeFile(path.join(compiled, 'extra.js'), await readFile(path.join(compiled, 'player.js')));
    expect((await publish()).version).not.toBe(first.version);
  });
});

describe('writeWithCompressedCopies', () => {
  test('replaces copies of an older version, and removes copies that would not save bytes', async () => {
    await mkdir(site, { recursive: true });
    const page = path.join(site, 'index.html');
    await writeWithCompressedCopies(page, `<p>${'first '.repeat(200)}</p>`);
    await writeWithCompressedCopies(page, `<p>${'second '.repeat(200)}</p>`);
    expect(brotliDecompressSync(await readFile(`${page}.br`)).toString()).toContain('second');
    expect(gunzipSync(await readFile(`${page}.gz`)).toString()).toContain('second');
    // Four bytes compress to more than four bytes: no copy, and the stale one is gone.
    await writeWithCompressedCopies(page, '<p>x');
    expect(await readdir(site)).toEqual(['index.html']);
  });

  test('an unchanged file is not compressed again, but a changed one always is', async () => {
    await mkdir(site, { recursive: true });
    const page = path.join(site, 'index.html');
    const text = `<p>${'same '.repeat(200)}</p>`;
    await writeWithCompressedCopies(page, text);
    // A marker in the copy shows whether it was rewritten.
    await writeFile(`${page}.gz`, 'marker');
    await writeWithCompressedCopies(page, text);
    expect(await readFile(`${page}.gz`, 'utf8')).toBe('marker');
    await writeWithCompressedCopies(page, `${text}!`);
    expect(gunzipSync(await readFile(`${page}.gz`)).toString()).toBe(`${text}!`);
  });
});
