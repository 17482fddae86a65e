/**
 * The player's files (compiled scripts, hand-written CSS) published under a
 * fingerprinted folder, `/assets/<hash>/`, with gzip and brotli copies of the
 * text files beside them.
 *
 * - The player's scripts are one ES module (`main.js`, bundled by esbuild at build
 *   time, see `server/build.js`): a first visit asks for one script and one
 *   stylesheet, not a request per module, each of which carries its own headers.
 * - One hash for the whole set, not one per file: any change to any file is a new
 *   folder, so a URL's content never changes and it can be cached for a year
 *   (`immutable`), and the names stay the same from one version to the next.
 * - Precompressed once here, at the highest levels (a static host or CDN can serve
 *   the same `.br` and `.gz` files), never per request.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import { PROJECT_ROOT } from '../config.js';
import { writeAtomic } from '../files.js';

/** Where the player's files come from: the compiled scripts, then the hand-written CSS. */
export const ASSET_SOURCES = [path.join(PROJECT_ROOT, 'dist', 'web'), path.join(PROJECT_ROOT, 'web', 'static')] as const;

/** The folder under the site where fingerprinted folders live, and its URL. */
export const ASSETS_FOLDER = 'assets';

/** The service worker is published at the site's root (its scope), not as an asset. */
export const SERVICE_WORKER_FILES = new Set(['sw.js', 'sw.js.map']);

/** Files worth compressing: text. Audio and images are compressed already. */
const TEXT_FILE = /\.(?:js|mjs|css|html|svg|json|map|txt|xml|vtt|webmanifest)$/;

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** The published assets: where they are and what they hold. */
export interface PublishedAssets {
  /** URL of the fingerprinted folder, e.g. `/assets/3f2a9c1e0b7d4e55`, without a trailing slash. */
  readonly base: string;
  /** The version: the first 16 hex digits of the hash of every file's name and content. */
  readonly version: string;
  /** URLs of the player's scripts and styles (not maps), for the service worker's shell. */
  readonly shell: readonly string[];
}

interface AssetFile {
  readonly name: string;
  readonly content: Buffer;
}

/** The player's files, by name; where two folders hold the same name, the first wins, as @fastify/static did. */
async function readAssets(sources: readonly string[]): Promise<AssetFile[]> {
  const files = new Map<string, AssetFile>();
  for (const folder of sources) {
    const names = await readdir(folder).catch(() => [] as string[]);
    for (const name of names.sort()) {
      if (files.has(name) || SERVICE_WORKER_FILES.has(name)) continue;
      const file = path.join(folder, name);
      if (!(await stat(file)).isFile()) continue;
      files.set(name, { name, content: await readFile(file) });
    }
  }
  return [...files.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Writes `file`, and beside it `file.br` and `file.gz` when the file is text and
 * compressing saves bytes; removes stale compressed copies otherwise, so a
 * server never sends a compressed copy of an older version.
 */
export async function writeWithCompressedCopies(file: string, content: Buffer | string): Promise<void> {
  const data = typeof content === 'string' ? Buffer.from(content) : content;
  const compressible = TEXT_FILE.test(file);
  // Pages are written at every start, mostly unchanged: brotli at its best level costs a second for a
  // large site, so an unchanged file whose copies are there is left alone.
  if (compressible && (await unchangedWithCopies(file, data))) return;
  const [br, gz] = compressible
    ? await Promise.all([
        brotli(data, { params: { [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY, [zlib.BROTLI_PARAM_SIZE_HINT]: data.length } }),
        gzipAsync(data, { level: zlib.Z_BEST_COMPRESSION }),
      ])
    : [undefined, undefined];
  // The copies first, the file last: a file on disk always has its own copies beside it,
  // even after a crash in between, which is what lets `unchangedWithCopies` trust them.
  for (const [extension, packed] of [['.br', br], ['.gz', gz]] as const) {
    if (packed !== undefined && packed.length < data.length) await writeAtomic(`${file}${extension}`, packed);
    else await rm(`${file}${extension}`, { force: true });
  }
  await writeAtomic(file, data);
}

async function unchangedWithCopies(file: string, data: Buffer): Promise<boolean> {
  const existing = await readFile(file).catch(() => undefined);
  if (existing === undefined || !existing.equals(data)) return false;
  const copies = await Promise.all(['.br', '.gz'].map((extension) => stat(`${file}${extension}`).catch(() => undefined)));
  return copies.every((copy) => copy !== undefined);
}

/**
 * Publishes the player's files into `siteDir/assets/<version>/` (unless that
 * folder is there already: its name is its content) and removes older versions.
 */
export async function publishAssets(siteDir: string, sources: readonly string[] = ASSET_SOURCES): Promise<PublishedAssets> {
  const files = await readAssets(sources);
  const hash = createHash('sha256');
  for (const { name, content } of files) hash.update(`${name}\u0000${content.length}\u0000`).update(content);
  const version = hash.digest('hex').slice(0, 16);
  const root = path.join(siteDir, ASSETS_FOLDER);
  const folder = path.join(root, version);

  if ((await stat(folder).catch(() => undefined)) === undefined) {
    // Written aside, then renamed: a folder named by a version is always complete.
    const staging = path.join(root, `.${version}-${process.pid}-${Date.now()}`);
    await mkdir(staging, { recursive: true });
    try {
      for (const { name, content } of files) await writeWithCompressedCopies(path.join(staging, name), content);
      await rename(staging, folder);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      // Another process published the same version first: its folder is as good as ours.
      if ((await stat(folder).catch(() => undefined)) === undefined) throw error;
    }
  }
  for (const other of await readdir(root)) {
    if (other !== version && !other.startsWith('.')) await rm(path.join(root, other), { recursive: true, force: true });
  }

  const base = `/${ASSETS_FOLDER}/${version}`;
  return { base, version, shell: files.filter((f) => /\.(?:js|css)$/.test(f.name)).map((f) => `${base}/${f.name}`) };
}
