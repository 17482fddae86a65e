/**
 * Rendering speed, per speech engine available here, on the real content pack:
 *
 * - engine alone: the whole-episode SSML to PCM (the reference, measured in the same run);
 * - end to end: SSML to a stored MP3 plus the time line every track is made
 *   from, cache empty, as `npm run render -- --formats mp3` does it: the built
 *   CLI (`dist/`) in a plain Node process of its own, one episode at a time
 *   (as the server's warm-up renders) and one per core (the CLI's default);
 *   the target is read on the faster (the tracks are made from the time line
 *   when asked for). Not in this process: under tsx, with its loader and a
 *   larger memory, every program start costs more (a spawn's cost grows with
 *   the process's memory), and users do not run tsx;
 * - time to the first audio byte of a cold episode (cache empty, engine
 *   warm), and of one whose first chapter the warm-up rendered: from the
 *   renditions in this process, and through HTTP from the built server
 *   (`dist/`, as `npm start` runs it, warm-up off) as a browser asks for it
 *   (`GET …/audio.mp3`, `Range: bytes=0-`), measured to the first body byte;
 * - the encoders on the rendered audio (speed, and size a minute).
 *
 * Prints figures against the targets (embedded >= 100x real time, native
 * >= 300x, first byte < 1 s); asserts nothing. The machine may be shared:
 * the load average is printed, and each figure is the best of --rounds.
 *
 *   npx tsx bench/render.ts [--content DIR] [--rounds N] [--engines embedded,espeak-ng,say]
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { get } from 'node:http';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { availableEncoders, ffmpegMp3Encoder, lameMp3Encoder, mp3Encoder, opusAudioEncoder } from '../server/src/audio/encoders.js';
import { mp3ProgramAvailable } from '../server/src/audio/mp3-program.js';
import { opusEncoder } from '../server/src/audio/opus.js';
import { createCatalog, type CatalogEntry } from '../server/src/catalog.js';
import { PROJECT_ROOT } from '../server/src/config.js';
import { loadContentPack } from '../server/src/content/load.js';
import { renderSsml } from '../server/src/narration/render.js';
import { createRenditions, type Renditions } from '../server/src/renditions/renditions.js';
import { createEmbeddedEngine } from '../server/src/speech/embedded/embedded-engine.js';
import type { SpeechEngine, Synthesis } from '../server/src/speech/engine.js';
import { createNativeEspeakEngine } from '../server/src/speech/native/espeak-ng-engine.js';
import { createSayEngine } from '../server/src/speech/say/say-engine.js';
import { embeddedWorkers } from '../server/src/speech/select.js';
import { freePort } from './loopback.js';

const TARGETS: Readonly<Record<string, number>> = { embedded: 100, 'espeak-ng': 300 };
const FIRST_BYTE_TARGET_MS = 1000;

const { values } = parseArgs({ options: { content: { type: 'string' }, rounds: { type: 'string' }, engines: { type: 'string' } }, strict: true });
const contentDir = path.resolve(values.content ?? path.join(PROJECT_ROOT, 'audio-scripts', 'content'));
const rounds = Math.max(1, Number(values.rounds ?? 3));
const wanted = new Set((values.engines ?? 'embedded,espeak-ng,say').split(','));
const catalog = createCatalog(await loadContentPack(contentDir));
const episodes = catalog.entries;

const seconds = (synthesis: Synthesis): number => synthesis.samples.length / synthesis.sampleRate;
const pad = (text: string, width: number): string => text.padEnd(width);
const median = (numbers: readonly number[]): number => {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const verdict = (met: boolean, target: string): string => `  (target ${target}: ${met ? 'met' : 'MISSED'})`;

function row(label: string, audioSeconds: number, wallSeconds: number, note = ''): number {
  const factor = audioSeconds / wallSeconds;
  console.log(`${pad(label, 52)} ${audioSeconds.toFixed(0).padStart(5)} s audio in ${wallSeconds.toFixed(2).padStart(6)} s = ${factor.toFixed(0).padStart(4)}x real time${note}`);
  return factor;
}

/** The best (shortest) of `rounds` runs of `work`, which returns seconds of audio made and the seconds it took. */
async function bestReported(work: () => Promise<{ audio: number; wall: number }>): Promise<{ audio: number; wall: number }> {
  let result = { audio: 0, wall: Number.POSITIVE_INFINITY };
  for (let round = 0; round < rounds; round++) {
    const run = await work();
    if (run.wall < result.wall) result = run;
  }
  return result;
}

/** The best (shortest) of `rounds` runs of `work`, which returns seconds of audio made; timed here. */
function best(work: () => Promise<number>): Promise<{ audio: number; wall: number }> {
  return bestReported(async () => {
    const started = performance.now();
    const audio = await work();
    return { audio, wall: (performance.now() - started) / 1000 };
  });
}

/** The MP3 encoder the server uses here: the `lame` program or ffmpeg's LAME when installed, else LAME as WebAssembly. */
const serverMp3 = (await availableEncoders()).find((encoder) => encoder.format === 'mp3') ?? mp3Encoder;

const folders: string[] = [];
/** Renditions over `engine` in an empty cache (and an empty fallback), with the server's MP3 only: what the first listener of an episode meets. */
async function emptyCache(engine: SpeechEngine): Promise<Renditions> {
  const folder = await mkdtemp(path.join(tmpdir(), 'atl-bench-render-'));
  folders.push(folder);
  return createRenditions({ engine, cacheDir: folder, fallbackDir: path.join(folder, 'fallback'), encoders: [serverMp3] });
}

/**
 * `npm run render -- --formats mp3 --jobs N` on an empty cache, run as built: the audio
 * and the time the CLI reports (from its first episode's start to its last one's end,
 * so not the process's own start-up, which a render of the pack pays once).
 */
async function renderCli(engineName: string, jobs: number): Promise<{ audio: number; wall: number }> {
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'atl-bench-render-cli-'));
  folders.push(cacheDir);
  const args = ['dist/server/cli/render.js', '--content', contentDir, '--cache', cacheDir, '--engine', engineName, '--formats', 'mp3', '--jobs', String(jobs)];
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: PROJECT_ROOT, maxBuffer: 1 << 24 });
  const summary = /^rendered (\d+):(\d\d) of audio in ([\d.]+) s at /m.exec(stdout);
  if (summary === null) throw new Error(`npm run render printed no summary:\n${stdout}`);
  return { audio: Number(summary[1]) * 60 + Number(summary[2]), wall: Number(summary[3]) };
}

/** Milliseconds to the first MP3 byte of `entry` from `renditions`; the rest is read to the end (so no render is cut short). */
async function firstByte(renditions: Renditions, entry: CatalogEntry): Promise<number> {
  const started = performance.now();
  const stream = await renditions.stream({ narration: entry.narration, format: 'mp3', rate: 1 });
  if (stream.kind === 'ready') return performance.now() - started;
  let first: number | undefined;
  for await (const chunk of stream.chunks) {
    if (first === undefined && chunk.length > 0) first = performance.now() - started;
  }
  await stream.done;
  return first ?? Number.NaN;
}

/** One GET read to its end: ms to the response's head and to its first body byte, and how it was sent. */
function timedGet(url: string, headers: Record<string, string>): Promise<{ head: number; firstByte: number; status: number; live: boolean; complete: boolean }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = get(url, { headers, agent: false }, (response) => {
      const head = performance.now() - started;
      let firstByte = Number.NaN;
      response.on('data', () => {
        if (Number.isNaN(firstByte)) firstByte = performance.now() - started;
      });
      response.on('error', () => undefined);
      response.on('close', () =>
        resolve({ head, firstByte, status: response.statusCode ?? 0, live: response.headers['cache-control'] === 'no-store', complete: response.complete }),
      );
    });
    request.on('error', reject);
  });
}

/**
 * First MP3 byte of each episode through HTTP, cache empty: the built server in a child
 * process over `engineName`, its engine warmed by one other render first (as the warm-up
 * or an earlier listener would have), each episode asked for as a browser's <audio> asks.
 */
async function firstBytesOverHttp(engineName: string): Promise<{ firstBytes: number[]; heads: number[]; live: number; failed: number }> {
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'atl-bench-render-http-'));
  folders.push(cacheDir);
  const port = await freePort();
  const server = spawn(process.execPath, ['dist/server/server.js', '--host', '127.0.0.1', '--port', String(port), '--content', contentDir, '--cache', cacheDir, '--engine', engineName, '--warm', 'off', '--log-level', 'warn'], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  server.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const origin = `http://127.0.0.1:${port}`;
  try {
    for (let waited = 0; ; waited += 250) {
      if (server.exitCode !== null) throw new Error(`the server exited before it was ready:\n${stderr}`);
      if (await fetch(`${origin}/readyz`).then((r) => r.ok, () => false)) break;
      if (waited > 120_000) throw new Error(`the server was not ready within 2 minutes:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    // The engine's start-up is paid once per server (and hidden by the warm-up): not counted here.
    await timedGet(`${origin}/api/episodes/${episodes[0]!.episode.id}/audio.mp3?rate=2`, {});
    const firstBytes: number[] = [];
    const heads: number[] = [];
    let live = 0;
    let failed = 0;
    for (const entry of episodes) {
      const answer = await timedGet(`${origin}/api/episodes/${entry.episode.id}/audio.mp3`, { range: 'bytes=0-' });
      // 200 as it is made, or (a stored file, or an older build) 206 for bytes=0-: anything else, or a broken-off answer, failed.
      if ((answer.status !== 200 && answer.status !== 206) || !answer.complete) failed++;
      if (answer.live) live++;
      firstBytes.push(answer.firstByte);
      heads.push(answer.head);
    }
    return { firstBytes, heads, live, failed };
  } finally {
    server.kill('SIGTERM');
    if (server.exitCode === null) await new Promise((resolve) => server.once('exit', resolve));
  }
}

// The end-to-end and HTTP figures run the built code: built now, so it is this tree's.
if (spawnSync('npm', ['run', 'build', '--silent'], { cwd: PROJECT_ROOT, stdio: 'inherit' }).status !== 0) throw new Error('npm run build failed');

console.log(
  `${episodes.length} episodes from ${contentDir}; ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, ` +
    `load average ${loadavg().map((load) => load.toFixed(1)).join(' ')}; Node ${process.version}; best of ${rounds}; MP3 by ${serverMp3.id}\n`,
);

const candidates: { label: string; create: () => SpeechEngine }[] = [];
const workers = embeddedWorkers(availableParallelism());
if (wanted.has('embedded')) candidates.push({ label: `embedded (${workers} worker${workers === 1 ? '' : 's'}, warm)`, create: () => createEmbeddedEngine({ workers }) });
if (wanted.has('espeak-ng')) candidates.push({ label: `espeak-ng (${availableParallelism()} processes)`, create: () => createNativeEspeakEngine() });
if (wanted.has('say')) candidates.push({ label: 'say (system voices)', create: () => createSayEngine() });

let renders: Synthesis[] = [];
try {
  for (const { label, create } of candidates) {
    const engine = create();
    try {
      // available() also warms the embedded engine's worker, so its start-up is not counted here (it is below).
      if (!(await engine.available())) {
        console.log(`${pad(label, 52)} not available here`);
        continue;
      }
      console.log(`${label}, engine ${engine.name} ${engine.version}:`);
      // One real render first, not timed: the embedded engine's first renders run slower (its JavaScript is still being compiled).
      await engine.synthesize(renderSsml(episodes[0]!.narration, 'espeak'));
      const target = TARGETS[engine.name];
      const made: Synthesis[] = [];
      const reference = await best(async () => {
        made.length = 0;
        for (const entry of episodes) made.push(await engine.synthesize(renderSsml(entry.narration, 'espeak')));
        return made.reduce((sum, synthesis) => sum + seconds(synthesis), 0);
      });
      const engineFactor = row('  engine alone (reference): SSML to PCM', reference.audio, reference.wall);
      const serial = await bestReported(() => renderCli(engine.name, 1));
      row('  end to end (stored MP3 + time line), 1 at a time', serial.audio, serial.wall);
      const cores = availableParallelism();
      const whole = await bestReported(() => renderCli(engine.name, cores));
      const factor = row(
        `  end to end, ${cores} at a time (npm run render)`,
        whole.audio,
        whole.wall,
        target === undefined ? '' : verdict(whole.audio / whole.wall >= target, `${target}x`),
      );
      console.log(`  ${pad('  end to end against the engine alone', 50)} ${(factor / engineFactor).toFixed(2)} of its speed`);

      const cold: number[] = [];
      const warmed: number[] = [];
      for (const entry of episodes) cold.push(await firstByte(await emptyCache(engine), entry));
      for (const entry of episodes) {
        const renditions = await emptyCache(engine);
        await renditions.renderChapter({ narration: entry.narration, rate: 1 }, entry.narration.chapters[0]!.id);
        warmed.push(await firstByte(renditions, entry));
      }
      const coldMedian = median(cold);
      console.log(
        `  ${pad('first MP3 byte of a cold episode (cache empty)', 50)} median ${coldMedian.toFixed(0).padStart(5)} ms, slowest ${Math.max(...cold).toFixed(0).padStart(5)} ms` +
          verdict(Math.max(...cold) < FIRST_BYTE_TARGET_MS, `< ${FIRST_BYTE_TARGET_MS} ms`),
      );
      console.log(`  ${pad('first MP3 byte, first chapter warmed', 50)} median ${median(warmed).toFixed(0).padStart(5)} ms, slowest ${Math.max(...warmed).toFixed(0).padStart(5)} ms`);
      if (engine.name === 'embedded' || engine.name === 'espeak-ng') {
        const http = await firstBytesOverHttp(engine.name);
        console.log(
          `  ${pad('first MP3 byte through HTTP, cold (bytes=0-)', 50)} median ${median(http.firstBytes).toFixed(0).padStart(5)} ms, slowest ${Math.max(...http.firstBytes).toFixed(0).padStart(5)} ms` +
            verdict(Math.max(...http.firstBytes) < FIRST_BYTE_TARGET_MS, `< ${FIRST_BYTE_TARGET_MS} ms`),
        );
        console.log(
          `  ${pad('  (answered as it was made / failed)', 50)} ${http.live} of ${episodes.length} / ${http.failed}; response head median ${median(http.heads).toFixed(0)} ms`,
        );
      }
      const fullRender = (serial.wall * 1000) / episodes.length;
      console.log(`  ${pad('  (for comparison: a whole episode, on average)', 50)} ${fullRender.toFixed(0).padStart(12)} ms`);
      if (renders.length === 0) renders = [...made];
    } finally {
      await engine.close();
    }
  }

  // The engine's start-up, which a server pays once (and the warm-up hides): a new engine to its first byte.
  if (wanted.has('embedded')) {
    const engine = createEmbeddedEngine({ workers });
    try {
      const started = performance.now();
      await firstByte(await emptyCache(engine), episodes[0]!);
      console.log(`${pad('embedded: first byte with the engine not yet started', 52)} ${(performance.now() - started).toFixed(0).padStart(5)} ms (once per server start)`);
    } finally {
      await engine.close();
    }
  }

  console.log('');
  if (renders.length > 0) {
    const audio = renders.reduce((sum, render) => sum + seconds(render), 0);
    const mp3Encoders = [mp3Encoder];
    if (await mp3ProgramAvailable('ffmpeg')) mp3Encoders.push(ffmpegMp3Encoder);
    if (await mp3ProgramAvailable('lame')) mp3Encoders.push(lameMp3Encoder);
    for (const encoder of mp3Encoders) {
      let mp3Bytes = 0;
      const mp3 = await best(async () => {
        mp3Bytes = 0;
        for (const render of renders) mp3Bytes += (await encoder.encode(render.samples, render.sampleRate)).length;
        return audio;
      });
      row(`MP3 encode (${encoder.id})`, mp3.audio, mp3.wall);
      console.log(`${pad('  MP3 size', 52)} ${(mp3Bytes / 1024).toFixed(0)} kB for ${audio.toFixed(0)} s = ${((mp3Bytes / audio) * 60 / 1000).toFixed(0)} kB a minute (about 360 expected)`);
    }
    const program = await opusEncoder().detect();
    if (program === undefined) {
      console.log(`${pad('Opus encode', 52)} not available here (needs ffmpeg or opusenc)`);
    } else {
      let opusBytes = 0;
      const opus = await best(async () => {
        opusBytes = 0;
        for (const render of renders) opusBytes += (await opusAudioEncoder.encode(render.samples, render.sampleRate)).length;
        return audio;
      });
      row(`Opus encode (${program}, 32 kb/s)`, opus.audio, opus.wall);
      console.log(`${pad('  Opus size', 52)} ${(opusBytes / 1024).toFixed(0)} kB for ${audio.toFixed(0)} s = ${((opusBytes / audio) * 60 / 1000).toFixed(0)} kB a minute`);
    }
  }
} finally {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
}

