// @ts-check
/**
 * Builds `dist/` from the TypeScript sources and records a fingerprint of what it was
 * built from, so that a start rebuilds only when a source changed.
 *
 * - The server is transpiled file by file (`dist/server/`, the same tree as `server/src/`)
 *   and the player bundled into one module plus its service worker (`dist/web/`), both by
 *   esbuild: about a second, where `tsc` took 20 to 40 s on this machine. Types are proved
 *   by `npm run typecheck` (in `npm test`), not here; `isolatedModules` and
 *   `verbatimModuleSyntax` keep a file-by-file transpile equal to what `tsc` would emit.
 * - The fingerprint is a hash of the sources' names and contents, not of their times: a
 *   `git checkout` that changes nothing does not rebuild, and a file deleted or copied in
 *   with an old time does.
 * - Content packs are read at every start, never built: they are not in the fingerprint.
 *
 * Usage: `node server/build.js` builds; `--if-changed` builds only when the sources differ
 * from the last build's (what `npm install` and every `npm run` command use).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root folder. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Folders whose every file is a build input. */
const SOURCE_FOLDERS = ['server/src', 'web/src'];
/** Single files that change what the build makes: compiler settings, dependency versions, this script. */
const SOURCE_FILES = ['tsconfig.json', 'server/tsconfig.json', 'web/tsconfig.json', 'package-lock.json', 'server/build.js'];
/** Written last by a successful build: the fingerprint of the sources it was made from. */
const STAMP = 'dist/build.json';
/** Files a start needs; a build missing one of them is no build. */
const OUTPUTS = ['dist/server/server.js', 'dist/web/main.js', 'dist/web/sw.js'];
const LOCK = 'dist/.build.lock';

/**
 * Every file under `folder`, relative to `root`, sorted: the fingerprint must not depend on the disk's order.
 * @param {string} root
 * @param {string} folder relative to `root`
 * @returns {string[]}
 */
function filesUnder(root, folder) {
  const entries = readdirSync(path.join(root, folder), { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .sort();
}

/**
 * A hash of every build input's name and content.
 * @param {string} root the project's root folder
 * @returns {string} hex SHA-256
 */
export function sourcesFingerprint(root = ROOT) {
  const hash = createHash('sha256');
  const files = [...SOURCE_FOLDERS.flatMap((folder) => filesUnder(root, folder)), ...SOURCE_FILES];
  for (const file of files) {
    const full = path.join(root, file);
    // Name, then length, then bytes: no two different trees hash the same stream.
    const content = existsSync(full) ? readFileSync(full) : undefined;
    hash.update(`${file.split(path.sep).join('/')}\0${content?.length ?? -1}\0`);
    if (content !== undefined) hash.update(content);
  }
  return hash.digest('hex');
}

/**
 * Whether `dist/` was built from the sources as they are now.
 * @param {string} root the project's root folder
 */
export function isBuilt(root = ROOT) {
  if (!OUTPUTS.every((file) => existsSync(path.join(root, file)))) return false;
  try {
    const stamp = JSON.parse(readFileSync(path.join(root, STAMP), 'utf8'));
    return stamp.sources === sourcesFingerprint(root);
  } catch {
    return false;
  }
}

/**
 * Builds `dist/` (server and player) and writes the stamp.
 * @param {string} root the project's root folder
 */
export async function build(root = ROOT) {
  const fingerprint = sourcesFingerprint(root);
  /** @type {typeof import('esbuild')} */
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch (error) {
    throw new Error('esbuild is not installed, so dist/ cannot be built: run `npm install` first', { cause: error });
  }
  // A stale stamp must not survive a failed build, nor files from deleted sources a new one.
  rmSync(path.join(root, STAMP), { force: true });
  rmSync(path.join(root, 'dist/server'), { recursive: true, force: true });
  rmSync(path.join(root, 'dist/web'), { recursive: true, force: true });
  const serverSources = filesUnder(root, 'server/src').filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
  try {
    await buildWith(esbuild, root, serverSources);
  } finally {
    // esbuild's helper process would otherwise live as long as the server this build precedes.
    await esbuild.stop();
  }
  writeFileSync(path.join(root, STAMP), `${JSON.stringify({ sources: fingerprint }, null, 2)}\n`);
}

/**
 * The two esbuild runs: the server file by file, the player bundled.
 * @param {typeof import('esbuild')} esbuild
 * @param {string} root
 * @param {string[]} serverSources
 */
async function buildWith(esbuild, root, serverSources) {
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: serverSources,
    outbase: 'server/src',
    outdir: 'dist/server',
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    sourcemap: true,
    logLevel: 'warning',
  });
  // One module for the player: a first visit asks for one script, not one per module.
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['web/src/main.ts', 'web/src/sw.ts'],
    outdir: 'dist/web',
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    sourcemap: true,
    logLevel: 'warning',
  });
}

/**
 * Whether the process with this id is still running.
 * @param {number} pid
 */
function isRunning(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return /** @type {NodeJS.ErrnoException} */ (error).code === 'EPERM';
  }
}

/**
 * Holds `dist/.build.lock` while `work` runs, so that two commands started together
 * (`npm start` and `npm run render` after an edit) never write `dist/` at the same time.
 * A lock whose process is gone (killed mid-build) is taken over.
 * @template T
 * @param {string} root
 * @param {() => Promise<T>} work
 * @returns {Promise<T>}
 */
async function withBuildLock(root, work) {
  const lock = path.join(root, LOCK);
  mkdirSync(path.dirname(lock), { recursive: true });
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(lock, 'utf8').trim());
      if (!Number.isInteger(holder) || holder <= 0 || !isRunning(holder)) rmSync(lock, { force: true });
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { force: true });
  }
}

/**
 * Builds `dist/` when its sources changed since the last build (or it was never built),
 * saying so; otherwise does nothing.
 * @param {string} root the project's root folder
 * @param {(line: string) => void} say where the two lines about a build go (stderr: stdout may be a command's output)
 * @returns {Promise<boolean>} whether it built
 */
export async function buildIfChanged(root = ROOT, say = (line) => process.stderr.write(line)) {
  if (isBuilt(root)) return false;
  return withBuildLock(root, async () => {
    // Another command may have built it while this one waited for the lock.
    if (isBuilt(root)) return false;
    const started = performance.now();
    say('Building dist/ (the sources changed since the last build)...\n');
    await build(root);
    say(`Built dist/ in ${((performance.now() - started) / 1000).toFixed(1)} s.\n`);
    return true;
  });
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const ifChanged = process.argv.includes('--if-changed');
  const run = ifChanged ? buildIfChanged() : withBuildLock(ROOT, () => build());
  run.catch((error) => {
    process.stderr.write(`The build failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
