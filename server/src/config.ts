/**
 * Settings from command-line flags and the environment (flags win).
 * Paths default to places inside the project, so `npm start` needs nothing set.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** The project's root folder, whether running from server/src or from dist/server. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const ENGINE_CHOICES = ['auto', 'embedded', 'espeak-ng', 'say'] as const;
export type EngineChoice = (typeof ENGINE_CHOICES)[number];

export interface Settings {
  readonly host: string;
  readonly port: number;
  readonly contentDir: string;
  readonly cacheDir: string;
  readonly logLevel: string;
  readonly engine: EngineChoice;
  /** The public address, for absolute links in the feed; absent: the listening address. */
  readonly baseUrl: string | undefined;
  /** Render every episode in the background at start. */
  readonly warmCache: boolean;
  /** Audio bytes held in memory for fast answers, in MiB. */
  readonly audioMemoryMb: number;
  /** How long responses and renders under way may take to finish at shutdown, in seconds. */
  readonly shutdownGraceSeconds: number;
  /** Longest one chapter's render may take before it is stopped (and a hung engine worker replaced), in seconds. */
  readonly renderTimeoutSeconds: number;
}

export const HELP = `Usage: npm start -- [options]

Serves the audio companion and its player.

Options (environment variable in brackets):
  --host HOST        address to listen on [HOST] (default 127.0.0.1)
  --port PORT        port to listen on, 0 for any free port [PORT] (default 3000)
  --content DIR      content pack folder [CONTENT_DIR] (default audio-scripts/content)
  --cache DIR        render cache and generated pages [CACHE_DIR] (default .cache)
  --engine NAME      auto, embedded, espeak-ng or say [SPEECH_ENGINE] (default auto:
                     espeak-ng when installed, else the embedded engine)
  --base-url URL     public address for absolute links, e.g. in the podcast feed
                     [PUBLIC_BASE_URL] (default: the listening address)
  --warm on|off      render every episode in the background at start [WARM_CACHE] (default on)
  --audio-memory MB  audio held in memory to answer without reading the disk; 0 reads
                     every request from disk [AUDIO_MEMORY_MB] (default 48)
  --grace SECONDS    at SIGTERM or SIGINT, how long answers and renders under way may
                     take to finish before the server exits anyway [SHUTDOWN_GRACE] (default 10)
  --render-timeout SECONDS
                     longest one chapter's render may take; past it the render answers
                     503 and a hung engine is stopped and replaced [RENDER_TIMEOUT] (default 120)
  --log-level LEVEL  fatal, error, warn, info, debug or trace [LOG_LEVEL] (default info;
                     debug adds a line for every answer, info only for problems); logs
                     are JSON lines, or readable text when output is a terminal
  -h, --help         show this help
`;

/** A setting that cannot be used; the message names the flag and the value. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

/** Audio held in memory by default: every episode's MP3 several times over, well inside 150 MB of RSS. */
export const DEFAULT_AUDIO_MEMORY_MB = 48;

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/**
 * Reads settings from `argv` (without node and script) and `env`.
 * @returns the settings, or `'help'` when help was asked for.
 * @throws SettingsError for an unknown flag or an unusable value.
 */
export function readSettings(argv: readonly string[], env: NodeJS.ProcessEnv): Settings | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        content: { type: 'string' },
        cache: { type: 'string' },
        'log-level': { type: 'string' },
        engine: { type: 'string' },
        'base-url': { type: 'string' },
        warm: { type: 'string' },
        'audio-memory': { type: 'string' },
        grace: { type: 'string' },
        'render-timeout': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new SettingsError((error as Error).message);
  }
  if (values.help === true) return 'help';

  const portText = values.port ?? env.PORT ?? '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65_535) {
    throw new SettingsError(`--port (or PORT) must be a whole number from 0 to 65535, not "${portText}"`);
  }
  const logLevel = values['log-level'] ?? env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.has(logLevel)) throw new SettingsError(`--log-level (or LOG_LEVEL) must be one of ${[...LOG_LEVELS].join(', ')}, not "${logLevel}"`);

  const engine = values.engine ?? env.SPEECH_ENGINE ?? 'auto';
  if (!(ENGINE_CHOICES as readonly string[]).includes(engine)) {
    throw new SettingsError(`--engine (or SPEECH_ENGINE) must be one of ${ENGINE_CHOICES.join(', ')}, not "${engine}"`);
  }
  const baseUrl = values['base-url'] ?? env.PUBLIC_BASE_URL;
  if (baseUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(baseUrl);
    } catch {
      url = undefined;
    }
    if (url === undefined || !/^https?:$/.test(url.protocol)) {
      throw new SettingsError(`--base-url (or PUBLIC_BASE_URL) must be an http or https address, not "${baseUrl}"`);
    }
  }
  const warm = values.warm ?? env.WARM_CACHE ?? 'on';
  if (!['on', 'off', '1', '0'].includes(warm)) throw new SettingsError(`--warm (or WARM_CACHE) must be on or off, not "${warm}"`);

  const memoryText = values['audio-memory'] ?? env.AUDIO_MEMORY_MB ?? String(DEFAULT_AUDIO_MEMORY_MB);
  const audioMemoryMb = Number(memoryText);
  if (!/^\d+$/.test(memoryText) || audioMemoryMb > 4096) {
    throw new SettingsError(`--audio-memory (or AUDIO_MEMORY_MB) must be a whole number of MB from 0 to 4096, not "${memoryText}"`);
  }

  const graceText = values.grace ?? env.SHUTDOWN_GRACE ?? '10';
  const shutdownGraceSeconds = Number(graceText);
  if (!/^\d+(\.\d+)?$/.test(graceText) || shutdownGraceSeconds > 3600) {
    throw new SettingsError(`--grace (or SHUTDOWN_GRACE) must be a number of seconds from 0 to 3600, not "${graceText}"`);
  }

  const timeoutText = values['render-timeout'] ?? env.RENDER_TIMEOUT ?? '120';
  const renderTimeoutSeconds = Number(timeoutText);
  if (!/^\d+(\.\d+)?$/.test(timeoutText) || renderTimeoutSeconds < 0.1 || renderTimeoutSeconds > 3600) {
    throw new SettingsError(`--render-timeout (or RENDER_TIMEOUT) must be a number of seconds from 0.1 to 3600, not "${timeoutText}"`);
  }

  return {
    engine: engine as EngineChoice,
    renderTimeoutSeconds,
    audioMemoryMb,
    shutdownGraceSeconds,
    baseUrl: baseUrl?.replace(/\/+$/, ''),
    warmCache: warm === 'on' || warm === '1',
    host: values.host ?? env.HOST ?? '127.0.0.1',
    port,
    contentDir: path.resolve(values.content ?? env.CONTENT_DIR ?? path.join(PROJECT_ROOT, 'audio-scripts', 'content')),
    cacheDir: path.resolve(values.cache ?? env.CACHE_DIR ?? path.join(PROJECT_ROOT, '.cache')),
    logLevel,
  };
}
