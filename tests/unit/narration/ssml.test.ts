import { describe, expect, test } from 'vitest';
import { SsmlBuilder, SsmlError, escapeXml } from '../../../server/src/narration/ssml.js';
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
    { name: 'double quote', input: 'say "hi"', expected: 'say &quot;hi&quot;' },
    { name: 'apostrophe', input: "it's", expected: 'it&apos;s' },
    { name: 'CDATA end', input: ']]>', expected: ']]&gt;' },
  ])('text escapes $name', ({ input, expected }) => {
    expect(new SsmlBuilder().text(input).toFragment()).toBe(expected);
  });

  test('sub escapes the alias, which ssml-builder leaves raw', () => {
    const fragment = new SsmlBuilder().sub(`a' onload='x" & <b>`, 'word').toFragment();
    expect(fragment).toBe(`<sub alias='a&apos; onload=&apos;x&quot; &amp; &lt;b&gt;'>word</sub>`);
  });

  test('say-as escapes the word, which ssml-builder leaves raw', () => {
    expect(new SsmlBuilder().sayAs('characters', '<x&y>').toFragment()).toBe(`<say-as interpret-as='characters'>&lt;x&amp;y&gt;</say-as>`);
  });

  test('phoneme escapes every special character in the pronunciation', () => {
    expect(new SsmlBuilder().phoneme(`a"<'&`, 'w').toFragment()).toBe(`<phoneme alphabet='ipa' ph='a&quot;&lt;&apos;&amp;'>w</phoneme>`);
  });

  test.each([
    { name: 'a pause over ten seconds', build: (b: SsmlBuilder) => b.pause(10_001) },
    { name: 'a mark name with a space', build: (b: SsmlBuilder) => b.mark('two words') },
    { name: 'a language that is not a tag', build: (b: SsmlBuilder) => b.sentence(() => undefined, { lang: 'en US"' }) },
    { name: 'an empty sub alias', build: (b: SsmlBuilder) => b.sub(' ', 'x') },
    { name: 'a prosody rate of 5%', build: (b: SsmlBuilder) => b.prosody(5, () => undefined) },
  ])('refuses $name with an SsmlError', ({ build }) => {
    expect(() => build(new SsmlBuilder())).toThrow(SsmlError);
  });

  test('control characters and lone surrogates never reach the document', () => {
    const fragment = new SsmlBuilder().text('a\u0000b\u0007c\uD800d\u001Be').toFragment();
    expect(fragment).toBe('abcde');
  });

  test('escapeXml handles every XML special character', () => {
    expect(escapeXml(`<>&"'`)).toBe('&lt;&gt;&amp;&quot;&apos;');
  });

  test.skipIf(unavailable !== undefined)(`documents with every element validate against the W3C schema${unavailable ? ` (not run: ${unavailable})` : ''}`, () => {
    const doc = new SsmlBuilder()
      .paragraph((p) =>
        p
          .pause(500)
          .sentence((s) =>
            s
              .mark('c1.s1')
              .text('Tom & "Jerry" <3')
              .sub(`it's <odd>`, 'x')
              .sayAs('characters', 'BBC')
              .voice({ lang: 'fr-FR' }, (v) => v.phoneme('maʁi lɔʁ', 'Marie-Laure'))
              .prosody(200, (r) => r.text('fast')),
            { lang: 'en-US' },
          ),
      )
      .toDocument('en-US');
    expect(validateSsml(doc)).toBe('');
  });
});
