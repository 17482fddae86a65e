/**
 * `npm run render -- [--content DIR] [--cache DIR] [--engine NAME] [--jobs N] [--formats LIST]`:
 * renders every episode into the cache (audio in every format this machine
 * makes, or those of `--formats`, e.g. `mp3` for the player's alone, and the
 * time line the tracks come from), with a progress bar, and
 * prints per episode its duration, its size in each format and the real-time
 * factor (seconds of audio per second of rendering), then the factor of the
 * whole run. Episodes already in the cache say so instead of a factor.
 *
 * Episodes render `--jobs` at a time, by default one per core: an episode's
 * render keeps a core busy only part of the time (speech and encoding take
 * turns), so the pack renders faster that way. Measured on 2 cores with the
 * native engine, one at a time against two: 247x to 263x against 307x to 335x
 * real time with `--formats mp3` (bench/render.ts runs that), 33x against 55x for every
 * format (Opus is the slow one). An episode's own factor is then what it got
 * while sharing the machine.
 *
 * Exit codes: 0 all rendered, 1 an episode failed or the pack is broken,
 * 2 a bad command line.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { availableEncoders } from '../audio/encoders.js';
import { AUDIO_FORMATS, type AudioFormat } from '../audio/formats.js';
import { createCatalog } from '../catalog.js';
import { ENGINE_CHOICES, PROJECT_ROOT, type EngineChoice } from '../config.js';
import { ContentError, loadContentPack } from '../content/load.js';
import { createRenditions } from '../renditions/renditions.js';
import { episodeTaggerFor } from '../renditions/episode-tags.js';
import { selectSpeechEngine } from '../speech/select.js';

const USAGE =
  'Usage: npm run render -- [--content DIR] [--cache DIR] [--engine auto|embedded|espeak-ng|say] [--jobs N (episodes at a time; default: one per core)] [--formats mp3,opus,wav (default: every one this machine makes)]';
const MAX_JOBS = 64;

/** `m:ss`, as a player shows a length. */
function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** `[#####-----] 3/7 label`, as wide as the terminal. */
function progressBar(done: number, total: number, label: string, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${label}`;
}

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/** The formats `--formats` names (comma-separated, in the order given), or why not: checked before any engine starts. */
function parseFormats(list: string): AudioFormat[] | string {
  const asked = [...new Set(list.split(',').map((name) => name.trim()).filter((name) => name !== ''))];
  if (asked.length === 0) return `--formats needs at least one of ${AUDIO_FORMATS.join(', ')}`;
  const unknown = asked.find((name) => !(AUDIO_FORMATS as readonly string[]).includes(name));
  return unknown === undefined ? (asked as AudioFormat[]) : `--formats: "${unknown}" is not a format; the formats are ${AUDIO_FORMATS.join(', ')}`;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: { content: { type: 'string' }, cache: { type: 'string' }, engine: { type: 'string' }, jobs: { type: 'string' }, formats: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`, 2);
  }
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const contentDir = path.resolve(values.content ?? process.env.CONTENT_DIR ?? path.join(PROJECT_ROOT, 'audio-scripts', 'content'));
  const cacheDir = path.resolve(values.cache ?? process.env.CACHE_DIR ?? path.join(PROJECT_ROOT, '.cache'));
  const choice = values.engine ?? process.env.SPEECH_ENGINE ?? 'auto';
  if (!(ENGINE_CHOICES as readonly string[]).includes(choice)) fail(`--engine must be one of ${ENGINE_CHOICES.join(', ')}, not "${choice}"\n${USAGE}`, 2);
  const jobs = values.jobs === undefined ? availableParallelism() : Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > MAX_JOBS) fail(`--jobs must be a whole number from 1 to ${MAX_JOBS}, not "${values.jobs}"\n${USAGE}`, 2);
  const asked = values.formats === undefined ? undefined : parseFormats(values.formats);
  if (typeof asked === 'string') fail(`${asked}\n${USAGE}`, 2);

  let pack;
  try {
    pack = await loadContentPack(contentDir);
  } catch (error) {
    if (!(error instanceof ContentError)) throw error;
    fail(`${error.message}\nNothing was rendered.`, 1);
  }
  const catalog = createCatalog(pack);
  const { engine, reason, fallback } = await selectSpeechEngine(choice as EngineChoice);
  (fallback ? process.stderr : process.stdout).write(`${fallback ? 'Warning: ' : ''}speech engine: ${engine.name} ${engine.version} (${reason})\n`);
  const renditions = createRenditions({
    engine,
    tagger: await episodeTaggerFor(catalog, engine.name),
    cacheDir,
    encoders: await availableEncoders(),
    maxConcurrentRenders: jobs,
    maxPendingRenders: jobs,
    onDiscard: (file, why) => process.stderr.write(`Discarded a broken cache entry (${why}): ${file}\n`),
    onStoreFailure: (folder, error, next) =>
      process.stderr.write(`Cannot write the cache in ${folder} (${error instanceof Error ? error.message : String(error)})${next === undefined ? '' : `; writing to ${next} instead`}\n`),
  });
  const formats = asked ?? renditions.formats;
  const missing = formats.find((format) => !renditions.formats.includes(format));
  if (missing !== undefined) {
    await engine.close();
    fail(`--formats: ${missing} cannot be made on this machine (Opus needs ffmpeg or opusenc); it makes ${renditions.formats.join(', ')}\n${USAGE}`, 2);
  }
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort(new Error('interrupted')));

  const entries = catalog.entries;
  const tty = process.stdout.isTTY === true;
  const showProgress = (done: number, label: string): void => {
    const line = progressBar(done, entries.length, label);
    // A terminal gets one bar, redrawn; a log gets a line per step.
    if (tty) process.stdout.write(`\r${line.slice(0, (process.stdout.columns ?? 80) - 1).padEnd((process.stdout.columns ?? 80) - 1)}`);
    else process.stdout.write(`${line}\n`);
  };
  // One row per episode, in the pack's order, whichever finishes first.
  const rows: string[] = [];
  let finished = 0;
  let failures = 0;
  let totalAudioMs = 0;
  let firstStart: number | undefined;
  let lastEnd = 0;
  const rendering = new Set<string>();
  const renderOne = async (index: number): Promise<void> => {
    const entry = entries[index]!;
    rendering.add(entry.episode.id);
    showProgress(finished, `rendering ${[...rendering].join(', ')}`);
    const request = { narration: entry.narration, rate: 1 };
    const cached = (await Promise.all(formats.map((format) => renditions.findCached({ ...request, format })))).every((found) => found !== undefined);
    const started = performance.now();
    try {
      const sizes: string[] = [];
      let durationMs = 0;
      for (const format of formats) {
        const rendition = await renditions.render({ ...request, format }, { signal: stop.signal });
        durationMs = rendition.durationMs;
        sizes.push(`${format} ${(rendition.bytes / 1024).toFixed(0)} kB`);
      }
      const ended = performance.now();
      const speed = cached ? 'in the cache already' : `${(durationMs / (ended - started)).toFixed(0)}x real time`;
      if (!cached) {
        totalAudioMs += durationMs;
        firstStart = Math.min(firstStart ?? started, started);
        lastEnd = Math.max(lastEnd, ended);
      }
      rows[index] = `${entry.episode.id.padEnd(28)} ${formatDuration(durationMs).padStart(6)}  ${sizes.join(', ').padEnd(40)}  ${speed}`;
    } catch (error) {
      failures++;
      rows[index] = `${entry.episode.id.padEnd(28)} FAILED: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      rendering.delete(entry.episode.id);
      finished++;
    }
  };
  try {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(jobs, entries.length) }, async () => {
        while (next < entries.length && !stop.signal.aborted) await renderOne(next++);
      }),
    );
    showProgress(finished, stop.signal.aborted ? 'interrupted' : 'done');
    if (tty) process.stdout.write('\n');
    const wallMs = lastEnd - (firstStart ?? lastEnd);
    const atOnce = `${jobs} episode${jobs === 1 ? '' : 's'} at a time`;
    const summary =
      wallMs > 0
        ? `\nrendered ${formatDuration(totalAudioMs)} of audio in ${(wallMs / 1000).toFixed(2)} s at ${(totalAudioMs / wallMs).toFixed(0)}x real time (${formats.join(', ')} and the tracks; ${atOnce})\n`
        : '\n';
    process.stdout.write(`${'episode'.padEnd(28)} ${'length'.padStart(6)}  ${'size'.padEnd(40)}  speed\n${rows.filter((row) => row !== undefined).join('\n')}\n${summary}`);
  } finally {
    await engine.close();
  }
  if (failures > 0 || stop.signal.aborted) process.exitCode = 1;
}

main().catch((error: unknown) => {
  fail(`The render failed: ${error instanceof Error ? error.message : String(error)}`, 1);
});
