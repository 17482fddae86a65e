/**
 * Starts the companion: reads settings, refuses a broken content pack, starts
 * the speech engine, listens, and shuts down cleanly on SIGTERM or SIGINT.
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { createCatalog } from './catalog.js';
import { HELP, readSettings, SettingsError, type Settings } from './config.js';
import { ContentError, loadContentPack } from './content/load.js';
import { onTextCleaned } from './narration/clean-text.js';
import { createRenditions } from './renditions/renditions.js';
import { createEmbeddedEngine } from './speech/embedded/embedded-engine.js';

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

async function main(): Promise<void> {
  const settings = settingsOrExit();

  let pack;
  try {
    pack = await loadContentPack(settings.contentDir);
  } catch (error) {
    if (!(error instanceof ContentError)) throw error;
    // Serving half a pack would mislead listeners: refuse to start, and say exactly why.
    process.stderr.write(`${error.message}\nThe server did not start.\n`);
    process.exit(1);
  }

  const engine = createEmbeddedEngine();
  const renditions = createRenditions({
    engine,
    cacheDir: settings.cacheDir,
    onDiscard: (key, reason) => app.log.warn({ key, reason }, 'discarded a corrupt cache entry; rendering again'),
  });
  const app: FastifyInstance = await buildApp(
    { catalog: createCatalog(pack), renditions, engine, siteDir: path.join(settings.cacheDir, 'site') },
    {
      logger: { level: settings.logLevel },
      // A slow client must not hold a socket for ever.
      requestTimeout: 30_000,
      connectionTimeout: 60_000,
    },
  );
  onTextCleaned((removed) => app.log.warn({ removed }, 'removed characters a speech engine cannot say'));
  app.log.info({ engine: engine.name, version: engine.version }, 'speech engine: embedded eSpeak NG (compiled to JavaScript, in a worker thread)');

  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    // Stop accepting, let in-flight responses finish (bounded), then stop the engine.
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    app
      .close()
      .then(() => engine.close())
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  const address = await app.listen({ host: settings.host, port: settings.port });
  process.stdout.write(`The audio companion is playing at ${address.replace('[::1]', 'localhost')}/\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`The server could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
