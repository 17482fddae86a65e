// @ts-check
/**
 * Runs a built entry point in this process, rebuilding `dist/` first only when its sources
 * changed since the last build: `node server/launch.js server [options]` is `npm start`,
 * `node server/launch.js cli/render [options]` is `npm run render`, and so on.
 *
 * The entry runs in this same process, not a child: the signals a terminal or a service
 * manager sends (SIGINT, SIGTERM) reach the server's own handlers with nothing in between.
 * The npm scripts start it with `exec` so that npm's shell is replaced by it, too: without
 * `exec`, npm passes a signal to its `sh -c`, which dies of it and leaves the server running.
 */
import { existsSync } from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildIfChanged, ROOT } from './build.js';

// Node.js 22.1 and later keep V8's compiled code for every module on disk (in the system's
// temporary folder), so a restart compiles none of them again: 0.2 to 0.3 s of the 2.5 s of
// CPU a start takes on Node.js 24 here. Node.js 20 has no such cache.
/** @type {{ enableCompileCache?: () => unknown }} */ (module).enableCompileCache?.();

const USAGE = 'Usage: node server/launch.js server|cli/<name> [options]\n';

const name = process.argv[2] ?? '';
if (!/^(?:server|cli\/[a-z-]+)$/.test(name)) {
  process.stderr.write(USAGE);
  process.exit(2);
}
try {
  await buildIfChanged();
} catch (error) {
  process.stderr.write(`The build failed, so nothing was started: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
const entry = path.join(ROOT, 'dist', 'server', `${name}.js`);
if (!existsSync(entry)) {
  process.stderr.write(`No such entry point: ${entry}\n${USAGE}`);
  process.exit(2);
}
// The entry reads its options from process.argv.slice(2), and a CLI knows it is the main
// module by process.argv[1]: make both what they would be under `node dist/server/<name>.js`.
process.argv.splice(1, 2, entry);
await import(pathToFileURL(entry).href);
