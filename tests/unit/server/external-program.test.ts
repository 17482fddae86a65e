import { describe, test, expect, vi } from 'vitest';
import { ProgramError, runProgram, startProgram } from '../../../server/src/external-program.js';

/** Node itself is the one program every machine running these tests has. */
const NODE = process.execPath;
const script = (code: string): string[] => ['-e', code];

describe('runProgram', () => {
  test('feeds stdin and collects stdout', async () => {
    const { stdout } = await runProgram(NODE, script('process.stdin.pipe(process.stdout)'), { input: Buffer.from('bytes in, bytes out') });
    expect(stdout.toString()).toBe('bytes in, bytes out');
  });

  test('hands arguments over as they are, with no shell to interpret them', async () => {
    const args = ['$(touch pwned)', '`id`', '; rm -rf /', '"quoted" & |piped|', "it's"];
    const { stdout } = await runProgram(NODE, [...script('process.stdout.write(JSON.stringify(process.argv.slice(1)))'), ...args]);
    expect(JSON.parse(stdout.toString())).toEqual(args);
  });

  test.each([
    { name: 'a missing program', command: 'no-such-program-here', args: [], failure: 'missing', message: /not installed or not on the PATH/ },
    { name: 'a failing program', command: NODE, args: script('console.error("it went wrong"); process.exit(3)'), failure: 'failed', message: /exited with code 3: it went wrong/ },
  ])('rejects $name with ProgramError', async ({ command, args, failure, message }) => {
    const error: unknown = await runProgram(command, args).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProgramError);
    expect((error as ProgramError).failure).toBe(failure);
    expect((error as ProgramError).message).toMatch(message);
  });

  test('kills the program when aborted, keeping the reason', async () => {
    const controller = new AbortController();
    // Spawned at once, and it never ends by itself: only the abort can end it.
    const running = runProgram(NODE, script('setInterval(() => {}, 1000)'), { signal: controller.signal });
    controller.abort(new Error('no longer wanted'));
    const error: unknown = await running.catch((caught: unknown) => caught);
    expect((error as ProgramError).failure).toBe('aborted');
    expect((error as ProgramError).cause).toEqual(new Error('no longer wanted'));
    await expect(runProgram(NODE, script(''), { signal: AbortSignal.abort() })).rejects.toMatchObject({ failure: 'aborted' });
  });

  test('kills the program on timeout and when it writes too much', async () => {
    await expect(runProgram(NODE, script('setInterval(() => {}, 1000)'), { timeoutMs: 100 })).rejects.toMatchObject({ failure: 'timeout' });
    await expect(runProgram(NODE, script('setInterval(() => process.stdout.write("x".repeat(65536)), 1)'), { maxOutputBytes: 100_000 })).rejects.toMatchObject({
      failure: 'too-much-output',
    });
  });
});

describe('startProgram', () => {
  test('streams: stdout arrives while stdin is still being written', async () => {
    const out: string[] = [];
    const program = startProgram(NODE, script('process.stdin.on("data", (d) => process.stdout.write(d.toString().toUpperCase()))'), (chunk) => out.push(chunk.toString()));
    await program.write(Buffer.from('first '));
    await vi.waitFor(() => expect(out.join('')).toBe('FIRST '), { timeout: 20_000, interval: 5 });
    await program.write(Buffer.from('second'));
    await program.end();
    expect(out.join('')).toBe('FIRST SECOND');
  });

  test('a program that fails makes end() reject with its exit and stderr', async () => {
    const program = startProgram(NODE, script('console.error("bad input"); process.exit(2)'), () => undefined);
    await expect(program.end()).rejects.toMatchObject({ failure: 'failed', message: expect.stringMatching(/exited with code 2: bad input/) as string });
  });

  test('a missing program, a killed one and a timed-out one reject with the reason', async () => {
    await expect(startProgram('no-such-program-here', [], () => undefined).end()).rejects.toMatchObject({ failure: 'missing' });
    const killed = startProgram(NODE, script('setInterval(() => {}, 1000)'), () => undefined);
    killed.kill();
    await expect(killed.end()).rejects.toMatchObject({ failure: 'aborted' });
    await expect(killed.write(Buffer.from('x'))).rejects.toBeInstanceOf(ProgramError);
    const slow = startProgram(NODE, script('setInterval(() => {}, 1000)'), () => undefined, { timeoutMs: 100 });
    await expect(slow.end()).rejects.toMatchObject({ failure: 'timeout' });
  });
});
