import { describe, expect, test } from 'vitest';
import { cardinalWords, decadeWords, findDates, findNumbers, ordinalWords, yearWords } from '../../../server/src/narration/numbers.js';

describe('numbers in words', () => {
  test.each([
    { name: 'zero', n: 0, expected: 'zero' },
    { name: 'a teen', n: 13, expected: 'thirteen' },
    { name: 'a round ten', n: 30, expected: 'thirty' },
    { name: 'a hyphenated pair', n: 21, expected: 'twenty-one' },
    { name: 'hundreds without "and"', n: 105, expected: 'one hundred five' },
    { name: 'a count in the thousands', n: 1944, expected: 'one thousand nine hundred forty-four' },
    { name: 'an empty middle group', n: 2_000_007, expected: 'two million seven' },
    { name: 'the largest', n: 999_999_999_999, expected: 'nine hundred ninety-nine billion nine hundred ninety-nine million nine hundred ninety-nine thousand nine hundred ninety-nine' },
  ])('cardinal: $name', ({ n, expected }) => {
    expect(cardinalWords(n)).toBe(expected);
  });

  test.each([
    { name: 'first', n: 1, expected: 'first' },
    { name: 'second', n: 2, expected: 'second' },
    { name: 'third', n: 3, expected: 'third' },
    { name: 'twelfth', n: 12, expected: 'twelfth' },
    { name: 'seventeenth', n: 17, expected: 'seventeenth' },
    { name: 'twentieth', n: 20, expected: 'twentieth' },
    { name: 'twenty-first', n: 21, expected: 'twenty-first' },
    { name: 'one hundredth', n: 100, expected: 'one hundredth' },
  ])('ordinal: $name', ({ n, expected }) => {
    expect(ordinalWords(n)).toBe(expected);
  });

  test.each([
    { name: 'a wartime year', n: 1944, expected: 'nineteen forty-four' },
    { name: 'a year with a zero ten', n: 1905, expected: 'nineteen oh five' },
    { name: 'a round century', n: 1900, expected: 'nineteen hundred' },
    { name: 'the millennium', n: 2000, expected: 'two thousand' },
    { name: 'the first decade of the century', n: 2005, expected: 'two thousand five' },
    { name: 'the release year', n: 2023, expected: 'twenty twenty-three' },
    { name: 'the novel year', n: 2014, expected: 'twenty fourteen' },
  ])('year: $name', ({ n, expected }) => {
    expect(yearWords(n)).toBe(expected);
  });

  test.each([
    { name: 'the forties', n: 1940, expected: 'nineteen forties' },
    { name: 'the twenties', n: 1920, expected: 'nineteen twenties' },
    { name: 'the two thousands', n: 2000, expected: 'two thousands' },
  ])('decade: $name', ({ n, expected }) => {
    expect(decadeWords(n)).toBe(expected);
  });

  test.each([
    { name: 'a negative number', call: () => cardinalWords(-1) },
    { name: 'a fraction', call: () => cardinalWords(1.5) },
    { name: 'a trillion', call: () => cardinalWords(1e12) },
    { name: 'a three-digit year', call: () => yearWords(999) },
  ])('refuses $name', ({ call }) => {
    expect(call).toThrow(RangeError);
  });
});

describe('findNumbers', () => {
  test.each([
    { name: 'titles with digits', text: '13 Going on 30', expected: [['13', 'cardinal', 'thirteen'], ['30', 'cardinal', 'thirty']] },
    { name: 'a company name', text: 'the company 21 Laps Entertainment', expected: [['21', 'cardinal', 'twenty-one']] },
    { name: 'a chapter number before a colon', text: 'Chapter 1: Two lives.', expected: [['1', 'cardinal', 'one']] },
    { name: 'a year', text: 'published in 1944.', expected: [['1944', 'year', 'nineteen forty-four']] },
    { name: 'a month and a year, as one date', text: 'in August 1944.', expected: [['August 1944', 'date', 'August nineteen forty-four']] },
    { name: 'a date, then a count', text: 'On November 2, 2023, 4 episodes', expected: [['November 2, 2023', 'date', 'November second, twenty twenty-three'], ['4', 'cardinal', 'four']] },
    { name: 'a count with a thousands comma', text: '1,944 soldiers', expected: [['1,944', 'cardinal', 'one thousand nine hundred forty-four']] },
    { name: 'an ordinal', text: 'the 2nd of November', expected: [['2nd', 'ordinal', 'second']] },
    { name: 'a decade', text: 'in the 1940s', expected: [['1940s', 'decade', 'nineteen forties']] },
    { name: 'a percentage', text: '50% of it', expected: [['50', 'cardinal', 'fifty']] },
  ])('reads $name', ({ text, expected }) => {
    expect(findNumbers(text).map((n) => [n.text, n.reading, n.words])).toEqual(expected);
  });

  test.each([
    { name: 'a decimal', text: 'about 3.5 hours' },
    { name: 'a time', text: 'at 10:30' },
    { name: 'a fraction', text: '1/2 of it' },
    { name: 'an ISO date', text: 'on 2023-11-02' },
    { name: 'digits inside a word', text: 'MP3 and 3D and 4K' },
    { name: 'a code with a leading zero', text: 'agent 007' },
    { name: 'a number too long to say', text: '1234567890123' },
    { name: 'a malformed thousands group', text: '1,94 and 1,2,3' },
    { name: 'a plural that is not a decade', text: 'in the 1945s' },
    { name: 'digits of another script', text: '١٩٤٤' },
  ])('leaves $name as written', ({ text }) => {
    expect(findNumbers(text)).toEqual([]);
  });

  test('reports where each number starts', () => {
    expect(findNumbers('From 13 to 30.').map((n) => n.index)).toEqual([5, 11]);
  });
});

describe('findDates', () => {
  test.each([
    { name: 'month, day and year', text: 'on November 2, 2023.', expected: [['November 2, 2023', 'mdy', '11/02/2023', 'November second, twenty twenty-three']] },
    { name: 'an ordinal day', text: 'on November 2nd, 2023', expected: [['November 2nd, 2023', 'mdy', '11/02/2023', 'November second, twenty twenty-three']] },
    { name: 'day, month and year', text: 'on 17 June 2023', expected: [['17 June 2023', 'dmy', '17/06/2023', 'the seventeenth of June, twenty twenty-three']] },
    { name: 'month and year', text: 'in August 1944', expected: [['August 1944', 'my', '08/1944', 'August nineteen forty-four']] },
    { name: 'month and day', text: 'by November 2.', expected: [['November 2', 'md', '11/02', 'November second']] },
    { name: 'day and month', text: 'on 2 November', expected: [['2 November', 'dm', '02/11', 'the second of November']] },
    { name: 'a leap day without a year', text: 'February 29', expected: [['February 29', 'md', '02/29', 'February twenty-ninth']] },
    { name: 'two dates', text: 'From June 2023 to November 2, 2023', expected: [['June 2023', 'my', '06/2023', 'June twenty twenty-three'], ['November 2, 2023', 'mdy', '11/02/2023', 'November second, twenty twenty-three']] },
  ])('reads $name', ({ text, expected }) => {
    expect(findDates(text).map((d) => [d.text, d.format, d.digits, d.words])).toEqual(expected);
  });

  test.each([
    { name: 'a day that does not exist', text: 'February 30, 2023' },
    { name: 'a month name in lower case', text: 'it may 2 be' },
    { name: 'a day too large for any month', text: 'June 32' },
    { name: 'a three-digit year', text: 'March 999' },
    { name: 'digits that run on', text: 'June 20234' },
    { name: 'a month name inside a word', text: 'Junes 2' },
  ])('leaves $name alone', ({ text }) => {
    expect(findDates(text)).toEqual([]);
  });

  test('an impossible date still has its numbers read', () => {
    expect(findNumbers('February 30, 2023').map((n) => [n.text, n.reading])).toEqual([['30', 'cardinal'], ['2023', 'year']]);
  });
});
