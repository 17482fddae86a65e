import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { PROJECT_ROOT, readSettings, SettingsError } from '../../../server/src/config.js';

describe('readSettings', () => {
  test('defaults serve on 127.0.0.1:3000 from the project folders', () => {
    expect(readSettings([], {})).toEqual({
      host: '127.0.0.1',
      port: 3000,
      contentDir: path.join(PROJECT_ROOT, 'audio-scripts', 'content'),
      cacheDir: path.join(PROJECT_ROOT, '.cache'),
      logLevel: 'info',
      engine: 'auto',
      baseUrl: undefined,
      warmCache: true,
      audioMemoryMb: 48,
      shutdownGraceSeconds: 10,
      renderTimeoutSeconds: 120,
    });
  });

  test('flags win over the environment', () => {
    const settings = readSettings(['--port', '4000', '--host', '0.0.0.0'], { PORT: '5000', HOST: '::1' });
    expect(settings).toMatchObject({ port: 4000, host: '0.0.0.0' });
  });

  test('the environment is read when no flag is given', () => {
    const settings = readSettings([], { PORT: '5000', SPEECH_ENGINE: 'embedded', PUBLIC_BASE_URL: 'https://x.example/', WARM_CACHE: 'off' });
    expect(settings).toMatchObject({ port: 5000, engine: 'embedded', baseUrl: 'https://x.example', warmCache: false });
  });

  test('--help asks for help', () => {
    expect(readSettings(['--help'], {})).toBe('help');
  });

  test.each([
    { name: 'a port that is not a number', argv: ['--port', 'eighty'], message: /--port .* not "eighty"/ },
    { name: 'a port out of range', argv: ['--port', '70000'], message: /--port/ },
    { name: 'an unknown engine', argv: ['--engine', 'festival'], message: /--engine .* not "festival"/ },
    { name: 'a base URL that is not http', argv: ['--base-url', 'ftp://x'], message: /--base-url/ },
    { name: 'an unknown flag', argv: ['--colour', 'red'], message: /colour/ },
    { name: 'an unknown log level', argv: ['--log-level', 'loud'], message: /--log-level/ },
    { name: 'a grace that is not a number of seconds', argv: ['--grace', 'soon'], message: /--grace .* not "soon"/ },
    { name: 'a render timeout of no time', argv: ['--render-timeout', '0'], message: /--render-timeout .* not "0"/ },
    { name: 'an audio memory that is not a number', argv: ['--audio-memory', 'lots'], message: /--audio-memory .* not "lots"/ },
  ])('refuses $name, naming the flag', ({ argv, message }) => {
    expect(() => readSettings(argv, {})).toThrow(SettingsError);
    expect(() => readSettings(argv, {})).toThrow(message);
  });
});
