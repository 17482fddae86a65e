import { describe, expect, test } from 'vitest';
import { SsmlBuilder, SsmlError, escapeXml, escapeXmlText } from '../../../server/src/narration/ssml.js';
import { onTextCleaned } from '../../../server/src/narration/clean-text.js';
import { schemaUnavailableReason, validateSsml } from '../../helpers/xmllint.js';

const unavailable = schemaUnavailableReason();

describe('SsmlBuilder', () => {
  test('the root carries version, namespace and language', () => {
    const doc = new SsmlBuilder().sentence((s) => s.text('Hello.')).toDocument('en-US');
    expect(doc).toContain('<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US">');
  });

  test.each([
    { name: 'less-than', input: 'a < b', expected: 'a &lt; b' },
    { name: 'ampersand', input: 'Tom & Jerry', expected: 'Tom &amp; Jerry' },
    { name: 'CDATA end', input: ']]>', expected: ']]&gt;' },
    // Literal in character data, which XML allows: eSpeak reads ".&quot;" as "dot".
    { name: 'a double quote, literally', input: 'say "hi."', expected: 'say "hi."' },
    { name: 'an apostrophe, literally', input: "it's", expected: "it's" },
    { name: 'a lone greater-than, literally', input: 'a > b', expected: 'a > b' },
  ])('text escapes $name', ({ input, expected }) => {
    expect(new SsmlBuilder().text(input).toFragment()).toBe(expected);
  });

  test('pieces are joined as given, without the space ssml-builder puts between them', () => {
    const fragment = new SsmlBuilder().text('(').sub('mah-ree-lor', 'Marie-Laure').text('), ').mark('m1').text('then.').toFragment();
    expect(fragment).toBe(`(<sub alias="mah-ree-lor">Marie-Laure</sub>), <mark name="m1"/>then.`);
  });

  test('sub escapes the alias, which ssml-builder leaves raw', () => {
    const fragment = new SsmlBuilder().sub(`a' onload='x" & <b>`, 'word').toFragment();
    expect(fragment).toBe(`<sub alias="a&apos; onload=&apos;x&quot; &amp; &lt;b&gt;">word</sub>`);
  });

  test('say-as escapes the word, which ssml-builder leaves raw', () => {
    expect(new SsmlBuilder().sayAs('characters', '<x&y>').toFragment()).toBe(`<say-as interpret-as="characters">&lt;x&amp;y&gt;</say-as>`);
  });

  test('say-as writes spell-out under its standard name, characters', () => {
    expect(new SsmlBuilder().sayAs('spell-out', 'OA').toFragment()).toBe(`<say-as interpret-as="characters">OA</say-as>`);
  });

  test('phoneme escapes every special character in the pronunciation', () => {
    expect(new SsmlBuilder().phoneme(`a"<'&`, 'w').toFragment()).toBe(`<phoneme alphabet="ipa" ph="a&quot;&lt;&apos;&amp;">w</phoneme>`);
  });

  test.each([
    { name: 'twice as fast', rate: 2, expected: '<prosody rate="2">x</prosody>' },
    { name: 'half speed', rate: 0.5, expected: '<prosody rate="0.5">x</prosody>' },
    { name: 'a rate with many decimals, rounded to three', rate: 1.23456, expected: '<prosody rate="1.235">x</prosody>' },
  ])('prosody writes the rate as an SSML 1.0 multiplier: $name', ({ rate, expected }) => {
    expect(new SsmlBuilder().prosody(rate, (p) => p.text('x')).toFragment()).toBe(expected);
  });

  test.each([
    { name: 'a pause over ten seconds', build: (b: SsmlBuilder) => b.pause(10_001) },
    { name: 'a fractional pause', build: (b: SsmlBuilder) => b.pause(1.5) },
    { name: 'a mark name with a space', build: (b: SsmlBuilder) => b.mark('two words') },
    { name: 'a mark name with a quote', build: (b: SsmlBuilder) => b.mark('a"b') },
    { name: 'a language that is not a tag', build: (b: SsmlBuilder) => b.sentence(() => undefined, { lang: 'en US"' }) },
    { name: 'a voice name with a quote', build: (b: SsmlBuilder) => b.voice({ name: 'x" y' }, () => undefined) },
    { name: 'an empty sub alias', build: (b: SsmlBuilder) => b.sub(' ', 'x') },
    { name: 'a sub alias of control characters only', build: (b: SsmlBuilder) => b.sub('\u0000\u0001', 'x') },
    { name: 'an empty say-as word', build: (b: SsmlBuilder) => b.sayAs('cardinal', '') },
    { name: 'a say-as format that is not a token', build: (b: SsmlBuilder) => b.sayAs('date', '1944', 'y m') },
    { name: 'an empty pronunciation', build: (b: SsmlBuilder) => b.phoneme(' ', 'x') },
    { name: 'a prosody rate of 0.1', build: (b: SsmlBuilder) => b.prosody(0.1, () => undefined) },
    { name: 'a prosody rate that is not a number', build: (b: SsmlBuilder) => b.prosody(Number.NaN, () => undefined) },
  ])('refuses $name with an SsmlError', ({ build }) => {
    expect(() => build(new SsmlBuilder())).toThrow(SsmlError);
  });

  test('a refusal from ssml-builder itself arrives as an SsmlError with the original as its cause', () => {
    // Our own checks run first, so only a say-as value outside the type reaches ssml-builder's list.
    let caught: unknown;
    try {
      new SsmlBuilder().sayAs('verbatim' as 'characters', 'x');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SsmlError);
    expect((caught as SsmlError).cause).toBeInstanceOf(Error);
  });

  test('control characters and lone surrogates never reach the document, and each cleaning is reported', () => {
    const heard: string[] = [];
    onTextCleaned((removed) => heard.push(removed));
    try {
      const fragment = new SsmlBuilder().text('a\u0000b\u0007c\uD800d\u001Be').toFragment();
      expect(fragment).toBe('abcde');
      expect(heard).toEqual(['U+0000 U+0007 U+D800 U+001B']);
    } finally {
      onTextCleaned(undefined);
    }
  });

  test('escapeXml handles every XML special character', () => {
    expect(escapeXml(`<>&"'`)).toBe('&lt;&gt;&amp;&quot;&apos;');
  });

  test('escapeXmlText escapes only what character data needs', () => {
    expect(escapeXmlText(`<>&"' ]]>`)).toBe(`&lt;>&amp;"' ]]&gt;`);
  });

  test.skipIf(unavailable !== undefined)(`documents with every element validate against the W3C schema${unavailable ? ` (not run: ${unavailable})` : ''}`, () => {
    const doc = new SsmlBuilder()
      .newline()
      .voice({ name: 'en-gb-x-rp' }, (v) =>
        v.prosody(2, (r) =>
          r.paragraph((p) =>
            p
              .pause(500)
              .newline()
              .sentence(
                (s) =>
                  s
                    .mark('c1.s1')
                    .text('Tom & "Jerry" <3 ]]>')
                    .sub(`it's <odd>`, 'x')
                    .sayAs('characters', 'BBC')
                    .sayAs('date', '1944', 'y')
                    .voice({ lang: 'fr-FR' }, (f) => f.phoneme('maʁi lɔʁ', 'Marie-Laure')),
                { lang: 'en-gb-x-rp' },
              ),
          ),
        ),
      )
      .toDocument('en-US');
    expect(validateSsml(doc)).toBe('');
  });
});
