/**
 * Engine faults through the renditions, with the real engine adapters and
 * faulty workers or programs underneath: a worker thread that hangs for ever
 * (only terminating it can stop it), a worker that dies, an espeak-ng that
 * crashes or hangs. Each render fails with a clear error in bounded time, the
 * worker or process is killed, and the next render works.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { runProgram } from '../../../server/src/external-program.js';
import { createCatalog } from '../../../server/src/catalog.js';
import { loadContentPack } from '../../../server/src/content/load.js';
import type { Narration } from '../../../server/src/narration/narration.js';
import { RenderTimedOut, createRenditions, type Renditions } from '../../../server/src/renditions/renditions.js';
import { createEmbeddedEngine } from '../../../server/src/speech/embedded/embedded-engine.js';
import { SpeechError, type SpeechEngine } from '../../../server/src/speech/engine.js';
import { createNativeEspeakEngine } from '../../../server/src/speech/native/espeak-ng-engine.js';
import { FIXTURE_PACK } from '../../helpers/paths.js';

let narration: Narration;
let folder: string;

beforeAll(async () => {
  narration = createCatalog(await loadContentPack(FIXTURE_PACK)).entries[0]!.narration;
  folder = await mkdtemp(path.join(tmpdir(), 'atl-engine-faults-'));
});
/** Every renditions made: each finishes storing what it made before the folder goes. */
const made: Renditions[] = [];
afterAll(async () => {
  await Promise.all(made.map((renditions) => renditions.idle()));
  await rm(folder, { recursive: true, force: true });
});

let serial = 0;
/** Renditions over `engine` in a fresh cache. */
function renditionsOver(engine: SpeechEngine, renderTimeoutMs?: number): Renditions {
  const cacheDir = path.join(folder, `cache-${serial++}`);
  const renditions = createRenditions({ engine, cacheDir, fallbackDir: path.join(cacheDir, 'fallback'), ...(renderTimeoutMs === undefined ? {} : { renderTimeoutMs }) });
  made.push(renditions);
  return renditions;
}

/**
 * A stand-in eSpeak worker (./protocol.ts), as a data: URL: does `first` with
 * the first request it ever gets (a file flag survives the worker being
 * replaced), then answers every request with half a second of tone.
 */
function workerThatFirst(first: string, flag: string): URL {
  const code = `
import { parentPort } from 'node:worker_threads';
import { existsSync, writeFileSync } from 'node:fs';
parentPort.on('message', (request) => {
  if (!existsSync(${JSON.stringify(flag)})) { writeFileSync(${JSON.stringify(flag)}, ''); ${first} }
  const samples = new Int16Array(11025).map((_, i) => Math.round(8000 * Math.sin(i / 5)));
  parentPort.postMessage({ kind: 'result', id: request.id, sampleRate: 22050, samples, events: [] }, [samples.buffer]);
});
parentPort.postMessage({ kind: 'ready', sampleRate: 22050, loadMs: 0 });
`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

/** A stand-in `espeak-ng` program that prints a version, then does `render` for each render. */
async function fakeEspeak(name: string, render: string): Promise<string> {
  const program = path.join(folder, name);
  await writeFile(program, `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "eSpeak NG text-to-speech: 1.51  Data at: /nowhere"; exit 0; fi\n${render}\n`);
  await chmod(program, 0o755);
  return program;
}

/** Processes started from this test process whose command line names `program`. */
async function running(program: string): Promise<string[]> {
  const { stdout } = await runProgram('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)]);
  return stdout.toString('utf8').split('\n').filter((line) => line.includes(program));
}

describe('the embedded engine under the renditions', () => {
  test('a worker that hangs for ever: the render times out, the worker is killed and replaced, the next render works', async () => {
    // A busy loop: the thread never reads another message; only terminate() stops it.
    const engine = createEmbeddedEngine({ workerUrl: workerThatFirst('for (;;) {}', path.join(folder, 'hang-flag')) });
    try {
      const error: unknown = await renditionsOver(engine, 1000).render({ narration, format: 'wav', rate: 1 }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RenderTimedOut);
      // The same engine, now with the default timeout, so a slow machine starting the replacement worker cannot fail it.
      const next = await renditionsOver(engine).render({ narration, format: 'wav', rate: 1 });
      expect(next.durationMs).toBeGreaterThan(500);
    } finally {
      await engine.close();
    }
  }, 60_000);

  test('a worker that dies mid-render: the render fails with the crash, the next render works', async () => {
    const engine = createEmbeddedEngine({ workerUrl: workerThatFirst('process.exit(3);', path.join(folder, 'exit-flag')) });
    try {
      const renditions = renditionsOver(engine);
      const error: unknown = await renditions.render({ narration, format: 'wav', rate: 1 }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(SpeechError);
      expect((error as Error).message).toMatch(/crashed during a render/);
      expect((await renditions.render({ narration, format: 'wav', rate: 1 })).durationMs).toBeGreaterThan(500);
    } finally {
      await engine.close();
    }
  }, 60_000);
});

describe('the native engine under the renditions', () => {
  test('an espeak-ng that crashes: the render fails saying so', async () => {
    const program = await fakeEspeak('espeak-crashes', 'kill -SEGV $$');
    const engine = createNativeEspeakEngine({ program });
    try {
      const error: unknown = await renditionsOver(engine).render({ narration, format: 'wav', rate: 1 }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(SpeechError);
      expect((error as Error).message).toMatch(/espeak-ng failed to render: .*killed by SIGSEGV/);
    } finally {
      await engine.close();
    }
  }, 60_000);

  test('an espeak-ng that hangs: the render times out and its processes are killed', async () => {
    const program = await fakeEspeak('espeak-hangs', 'exec sleep 600');
    const engine = createNativeEspeakEngine({ program });
    try {
      const error: unknown = await renditionsOver(engine, 1000).render({ narration, format: 'wav', rate: 1 }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RenderTimedOut);
      // Killing is immediate (SIGKILL), but the timed-out render does not wait for the reaping: wait for the process to go.
      await vi.waitFor(async () => expect(await running('sleep 600')).toEqual([]), { timeout: 20_000 });
    } finally {
      await engine.close();
    }
  }, 60_000);

  test('an espeak-ng that is not installed: the render fails naming what to install', async () => {
    const engine = createNativeEspeakEngine({ program: path.join(folder, 'no-such-espeak') });
    try {
      const error: unknown = await renditionsOver(engine).render({ narration, format: 'wav', rate: 1 }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(SpeechError);
      expect((error as Error).message).toMatch(/not installed or not on the PATH.*apt-get install espeak-ng/);
    } finally {
      await engine.close();
    }
  });
});
