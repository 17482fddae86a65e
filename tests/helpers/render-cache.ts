/**
 * vitest's global setup: one render cache for the whole run, in a temporary
 * folder removed at the end. The browser suites' servers share it, so the
 * test show's audio is made once per run, not once per file. It only makes
 * the folder: nothing is rendered until a browser suite asks for audio.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The render cache every browser suite's server shares. */
    renderCache: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const folder = await mkdtemp(path.join(tmpdir(), 'atl-render-cache-'));
  project.provide('renderCache', folder);
  return () => rm(folder, { recursive: true, force: true });
}
