/**
 * Numbers written with digits, found in text and put into words.
 *
 * Why: the pack writes years and dates as words because eSpeak NG reads them
 * badly (measured: "1944" is "nineteen hundred and forty four", "2023" is
 * "two thousand and twenty three", "1,944" pauses after "thousand"), and it
 * ignores `say-as` for dates and ordinals. Titles still carry digits ("13 Going
 * on 30", "21 Laps", "Chapter 1"). So the narration marks each number once, the
 * canonical document says what it is with `say-as`, and the eSpeak profile
 * speaks the words made here.
 */

/** How a number written with digits is meant to be read. */
export type NumberReading = 'cardinal' | 'ordinal' | 'year' | 'decade' | 'date';

/**
 * The order of a date's parts, as the W3C say-as Note names them for
 * `interpret-as="date"`: m month, d day, y year.
 */
export type DateFormat = 'mdy' | 'dmy' | 'md' | 'dm' | 'my';

/** A number found in text. */
export interface WrittenNumber {
  /** Where it starts in the text searched (UTF-16 index). */
  readonly index: number;
  /** As written, e.g. `1,944`, `2nd`, `1940s`. */
  readonly text: string;
  /**
   * The digits without separators or suffix, e.g. `1944`; for a date, its
   * parts as digits in the order of {@link format}, e.g. `11/02/2023`.
   */
  readonly digits: string;
  readonly reading: NumberReading;
  /** The words a listener should hear, e.g. `nineteen forty-four`. */
  readonly words: string;
  /** For a date: the order of its parts. */
  readonly format?: DateFormat;
}

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const SCALES = ['', 'thousand', 'million', 'billion'];

/** The largest number put into words; longer digit runs (codes, phone numbers) stay as written. */
export const MAX_SPOKEN_NUMBER = 999_999_999_999;

function belowHundred(n: number): string {
  if (n < 20) return ONES[n]!;
  const ones = n % 10;
  return TENS[Math.floor(n / 10)]! + (ones === 0 ? '' : `-${ONES[ones]!}`);
}

function belowThousand(n: number): string {
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  if (hundreds === 0) return belowHundred(rest);
  return `${ONES[hundreds]!} hundred` + (rest === 0 ? '' : ` ${belowHundred(rest)}`);
}

/**
 * A whole number in American English words, without "and": 1944 is
 * "one thousand nine hundred forty-four".
 * @throws RangeError for negative, fractional or too large numbers.
 */
export function cardinalWords(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_SPOKEN_NUMBER) throw new RangeError(`${n} is not a whole number from 0 to ${MAX_SPOKEN_NUMBER}`);
  if (n === 0) return 'zero';
  const groups: string[] = [];
  for (let scale = 0, rest = n; rest > 0; scale++, rest = Math.floor(rest / 1000)) {
    const group = rest % 1000;
    if (group !== 0) groups.unshift(belowThousand(group) + (scale === 0 ? '' : ` ${SCALES[scale]!}`));
  }
  return groups.join(' ');
}

const IRREGULAR_ORDINALS: Record<string, string> = { one: 'first', two: 'second', three: 'third', five: 'fifth', eight: 'eighth', nine: 'ninth', twelve: 'twelfth' };

/** An ordinal in words: 2 is "second", 21 is "twenty-first", 100 is "one hundredth". */
export function ordinalWords(n: number): string {
  const cardinal = cardinalWords(n);
  // Only the last word changes: "twenty-one" becomes "twenty-first".
  const match = /^(.*?)([a-z]+)$/.exec(cardinal);
  const head = match?.[1] ?? '';
  const last = match?.[2] ?? cardinal;
  const irregular = IRREGULAR_ORDINALS[last];
  if (irregular !== undefined) return head + irregular;
  if (last.endsWith('y')) return `${head}${last.slice(0, -1)}ieth`;
  return `${head}${last}th`;
}

/**
 * A year as people say it: 1944 is "nineteen forty-four", 1905 "nineteen oh
 * five", 1900 "nineteen hundred", 2000 "two thousand", 2005 "two thousand
 * five", 2023 "twenty twenty-three".
 */
export function yearWords(year: number): string {
  if (!Number.isInteger(year) || year < 1000 || year > 9999) throw new RangeError(`${year} is not a four-digit year`);
  const century = Math.floor(year / 100);
  const rest = year % 100;
  // 2000 to 2009 (and 1000 to 1009) are said as a thousand and some: "two thousand five", not "twenty oh five".
  if (century % 10 === 0 && rest < 10) return cardinalWords(year);
  if (rest === 0) return `${belowHundred(century)} hundred`;
  if (rest < 10) return `${belowHundred(century)} oh ${ONES[rest]!}`;
  return `${belowHundred(century)} ${belowHundred(rest)}`;
}

/** A decade: 1940 is "nineteen forties", 2000 is "two thousands". */
export function decadeWords(year: number): string {
  const words = yearWords(year);
  if (words.endsWith('y')) return `${words.slice(0, -1)}ies`;
  return `${words}s`;
}

/** Four-digit numbers in this range, written without a comma, read as years. */
const YEARS = { from: 1100, to: 2099 } as const;

// Digits with optional thousands commas, then an optional ordinal suffix or the
// "s" of a decade. Not inside a word ("MP3", "3D"), and not one piece of a
// longer figure ("3.5", "10:30", "1/2", "2023-11-02"): those stay as written.
const NUMBER = /(?<![\p{L}\p{N}_]|\p{N}[.,:/-])(\d{1,3}(?:,\d{3})+|\d+)(st|nd|rd|th|s)?(?![\p{L}\p{N}_]|[.,:/-]\p{N})/gu;

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'] as const;
const MONTH = `(${MONTHS.join('|')})`;
const ANY_MONTH = new RegExp(MONTHS.join('|'));
// A day of the month, optionally with its ordinal suffix ("2", "2nd").
const DAY = '(\\d{1,2})(?:st|nd|rd|th)?';
const YEAR = '(\\d{4})';
// Not inside a word or a longer figure, as for NUMBER below.
const BEFORE = '(?<![\\p{L}\\p{N}_]|\\p{N}[.,:/-])';
const AFTER = '(?![\\p{L}\\p{N}_]|[.,:/-]\\p{N})';

/** Date patterns, longest first, each with the order its capture groups come in. */
const DATES: readonly { readonly format: DateFormat; readonly pattern: RegExp; readonly order: readonly ('m' | 'd' | 'y')[] }[] = [
  // "November 2, 2023", "November 2nd, 2023"
  { format: 'mdy', pattern: new RegExp(`${BEFORE}${MONTH} ${DAY}, ${YEAR}${AFTER}`, 'gu'), order: ['m', 'd', 'y'] },
  // "2 November 2023", "2nd November, 2023"
  { format: 'dmy', pattern: new RegExp(`${BEFORE}${DAY} ${MONTH},? ${YEAR}${AFTER}`, 'gu'), order: ['d', 'm', 'y'] },
  // "August 1944"
  { format: 'my', pattern: new RegExp(`${BEFORE}${MONTH} ${YEAR}${AFTER}`, 'gu'), order: ['m', 'y'] },
  // "November 2"
  { format: 'md', pattern: new RegExp(`${BEFORE}${MONTH} ${DAY}${AFTER}`, 'gu'), order: ['m', 'd'] },
  // "2 November"
  { format: 'dm', pattern: new RegExp(`${BEFORE}${DAY} ${MONTH}${AFTER}`, 'gu'), order: ['d', 'm'] },
];

// Days in each month; February may have 29 when no year is given.
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function isRealDate(month: number, day: number | undefined, year: number | undefined): boolean {
  if (day === undefined) return true;
  if (year === undefined) return day >= 1 && day <= DAYS_IN_MONTH[month - 1]!;
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** A date in words as an American English speaker reads it: "November second, twenty twenty-three", "the second of November". */
function dateWords(format: DateFormat, month: number, day: number | undefined, year: number | undefined): string {
  const name = MONTHS[month - 1]!;
  const dayWords = day === undefined ? '' : ordinalWords(day);
  const yearText = year === undefined ? '' : yearWords(year);
  switch (format) {
    case 'mdy':
      return `${name} ${dayWords}, ${yearText}`;
    case 'dmy':
      return `the ${dayWords} of ${name}, ${yearText}`;
    case 'md':
      return `${name} ${dayWords}`;
    case 'dm':
      return `the ${dayWords} of ${name}`;
    case 'my':
      return `${name} ${yearText}`;
  }
}

/**
 * Finds dates written with a month name and digits: "November 2, 2023",
 * "2 November 2023", "August 1944", "November 2", "2 November". Dates that
 * do not exist (February 30) and years outside 1000 to 9999 are not dates.
 * Month names count only with a capital letter, so "may 2" stays a number.
 */
export function findDates(text: string): WrittenNumber[] {
  // Most text names no month: one cheap test spares the five patterns below.
  if (!ANY_MONTH.test(text)) return [];
  const found: WrittenNumber[] = [];
  const taken: [number, number][] = [];
  const overlaps = (start: number, end: number): boolean => taken.some(([a, b]) => start < b && end > a);
  for (const { format, pattern, order } of DATES) {
    for (const match of text.matchAll(pattern)) {
      const start = match.index;
      const end = start + match[0].length;
      if (overlaps(start, end)) continue;
      const values: Partial<Record<'m' | 'd' | 'y', number>> = {};
      order.forEach((part, i) => {
        const raw = match[i + 1] ?? '';
        values[part] = part === 'm' ? MONTHS.indexOf(raw as (typeof MONTHS)[number]) + 1 : Number(raw);
      });
      const { m: month = 0, d: day, y: year } = values;
      if (year !== undefined && (year < 1000 || year > 9999)) continue;
      if (!isRealDate(month, day, year)) continue;
      // The say-as content: the parts as digits, in the format's order, separated by slashes.
      const digits = order.map((part) => (part === 'y' ? String(year) : pad(part === 'm' ? month : (day ?? 0)))).join('/');
      found.push({ index: start, text: match[0], digits, reading: 'date', words: dateWords(format, month, day, year), format });
      taken.push([start, end]);
    }
  }
  return found.sort((a, b) => a.index - b.index);
}

/**
 * Finds the numbers in `text` that have a clear reading: dates with a month
 * name (see {@link findDates}), whole numbers (with or without thousands
 * commas), ordinals (`2nd`), years (four digits from 1100 to 2099 without a
 * comma; a count that size is written `1,944`) and decades (`1940s`).
 * Anything else written with digits is left alone.
 */
export function findNumbers(text: string): WrittenNumber[] {
  const dates = findDates(text);
  const found: WrittenNumber[] = [...dates];
  const inDate = (index: number): boolean => dates.some((d) => index >= d.index && index < d.index + d.text.length);
  for (const match of text.matchAll(NUMBER)) {
    if (inDate(match.index)) continue;
    const written = match[1] ?? '';
    const suffix = match[2];
    const digits = written.replace(/,/g, '');
    // A leading zero ("007") is a code, not a quantity.
    if (digits.length > 1 && digits.startsWith('0')) continue;
    const value = Number(digits);
    if (!Number.isSafeInteger(value) || value > MAX_SPOKEN_NUMBER) continue;
    const plainYear = written === digits && value >= YEARS.from && value <= YEARS.to;
    let reading: NumberReading;
    let words: string;
    if (suffix === 's') {
      if (!plainYear || value % 10 !== 0) continue;
      reading = 'decade';
      words = decadeWords(value);
    } else if (suffix !== undefined) {
      reading = 'ordinal';
      words = ordinalWords(value);
    } else if (plainYear) {
      reading = 'year';
      words = yearWords(value);
    } else {
      reading = 'cardinal';
      words = cardinalWords(value);
    }
    found.push({ index: match.index, text: match[0], digits, reading, words });
  }
  return found.sort((a, b) => a.index - b.index);
}
