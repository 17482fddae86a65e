/**
 * Text an engine cannot say, or that would break an XML document, is removed
 * here before it reaches any markup: control characters, lone surrogates and
 * the code points XML 1.0 forbids. Each cleaning is reported to a listener so
 * that it is logged rather than silent.
 */

type CleaningListener = (removed: string, text: string) => void;
let listener: CleaningListener | undefined;

/** Registers who hears about cleaned text (the server logs a warning). */
export function onTextCleaned(next: CleaningListener | undefined): void {
  listener = next;
}

// Allowed by XML 1.0: tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF.
// Also dropped: C1 controls and the BOM, which engines read as noise.
const UNSAYABLE = /[^\t\n\r\u0020-\u007E\u00A0-\uD7FF\uE000-\uFEFE\uFF00-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Returns `text` without unsayable or XML-forbidden characters; tabs and newlines become spaces. */
export function cleanText(text: string): string {
  // toWellFormed() (Node 20) replaces lone surrogates with U+FFFD, which we then drop.
  const wellFormed = text.toWellFormed().replace(/\uFFFD/g, '');
  const cleaned = wellFormed.replace(UNSAYABLE, '').replace(/[\t\n\r]+/g, ' ');
  if (cleaned.length !== text.replace(/[\t\n\r]+/g, ' ').length && listener !== undefined) {
    listener(describeRemoved(text), text);
  }
  return cleaned;
}

/**
 * The characters {@link cleanText} would remove from `text`, as `U+XXXX`
 * code points separated by spaces; '' when there are none. Reports nothing
 * to the listener, so checks can ask without logging a cleaning.
 */
export function unsayableIn(text: string): string {
  const wellFormed = text.toWellFormed();
  const removed = wellFormed !== text || /\uFFFD/.test(text) || wellFormed.replace(UNSAYABLE, '') !== wellFormed;
  return removed ? describeRemoved(text) : '';
}

function describeRemoved(text: string): string {
  const bad = [...text].filter((ch) => ch.replace(UNSAYABLE, '') === '' || ch === '\uFFFD' || !ch.isWellFormed());
  return bad.map((ch) => `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`).join(' ');
}
