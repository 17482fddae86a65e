import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test, expect } from 'vitest';
import { loadContentPack } from '../../../server/src/content/load.js';
import { narrateEpisode } from '../../../server/src/narration/narration.js';
import { renderSsml } from '../../../server/src/narration/render.js';
import { SpeechError } from '../../../server/src/speech/engine.js';
import { breakMs, looksLikeSsml, outlineSsml, parseSsml, ssmlToPlainText, type OutlineItem, type Utterance } from '../../../server/src/speech/ssml-outline.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures');
/** A fixed copy of the eSpeak profile of the lighthouse pack's first episode (see tests/fixtures/speech/README.md). */
const SSML = readFileSync(path.join(FIXTURES, 'speech', 'lighthouse-espeak.ssml'), 'utf8');
const utterances = (items: readonly OutlineItem[]): Utterance[] => items.filter((item): item is Utterance => item.kind === 'utterance');
/** The document's text at a 1-based code-point position. */
const at = (ssml: string, position: number, length: number): string => [...ssml].slice(position - 1, position - 1 + length).join('');

describe('outlineSsml on the eSpeak profile of a narration', () => {
  test('finds every sentence, in order, each starting with its mark', () => {
    const outline = outlineSsml(SSML);
    expect(outline.language).toBe('en-US');
    expect(outline.rootStartTag).toBe('<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US">');
    const found = utterances(outline.items);
    expect(found.map((u) => u.marks)).toEqual(['c1.s1', 'c1.s2', 'c1.s3', 'c1.s4', 'c1.s5', 'c1.s6', 'c2.s1', 'c2.s2', 'c2.s3', 'c2.s4'].map((name) => [{ name, textOffset: 0 }]));
    for (const utterance of found) {
      expect(utterance.sentence).toBe(true);
      expect(utterance.wrappers.map((wrapper) => wrapper.name)).toEqual(['p']);
      expect(utterance.source).toMatch(/^<s xml:lang="en-US">.*<\/s>$/);
    }
  });

  test('says a name by its alias and decodes entities', () => {
    const texts = utterances(outlineSsml(SSML).items).map((u) => u.text);
    expect(texts).toContain('ee zold kehr brah keeps the light on an island off the coast.');
    expect(texts).toContain("Ada Quill plays ee zold kehr brah & sings the keeper's songs <live>");
  });

  test('keeps the breaks between sentences as pauses, in place', () => {
    const shape = outlineSsml(SSML).items.map((item) => (item.kind === 'pause' ? `${item.ms}ms` : item.kind === 'utterance' ? 's' : 'mark'));
    expect(shape).toEqual(['s', '400ms', 's', '400ms', 's', '400ms', 's', 's', 's', '900ms', 's', '400ms', 's', 's', 's']);
  });

  test('points each utterance at its first spoken character, in code points', () => {
    for (const utterance of utterances(outlineSsml(SSML).items)) {
      const first = utterance.text.startsWith('ee zold') ? 'Ysolde' : utterance.text.slice(0, 4);
      expect(at(SSML, utterance.textPosition, first.length)).toBe(first);
    }
  });

  test('reads what the narration renderer writes today the same way', async () => {
    const pack = await loadContentPack(path.join(FIXTURES, 'packs', 'lighthouse'));
    const narration = narrateEpisode(pack, pack.episodes[0]!);
    const outline = outlineSsml(renderSsml(narration, 'espeak'));
    const marks = narration.chapters.flatMap((chapter) => chapter.sentences.map((sentence) => sentence.mark));
    expect(utterances(outline.items).map((u) => u.marks.map((mark) => mark.name))).toEqual(marks.map((mark) => [mark]));
    expect(utterances(outline.items).map((u) => u.text)).toEqual(narration.chapters.flatMap((chapter) => chapter.sentences.map(() => expect.any(String))));
  });
});

describe('outlineSsml on other shapes', () => {
  test('counts positions in code points, past emoji and accents', () => {
    const ssml = '<speak><s>😀 Zoë.</s><s>Café.</s></speak>';
    const [first, second] = utterances(outlineSsml(ssml).items);
    expect(at(ssml, first!.textPosition, 1)).toBe('😀');
    expect(at(ssml, second!.textPosition, 4)).toBe('Café');
  });

  test('turns bare text into utterances split at breaks, with marks inside estimated by offset', () => {
    const outline = outlineSsml('<speak><mark name="a"/>Hello <mark name="b"/>world. <break time="1s"/> Again<emphasis>!</emphasis></speak>');
    expect(outline.items).toEqual([
      { kind: 'mark', name: 'a', textPosition: expect.any(Number) },
      expect.objectContaining({ kind: 'utterance', sentence: false, text: 'Hello world.', marks: [{ name: 'b', textOffset: 6 }], wrappers: [] }),
      { kind: 'pause', ms: 1000 },
      expect.objectContaining({ kind: 'utterance', sentence: false, text: 'Again!', source: 'Again<emphasis>!</emphasis>' }),
    ]);
  });

  test('keeps containers that hold sentences as wrappers', () => {
    const [utterance] = utterances(outlineSsml('<speak><voice name="x"><p xml:lang="fr-FR"><s>Bonjour.</s></p></voice></speak>').items);
    expect(utterance!.wrappers.map((wrapper) => wrapper.startTag)).toEqual(['<voice name="x">', '<p xml:lang="fr-FR">']);
  });

  test('reads comments, CDATA, processing instructions and character references', () => {
    const ssml = '<?xml version="1.0"?><!-- intro --><speak><s>A &#233;t&#xE9; <![CDATA[<raw> & more]]> <desc>not said</desc></s></speak>';
    expect(ssmlToPlainText(ssml)).toBe('A été <raw> & more');
    expect(looksLikeSsml(ssml)).toBe(true);
    expect(looksLikeSsml('Just words <b>.')).toBe(false);
  });

  test.each([
    { name: 'an unclosed element', ssml: '<speak><s>Hi</speak>' },
    { name: 'an element never closed', ssml: '<speak><s>Hi</s>' },
    { name: 'an end tag that closes nothing', ssml: '<speak>Hi</speak></s>' },
    { name: 'a bare ampersand', ssml: '<speak>Salt & pepper</speak>' },
    { name: 'an unknown entity', ssml: '<speak>&nbsp;</speak>' },
    { name: 'a root other than speak', ssml: '<p>Hi</p>' },
    { name: 'two roots', ssml: '<speak/><speak/>' },
    { name: 'text after the root', ssml: '<speak/>tail' },
    { name: 'an unquoted attribute', ssml: '<speak><break time=1s/></speak>' },
    { name: 'a repeated attribute', ssml: '<speak><mark name="a" name="b"/></speak>' },
    { name: 'no element at all', ssml: '   ' },
  ])('refuses a document with $name', ({ ssml }) => {
    expect(() => parseSsml(ssml)).toThrow(SpeechError);
    expect(() => parseSsml(ssml)).toThrow(/^malformed SSML: /);
  });
});

describe('breakMs', () => {
  const element = (attributes: Record<string, string>): Parameters<typeof breakMs>[0] => ({
    kind: 'element',
    name: 'break',
    attributes: new Map(Object.entries(attributes)),
    startTag: '<break/>',
    start: 0,
    end: 8,
    children: [],
  });

  test.each<{ name: string; attributes: Record<string, string>; ms: number }>([
    { name: 'milliseconds', attributes: { time: '400ms' }, ms: 400 },
    { name: 'seconds', attributes: { time: '1.5s' }, ms: 1500 },
    { name: 'time over strength', attributes: { time: '250ms', strength: 'x-strong' }, ms: 250 },
    { name: 'a strength', attributes: { strength: 'strong' }, ms: 700 },
    { name: 'no pause', attributes: { strength: 'none' }, ms: 0 },
    { name: 'neither (medium)', attributes: {}, ms: 400 },
    { name: 'an hour, capped', attributes: { time: '3600s' }, ms: 10_000 },
  ])('reads $name', ({ attributes, ms }) => {
    expect(breakMs(element(attributes))).toBe(ms);
  });

  test('refuses times and strengths SSML does not have', () => {
    expect(() => breakMs(element({ time: 'soon' }))).toThrow(SpeechError);
    expect(() => breakMs(element({ strength: 'huge' }))).toThrow(/strength "huge"/);
  });
});
