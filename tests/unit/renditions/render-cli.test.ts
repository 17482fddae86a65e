/**
 * `npm run render` (server/src/cli/render.ts), run as a program over the
 * fixture pack with a throw-away cache: progress, then per episode its
 * length, sizes and real-time factor; a second run finds the cache.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FIXTURE_PACK, ROOT } from '../../helpers/paths.js';

const run = promisify(execFile);
const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const renderCli = (...args: string[]) => run(tsx, ['server/src/cli/render.ts', '--content', FIXTURE_PACK, ...args], { cwd: ROOT, timeout: 120_000 });

let cacheDir: string;

beforeAll(async () => {
  cacheDir = await mkdtemp(path.join(tmpdir(), 'atl-render-cli-'));
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

describe('npm run render', () => {
  test('renders every episode with progress, and prints its length, sizes and real-time factor', async () => {
    const { stdout } = await renderCli('--cache', cacheDir, '--engine', 'embedded');
    expect(stdout).toMatch(/^speech engine: embedded \S+ \(chosen by setting; /m);
    // Not a terminal here: one progress line per step instead of a redrawn bar.
    expect(stdout).toMatch(/^\[-{30}\] 0\/1 rendering the-light$/m);
    expect(stdout).toMatch(/^\[#{30}\] 1\/1 done$/m);
    expect(stdout).toMatch(/^the-light +0:\d\d {2}wav \d+ kB, mp3 \d+ kB(, opus \d+ kB)? +\d+x real time$/m);
    expect(stdout).toMatch(/^rendered 0:\d\d of audio at \d+x real time/m);
  }, 150_000);

  test('a second run finds every episode in the cache', async () => {
    const { stdout } = await renderCli('--cache', cacheDir, '--engine', 'embedded');
    expect(stdout).toMatch(/^the-light +0:\d\d .* in the cache already$/m);
  }, 150_000);

  test.each([
    { args: ['--engine', 'klingon'], message: /--engine must be one of auto, embedded, espeak-ng, say, not "klingon"/, code: 2 },
    { args: ['--volume', '11'], message: /Unknown option '--volume'/, code: 2 },
  ])('refuses $args with exit code $code', { timeout: 60_000 }, async ({ args, message, code }) => {
    const failure = (await renderCli('--cache', cacheDir, ...args).catch((error: unknown) => error)) as { code: number; stderr: string };
    expect(failure.code).toBe(code);
    expect(failure.stderr).toMatch(message);
  });

  test('a broken content pack renders nothing and names the problem', { timeout: 60_000 }, async () => {
    const broken = await mkdtemp(path.join(tmpdir(), 'atl-render-broken-'));
    try {
      await writeFile(path.join(broken, 'pack.json'), '{');
      const failure = (await run(tsx, ['server/src/cli/render.ts', '--content', broken, '--cache', cacheDir], { cwd: ROOT }).catch((error: unknown) => error)) as { code: number; stderr: string };
      expect(failure.code).toBe(1);
      expect(failure.stderr).toMatch(/pack\.json[\s\S]*Nothing was rendered\./);
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });
});
