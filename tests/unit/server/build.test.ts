/**
 * `server/build.js` on a copy of the project's build inputs: it builds what a start needs,
 * builds again only when a source changed (an edit, a new or deleted file, not a content
 * pack), keeps two builds from running at once, and leaves no stamp after a failed build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, cp, mkdir, mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { build, buildIfChanged, isBuilt, sourcesFingerprint } from '../../../server/build.js';
import { ROOT } from '../../helpers/paths.js';

let root: string;
const said: string[] = [];
const say = (line: string) => said.push(line);

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'atl-build-'));
  for (const folder of ['server/src', 'web/src']) await cp(path.join(ROOT, folder), path.join(root, folder), { recursive: true });
  for (const file of ['tsconfig.json', 'server/tsconfig.json', 'web/tsconfig.json', 'package-lock.json', 'server/build.js']) {
    await cp(path.join(ROOT, file), path.join(root, file));
  }
  // esbuild and the player's dependencies resolve from the project's own installation.
  await symlink(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('build once, again only when a source changed', () => {
  test('a tree never built is built: the server, the CLIs and the player', async () => {
    expect(isBuilt(root)).toBe(false);
    expect(await buildIfChanged(root, say)).toBe(true);
    for (const file of ['dist/server/server.js', 'dist/server/cli/render.js', 'dist/server/speech/embedded/worker.js', 'dist/web/main.js', 'dist/web/sw.js']) {
      expect(existsSync(path.join(root, file)), file).toBe(true);
    }
    expect(isBuilt(root)).toBe(true);
    expect(said.join('')).toContain('Building dist/');
  });

  test('the built server runs: --help through the built file', () => {
    const result = spawnSync(process.execPath, [path.join(root, 'dist/server/server.js'), '--help'], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('Usage: npm start -- [options]');
  });

  test('unchanged sources: nothing is built', async () => {
    expect(await buildIfChanged(root, say)).toBe(false);
  });

  test('a content pack is read at start, not built: a file beside the sources changes nothing', async () => {
    await mkdir(path.join(root, 'audio-scripts', 'content'), { recursive: true });
    await writeFile(path.join(root, 'audio-scripts', 'content', 'episodes.json'), '[]');
    expect(isBuilt(root)).toBe(true);
  });

  test.each([
    { change: 'a web source edited', apply: (at: string) => appendFile(path.join(at, 'web/src/main.ts'), '\n// edited\n') },
    { change: 'a server source added', apply: (at: string) => writeFile(path.join(at, 'server/src/added.ts'), 'export const added = 1;\n') },
    { change: 'a server source deleted', apply: (at: string) => unlink(path.join(at, 'server/src/added.ts')) },
    { change: 'the compiler settings edited', apply: (at: string) => appendFile(path.join(at, 'server/tsconfig.json'), '\n') },
    { change: 'a dependency updated', apply: (at: string) => appendFile(path.join(at, 'package-lock.json'), '\n') },
    { change: 'a built file removed', apply: (at: string) => unlink(path.join(at, 'dist/web/main.js')) },
  ])('$change: built again', async ({ apply }) => {
    await apply(root);
    expect(isBuilt(root)).toBe(false);
    expect(await buildIfChanged(root, say)).toBe(true);
    expect(isBuilt(root)).toBe(true);
  });

  test('a deleted source leaves no built file behind', () => {
    expect(existsSync(path.join(root, 'dist/server/added.js'))).toBe(false);
  });

  test('the fingerprint depends on contents, not on times: touching a file changes nothing', async () => {
    const before = sourcesFingerprint(root);
    const file = path.join(root, 'server/src/config.ts');
    await writeFile(file, await readFile(file));
    expect(sourcesFingerprint(root)).toBe(before);
  });
});

describe('one build at a time', () => {
  test('two commands started together after an edit: one builds, the other waits and uses it', async () => {
    await appendFile(path.join(root, 'server/src/config.ts'), '\n// edited again\n');
    const results = await Promise.all([buildIfChanged(root, say), buildIfChanged(root, say)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(isBuilt(root)).toBe(true);
  });

  test("a lock left by a build that was killed is taken over, not waited on for ever", async () => {
    // The id of a process that has ended.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    await writeFile(path.join(root, 'dist/.build.lock'), gone);
    await appendFile(path.join(root, 'web/src/main.ts'), '\n// edited again\n');
    expect(await buildIfChanged(root, say)).toBe(true);
    expect(existsSync(path.join(root, 'dist/.build.lock'))).toBe(false);
  });
});

describe('a failed build', () => {
  test('fails with the file and line, and leaves no stamp: the next start tries again', async () => {
    const file = path.join(root, 'server/src/config.ts');
    const good = await readFile(file, 'utf8');
    await writeFile(file, `${good}\nexport const broken = ;\n`);
    await expect(build(root)).rejects.toThrow(/config\.ts:\d+/);
    expect(isBuilt(root)).toBe(false);
    await writeFile(file, good);
    expect(isBuilt(root)).toBe(false);
    expect(await buildIfChanged(root, say)).toBe(true);
  });
});
