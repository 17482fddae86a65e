/**
 * What a pack may hold but should not, reported as warnings by
 * `npm run content:check`: the pack still loads and narrates, but a listener
 * would hear less than was written, or a guess at a name.
 *
 * - Characters no speech engine can say (control characters, lone
 *   surrogates): the narration removes them, with a logged warning.
 * - Words with letters outside English spelling ("Étienne") that no lexicon
 *   entry covers: an English voice would guess at them.
 */
import { createNameFinder } from '../narration/narration.js';
import { unsayableIn } from '../narration/clean-text.js';
import type { ContentProblem } from './load.js';
import { PACK_FILES, type ContentPack } from './schema.js';

type PackKey = keyof typeof PACK_FILES;

/** The parsed data of each file of a loaded pack. */
function dataOf(pack: ContentPack, key: PackKey): unknown {
  return key === 'pack' ? pack.info : pack[key];
}

/** Every string in a JSON value, with its JSON pointer. */
function* stringsIn(node: unknown, at = ''): Generator<[string, string]> {
  if (typeof node === 'string') yield [at, node];
  else if (Array.isArray(node)) for (const [i, child] of node.entries()) yield* stringsIn(child, `${at}/${i}`);
  else if (node !== null && typeof node === 'object') for (const [key, child] of Object.entries(node)) yield* stringsIn(child, `${at}/${key}`);
}

/** Texts the narration speaks, by file and pointer. */
function spokenTexts(pack: ContentPack): { file: string; path: string; text: string }[] {
  return [
    ...pack.facts.map((f, i) => ({ file: 'facts.json', path: `/${i}/text`, text: f.text })),
    ...pack.episodes.flatMap((e, i) => [
      { file: 'episodes.json', path: `/${i}/title`, text: e.title },
      { file: 'episodes.json', path: `/${i}/summary`, text: e.summary },
      ...e.chapters.flatMap((c, j) => [
        { file: 'episodes.json', path: `/${i}/chapters/${j}/title`, text: c.title },
        ...c.items.flatMap((item, k) => ('say' in item ? [{ file: 'episodes.json', path: `/${i}/chapters/${j}/items/${k}/say`, text: item.say }] : [])),
      ]),
    ]),
  ];
}

// A word with at least one letter that English spelling does not use.
const FOREIGN_WORD = /[\p{L}\p{M}'’-]*[^\p{ASCII}\P{L}][\p{L}\p{M}'’-]*/gu;

/** Returns every warning for the pack (empty when there is nothing to say). */
export function packWarnings(pack: ContentPack): ContentProblem[] {
  const warnings: ContentProblem[] = [];
  for (const key of Object.keys(PACK_FILES) as PackKey[]) {
    for (const [path, text] of stringsIn(dataOf(pack, key))) {
      const removed = unsayableIn(text);
      if (removed !== '') {
        warnings.push({ file: PACK_FILES[key].file, path, message: `holds characters no speech engine can say (${removed}); the narration leaves them out` });
      }
    }
  }

  const findNames = createNameFinder(pack.lexicon);
  for (const { file, path, text } of spokenTexts(pack)) {
    for (const part of findNames(text)) {
      if (part.kind !== 'text') continue;
      for (const [word] of part.text.matchAll(FOREIGN_WORD)) {
        warnings.push({ file, path, message: `"${word}" has letters outside English spelling, and no lexicon entry says how to pronounce it` });
      }
    }
  }
  return warnings;
}
