import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { CacheStore, removeOrphanedTemporaries } from '../../../server/src/renditions/cache-store.js';

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), 'atl-cache-store-'));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** The id of a process that has run and ended. */
async function endedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return child.pid!;
}

const UUID = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('removeOrphanedTemporaries', () => {
  test('removes what a process that is gone left half-written, and nothing else', async () => {
    const dead = await endedPid();
    await mkdir(path.join(folder, 'renditions', 'ab'), { recursive: true });
    const files = {
      orphan: path.join('renditions', 'ab', `abc.mp3.${dead}-${UUID}.tmp`),
      orphanRecord: path.join('renditions', `abc.mp3.json.${dead}-${UUID}.tmp`),
      // The parent of this test process is running: a live writer's file is left alone.
      live: path.join('renditions', `def.mp3.${process.ppid}-${UUID}.tmp`),
      ours: path.join('renditions', `ghi.mp3.${process.pid}-${UUID}.tmp`),
      entry: path.join('renditions', 'abc.mp3'),
      record: path.join('renditions', 'abc.mp3.json'),
      notOurs: path.join('renditions', 'notes.tmp'),
    };
    for (const file of Object.values(files)) await writeFile(path.join(folder, file), 'x');

    const removed = await removeOrphanedTemporaries(folder);

    expect(removed.sort()).toEqual([path.join(folder, files.orphan), path.join(folder, files.orphanRecord)].sort());
    const left = (await readdir(folder, { recursive: true })).filter((name) => name.includes('.'));
    expect(left.sort()).toEqual([files.live, files.ours, files.entry, files.record, files.notOurs].sort());
  });

  test('a missing folder has nothing to remove', async () => {
    expect(await removeOrphanedTemporaries(path.join(folder, 'not-there'))).toEqual([]);
  });

  test('names its temporary files by the writing process, so a later start can tell orphans', async () => {
    const seen: string[] = [];
    const store = new CacheStore({
      folders: [folder],
      writeFile: async (file, data) => {
        seen.push(path.basename(file));
        await writeFile(file, data);
      },
    });
    await store.write('entry.mp3', Buffer.from('audio'));
    expect(seen).toHaveLength(2);
    for (const name of seen) expect(name).toMatch(new RegExp(`\\.${process.pid}-[0-9a-f-]{36}\\.tmp$`));
    // Nothing is an orphan while its writer runs.
    expect(await removeOrphanedTemporaries(folder)).toEqual([]);
    expect((await store.read('entry.mp3'))?.data.toString()).toBe('audio');
  });
});
