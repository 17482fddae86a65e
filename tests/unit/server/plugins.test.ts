/**
 * The HTTP plugins on a bare Fastify app: the error handler (problems with
 * stable codes, 5xx masked and logged, never a stack), the access log (one
 * line per request; a client leaving is not an error), security headers
 * equal to what @fastify/helmet sets, and readiness.
 */
import helmet from '@fastify/helmet';
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, test } from 'vitest';
import { RenderBusyError } from '../../../server/src/errors.js';
import { AccessLog, isClientGone } from '../../../server/src/plugins/access-log.js';
import errors, { DEFAULT_RETRY_AFTER_SECONDS, retryAfterSeconds } from '../../../server/src/plugins/errors.js';
import { RenderBusy } from '../../../server/src/renditions/renditions.js';
import security, { HELMET_OPTIONS, helmetHeaders } from '../../../server/src/plugins/security.js';
import health from '../../../server/src/routes/health.js';
import type { SpeechEngine } from '../../../server/src/speech/engine.js';

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** A bare app with a log that the test can read. */
async function bareApp(setup: (app: FastifyInstance) => Promise<void> | void, level = 'info'): Promise<{ app: FastifyInstance; logs: LogLine[] }> {
  const logs: LogLine[] = [];
  const app = Fastify({
    logger: { level, stream: { write: (line: string) => logs.push(JSON.parse(line) as LogLine) } },
    logController: new AccessLog(),
    ajv: { customOptions: { removeAdditional: false } },
  });
  apps.push(app);
  await app.register(errors);
  await setup(app);
  await app.ready();
  return { app, logs };
}

describe('the error handler', () => {
  test('a 5xx from a bug is masked: a generic problem, no message, stack or path; the cause is logged as an error', async () => {
    const { app, logs } = await bareApp((a) => {
      a.get('/boom', async () => {
        throw new Error('ENOENT: /work/main/.cache/secret.wav at readFile (node:fs)');
      });
    });
    const response = await app.inject('/boom');
    expect(response.statusCode).toBe(500);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toEqual({
      type: 'about:blank',
      title: 'Error',
      status: 500,
      code: 'ATL_INTERNAL',
      detail: 'Something went wrong on our side. Please try again.',
      instance: '/boom',
    });
    expect(response.body).not.toMatch(/secret|\/work\/|node:fs|\n\s+at /);
    expect(logs.some((line) => line.level === 50 && JSON.stringify(line).includes('secret.wav'))).toBe(true);
  });

  test('503 says when to ask again, with its stable code', async () => {
    const { app } = await bareApp((a) => {
      a.get('/busy', async () => {
        throw new RenderBusyError();
      });
    });
    const response = await app.inject('/busy');
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.json()).toMatchObject({ code: 'ATL_RENDER_BUSY', status: 503 });
  });

  test.each([
    { name: 'the renderer estimates 12 s', estimate: 12, header: '12' },
    { name: 'a fraction is rounded up to whole seconds', estimate: 2.2, header: '3' },
    { name: 'never less than a second', estimate: 0, header: '1' },
  ])("503 busy carries the renderer's own estimate as Retry-After: $name", async ({ estimate, header }) => {
    const { app } = await bareApp((a) => {
      a.get('/busy', async () => {
        throw new RenderBusyError({ cause: new RenderBusy(estimate) });
      });
    });
    const response = await app.inject('/busy');
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe(header);
  });

  test.each([
    { name: 'no cause', error: {}, seconds: DEFAULT_RETRY_AFTER_SECONDS },
    { name: 'a cause without an estimate', error: { cause: new Error('engine crashed') }, seconds: DEFAULT_RETRY_AFTER_SECONDS },
    { name: 'an estimate that is not a number', error: { retryAfterSeconds: 'soon' }, seconds: DEFAULT_RETRY_AFTER_SECONDS },
    { name: 'an estimate two causes down', error: { cause: { cause: new RenderBusy(7) } }, seconds: 7 },
  ])('retryAfterSeconds: $name', ({ error, seconds }) => {
    expect(retryAfterSeconds(error)).toBe(seconds);
  });

  test.each([
    { url: '/q?rate=9', detail: 'querystring/rate must be <= 4' },
    { url: '/q?colour=red', detail: 'querystring/colour is not a known parameter' },
    { url: '/q?rate=fast', detail: 'querystring/rate must be number' },
  ])('a bad parameter is a 400 naming it: $url', async ({ url, detail }) => {
    const { app } = await bareApp((a) => {
      a.get('/q', { schema: { querystring: Type.Object({ rate: Type.Optional(Type.Number({ maximum: 4 })) }, { additionalProperties: false }) } }, async () => 'ok');
    });
    const response = await app.inject(url);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'ATL_INVALID_PARAMETER', detail });
  });

  test("a framework error's own code (FST_…) becomes ours, its message stays", async () => {
    const { app } = await bareApp((a) => {
      a.get('/typed', async () => {
        throw Object.assign(new Error('Unsupported Media Type: text/x-nonsense'), { statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' });
      });
    });
    const response = await app.inject('/typed');
    expect(response.statusCode).toBe(415);
    expect(response.json()).toMatchObject({ code: 'ATL_UNSUPPORTED_MEDIA_TYPE', detail: 'Unsupported Media Type: text/x-nonsense' });
  });

  test('an unknown route is a 404 problem naming the method and path, without the query', async () => {
    const { app } = await bareApp(() => undefined);
    const response = await app.inject('/nowhere?secret=1');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'ATL_NOT_FOUND', detail: 'Nothing is served at GET /nowhere.' });
  });
});

describe('the access log', () => {
  test('one line per answered request, with method, URL, status and time: at debug when it went as asked, at info for a problem', async () => {
    const { app, logs } = await bareApp((a) => {
      a.get('/hello', async () => 'hi');
    }, 'debug');
    await app.inject('/hello');
    await app.inject('/missing');
    expect(logs.filter((line) => line.msg === 'answered')).toEqual([
      expect.objectContaining({ level: 20, method: 'GET', url: '/hello', status: 200, ms: expect.any(Number) }),
      expect.objectContaining({ level: 30, method: 'GET', url: '/missing', status: 404 }),
    ]);
  });

  test('at info, answers that went as asked write nothing', async () => {
    const { app, logs } = await bareApp((a) => {
      a.get('/hello', async () => 'hi');
    });
    await app.inject('/hello');
    expect(logs).toEqual([]);
  });

  test.each([
    { code: 'ERR_STREAM_PREMATURE_CLOSE', gone: true },
    { code: 'ECONNRESET', gone: true },
    { code: 'EPIPE', gone: true },
    { code: 'EIO', gone: false },
    { code: 'ENOENT', gone: false },
    { code: undefined, gone: false },
  ])('$code means the client left: $gone', ({ code, gone }) => {
    expect(isClientGone(Object.assign(new Error('x'), { code }))).toBe(gone);
  });
});

describe('security headers', () => {
  test('are exactly what @fastify/helmet sets with the same options, and are set on every answer', async () => {
    const reference = Fastify();
    apps.push(reference);
    await reference.register(helmet, HELMET_OPTIONS);
    reference.get('/', async () => 'x');
    const expected = (await reference.inject('/')).headers;

    const { app } = await bareApp(async (a) => {
      await a.register(security);
      a.get('/', async () => 'x');
    });
    const [page, missing] = await Promise.all([app.inject('/'), app.inject('/missing')]);
    const ours = await helmetHeaders();
    expect(Object.keys(ours).length).toBeGreaterThanOrEqual(10);
    for (const [name, value] of Object.entries(ours)) {
      expect(expected[name], name).toBe(value);
      expect(page.headers[name], name).toBe(value);
      expect(missing.headers[name], name).toBe(value);
    }
    for (const name of Object.keys(expected)) if (!['content-type', 'content-length', 'date', 'connection', 'keep-alive'].includes(name)) expect(ours[name], name).toBeDefined();
  });

  test("a route marked crossOrigin gets Cross-Origin-Resource-Policy: cross-origin, on its problems too; every other answer same-origin", async () => {
    const { app } = await bareApp(async (a) => {
      await a.register(security);
      a.get('/audio', { config: { crossOrigin: true } }, async () => 'x');
      a.get('/audio-broken', { config: { crossOrigin: true } }, async () => {
        throw new RenderBusyError();
      });
      a.get('/page', async () => 'x');
      a.get('/broken', async () => {
        throw new RenderBusyError();
      });
    });
    const expected = await helmetHeaders();
    const answers = await Promise.all(['/audio', '/audio-broken', '/page', '/broken', '/missing'].map(async (url) => ({ url, answer: await app.inject(url) })));
    for (const { url, answer } of answers) {
      const policy = url.startsWith('/audio') ? 'cross-origin' : 'same-origin';
      expect(answer.headers['cross-origin-resource-policy'], url).toBe(policy);
      for (const [name, value] of Object.entries(expected)) if (name !== 'cross-origin-resource-policy') expect(answer.headers[name], `${url} ${name}`).toBe(value);
    }
  });
});

describe('readiness', () => {
  const engine = (available: boolean): SpeechEngine => ({
    name: 'test-engine',
    version: '1',
    available: async () => available,
    voices: async () => [],
    synthesize: async () => {
      throw new Error('not used');
    },
    close: async () => undefined,
  });

  test.each([
    { available: true, status: 200 },
    { available: false, status: 503 },
  ])('an engine that is available: $available answers $status, with the warm-up progress', async ({ available, status }) => {
    const progress = { total: 7, done: 3, failed: 1, finished: false };
    const { app } = await bareApp(async (a) => {
      await a.register(health, { engine: engine(available), warmUp: () => progress });
    });
    const response = await app.inject('/readyz');
    expect(response.statusCode).toBe(status);
    expect(response.json()).toEqual({ ready: available, engine: { name: 'test-engine', version: '1', available }, warmUp: progress });
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });
  });

  test('without a warm-up, its progress is null', async () => {
    const { app } = await bareApp(async (a) => {
      await a.register(health, { engine: engine(true), warmUp: () => undefined });
    });
    expect((await app.inject('/readyz')).json()).toMatchObject({ warmUp: null });
  });
});
