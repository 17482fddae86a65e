/**
 * `npm run speak -- <episode-id> [--content DIR] [--voice NAME] [--rate N]`:
 * speaks an episode aloud on this machine's speakers with the system voices
 * (the `say` package: macOS `say`, Windows SAPI, Linux festival), one chapter
 * at a time. A quick way to hear the written text without rendering; the
 * text goes through the same sanitizer as every other `say` call.
 *
 * Exit codes: 0 spoken, 1 the pack or the speech failed, 2 a bad command line
 * or an unknown episode.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createCatalog } from '../catalog.js';
import { PROJECT_ROOT } from '../config.js';
import { ContentError, loadContentPack } from '../content/load.js';
import { SpeechError } from '../speech/engine.js';
import { createSayEngine } from '../speech/say/say-engine.js';

const USAGE = 'Usage: npm run speak -- <episode-id> [--content DIR] [--voice NAME] [--rate 0.5-4]';

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      options: { content: { type: 'string' }, voice: { type: 'string' }, rate: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const contentDir = path.resolve(values.content ?? process.env.CONTENT_DIR ?? path.join(PROJECT_ROOT, 'audio-scripts', 'content'));
  const rate = values.rate === undefined ? 1 : Number(values.rate);
  if (!Number.isFinite(rate) || rate < 0.5 || rate > 4) fail(`--rate must be a number from 0.5 to 4, not "${values.rate ?? ''}"`, 2);

  let pack;
  try {
    pack = await loadContentPack(contentDir);
  } catch (error) {
    if (error instanceof ContentError) fail(error.message, 1);
    throw error;
  }
  const catalog = createCatalog(pack);
  const valid = catalog.entries.map((entry) => entry.episode.id).join(', ');
  const [episodeId, ...extra] = positionals;
  if (episodeId === undefined) fail(`Name the episode to speak. Episodes in ${contentDir}: ${valid}\n${USAGE}`, 2);
  if (extra.length > 0) fail(`Speak one episode at a time; also given: ${extra.join(' ')}\n${USAGE}`, 2);
  const entry = catalog.find(episodeId);
  if (entry === undefined) fail(`There is no episode "${episodeId}" in ${contentDir}. Valid episode ids: ${valid}`, 2);

  const engine = createSayEngine();
  const chapters = entry.narration.chapters;
  try {
    for (const chapter of chapters) {
      process.stdout.write(`Chapter ${chapter.number} of ${chapters.length}: ${chapter.title}\n`);
      const text = chapter.sentences.map((sentence) => sentence.text).join(' ');
      await engine.speakAloud(text, { ...(values.voice === undefined ? {} : { voice: values.voice }), rate });
    }
  } catch (error) {
    if (!(error instanceof SpeechError)) throw error;
    // On Linux say means festival, which needs a voice package besides itself.
    const hint = process.platform === 'linux' && !/has no voice/.test(error.message) ? '\nOn Linux say speaks through festival, which needs a voice: apt-get install festival festvox-kallpc16k' : '';
    fail(`Could not speak "${entry.episode.title}": ${error.message}${hint}`, 1);
  } finally {
    await engine.close();
  }
}

main().catch((error: unknown) => {
  fail(`speak failed: ${error instanceof Error ? error.message : String(error)}`, 1);
});
