import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/paths.js';

/** The browser suites need the compiled player; say how to get it instead of failing obscurely. */
export function assertBuilt(): void {
  if (!existsSync(path.join(ROOT, 'dist', 'web', 'main.js'))) {
    throw new Error('The player scripts are not built: run `npm run build` first (npm test does).');
  }
}
