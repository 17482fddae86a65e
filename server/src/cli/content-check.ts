/**
 * `npm run content:check [-- --content DIR]`: checks a content pack with the
 * same schema and integrity rules the server applies at start-up.
 * Exit 0 and a summary when whole; exit 1 and every problem (file, path, what) when not.
 * Warnings (text no engine can say, names no lexicon entry covers) are printed
 * to stderr and do not fail the check: the pack works, but listeners would hear less.
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { PROJECT_ROOT } from '../config.js';
import { ContentError, loadContentPack } from '../content/load.js';
import { packWarnings } from '../content/warnings.js';

const USAGE = 'Usage: npm run content:check [-- --content DIR (default: audio-scripts/content, or CONTENT_DIR)]';

let values;
try {
  ({ values } = parseArgs({ options: { content: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
} catch (error) {
  // A bad command line is exit 2, as in every CLI here: a message and the usage, not a stack trace.
  process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
  process.exit(2);
}
if (values.help === true) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const dir = path.resolve(values.content ?? process.env.CONTENT_DIR ?? path.join(PROJECT_ROOT, 'audio-scripts', 'content'));

try {
  const pack = await loadContentPack(dir);
  const warnings = packWarnings(pack);
  for (const w of warnings) process.stderr.write(`warning: ${w.file}${w.path ? ` at ${w.path}` : ''}: ${w.message}\n`);
  const words = pack.episodes.map((e) => e.id).join(', ');
  process.stdout.write(
    `The content pack in ${dir} is whole: ${pack.facts.length} facts from ${pack.sources.length} sources, ` +
      `${pack.people.length} people, ${pack.conflicts.length} recorded conflicts, ${pack.lexicon.length} lexicon entries, ` +
      `${pack.episodes.length} episodes (${words})` +
      (warnings.length === 0 ? '.\n' : `, with ${warnings.length} warning${warnings.length === 1 ? '' : 's'}.\n`),
  );
} catch (error) {
  if (!(error instanceof ContentError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
