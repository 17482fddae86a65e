/**
 * `npm run render`: renders every episode into the cache (audio in every
 * format this machine makes, and the time line the tracks come from), with a
 * progress bar, then prints per episode its duration, size and real-time factor.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createCatalog } from '../catalog.js';
import { ENGINE_CHOICES, PROJECT_ROOT, type EngineChoice } from '../config.js';
import { ContentError, loadContentPack } from '../content/load.js';
import { createRenditions } from '../renditions/renditions.js';
import { availableEncoders } from '../audio/encoders.js';
import { selectSpeechEngine } from '../speech/select.js';

const formatSeconds = (ms: number): string => `${Math.floor(ms / 60_000)}:${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}`;

function progressBar(done: number, total: number, label: string): void {
  if (!process.stdout.isTTY) return;
  const width = 30;
  const filled = Math.round((done / total) * width);
  process.stdout.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${label}`.padEnd(process.stdout.columns ?? 80));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { content: { type: 'string' }, cache: { type: 'string' }, engine: { type: 'string' } }, strict: true });
  const contentDir = path.resolve(values.content ?? process.env.CONTENT_DIR ?? path.join(PROJECT_ROOT, 'audio-scripts', 'content'));
  const cacheDir = path.resolve(values.cache ?? process.env.CACHE_DIR ?? path.join(PROJECT_ROOT, '.cache'));
  const choice = values.engine ?? process.env.SPEECH_ENGINE ?? 'auto';
  if (!(ENGINE_CHOICES as readonly string[]).includes(choice)) {
    process.stderr.write(`--engine must be one of ${ENGINE_CHOICES.join(', ')}, not "${choice}"\n`);
    process.exit(2);
  }

  let pack;
  try {
    pack = await loadContentPack(contentDir);
  } catch (error) {
    if (!(error instanceof ContentError)) throw error;
    process.stderr.write(`${error.message}\nNothing was rendered.\n`);
    process.exit(1);
  }
  const catalog = createCatalog(pack);
  const { engine, reason } = await selectSpeechEngine(choice as EngineChoice);
  process.stdout.write(`Speech engine: ${engine.name} ${engine.version} (${reason})\n`);
  const encoders = await availableEncoders();
  const renditions = createRenditions({ engine, cacheDir, encoders });
  const formats = renditions.formats;

  const rows: string[] = [];
  const total = catalog.entries.length;
  let failures = 0;
  try {
    for (const [index, entry] of catalog.entries.entries()) {
      progressBar(index, total, entry.episode.title);
      const started = performance.now();
      try {
        const sizes: string[] = [];
        let durationMs = 0;
        for (const format of formats) {
          const rendition = await renditions.render({ narration: entry.narration, format, rate: 1 });
          durationMs = rendition.durationMs;
          sizes.push(`${format} ${(rendition.bytes / 1024).toFixed(0)} kB`);
        }
        const seconds = (performance.now() - started) / 1000;
        rows.push(`${entry.episode.id.padEnd(28)} ${formatSeconds(durationMs).padStart(6)}  ${sizes.join(', ')}  ${(durationMs / 1000 / seconds).toFixed(0)}x real time`);
      } catch (error) {
        failures++;
        rows.push(`${entry.episode.id.padEnd(28)} FAILED: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    progressBar(total, total, 'done');
    process.stdout.write(`${process.stdout.isTTY ? '\n' : ''}episode                      length  size                                  speed (cached episodes show cache speed)\n${rows.join('\n')}\n`);
  } finally {
    await engine.close();
  }
  if (failures > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`The render failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
