/**
 * "How do you say it?" for one lexicon name: the document and the speaking
 * rate that say it slowly, or spell it out letter by letter.
 */
import type { LexiconEntry } from '../content/schema.js';
import { SsmlBuilder } from './ssml.js';

/** The two ways a name is said. */
export type NameSaying = 'slow' | 'spelled';

/**
 * Slow enough to hear each sound, as a teacher would say it: the slowest rate
 * the engines take. Measured with eSpeak NG 1.51 (both engines), the sound of
 * "Werner" lasts 0.43 s at the normal rate, 0.59 s at 0.75 (73%: hardly slower
 * to the ear) and 0.91 s at 0.5 (47%).
 */
export const SLOW_NAME_RATE = 0.5;

/**
 * The SSML and rate for `entry` said `saying`: slowly, the respelling standing in
 * for the written name (`sub`); spelled out, the written name as `say-as
 * interpret-as="characters"` ("Étienne": "E acute, T, I, …"), at the normal rate,
 * since the letters are said one by one already, as a person spells a name.
 * English letter names and an English reading of the respelling: `en-US`.
 */
export function nameSsml(entry: LexiconEntry, saying: NameSaying): { readonly ssml: string; readonly rate: number } {
  const written = entry.written[0] ?? entry.id;
  const document = new SsmlBuilder()
    .sentence((s) => (saying === 'slow' ? s.sub(entry.respelling, written) : s.sayAs('characters', written)), { lang: 'en-US' })
    .toDocument('en-US');
  return { ssml: document, rate: saying === 'slow' ? SLOW_NAME_RATE : 1 };
}
