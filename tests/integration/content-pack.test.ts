/**
 * The real content pack, as the API serves it, and what happens to a broken one:
 * content:check and the server both refuse it with the same message.
 */
import { execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadContentPack } from '../../server/src/content/load.js';
import type { ContentPack } from '../../server/src/content/schema.js';
import { startCompanion, type TestCompanion } from '../helpers/app.js';
import { CONTENT_DIR, FIXTURE_PACK, ROOT } from '../helpers/paths.js';

const run = promisify(execFile);
const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');

let companion: TestCompanion;
let pack: ContentPack;
let brokenDir: string;
let unsayableDir: string;

beforeAll(async () => {
  pack = await loadContentPack(CONTENT_DIR);
  companion = await startCompanion(CONTENT_DIR);
  brokenDir = await mkdtemp(path.join(tmpdir(), 'atl-broken-'));
  await cp(FIXTURE_PACK, brokenDir, { recursive: true });
  await writeFile(path.join(brokenDir, 'people.json'), JSON.stringify([{ id: 'x', name: 'X', roles: [], credits: [], sources: ['nowhere'] }]));
  unsayableDir = await mkdtemp(path.join(tmpdir(), 'atl-unsayable-'));
  await cp(FIXTURE_PACK, unsayableDir, { recursive: true });
  const facts = JSON.parse(await readFile(path.join(unsayableDir, 'facts.json'), 'utf8')) as { text: string }[];
  facts[2]!.text = 'Bo Renn\u0007 directs all three episodes.';
  await writeFile(path.join(unsayableDir, 'facts.json'), JSON.stringify(facts));
});
afterAll(async () => {
  await companion?.close();
  if (brokenDir) await rm(brokenDir, { recursive: true, force: true });
  if (unsayableDir) await rm(unsayableDir, { recursive: true, force: true });
});

describe('the real pack', () => {
  test('the API lists the seven episodes', async () => {
    const { episodes } = (await companion.app.inject('/api/episodes')).json();
    expect(episodes.map((e: { id: string }) => e.id)).toEqual([
      'the-story',
      'characters-and-cast',
      'behind-the-camera',
      'from-novel-to-series',
      'making-the-series',
      'release-and-how-to-watch',
      'quick-facts',
    ]);
  });

  test.each([
    { subject: "Louis Hofmann's surname", id: 'hofmann-spelling', resolved: 'Hofmann', variant: 'Hoffman', source: 'seed-001' },
    { subject: "Steven Knight's first name", id: 'knight-first-name', resolved: 'Steven Knight', variant: 'Stephen Knight', source: 'seed-001' },
    { subject: "Debussy's piece", id: 'clair-de-lune-spelling', resolved: 'Clair de lune', variant: 'Clare de Lune', source: 'seed-001' },
    { subject: 'the garbled series name', id: 'shadow-and-bone-translation', resolved: 'Shadow and Bone', variant: 'Darkness and Bones', source: 'seed-000' },
    { subject: 'the mistranslated title', id: 'show-title-translation', resolved: 'All the Light We Cannot See', variant: "All the light we don't see", source: 'seed-000' },
  ])('records the conflict over $subject', ({ id, resolved, variant, source }) => {
    const conflict = pack.conflicts.find((c) => c.id === id);
    expect(conflict?.resolved).toBe(resolved);
    expect(conflict?.variants).toContainEqual({ value: variant, sources: expect.arrayContaining([source]) });
  });

  test('the narration uses the resolved spelling, never a variant', () => {
    const spoken = pack.facts.map((f) => f.text).join(' ');
    expect(spoken).toContain('Hofmann');
    expect(spoken).not.toMatch(/Hoffman\b|Stephen Knight|Clare de Lune|Darkness and Bones/);
  });

  test('the episode API shows where sources differ', async () => {
    const detail = (await companion.app.inject('/api/episodes/characters-and-cast')).json();
    const notes = detail.facts.flatMap((f: { sourcesDiffer: { id: string }[] }) => f.sourcesDiffer.map((c) => c.id));
    expect(notes).toContain('hofmann-spelling');
  });

  test('every lexicon entry is used by some fact or person', () => {
    const texts = [...pack.facts.map((f) => f.text), ...pack.people.map((p) => p.name)].join(' ');
    const unused = pack.lexicon.filter((l) => !l.written.some((w) => texts.includes(w)) && !pack.people.some((p) => p.pronunciation === l.id));
    expect(unused.map((l) => l.id)).toEqual([]);
  });
});

describe('a broken pack', () => {
  const expected = /people\.json at \/0\/sources\/0: unknown source "nowhere"/;

  test('content:check names file, path and problem, and exits 1', async () => {
    const failure = await run(tsx, ['server/src/cli/content-check.ts', '--content', brokenDir], { cwd: ROOT }).catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toMatch(expected);
  });

  test('content:check passes the real pack', async () => {
    const { stdout } = await run(tsx, ['server/src/cli/content-check.ts'], { cwd: ROOT });
    expect(stdout).toMatch(/is whole: \d+ facts from 5 sources/);
  });

  test('the server refuses to start with the same message', async () => {
    const failure = await run(tsx, ['server/src/server.ts', '--content', brokenDir, '--port', '0'], { cwd: ROOT, timeout: 30_000 }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toMatch(expected);
    expect((failure as { stderr: string }).stderr).toContain('The server did not start.');
  });
});

describe('a pack with text no engine can say', () => {
  test('content:check warns with file and path, and passes', async () => {
    const { stdout, stderr } = await run(tsx, ['server/src/cli/content-check.ts', '--content', unsayableDir], { cwd: ROOT });
    expect(stderr).toContain('warning: facts.json at /2/text: holds characters no speech engine can say (U+0007)');
    expect(stdout).toMatch(/is whole: .* with 1 warning\./);
  });

  test('the server starts, and logs the cleaning it made while narrating the pack', async () => {
    const cacheDir = await mkdtemp(path.join(tmpdir(), 'atl-cache-'));
    const server = spawn(tsx, ['server/src/server.ts', '--content', unsayableDir, '--port', '0', '--warm', 'off', '--cache', cacheDir], { cwd: ROOT });
    let output = '';
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the server did not start:\n${output}`)), 30_000);
        server.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('is playing at')) {
            clearTimeout(timer);
            resolve();
          }
        });
        server.on('exit', (code) => reject(new Error(`the server exited with ${code}:\n${output}`)));
      });
    } finally {
      server.kill('SIGTERM');
      await rm(cacheDir, { recursive: true, force: true });
    }
    const warning = output.split('\n').find((line) => line.includes('removed characters a speech engine cannot say'));
    expect(warning).toBeDefined();
    expect(JSON.parse(warning!)).toMatchObject({ level: 40, removed: 'U+0007' });
  });
});
