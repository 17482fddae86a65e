/**
 * The only text the `say` adapter ever hands to the `say` package.
 *
 * Why so strict: `say` builds program input by pasting text in unescaped.
 * On Linux the text lands inside a festival Scheme string, so
 * `x") (system "touch pwned") (SayText "y` runs a command; on Windows the
 * voice and file name land inside a PowerShell command run through a shell;
 * on macOS the text is a command-line argument, where a leading `-` reads as
 * an option. Escaping for three different languages is easy to get wrong,
 * so instead nothing that any of them treats specially survives: what is left
 * is letters, digits, spaces and plain sentence punctuation.
 */

/** The longest text {@link toSafeSpeechText} returns unless told otherwise, in code points. */
export const DEFAULT_MAX_SPEECH_TEXT = 5000;

/**
 * Typographic characters that have a plain kept equivalent, so "keeper’s"
 * keeps its apostrophe and "1940–1944" its separation.
 */
const TYPOGRAPHIC: readonly (readonly [RegExp, string])[] = [
  [/[\u2018\u2019\u201b\u2032]/g, "'"],
  [/[\u2010\u2011]/g, '-'],
  [/[\u2012-\u2015\u2212]/g, ' - '],
  [/\u2026/g, '...'],
];

/** Everything that is not a letter (with its combining marks), a digit, a space or . , ; : ! ? ' - */
const UNSAFE = /[^\p{L}\p{M}\p{Nd} .,;:!?'-]/gu;

/**
 * Reduces text to letters of any script, digits, single spaces and
 * `. , ; : ! ? ' -`. Everything else (quotes, brackets, backslashes, `$`,
 * backticks, `&`, `|`, `<`, `>`, control characters, newlines) becomes a
 * space; runs of spaces collapse; leading hyphens go (so the text can never
 * be read as a command-line option). Longer results are cut at the last
 * space before `maxLength` code points.
 * @param text Any text, e.g. a sentence from a narration or a user's input.
 * @param maxLength Longest result in code points (default {@link DEFAULT_MAX_SPEECH_TEXT}).
 */
export function toSafeSpeechText(text: string, maxLength: number = DEFAULT_MAX_SPEECH_TEXT): string {
  let safe = text.normalize('NFC');
  for (const [pattern, replacement] of TYPOGRAPHIC) safe = safe.replace(pattern, replacement);
  safe = safe
    .replace(UNSAFE, ' ')
    .replace(/ {2,}/g, ' ')
    .trim()
    .replace(/^[-\s]+/, '');
  const codePoints = [...safe];
  if (codePoints.length <= maxLength) return safe;
  const cut = codePoints.slice(0, maxLength).join('');
  const lastSpace = cut.lastIndexOf(' ');
  return (lastSpace > 0 ? cut.slice(0, lastSpace) : cut).trimEnd();
}

/** A speaking-rate multiplier `say` can take: finite, within 0.5 to 4, two decimals; 1 for anything else. */
export function toSafeSpeed(rate: unknown): number {
  const value = typeof rate === 'number' && Number.isFinite(rate) ? rate : 1;
  return Math.round(Math.min(4, Math.max(0.5, value)) * 100) / 100;
}
