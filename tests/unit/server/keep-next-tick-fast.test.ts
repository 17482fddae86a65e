import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { keepNextTickFast, keptTickObject } from '../../../server/src/keep-next-tick-fast.js';
import { ROOT } from '../../helpers/paths.js';

const SCRIPT = path.join(ROOT, 'tests', 'fixtures', 'runtime', 'idle-collections.ts');

/** V8's state of each place in `nextTick` that adds a key to the queued callback's object, after six idle collections. */
async function statesAfterIdleCollections(keep: boolean): Promise<string[]> {
  // V8 prints straight to file descriptor 1, and drops what a non-blocking pipe refuses: a file takes it all.
  const folder = await mkdtemp(path.join(os.tmpdir(), 'atl-next-tick-'));
  try {
    const output = path.join(folder, 'stdout');
    const file = await open(output, 'w');
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', '--allow-natives-syntax', SCRIPT, keep ? 'keep' : 'none'], { cwd: ROOT, stdio: ['ignore', file.fd, 'inherit'] });
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      await file.close();
    }
    const printed = await readFile(output, 'utf8');
    return [...printed.matchAll(/DefineKeyedOwnPropertyInLiteral (\w+)/g)].map((match) => match[1]!);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

describe('keepNextTickFast', () => {
  test('keeps one queued callback object: the one nextTick made, with its symbol keys', async () => {
    await keepNextTickFast();
    const kept = keptTickObject();
    expect(kept).toBeTypeOf('object');
    // Node 20's keys; later versions may add their own beside them.
    expect(Object.getOwnPropertySymbols(kept).map(String)).toEqual(expect.arrayContaining(['Symbol(async_id_symbol)', 'Symbol(trigger_async_id_symbol)']));
    expect(Object.keys(kept!)).toEqual(expect.arrayContaining(['callback', 'args']));
    // Called again, it keeps the same object.
    await keepNextTickFast();
    expect(keptTickObject()).toBe(kept);
  });

  test('nextTick stays monomorphic through idle garbage collections (megamorphic without it on Node 20)', async () => {
    const [kept, control] = await Promise.all([statesAfterIdleCollections(true), statesAfterIdleCollections(false)]);
    expect(kept).not.toContain('MEGAMORPHIC');
    if (process.versions.node.split('.')[0] === '20') {
      // Where it was measured, the harness sees the places (the literal's four keys) and
      // shows the slowdown it guards against; later versions may build the object otherwise.
      expect(kept).toEqual(['MONOMORPHIC', 'MONOMORPHIC', 'MONOMORPHIC', 'MONOMORPHIC']);
      expect(control).toContain('MEGAMORPHIC');
    }
  }, 60_000);
});
