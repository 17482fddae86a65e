/**
 * Runs an external program (espeak-ng, ffmpeg, opusenc, festival) with an
 * argument array, feeding stdin and collecting stdout, and never through a
 * shell: arguments reach the program as they are, so nothing in them is ever
 * interpreted as shell syntax. Shared by the speech engines (espeak-ng, say)
 * and the encoders that hand work to installed programs.
 */
import { spawn } from 'node:child_process';

/** Why a program run failed, for callers that word their own error. */
export type ProgramFailure = 'missing' | 'failed' | 'aborted' | 'timeout' | 'too-much-output';

/** A program that could not be started, exited with an error, or was stopped. */
export class ProgramError extends Error {
  override readonly name = 'ProgramError';
  constructor(
    message: string,
    readonly command: string,
    readonly failure: ProgramFailure,
    /** What the program wrote to stderr (the first 16 kB), when it ran at all. */
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface RunOptions {
  /** Written to the program's stdin, which is then closed. Without it stdin is closed at once. */
  readonly input?: Buffer | Uint8Array | string;
  /** Stops the program (SIGKILL) and rejects with failure `aborted`, the signal's reason as cause. */
  readonly signal?: AbortSignal;
  /** Stops the program and rejects with failure `timeout` after this many ms. */
  readonly timeoutMs?: number;
  /** Stops the program when stdout grows past this many bytes. Default 256 MiB. */
  readonly maxOutputBytes?: number;
  readonly cwd?: string;
}

export interface RunResult {
  readonly stdout: Buffer;
  readonly stderr: string;
}

const STDERR_LIMIT = 16 * 1024;

/**
 * How every program starts. `detached`: in a process group of its own, because Ctrl+C in a
 * terminal sends SIGINT to the whole foreground group, and it would kill the renders the
 * server is finishing in its graceful stop (seen: a 503 instead of the answer); the server
 * stops its programs itself (abort, timeout, close). `windowsHide`: no console window flashes
 * up on Windows. `shell` stays false (the default) on purpose.
 */
const SPAWN_OPTIONS = { windowsHide: true, detached: true } as const;

/**
 * Runs `command` with `args` and resolves with its stdout once it exits with
 * code 0. Rejects with {@link ProgramError}: `missing` when the program is not
 * on the PATH, `failed` for a non-zero exit (stderr in the message),
 * `aborted`, `timeout` or `too-much-output` when it was stopped.
 */
export function runProgram(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const { signal, timeoutMs, cwd } = options;
  const maxOutputBytes = options.maxOutputBytes ?? 256 * 1024 * 1024;
  if (signal?.aborted === true) {
    return Promise.reject(new ProgramError(`${command} was not started: aborted`, command, 'aborted', '', { cause: signal.reason }));
  }

  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(command, [...args], { stdio: ['pipe', 'pipe', 'pipe'], ...SPAWN_OPTIONS, ...(cwd === undefined ? {} : { cwd }) });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let stopped: ProgramError | undefined;
    let settled = false;

    const finish = (outcome: RunResult | ProgramError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (outcome instanceof ProgramError) reject(outcome);
      else resolve(outcome);
    };
    // Kill first, reject when the process is gone ('close'), so no caller sees a result while it still runs.
    const stop = (error: ProgramError): void => {
      if (stopped !== undefined || settled) return;
      stopped = error;
      child.kill('SIGKILL');
    };
    const onAbort = (): void => stop(new ProgramError(`${command} was stopped: aborted`, command, 'aborted', stderr, { cause: signal?.reason }));
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer =
      timeoutMs === undefined ? undefined : setTimeout(() => stop(new ProgramError(`${command} took longer than ${timeoutMs} ms and was stopped`, command, 'timeout', stderr)), timeoutMs);

    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > maxOutputBytes) {
        stop(new ProgramError(`${command} wrote more than ${maxOutputBytes} bytes and was stopped`, command, 'too-much-output', stderr));
        return;
      }
      stdout.push(chunk);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < STDERR_LIMIT) stderr += chunk.slice(0, STDERR_LIMIT - stderr.length);
    });
    // A program that exits without reading all its input makes the write fail with EPIPE: its exit code tells the story.
    child.stdin.on('error', () => undefined);

    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        finish(new ProgramError(`${command} is not installed or not on the PATH`, command, 'missing', '', { cause: error }));
      } else {
        finish(new ProgramError(`${command} could not be run: ${error.message}`, command, 'failed', stderr, { cause: error }));
      }
    });
    child.on('close', (code, killedBy) => {
      if (stopped !== undefined) {
        finish(new ProgramError(stopped.message, command, stopped.failure, stderr, { cause: stopped.cause }));
      } else if (code === 0) {
        finish({ stdout: Buffer.concat(stdout, stdoutBytes), stderr });
      } else {
        const how = code === null ? `was killed by ${killedBy ?? 'a signal'}` : `exited with code ${code}`;
        const detail = stderr.trim() === '' ? '' : `: ${stderr.trim().split('\n').slice(0, 5).join(' / ')}`;
        finish(new ProgramError(`${command} ${how}${detail}`, command, 'failed', stderr));
      }
    });

    if (options.input === undefined) child.stdin.end();
    else child.stdin.end(options.input);
  });
}

/** A program running with its stdin and stdout open: bytes in and out as they go (see {@link startProgram}). */
export interface ProgramStream {
  /** Writes to the program's stdin, waiting while the pipe is full. @throws ProgramError when the program has failed. */
  write(data: Uint8Array): Promise<void>;
  /** Closes stdin and waits for the program to exit (all of stdout has gone to `onStdout` by then). @throws ProgramError */
  end(): Promise<void>;
  /** Stops the program (SIGKILL). Safe to call at any time. */
  kill(): void;
}

/**
 * Starts `command` with `args` (never through a shell) for streaming work:
 * the caller feeds stdin piece by piece and gets stdout as it comes
 * (`onStdout`), e.g. an encoder whose output goes to a listener before the
 * input is complete.
 * Fails like {@link runProgram}: `missing`, `failed` (exit code and stderr),
 * `timeout`, or `aborted` after {@link ProgramStream.kill}.
 */
export function startProgram(command: string, args: readonly string[], onStdout: (chunk: Buffer) => void, options: { readonly timeoutMs?: number } = {}): ProgramStream {
  const child = spawn(command, [...args], { stdio: ['pipe', 'pipe', 'pipe'], ...SPAWN_OPTIONS });
  let stderr = '';
  let failure: ProgramError | undefined;
  let stopped: ProgramError | undefined;
  const exited = new Promise<void>((resolve) => {
    child.on('error', (error: NodeJS.ErrnoException) => {
      failure ??=
        error.code === 'ENOENT'
          ? new ProgramError(`${command} is not installed or not on the PATH`, command, 'missing', '', { cause: error })
          : new ProgramError(`${command} could not be run: ${error.message}`, command, 'failed', stderr, { cause: error });
      resolve();
    });
    child.on('close', (code, killedBy) => {
      if (stopped !== undefined) failure ??= stopped;
      else if (code !== 0) {
        const how = code === null ? `was killed by ${killedBy ?? 'a signal'}` : `exited with code ${code}`;
        const detail = stderr.trim() === '' ? '' : `: ${stderr.trim().split('\n').slice(0, 5).join(' / ')}`;
        failure ??= new ProgramError(`${command} ${how}${detail}`, command, 'failed', stderr);
      }
      resolve();
    });
  });
  const stop = (error: ProgramError): void => {
    if (stopped !== undefined) return;
    stopped = error;
    child.kill('SIGKILL');
  };
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => stop(new ProgramError(`${command} took longer than ${options.timeoutMs} ms and was stopped`, command, 'timeout', stderr)), options.timeoutMs);
  timer?.unref();
  void exited.then(() => clearTimeout(timer));
  child.stdout.on('data', (chunk: Buffer) => {
    if (stopped === undefined) onStdout(chunk);
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < STDERR_LIMIT) stderr += chunk.slice(0, STDERR_LIMIT - stderr.length);
  });
  // A program that exits early makes writes fail with EPIPE: its exit says why, through `failure`.
  child.stdin.on('error', () => undefined);

  return {
    async write(data) {
      if (failure !== undefined || stopped !== undefined) throw failure ?? stopped;
      if (!child.stdin.write(data)) {
        // Wait for the pipe to drain, or for the program to end (then it failed: it should have read on).
        await Promise.race([new Promise((resolve) => child.stdin.once('drain', resolve)), exited]);
        if (failure !== undefined) throw failure;
      }
    },
    async end() {
      child.stdin.end();
      await exited;
      if (failure !== undefined) throw failure;
    },
    kill: () => stop(new ProgramError(`${command} was stopped`, command, 'aborted', stderr)),
  };
}
