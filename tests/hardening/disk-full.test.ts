/**
 * A full disk, through HTTP on a real port: the render cache's writes fail with
 * ENOSPC after writing part of the file (as a full disk does). The app is the
 * real one with the real speech engine; only the cache's `writeFile` is
 * replaced, since filling a real disk needs root tricks that CI cannot rely on.
 */
import { writeFile as fsWriteFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, test } from 'vitest';
import { buildApp } from '../../server/src/app.js';
import { availableEncoders } from '../../server/src/audio/encoders.js';
import { createCatalog } from '../../server/src/catalog.js';
import { loadContentPack } from '../../server/src/content/load.js';
import { createRenditions } from '../../server/src/renditions/renditions.js';
import { selectSpeechEngine } from '../../server/src/speech/select.js';
import { FIXTURE_PACK } from '../helpers/paths.js';
import { cacheDamage, filesUnder, get, until, wholeMp3 } from './running-server.js';

const AUDIO = '/api/episodes/the-light/audio.mp3';
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** What a full disk throws, after the part of the file that fitted was written. */
function diskFull(file: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOSPC: no space left on device, write '${file}'`), { code: 'ENOSPC', errno: -28, syscall: 'write' });
}

interface Setup {
  readonly origin: string;
  readonly primary: string;
  readonly fallback: string;
  readonly logs: string[];
  /** Whether writes under `folder` fail now; change it to fill or free a disk. */
  readonly full: Set<string>;
  /** What the renditions reported of folders that could not be written. */
  readonly failures: { folder: string; reason: string; nowWritingTo: string | undefined }[];
}

async function start(): Promise<Setup> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'atl-disk-full-'));
  cleanup.push(() => rm(scratch, { recursive: true, force: true }));
  const cacheDir = path.join(scratch, 'cache');
  const primary = path.join(cacheDir, 'renditions');
  const fallback = path.join(scratch, 'fallback');
  const full = new Set<string>();
  const logs: string[] = [];
  const failures: Setup['failures'] = [];
  const { engine } = await selectSpeechEngine('auto');
  cleanup.push(() => engine.close());
  const renditions = createRenditions({
    engine,
    cacheDir,
    fallbackDir: fallback,
    encoders: await availableEncoders(),
    // Tried again soon after every folder failed, so that freeing the disk is seen within the test.
    retryUnwritableMs: 200,
    onStoreFailure: (folder, error, nowWritingTo) => failures.push({ folder, reason: error instanceof Error ? error.message : String(error), nowWritingTo }),
    async writeFile(file, data) {
      if ([...full].some((folder) => file.startsWith(folder + path.sep))) {
        await fsWriteFile(file, typeof data === 'string' ? data.slice(0, data.length >> 1) : data.subarray(0, data.length >> 1));
        throw diskFull(file);
      }
      await fsWriteFile(file, data);
    },
  });
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const app: FastifyInstance = await buildApp(
    { catalog: createCatalog(await loadContentPack(FIXTURE_PACK)), renditions, engine, siteDir: path.join(scratch, 'site'), rendersPerMinute: 1000 },
    { logger: { level: 'warn', stream } },
  );
  cleanup.push(() => app.close());
  const origin = await app.listen({ host: '127.0.0.1', port: 0 });
  return { origin, primary, fallback, logs, full, failures };
}

describe('a full disk', () => {
  test('under the cache folder only: renders go to the fallback folder and are served whole; nothing partial stays in the full one', async () => {
    const setup = await start();
    setup.full.add(setup.primary);
    const answer = await get(setup.origin, AUDIO);
    // Asked again, it comes from the fallback folder, verified, with its length.
    const stored = await get(setup.origin, AUDIO);
    expect(wholeMp3(stored, stored.body)).toBe('stored');
    expect(() => wholeMp3(answer, stored.body)).not.toThrow();
    expect(setup.failures).toContainEqual({ folder: setup.primary, reason: expect.stringMatching(/^ENOSPC: no space left on device/), nowWritingTo: setup.fallback });
    expect(await filesUnder(setup.primary)).toEqual([]);
    expect(await cacheDamage(setup.fallback)).toEqual([]);
    expect((await filesUnder(setup.fallback)).some((file) => file.endsWith('.mp3'))).toBe(true);
  }, 120_000);

  test('everywhere: a 503 problem with Retry-After and the reason in the log, nothing partial anywhere; once space is freed, the audio is served', async () => {
    const setup = await start();
    setup.full.add(setup.primary);
    setup.full.add(setup.fallback);
    const refused = await get(setup.origin, AUDIO);
    expect(refused.status).toBe(503);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(refused.body.toString())).toMatchObject({ status: 503, code: 'ATL_RENDER_FAILED' });
    expect(refused.body.toString()).not.toMatch(/ENOSPC|\/tmp\//);
    // The 503's log line names the folders and the reason, for whoever runs the server.
    expect(setup.logs.join('')).toMatch(/render cache cannot be written in .*renditions nor in .*fallback \(ENOSPC: no space left on device/);
    for (const folder of [setup.primary, setup.fallback]) {
      expect((await filesUnder(folder)).filter((file) => !file.startsWith('chapters'))).toEqual([]);
      expect(await cacheDamage(folder)).toEqual([]);
    }
    // Text does not need the disk.
    expect((await get(setup.origin, '/api/episodes/the-light.ssml')).status).toBe(200);
    // Space freed: the cache is tried again, from the configured folder.
    setup.full.clear();
    let served = refused;
    await until(async () => {
      served = await get(setup.origin, AUDIO);
      return served.status === 200;
    }, 'the audio once space was freed', 60_000);
    const stored = await get(setup.origin, AUDIO);
    expect(wholeMp3(stored, stored.body)).toBe('stored');
    expect(() => wholeMp3(served, stored.body)).not.toThrow();
    expect((await filesUnder(setup.primary)).some((file) => file.endsWith('.mp3'))).toBe(true);
    expect(await cacheDamage(setup.primary)).toEqual([]);
  }, 120_000);
});
