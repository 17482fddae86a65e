import { beforeAll, describe, expect, test } from 'vitest';
import { loadContentPack } from '../../../server/src/content/load.js';
import type { ContentPack, LexiconEntry } from '../../../server/src/content/schema.js';
import { NarrationError, narrateEpisode, type Narration } from '../../../server/src/narration/narration.js';
import {
  CHAPTER_BREAK_MS,
  TITLE_BREAK_MS,
  renderChapterPlain,
  renderChapterSsml,
  renderNarration,
  renderPlain,
  renderSsml,
} from '../../../server/src/narration/render.js';
import { SsmlError } from '../../../server/src/narration/ssml.js';
import { FIXTURE_PACK } from '../../helpers/paths.js';
import { SPOKEN_DOT, espeakPhonemes, espeakUnavailableReason } from './espeak-listen.js';

let pack: ContentPack;
let narration: Narration;

beforeAll(async () => {
  pack = await loadContentPack(FIXTURE_PACK);
  narration = narrateEpisode(pack, pack.episodes[0]!);
});

/** The fixture episode with one fact's text replaced (it is said in chapter 2), optionally with more lexicon entries. */
function narrateFact(text: string, lexicon: readonly LexiconEntry[] = []): Narration {
  const changed = { ...pack, lexicon: [...pack.lexicon, ...lexicon], facts: pack.facts.map((f) => (f.id === 'crew-director' ? { ...f, text } : f)) };
  return narrateEpisode(changed, changed.episodes[0]!);
}

/** The `<s>` line of the crew-director fact, the last sentence of chapter 2. */
function lastSentence(ssml: string): string {
  const lines = ssml.split('\n').filter((line) => line.startsWith('<s'));
  return lines.at(-1) ?? '';
}

describe('the canonical profile', () => {
  test('speaks lexicon names as IPA, in their own language', () => {
    expect(renderSsml(narration, 'canonical')).toContain(`<voice xml:lang="fr-FR"><phoneme alphabet="ipa" ph="izɔld kɛʁbʁa">Ysolde Kerbrat</phoneme></voice>`);
  });

  test('a name in the document language needs no voice change', () => {
    const lexicon = [{ id: 'renn', written: ['Bo Renn'], lang: 'en-US', ipa: 'boʊ ɹɛn', respelling: 'boh ren' }];
    expect(lastSentence(renderSsml(narrateFact('Bo Renn directs.', lexicon), 'canonical'))).toContain(`<mark name="c2.s4.crew-director"/><phoneme alphabet="ipa" ph="boʊ ɹɛn">Bo Renn</phoneme> directs.`);
  });

  test.each([
    { name: 'after a voiced sound, /z/', ipa: 'maʁi lɔʁ', expected: 'maʁi lɔʁz' },
    { name: 'after a voiced stop, /z/', ipa: 'ˈdʒɑb', expected: 'ˈdʒɑbz' },
    { name: 'after a voiceless stop, /s/', ipa: 'ɛˈtʁɛt', expected: 'ɛˈtʁɛts' },
    { name: 'after a voiceless fricative, /s/', ipa: 'ˈpfɛnɪç', expected: 'ˈpfɛnɪçs' },
    { name: 'after an affricate, /ɪz/', ipa: 'ˈstɹɛtʃ', expected: 'ˈstɹɛtʃɪz' },
    { name: 'after a sibilant, /ɪz/', ipa: 'laʁs', expected: 'laʁsɪz' },
    { name: 'after a stress-marked vowel, /z/', ipa: 'dəbysiˈ', expected: 'dəbysiˈz' },
    { name: 'after a long sibilant, /ɪz/', ipa: 'kasː', expected: 'kasːɪz' },
    { name: 'after a syllabic consonant, /z/', ipa: 'ˈʁʊmpl̩', expected: 'ˈʁʊmpl̩z' },
  ])('says the possessive of a name in its IPA: $name', ({ ipa, expected }) => {
    const lexicon = [{ id: 'x', written: ['Ysolde Kerbrat'], lang: 'fr-FR', ipa, respelling: 'ee zold' }];
    const changed = { ...pack, lexicon };
    const ssml = renderSsml(narrateEpisode({ ...changed, facts: pack.facts.map((f) => (f.id === 'crew-director' ? { ...f, text: "Ysolde Kerbrat's lamp." } : f)) }, pack.episodes[0]!), 'canonical');
    expect(lastSentence(ssml)).toContain(`ph="${expected}">Ysolde Kerbrat&apos;s</phoneme>`);
  });

  test.each([
    { name: 'a cardinal', text: 'It ran 13 weeks.', expected: `It ran <say-as interpret-as="cardinal">13</say-as> weeks.` },
    { name: 'a count with a thousands comma, as bare digits', text: 'It had 1,944 extras.', expected: `It had <say-as interpret-as="cardinal">1944</say-as> extras.` },
    { name: 'a year', text: 'It is set in 1944.', expected: `It is set in <say-as interpret-as="date" format="y">1944</say-as>.` },
    { name: 'an ordinal', text: 'On the 2nd day.', expected: `On the <say-as interpret-as="ordinal">2</say-as> day.` },
    { name: 'a decade, which say-as cannot name', text: 'In the 1940s.', expected: `In the <sub alias="nineteen forties">1940s</sub>.` },
    { name: 'a whole date, as the say-as Note writes it', text: 'Out on Thursday, November 2, 2023.', expected: `Out on Thursday, <say-as interpret-as="date" format="mdy">11/02/2023</say-as>.` },
    { name: 'a month and a year', text: 'Set in August 1944.', expected: `Set in <say-as interpret-as="date" format="my">08/1944</say-as>.` },
    { name: 'a day and a month', text: 'Out on 2 November.', expected: `Out on <say-as interpret-as="date" format="dm">02/11</say-as>.` },
  ])('marks $name with say-as', ({ text, expected }) => {
    expect(lastSentence(renderSsml(narrateFact(text), 'canonical'))).toContain(expected);
  });

  test('pauses before each later chapter and after every title', () => {
    const ssml = renderSsml(narration, 'canonical');
    const lines = ssml.split('\n');
    const at = (prefix: string): number => lines.findIndex((line) => line.includes(prefix));
    expect(lines[at('c2.s1') - 1]).toBe(`<break time="${CHAPTER_BREAK_MS}ms"/>`);
    for (const title of ['c1.s1', 'c1.s3', 'c2.s1']) expect(lines[at(title) + 1]).toBe(`<break time="${TITLE_BREAK_MS}ms"/>`);
    // The first chapter's title follows the summary, so it gets the shorter pause before it too.
    expect(lines[at('c1.s3') - 1]).toBe(`<break time="${TITLE_BREAK_MS}ms"/>`);
  });

  test('an episode without a summary pauses once between its title and the first chapter title', () => {
    const episode = { ...pack.episodes[0]!, summary: ' ' };
    const lines = renderSsml(narrateEpisode({ ...pack, episodes: [episode] }, episode), 'canonical').split('\n');
    expect(lines.slice(3, 7)).toEqual(['<s><mark name="c1.s1"/>The light.</s>', `<break time="${TITLE_BREAK_MS}ms"/>`, '<s><mark name="c1.s2"/>Chapter <say-as interpret-as="cardinal">1</say-as>: The island.</s>', `<break time="${TITLE_BREAK_MS}ms"/>`]);
  });

  test('carries the listener rate as a prosody multiplier around everything, and leaves it out at normal speed', () => {
    const fast = renderSsml(narration, 'canonical', { rate: 2.5 });
    expect(fast).toMatch(/<speak [^>]*>\n<prosody rate="2.5">\n<p>[\s\S]*<\/p>\n<\/prosody>\n<\/speak>/);
    expect(renderSsml(narration, 'canonical', { rate: 1 })).toBe(renderSsml(narration, 'canonical'));
  });

  test('names the chosen voice around everything', () => {
    const ssml = renderSsml(narration, 'canonical', { voice: 'en-gb-x-rp', rate: 0.5 });
    expect(ssml).toMatch(/<speak [^>]*>\n<voice name="en-gb-x-rp">\n<prosody rate="0.5">\n<p>/);
  });
});

describe('the eSpeak profile', () => {
  test('speaks lexicon names as their respellings, written out, with no element eSpeak ignores or mishears', () => {
    const espeak = renderSsml(narration, 'espeak');
    expect(espeak).toContain('<mark name="c1.s5.story-island"/>ee zold kehr brah keeps the light on an island off the coast.</s>');
    expect(espeak).not.toContain('Ysolde Kerbrat');
    // Native eSpeak NG pauses after every sub (see espeakText in render.ts), so names are not subs either.
    expect(espeak).not.toMatch(/<(phoneme|voice|say-as|prosody|lang|sub)\b/);
  });

  test('every sentence names its language, or eSpeak NG stays in the last one it switched to', () => {
    const espeak = renderSsml(narration, 'espeak');
    const starts = espeak.match(/<s[ >][^>]*>/g) ?? [];
    expect(starts.length).toBeGreaterThan(0);
    expect(new Set(starts)).toEqual(new Set(['<s xml:lang="en-US">']));
  });

  test('a chosen voice is the language of every sentence, so that eSpeak keeps it', () => {
    const starts = renderSsml(narration, 'espeak', { voice: 'en-gb-x-rp' }).match(/<s[ >][^>]*>/g) ?? [];
    expect(new Set(starts)).toEqual(new Set(['<s xml:lang="en-gb-x-rp">']));
  });

  test.each([
    { name: 'a full stop after a closing quote', text: 'It is called "Sea of Flames".', expected: `It is called "Sea of Flames"</s>` },
    { name: 'a full stop after a bracket', text: 'It is the lamp (the old one).', expected: 'It is the lamp (the old one)</s>' },
    { name: 'a full stop after a percent sign', text: 'It was 50%.', expected: 'It was fifty%</s>' },
    { name: 'two full stops after a quote', text: 'It was "gone"..', expected: 'It was "gone"</s>' },
    { name: 'a full stop after a space', text: 'It ends here .', expected: 'It ends here</s>' },
    { name: 'every stop of a run that would end in "%."', text: 'It was 50%. .', expected: 'It was fifty%</s>' },
  ])('drops $name, which eSpeak would say as "dot"', ({ text, expected }) => {
    expect(lastSentence(renderSsml(narrateFact(text), 'espeak'))).toContain(expected);
  });

  test.each([
    { name: 'a full stop after a word', text: 'It ends here.', expected: 'It ends here.</s>' },
    { name: 'a full stop inside quotes', text: 'It was "heartbreaking."', expected: 'It was "heartbreaking."</s>' },
    // A respelling ends with a letter, so the stop after a name is said as a stop.
    { name: 'a full stop after a name', text: 'Bo Renn works with Ysolde Kerbrat.', expected: 'works with ee zold kehr brah.</s>' },
    { name: 'an ellipsis after a name', text: 'Then Ysolde Kerbrat...', expected: 'Then ee zold kehr brah...</s>' },
    { name: 'a question mark after a name', text: 'Is it Ysolde Kerbrat?', expected: 'Is it ee zold kehr brah?</s>' },
    { name: 'a comma after a name', text: 'Ysolde Kerbrat, the keeper, stays.', expected: 'ee zold kehr brah, the keeper, stays.</s>' },
  ])('keeps $name', ({ text, expected }) => {
    expect(lastSentence(renderSsml(narrateFact(text), 'espeak'))).toContain(expected);
  });

  test.each([
    { name: 'titles with digits', text: 'Known from 13 Going on 30.', expected: 'Known from thirteen Going on thirty.' },
    { name: 'a year', text: 'It is set in 1944.', expected: 'It is set in nineteen forty-four.' },
    { name: 'an ordinal', text: 'On the 2nd of June.', expected: 'On the second of June.' },
    { name: 'a decade', text: 'In the 1940s.', expected: 'In the nineteen forties.' },
    { name: 'a whole date', text: 'Out on Thursday, November 2, 2023.', expected: 'Out on Thursday, November second, twenty twenty-three.' },
    { name: 'a month and a year', text: 'Set in August 1944.', expected: 'Set in August nineteen forty-four.' },
    { name: 'a day before the month', text: 'Out on 17 June 2023.', expected: 'Out on the seventeenth of June, twenty twenty-three.' },
  ])('says $name in words, as eSpeak reads them well', ({ text, expected }) => {
    expect(lastSentence(renderSsml(narrateFact(text), 'espeak'))).toContain(`${expected}</s>`);
  });

  test.each([
    { name: 'a name that ends in a vowel sound', respelling: 'ee zold kehr brah', expected: "ee zold kehr brah's" },
    { name: 'a name that ends in s', respelling: 'larss', expected: "larss's" },
  ])('says the possessive of $name', ({ respelling, expected }) => {
    const lexicon = [{ id: 'x', written: ['Ysolde Kerbrat'], lang: 'fr-FR', ipa: 'izɔld', respelling }];
    const changed = { ...pack, lexicon, facts: pack.facts.map((f) => (f.id === 'crew-director' ? { ...f, text: "Ysolde Kerbrat's lamp." } : f)) };
    expect(lastSentence(renderSsml(narrateEpisode(changed, pack.episodes[0]!), 'espeak'))).toContain(`${expected} lamp.</s>`);
  });

  test('refuses a rate: the engine applies it, and an SSML rate would be applied on top', () => {
    expect(() => renderSsml(narration, 'espeak', { rate: 2 })).toThrow(SsmlError);
  });
});

describe('both SSML profiles', () => {
  test.each([{ profile: 'canonical' as const }, { profile: 'espeak' as const }])('$profile: a mark named by the sentence id and fact before every sentence', ({ profile }) => {
    const ids = narration.chapters.flatMap((c) => c.sentences.map((s) => s.mark));
    const marks = [...renderSsml(narration, profile).matchAll(/<s[^>]*><mark name="([^"]+)"\/>/g)].map((m) => m[1]);
    expect(marks).toEqual(ids);
  });

  test.each([
    { name: 'a rate below half speed', options: { rate: 0.4 } },
    { name: 'a rate above four times', options: { rate: 4.5 } },
    { name: 'a rate that is not a number', options: { rate: Number.NaN } },
    { name: 'a voice that is not a voice id', options: { voice: 'en us"' } },
  ])('refuse $name', ({ options }) => {
    expect(() => renderSsml(narration, 'canonical', options)).toThrow(SsmlError);
  });

  test.each([{ profile: 'canonical' as const }, { profile: 'espeak' as const }])('$profile: a chapter document holds one paragraph, with the marks of the whole episode and no wait at the start', ({ profile }) => {
    const chapter = renderChapterSsml(narration, 'people', profile);
    expect(chapter.match(/<p>/g)).toHaveLength(1);
    expect([...chapter.matchAll(/<mark name="([^"]+)"\/>/g)].map((m) => m[1])).toEqual(narration.chapters[1]!.sentences.map((s) => s.mark));
    expect(chapter).not.toContain(`${CHAPTER_BREAK_MS}ms`);
    // Every sentence of the chapter document appears in the episode document, word for word.
    const sentences = chapter.split('\n').filter((line) => line.startsWith('<s'));
    const episode = renderSsml(narration, profile);
    for (const sentence of sentences) expect(episode).toContain(sentence);
  });

  test('the first chapter document opens with the episode title and summary', () => {
    expect(renderChapterSsml(narration, 'island', 'canonical')).toContain('<mark name="c1.s1"/>The light.</s>');
  });

  test('an unknown chapter is a NarrationError', () => {
    expect(() => renderChapterSsml(narration, 'no-such-chapter', 'canonical')).toThrow(NarrationError);
  });
});

describe('the plain profile', () => {
  test('gives the written text back, each title a sentence and a paragraph of its own', () => {
    expect(renderPlain(narration)).toBe(
      [
        'The light.',
        'Who keeps the lamp, and who made the show.',
        'Chapter 1: The island.',
        'We begin at sea. Ysolde Kerbrat keeps the light on an island off the coast. Every night she climbs to the lamp room.',
        'Chapter 2: The people.',
        "Ada Quill plays Ysolde Kerbrat & sings the keeper's songs <live>. Behind the camera, one name stands out. Bo Renn directs all three episodes.",
      ].join('\n\n') + '\n',
    );
  });

  test('keeps digits as written: the engine chosen for plain text reads them itself', () => {
    expect(renderPlain(narrateFact('Known from 13 Going on 30.'))).toContain('Known from 13 Going on 30.');
  });

  test('renders one chapter', () => {
    expect(renderChapterPlain(narration, 'people')).toBe(
      "Chapter 2: The people.\n\nAda Quill plays Ysolde Kerbrat & sings the keeper's songs <live>. Behind the camera, one name stands out. Bo Renn directs all three episodes.\n",
    );
  });
});

describe('renderNarration', () => {
  test.each([
    { name: 'canonical', render: (n: Narration) => renderNarration(n, 'canonical', { rate: 2 }), expected: (n: Narration) => renderSsml(n, 'canonical', { rate: 2 }) },
    { name: 'espeak', render: (n: Narration) => renderNarration(n, 'espeak', { voice: 'en-gb' }), expected: (n: Narration) => renderSsml(n, 'espeak', { voice: 'en-gb' }) },
    { name: 'plain', render: (n: Narration) => renderNarration(n, 'plain'), expected: (n: Narration) => renderPlain(n) },
    { name: 'one chapter, espeak', render: (n: Narration) => renderNarration(n, 'espeak', { chapterId: 'people' }), expected: (n: Narration) => renderChapterSsml(n, 'people', 'espeak') },
    { name: 'one chapter, plain', render: (n: Narration) => renderNarration(n, 'plain', { chapterId: 'island' }), expected: (n: Narration) => renderChapterPlain(n, 'island') },
  ])('renders $name like the function for it', ({ render, expected }) => {
    expect(render(narration)).toBe(expected(narration));
  });

  test.each([
    { name: 'a rate', options: { rate: 2 } },
    { name: 'a voice', options: { voice: 'en-us' } },
  ])('refuses $name for plain text, which cannot carry it', ({ options }) => {
    expect(() => renderNarration(narration, 'plain', options)).toThrow(SsmlError);
  });
});

const noEspeak = espeakUnavailableReason();

describe('heard through espeak-ng', () => {
  test.skipIf(noEspeak !== undefined)(`no sentence of the eSpeak profile is read with "dot"${noEspeak ? ` (not run: ${noEspeak})` : ''}`, () => {
    const risky = narrateFact('It is called "Sea of Flames". It was 50%. It was "heartbreaking." Bo Renn met Ysolde Kerbrat.');
    expect(espeakPhonemes(renderSsml(risky, 'espeak'))).not.toMatch(SPOKEN_DOT);
    // The same text as canonical SSML, which eSpeak is not given, shows what the profile prevents.
    expect(espeakPhonemes(renderSsml(risky, 'canonical'))).toMatch(SPOKEN_DOT);
  });

  test.skipIf(noEspeak !== undefined)(`a name is said without the pause native eSpeak NG puts after a sub${noEspeak ? ` (not run: ${noEspeak})` : ''}`, () => {
    const phonemes = espeakPhonemes(renderSsml(narrateFact('Bo Renn met Ysolde Kerbrat at sea.'), 'espeak')).split('\n').at(-1) ?? '';
    // "_:" is a pause; with <sub> native 1.51 gives br'A:_:_: at s'i: (measured).
    expect(phonemes).toMatch(/br'A: at s'i:/);
    expect(phonemes).not.toMatch(/br'A:_/);
  });

  test.skipIf(noEspeak !== undefined)(`the chosen voice survives the sentences' xml:lang${noEspeak ? ` (not run: ${noEspeak})` : ''}`, () => {
    const water = narrateFact('The water was dark.');
    const sentence = (ssml: string): string => espeakPhonemes(ssml, 'en-gb-x-rp').split('\n').at(-1) ?? '';
    // Received Pronunciation ends "water" in a# and says "was" with 0; American says t#3 and V.
    expect(sentence(renderSsml(water, 'espeak', { voice: 'en-gb-x-rp' }))).toMatch(/w'O:ta# w0z/);
    expect(sentence(renderSsml(water, 'espeak'))).toMatch(/w'O:t#3 wVz/);
  });
});
