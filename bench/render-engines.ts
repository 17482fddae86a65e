/**
 * Real-time factor (seconds of audio per second of wall time) of every speech
 * engine available here, rendering every episode of the real content pack,
 * and of the encoders on that audio. Prints figures against the targets; asserts nothing.
 *
 *   npx tsx bench/render-engines.ts [--content DIR] [--rounds N]
 */
import { availableParallelism, cpus } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../server/src/config.js';
import { loadContentPack } from '../server/src/content/load.js';
import { narrateEpisode } from '../server/src/narration/narration.js';
import { renderSsml } from '../server/src/narration/render.js';
import { encodeMp3 } from '../server/src/audio/mp3.js';
import { opusEncoder } from '../server/src/audio/opus.js';
import { createEmbeddedEngine } from '../server/src/speech/embedded/embedded-engine.js';
import type { SpeechEngine, Synthesis } from '../server/src/speech/engine.js';
import { createNativeEspeakEngine } from '../server/src/speech/native/espeak-ng-engine.js';
import { createSayEngine } from '../server/src/speech/say/say-engine.js';
import { embeddedWorkers } from '../server/src/speech/select.js';

const TARGETS: Readonly<Record<string, number>> = { embedded: 100, 'espeak-ng': 300 };

const { values } = parseArgs({ options: { content: { type: 'string' }, rounds: { type: 'string' } }, strict: true });
const contentDir = path.resolve(values.content ?? path.join(PROJECT_ROOT, 'audio-scripts', 'content'));
const rounds = Math.max(1, Number(values.rounds ?? 3));
const pack = await loadContentPack(contentDir);
const documents = pack.episodes.map((episode) => ({ id: episode.id, ssml: renderSsml(narrateEpisode(pack, episode), 'espeak') }));

const seconds = (synthesis: Synthesis): number => synthesis.samples.length / synthesis.sampleRate;
const pad = (text: string, width: number): string => text.padEnd(width);

/** The best of `rounds` runs of `work`, which returns seconds of audio made. */
async function best(work: () => Promise<number>): Promise<{ audio: number; wall: number }> {
  let result = { audio: 0, wall: Number.POSITIVE_INFINITY };
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    const audio = await work();
    const wall = (performance.now() - started) / 1000;
    if (wall < result.wall) result = { audio, wall };
  }
  return result;
}

function report(label: string, { audio, wall }: { audio: number; wall: number }, target?: number): void {
  const factor = audio / wall;
  const verdict = target === undefined ? '' : factor >= target ? `  (target ${target}x: met)` : `  (target ${target}x: MISSED)`;
  console.log(`${pad(label, 46)} ${audio.toFixed(0).padStart(5)} s audio in ${wall.toFixed(2).padStart(6)} s  = ${factor.toFixed(0).padStart(4)}x real time${verdict}`);
}

console.log(`${documents.length} episodes from ${contentDir}; ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; Node ${process.version}; best of ${rounds}\n`);

const engines: { label: string; engine: SpeechEngine }[] = [];
const workers = embeddedWorkers(availableParallelism());
engines.push({ label: `embedded (${workers} worker${workers === 1 ? '' : 's'}, warm)`, engine: createEmbeddedEngine({ workers }) });
const native = createNativeEspeakEngine();
engines.push({ label: `espeak-ng (${availableParallelism()} processes)`, engine: native });
const say = createSayEngine();
engines.push({ label: 'say (system voices)', engine: say });

let renders: Synthesis[] = [];
for (const { label, engine } of engines) {
  // available() also warms the embedded engine's worker, so start-up is not counted.
  if (!(await engine.available())) {
    console.log(`${pad(label, 46)} not available here`);
    continue;
  }
  const target = TARGETS[engine.name];
  const made: Synthesis[] = [];
  report(`${label}, one episode at a time`, await best(async () => {
    made.length = 0;
    for (const { ssml } of documents) made.push(await engine.synthesize(ssml));
    return made.reduce((sum, synthesis) => sum + seconds(synthesis), 0);
  }), target);
  report(`${label}, all episodes at once`, await best(async () => {
    const all = await Promise.all(documents.map(({ ssml }) => engine.synthesize(ssml)));
    return all.reduce((sum, synthesis) => sum + seconds(synthesis), 0);
  }));
  report(`${label}, rate 2`, await best(async () => {
    let audio = 0;
    for (const { ssml } of documents) audio += seconds(await engine.synthesize(ssml, { rate: 2 }));
    return audio;
  }));
  report(`${label}, rate 4 (time-compressed past 450 wpm)`, await best(async () => {
    let audio = 0;
    for (const { ssml } of documents) audio += seconds(await engine.synthesize(ssml, { rate: 4 }));
    return audio;
  }));
  renders = [...made];
  await engine.close();
}

console.log('');
if (renders.length > 0) {
  let mp3Bytes = 0;
  report('MP3 encode (LAME as WebAssembly, 48 kb/s)', await best(async () => {
    mp3Bytes = 0;
    for (const render of renders) mp3Bytes += (await encodeMp3(render.samples, render.sampleRate)).length;
    return renders.reduce((sum, render) => sum + seconds(render), 0);
  }));
  const audio = renders.reduce((sum, render) => sum + seconds(render), 0);
  console.log(`${pad('  MP3 size', 46)} ${(mp3Bytes / 1024).toFixed(0)} kB for ${audio.toFixed(0)} s = ${((mp3Bytes / audio) * 60 / 1000).toFixed(0)} kB a minute`);
  const opus = opusEncoder();
  const program = await opus.detect();
  if (program === undefined) {
    console.log(`${pad('Opus encode', 46)} not available here (needs ffmpeg or opusenc)`);
  } else {
    let opusBytes = 0;
    report(`Opus encode (${program}, 32 kb/s)`, await best(async () => {
      opusBytes = 0;
      for (const render of renders) opusBytes += (await opus.encodeOpus(render.samples, render.sampleRate)).length;
      return audio;
    }));
    console.log(`${pad('  Opus size', 46)} ${(opusBytes / 1024).toFixed(0)} kB for ${audio.toFixed(0)} s = ${((opusBytes / audio) * 60 / 1000).toFixed(0)} kB a minute`);
  }
}
