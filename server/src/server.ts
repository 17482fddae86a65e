/**
 * Starts the companion: reads settings, refuses a broken content pack, picks
 * the speech engine (and says why), listens, warms the render cache in the
 * background, and shuts down cleanly on SIGTERM or SIGINT.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { HELP, readSettings, SettingsError, type Settings } from './config.js';
import type { WarmUp } from './renditions/warm-up.js';

/**
 * The rest of the server, loaded once the settings are known to be usable: `--help` and a
 * bad setting answer without loading Fastify, the content schemas, the engines and the
 * encoders (most of a second of CPU, measured: 0.8 s for app.js against 0.13 s for config.js).
 */
async function serverModules() {
  const [app, encoders, catalog, memoryCache, content, cleanText, cacheStore, renditions, warming, select, tags] = await Promise.all([
    import('./app.js'),
    import('./audio/encoders.js'),
    import('./catalog.js'),
    import('./http/memory-cache.js'),
    import('./content/load.js'),
    import('./narration/clean-text.js'),
    import('./renditions/cache-store.js'),
    import('./renditions/renditions.js'),
    import('./renditions/warm-up.js'),
    import('./speech/select.js'),
    import('./renditions/episode-tags.js'),
  ]);
  return {
    buildApp: app.buildApp,
    availableEncoders: encoders.availableEncoders,
    createCatalog: catalog.createCatalog,
    createByteCache: memoryCache.createByteCache,
    ContentError: content.ContentError,
    loadContentPack: content.loadContentPack,
    onTextCleaned: cleanText.onTextCleaned,
    removeOrphanedTemporaries: cacheStore.removeOrphanedTemporaries,
    createRenditions: renditions.createRenditions,
    warmUp: warming.warmUp,
    selectSpeechEngine: select.selectSpeechEngine,
    episodeTaggerFor: tags.episodeTaggerFor,
  };
}

function settingsOrExit(): Settings {
  try {
    const settings = readSettings(process.argv.slice(2), process.env);
    if (settings === 'help') {
      process.stdout.write(HELP);
      process.exit(0);
    }
    return settings;
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    process.stderr.write(`${error.message}\n\n${HELP}`);
    process.exit(2);
  }
}

/** Human-readable logs in a terminal, JSON lines everywhere else (for log collectors). */
function loggerOptions(level: string) {
  if (!process.stdout.isTTY) return { level };
  return { level, transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } };
}

/**
 * Where the generated pages go: `<cache>/site`, or, when the cache folder cannot be
 * written (read-only, full, under a file), a folder in the system's temporary folder,
 * so that a broken cache costs the cache, not the player. Each folder is tried by
 * writing a file in it.
 * @throws Error naming both folders when neither can be written.
 */
async function siteFolder(cacheDir: string): Promise<{ folder: string; unwritable?: { folder: string; error: unknown } }> {
  const preferred = path.join(cacheDir, 'site');
  const fallback = path.join(tmpdir(), `atl-site-${createHash('sha256').update(preferred).digest('hex').slice(0, 12)}`);
  const tryWriting = async (folder: string): Promise<void> => {
    const probe = path.join(folder, `.write-test-${randomUUID()}`);
    await mkdir(folder, { recursive: true });
    await writeFile(probe, '');
    await rm(probe, { force: true });
  };
  try {
    await tryWriting(preferred);
    return { folder: preferred };
  } catch (error) {
    try {
      await tryWriting(fallback);
    } catch (fallbackError) {
      const reason = (caught: unknown) => (caught instanceof Error ? caught.message : String(caught));
      throw new Error(`the cache folder ${cacheDir} cannot be written (${reason(error)}), nor ${fallback} (${reason(fallbackError)}); set --cache to a folder that can be`);
    }
    return { folder: fallback, unwritable: { folder: preferred, error } };
  }
}

async function main(): Promise<void> {
  const settings = settingsOrExit();
  const {
    availableEncoders,
    buildApp,
    ContentError,
    createByteCache,
    createCatalog,
    createRenditions,
    episodeTaggerFor,
    loadContentPack,
    onTextCleaned,
    removeOrphanedTemporaries,
    selectSpeechEngine,
    warmUp,
  } = await serverModules();
  let pack;
  try {
    pack = await loadContentPack(settings.contentDir);
  } catch (error) {
    if (!(error instanceof ContentError)) throw error;
    // Serving half a pack would mislead listeners: refuse to start, and say exactly why.
    process.stderr.write(`${error.message}\nThe server did not start.\n`);
    process.exit(1);
  }

  const { engine, reason, fallback } = await selectSpeechEngine(settings.engine);
  const encoders = await availableEncoders();
  // The renditions log through the app, which is built after them.
  let app: FastifyInstance | undefined = undefined;
  const byteCache = createByteCache({ maxBytes: settings.audioMemoryMb * 1024 * 1024 });
  // A kill -9 mid-render leaves a temporary file behind: never served, but it takes disk space.
  const orphans = await removeOrphanedTemporaries(settings.cacheDir);
  // Narrating the pack cleans its text before the logger exists: hold what is reported until it does.
  const cleanedAtStart: string[] = [];
  onTextCleaned((removed) => cleanedAtStart.push(removed));
  const catalog = createCatalog(pack);
  const renditions = createRenditions({
    engine,
    tagger: await episodeTaggerFor(catalog, engine.name),
    encoders,
    cacheDir: settings.cacheDir,
    renderTimeoutMs: Math.round(settings.renderTimeoutSeconds * 1000),
    onDiscard: (file, why) => {
      byteCache.forget(file);
      app?.log.warn({ file, reason: why }, 'discarded a corrupt cache entry; it will be rendered again');
    },
    onStoreFailure: (folder, error, nowWritingTo) =>
      app?.log.warn(
        { folder, err: error, nowWritingTo },
        nowWritingTo === undefined ? 'the render cache cannot be written anywhere: renders answer 503 until it can' : `the render cache folder cannot be written; renders go to ${nowWritingTo} instead`,
      ),
  });
  let warming: WarmUp | undefined;
  const site = await siteFolder(settings.cacheDir);
  app = await buildApp(
    {
      catalog,
      renditions,
      engine,
      siteDir: site.folder,
      baseUrl: settings.baseUrl,
      byteCache,
      warmUp: () => warming?.progress(),
    },
    {
      logger: loggerOptions(settings.logLevel),
      // A slow client must not hold a socket for ever.
      requestTimeout: 30_000,
      connectionTimeout: 60_000,
      // Registering the companion writes the site (pages with brotli copies): seconds of CPU
      // into an empty cache, past Fastify's 10 s default on a loaded 2-core machine (seen at
      // a load average of 20, and the server refused to start). A plugin that never finishes
      // still fails the start, after two minutes.
      pluginTimeout: 120_000,
    },
  );
  const log = app.log;
  if (site.unwritable !== undefined) {
    log.warn({ folder: site.unwritable.folder, err: site.unwritable.error, nowWritingTo: site.folder }, `the cache folder cannot be written; the player's pages are written to ${site.folder} instead`);
  }
  onTextCleaned((removed) => log.warn({ removed }, 'removed characters a speech engine cannot say'));
  for (const removed of cleanedAtStart) log.warn({ removed }, 'removed characters a speech engine cannot say');
  // A fallback (the engine asked for is missing) is a warning: the setting was not followed.
  log[fallback ? 'warn' : 'info']({ engine: engine.name, version: engine.version }, `speech engine: ${engine.name} (${reason})`);
  log.info({ formats: renditions.formats }, `audio formats: ${renditions.formats.join(', ')}`);
  if (orphans.length > 0) log.info({ files: orphans }, `removed ${orphans.length} temporary file(s) a stopped server left in the render cache`);

  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down: finishing responses under way');
    warming?.stop();
    const force = setTimeout(() => {
      log.error('responses did not finish in time; exiting anyway');
      process.exit(1);
    }, settings.shutdownGraceSeconds * 1000);
    force.unref();
    // Stop accepting, let in-flight responses and renders finish, then stop the engine.
    void (async () => {
      let code = 0;
      try {
        const closed = app?.close();
        // A keep-alive connection whose answer was under way at the signal becomes idle when
        // it is sent; Node closes idle connections only when asked, so ask until all are gone.
        const reaper = setInterval(() => app?.server.closeIdleConnections(), 100);
        reaper.unref();
        await closed;
        clearInterval(reaper);
        await warming?.finished;
        await engine.close();
        log.info('stopped: every answer under way was sent');
      } catch (error) {
        code = 1;
        log.error({ err: error }, 'could not shut down cleanly');
      }
      // Log lines still buffered (pino-pretty runs in a worker) go out before the process ends.
      (log as { flush?: () => void }).flush?.();
      setImmediate(() => process.exit(code));
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  const address = await app.listen({ host: settings.host, port: settings.port });
  process.stdout.write(`The audio companion is playing at ${address}/\n`);

  if (settings.warmCache) {
    const format = renditions.formats.includes('mp3') ? 'mp3' : 'wav';
    warming = warmUp(catalog, renditions, {
      formats: [format],
      onError: (episodeId, error) => log.warn({ episodeId, err: error }, 'could not warm an episode; it will render on request'),
    });
    void warming.finished.then(() => {
      const { done, failed } = warming?.progress() ?? { done: 0, failed: 0 };
      log.info({ done, failed }, 'render cache is warm');
    });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`The server could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
