/**
 * How long composing takes: each episode of the series pack narrated, then
 * rendered in all three profiles. The target is under 5 ms an episode, so
 * that composing never shows next to synthesis. The chapter documents (every
 * chapter, canonical and eSpeak) are timed too, apart from the total, since
 * they are made only on request. Prints figures; asserts nothing.
 *
 *   npx tsx bench/narration.ts
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadContentPack } from '../server/src/content/load.js';
import { narrateEpisode } from '../server/src/narration/narration.js';
import { renderChapterSsml, renderPlain, renderSsml } from '../server/src/narration/render.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGET_MS = 5;
const WARMUP = 30;
const RUNS = 200;

/** Median time of one call, in milliseconds. */
function median(run: () => unknown): number {
  for (let i = 0; i < WARMUP; i++) run();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

const pack = await loadContentPack(path.join(ROOT, 'audio-scripts', 'content'));
const facts = new Map(pack.facts.map((f) => [f.id, f]));

const fmt = (ms: number): string => ms.toFixed(3).padStart(8);
console.log(`narration bench: median of ${RUNS} runs after ${WARMUP} warm-up runs, Node ${process.version}`);
console.log('episode'.padEnd(26) + 'narrate  canonical   espeak    plain    total  x ref  target  chapters');

let worst = 0;
for (const episode of pack.episodes) {
  // The reference, measured on the same machine in the same run: a JSON round trip of the episode and its facts.
  const material = { episode, facts: episode.chapters.flatMap((c) => c.items.flatMap((item) => ('fact' in item ? [facts.get(item.fact)] : []))) };
  const reference = median(() => JSON.parse(JSON.stringify(material)));
  const narration = narrateEpisode(pack, episode);
  const narrate = median(() => narrateEpisode(pack, episode));
  const canonical = median(() => renderSsml(narration, 'canonical'));
  const espeak = median(() => renderSsml(narration, 'espeak'));
  const plain = median(() => renderPlain(narration));
  const chapters = median(() => {
    for (const chapter of narration.chapters) {
      renderChapterSsml(narration, chapter.id, 'canonical');
      renderChapterSsml(narration, chapter.id, 'espeak');
    }
  });
  const total = median(() => {
    const fresh = narrateEpisode(pack, episode);
    renderSsml(fresh, 'canonical');
    renderSsml(fresh, 'espeak');
    renderPlain(fresh);
  });
  worst = Math.max(worst, total);
  console.log(
    episode.id.padEnd(26) +
      [narrate, canonical, espeak, plain, total].map(fmt).join(' ') +
      `${(total / reference).toFixed(0).padStart(6)}x` +
      (total < TARGET_MS ? '   ok   ' : '   OVER ') +
      fmt(chapters),
  );
}
console.log(`slowest episode: ${worst.toFixed(3)} ms for narrate + all three profiles (target under ${TARGET_MS} ms)`);
