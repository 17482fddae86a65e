/**
 * Loads a content pack from a folder and proves it whole before anyone uses it:
 * JSON syntax, the schema, then integrity (references, unique ids, every fact used).
 * A broken pack is refused with every problem named by file, path and reason.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { PACK_FILES, type ContentPack } from './schema.js';
import { checkIntegrity } from './integrity.js';

/** One thing wrong with a pack: which file, where inside it (a JSON pointer), and what. */
export interface ContentProblem {
  readonly file: string;
  readonly path: string;
  readonly message: string;
}

/** Thrown when a pack cannot be used; `problems` lists every problem found. */
export class ContentError extends Error {
  override readonly name = 'ContentError';
  constructor(
    readonly dir: string,
    readonly problems: readonly ContentProblem[],
  ) {
    super(
      `The content pack in ${dir} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((p) => `  ${p.file}${p.path ? ` at ${p.path}` : ''}: ${p.message}`).join('\n'),
    );
  }
}

type PackKey = keyof typeof PACK_FILES;

async function readJson(dir: string, file: string, problems: ContentProblem[]): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path.join(dir, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problems.push({ file, path: '', message: code === 'ENOENT' ? 'file is missing' : `cannot be read (${code})` });
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    problems.push({ file, path: '', message: `is not valid JSON: ${(error as Error).message}` });
    return undefined;
  }
}

/**
 * Reads and checks the pack in `dir`.
 * @throws ContentError naming every problem, when the pack is not whole.
 */
export async function loadContentPack(dir: string): Promise<ContentPack> {
  const problems: ContentProblem[] = [];
  const keys = Object.keys(PACK_FILES) as PackKey[];
  const parsed = await Promise.all(keys.map((key) => readJson(dir, PACK_FILES[key].file, problems)));

  const data: Partial<Record<PackKey, unknown>> = {};
  keys.forEach((key, index) => {
    const value = parsed[index];
    if (value === undefined) return;
    const { file, schema } = PACK_FILES[key];
    const errors = [...Value.Errors(schema, value)];
    // A union reports one error per branch; the first error at each path is the useful one.
    const seen = new Set<string>();
    for (const error of errors) {
      if (seen.has(error.path)) continue;
      seen.add(error.path);
      problems.push({ file, path: error.path || '/', message: error.message });
    }
    if (errors.length === 0) data[key] = value;
  });

  if (problems.length > 0) throw new ContentError(dir, problems);
  const pack = { dir, ...data, info: data.pack } as unknown as ContentPack;
  const integrity = checkIntegrity(pack);
  if (integrity.length > 0) throw new ContentError(dir, integrity);
  return pack;
}
