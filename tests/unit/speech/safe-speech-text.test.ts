import fc from 'fast-check';
import { describe, test, expect } from 'vitest';
import { DEFAULT_MAX_SPEECH_TEXT, toSafeSpeechText, toSafeSpeed } from '../../../server/src/speech/say/safe-speech-text.js';

/** What must never reach `say`: quotes, brackets, backslash, shell and PowerShell syntax, control characters. */
const FORBIDDEN = /["`$\\()[\]{}<>|&*^%~#=+/@\p{Cc}]/u;

describe('toSafeSpeechText', () => {
  test.each([
    { name: 'the festival Scheme payload', input: 'x") (system "touch pwned") (SayText "y', output: 'x system touch pwned SayText y' },
    { name: 'a PowerShell statement break', input: '"; Remove-Item -Recurse C:\\ ; "', output: '; Remove-Item -Recurse C: ;' },
    { name: 'a PowerShell subexpression', input: 'Total: $(calc)', output: 'Total: calc' },
    { name: 'backticks', input: 'run `whoami` now', output: 'run whoami now' },
    { name: 'newlines and tabs', input: 'one\ntwo\r\nthree\tfour', output: 'one two three four' },
    { name: 'a leading option-like hyphen', input: '-o /tmp/out --help', output: 'o tmp out --help' },
    { name: 'typographic apostrophes and dashes', input: 'The keeper’s lamp—1944…', output: "The keeper's lamp - 1944..." },
    { name: 'letters of any script', input: 'Étienne, Łódź, Москва, 東京, नमस्ते!', output: 'Étienne, Łódź, Москва, 東京, नमस्ते!' },
    { name: 'plain sentence punctuation', input: "Yes; no: maybe? It's fine, really!", output: "Yes; no: maybe? It's fine, really!" },
  ])('makes $name safe', ({ input, output }) => {
    expect(toSafeSpeechText(input)).toBe(output);
  });

  test('cuts long text at a space within the limit', () => {
    const long = 'word '.repeat(3000);
    const safe = toSafeSpeechText(long);
    expect([...safe].length).toBeLessThanOrEqual(DEFAULT_MAX_SPEECH_TEXT);
    expect(safe.endsWith('word')).toBe(true);
    expect(toSafeSpeechText('abcdefghij', 4)).toBe('abcd');
  });

  test('never lets a forbidden character, a control character or a leading hyphen through', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.integer({ min: 1, max: 300 }), (input, max) => {
        const safe = toSafeSpeechText(input, max);
        expect(safe).not.toMatch(FORBIDDEN);
        expect(safe).toMatch(/^[\p{L}\p{M}\p{Nd} .,;:!?'-]*$/u);
        expect(safe.startsWith('-')).toBe(false);
        expect(safe).toBe(safe.trim());
        expect([...safe].length).toBeLessThanOrEqual(max);
      }),
      { numRuns: 200 },
    );
  });
});

describe('toSafeSpeed', () => {
  test.each([
    { input: 1, speed: 1 },
    { input: 2.345, speed: 2.35 },
    { input: 10, speed: 4 },
    { input: 0.1, speed: 0.5 },
    { input: Number.NaN, speed: 1 },
    { input: Number.POSITIVE_INFINITY, speed: 1 },
    { input: '2; calc', speed: 1 },
  ])('turns $input into $speed', ({ input, speed }) => {
    expect(toSafeSpeed(input)).toBe(speed);
  });
});
