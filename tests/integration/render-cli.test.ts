/**
 * `npm run render` as it runs (the built `dist/server/cli/render.js`), as a
 * program over the fixture pack with a throw-away cache: progress, then per episode its
 * length, sizes and real-time factor; a second run finds the cache; several
 * episodes render at once, listed in the pack's order; `--formats` picks the
 * formats.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FIXTURE_PACK, ROOT } from '../helpers/paths.js';

const run = promisify(execFile);
const RENDER = path.join(ROOT, 'dist', 'server', 'cli', 'render.js');
const renderCli = (...args: string[]) => run(process.execPath, [RENDER, '--content', FIXTURE_PACK, ...args], { cwd: ROOT, timeout: 120_000 });

let cacheDir: string;

beforeAll(async () => {
  if (!existsSync(RENDER)) throw new Error('The render command is not built: run `npm run build` first (npm test does).');
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
    // One episode at a time per core, by default.
    const atOnce = `${availableParallelism()} episode${availableParallelism() === 1 ? '' : 's'} at a time`;
    expect(stdout).toMatch(new RegExp(`^rendered 0:\\d\\d of audio in \\d+\\.\\d\\d s at \\d+x real time \\(.*; ${atOnce}\\)$`, 'm'));
  }, 150_000);

  test('a second run finds every episode in the cache', async () => {
    const { stdout } = await renderCli('--cache', cacheDir, '--engine', 'embedded');
    expect(stdout).toMatch(/^the-light +0:\d\d .* in the cache already$/m);
  }, 150_000);

  test.each([
    { args: ['--engine', 'klingon'], message: /--engine must be one of auto, embedded, espeak-ng, say, not "klingon"/, code: 2 },
    { args: ['--volume', '11'], message: /Unknown option '--volume'/, code: 2 },
    { args: ['--jobs', '0'], message: /--jobs must be a whole number from 1 to 64, not "0"/, code: 2 },
    { args: ['--jobs', 'two'], message: /--jobs must be a whole number from 1 to 64, not "two"/, code: 2 },
    { args: ['--formats', 'mp3,flac'], message: /--formats: "flac" is not a format; the formats are mp3, opus, wav/, code: 2 },
    { args: ['--formats', ','], message: /--formats needs at least one of mp3, opus, wav/, code: 2 },
  ])('refuses $args with exit code $code', { timeout: 60_000 }, async ({ args, message, code }) => {
    const failure = (await renderCli('--cache', cacheDir, ...args).catch((error: unknown) => error)) as { code: number; stderr: string };
    expect(failure.code).toBe(code);
    expect(failure.stderr).toMatch(message);
  });

  test('--jobs 2 renders two episodes at a time and lists them in the pack’s order', { timeout: 150_000 }, async () => {
    // The fixture's one episode three times over, under three names.
    const pack = await mkdtemp(path.join(tmpdir(), 'atl-render-three-'));
    const cache = await mkdtemp(path.join(tmpdir(), 'atl-render-three-cache-'));
    try {
      await cp(FIXTURE_PACK, pack, { recursive: true });
      const [episode] = JSON.parse(await readFile(path.join(pack, 'episodes.json'), 'utf8')) as { id: string; title: string }[];
      const ids = ['first-light', 'second-light', 'third-light'];
      await writeFile(path.join(pack, 'episodes.json'), JSON.stringify(ids.map((id, n) => ({ ...episode, id, title: `${episode!.title} ${n + 1}` }))));
      const { stdout } = await run(process.execPath, [RENDER, '--content', pack, '--cache', cache, '--engine', 'espeak-ng', '--jobs', '2'], { cwd: ROOT, timeout: 120_000 });
      expect(stdout).toMatch(/^\[#{30}\] 3\/3 done$/m);
      // Two under way at once, at some point.
      expect(stdout).toMatch(/^\[[#-]{30}\] [012]\/3 rendering [a-z-]+-light, [a-z-]+-light$/m);
      const rows = stdout.split('\n').filter((line) => / +\d+x real time$/.test(line)).map((line) => line.split(' ')[0]);
      expect(rows).toEqual(ids);
      expect(stdout).toMatch(/^rendered \d:\d\d of audio in \d+\.\d\d s at \d+x real time \(.*; 2 episodes at a time\)$/m);
    } finally {
      await Promise.all([rm(pack, { recursive: true, force: true }), rm(cache, { recursive: true, force: true })]);
    }
  });

  test('--formats mp3 renders the MP3 alone (and the time line), and says so', { timeout: 150_000 }, async () => {
    const cache = await mkdtemp(path.join(tmpdir(), 'atl-render-mp3-'));
    try {
      const { stdout } = await renderCli('--cache', cache, '--engine', 'espeak-ng', '--formats', 'mp3');
      expect(stdout).toMatch(/^the-light +0:\d\d {2}mp3 \d+ kB +\d+x real time$/m);
      expect(stdout).toMatch(/^rendered 0:\d\d of audio in \d+\.\d\d s at \d+x real time \(mp3 and the tracks; /m);
      const files = await readdir(path.join(cache, 'renditions'));
      expect(files.filter((file) => file.endsWith('.mp3'))).toHaveLength(1);
      expect(files.filter((file) => file.endsWith('.opus'))).toHaveLength(0);
      expect(files.filter((file) => file.endsWith('.timeline.json'))).toHaveLength(1);
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });

  test('--formats refuses a format this machine cannot make, naming what it makes', { timeout: 60_000 }, async () => {
    // No program on the PATH: no Opus (and the MP3 from WebAssembly).
    const empty = await mkdtemp(path.join(tmpdir(), 'atl-render-no-programs-'));
    try {
      const failure = (await run(process.execPath, [RENDER, '--content', FIXTURE_PACK, '--cache', cacheDir, '--engine', 'embedded', '--formats', 'mp3,opus'], {
        cwd: ROOT,
        env: { ...process.env, PATH: empty },
        timeout: 60_000,
      }).catch((error: unknown) => error)) as { code: number; stderr: string };
      expect(failure.code).toBe(2);
      expect(failure.stderr).toMatch(/--formats: opus cannot be made on this machine \(Opus needs ffmpeg or opusenc\); it makes wav, mp3/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  test('a broken content pack renders nothing and names the problem', { timeout: 60_000 }, async () => {
    const broken = await mkdtemp(path.join(tmpdir(), 'atl-render-broken-'));
    try {
      await writeFile(path.join(broken, 'pack.json'), '{');
      const failure = (await run(process.execPath, [RENDER, '--content', broken, '--cache', cacheDir], { cwd: ROOT }).catch((error: unknown) => error)) as { code: number; stderr: string };
      expect(failure.code).toBe(1);
      expect(failure.stderr).toMatch(/pack\.json[\s\S]*Nothing was rendered\./);
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });
});
