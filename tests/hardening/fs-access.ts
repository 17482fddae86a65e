/**
 * Records which paths the file system is asked about, to prove that hostile
 * URLs never reach a file outside the served roots (not only that they are
 * answered 404). Import it FIRST in a test file: it wraps `node:fs` and
 * `node:fs/promises` before the server's modules and @fastify/static load
 * (they keep references to the functions they import), then syncs the ES
 * module exports of the built-ins to the wrappers.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const WATCHED = ['stat', 'lstat', 'open', 'readFile', 'access', 'readdir', 'realpath', 'opendir', 'createReadStream', 'statSync', 'lstatSync', 'openSync', 'readFileSync', 'existsSync', 'readdirSync'] as const;
const WATCHED_PROMISES = ['stat', 'lstat', 'open', 'readFile', 'access', 'readdir', 'realpath', 'opendir'] as const;

let recording: string[] | undefined;

function note(target: unknown): void {
  if (recording === undefined) return;
  if (typeof target === 'string') recording.push(path.resolve(target));
  else if (target instanceof URL && target.protocol === 'file:') recording.push(fileURLToPath(target));
  else if (Buffer.isBuffer(target)) recording.push(path.resolve(target.toString('utf8')));
}

function wrap(owner: Record<string, unknown>, name: string): void {
  const original = owner[name];
  if (typeof original !== 'function') return;
  const wrapped = function (this: unknown, ...args: unknown[]) {
    note(args[0]);
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
  // Keep promisified forms and properties (fs.realpath.native) working.
  Object.assign(wrapped, original);
  owner[name] = wrapped;
}

for (const name of WATCHED) wrap(fs as unknown as Record<string, unknown>, name);
for (const name of WATCHED_PROMISES) wrap(fs.promises as unknown as Record<string, unknown>, name);
syncBuiltinESMExports();

/**
 * Runs `work` and returns it with every path the file system was asked about meanwhile.
 * Not re-entrant: run one at a time.
 */
export async function pathsTouched<T>(work: () => Promise<T>): Promise<{ result: T; paths: string[] }> {
  const paths: string[] = [];
  recording = paths;
  try {
    return { result: await work(), paths };
  } finally {
    recording = undefined;
  }
}

/** Whether `file` is `root` or inside it. */
export function isInside(file: string, root: string): boolean {
  const relative = path.relative(path.resolve(root), path.resolve(file));
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
