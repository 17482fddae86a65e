import { describe, test, expect } from 'vitest';
import { ESPEAK_VOICES, blankRootLanguage, findVoice, planRate } from '../../../server/src/speech/espeak-params.js';

describe('planRate', () => {
  test('maps the multiplier to words per minute up to eSpeak’s maximum', () => {
    expect(planRate(1)).toEqual({ wordsPerMinute: 175, speedUp: 1 });
    expect(planRate(0.5)).toEqual({ wordsPerMinute: 88, speedUp: 1 });
    expect(planRate(2)).toEqual({ wordsPerMinute: 350, speedUp: 1 });
  });

  test('time-compresses the part beyond 450 wpm', () => {
    const plan = planRate(4);
    expect(plan.wordsPerMinute).toBe(450);
    expect(plan.speedUp).toBeCloseTo(700 / 450, 10);
  });

  test('rejects rates outside 0.5 to 4', () => {
    for (const rate of [0.49, 4.01, 0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => planRate(rate)).toThrow(RangeError);
  });
});

describe('voices', () => {
  test('offers English, French and German under unique lower-case ids', () => {
    const ids = ESPEAK_VOICES.map((voice) => voice.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ['en-us', 'en-gb', 'fr-fr', 'de-de']) expect(ids).toContain(id);
    for (const id of ids) expect(id).toBe(id.toLowerCase());
  });

  test('finds a voice ignoring case', () => {
    expect(findVoice('en-US')?.id).toBe('en-us');
    expect(findVoice('klingon')).toBeUndefined();
  });
});

describe('blankRootLanguage', () => {
  test('blanks only the root xml:lang, keeping every code-point position', () => {
    const ssml = '<?xml version="1.0"?>\n<speak version="1.0" xml:lang="en-US"><s xml:lang="fr-FR">Zoë 😀</s></speak>';
    const blanked = blankRootLanguage(ssml);
    expect(blanked).toBe('<?xml version="1.0"?>\n<speak version="1.0"                 ><s xml:lang="fr-FR">Zoë 😀</s></speak>');
    expect([...blanked].length).toBe([...ssml].length);
  });

  test('leaves SSML without a root language untouched', () => {
    expect(blankRootLanguage('<speak><s>Hi</s></speak>')).toBe('<speak><s>Hi</s></speak>');
    expect(blankRootLanguage("<speak xml:lang='de'>Hallo</speak>")).toBe('<speak              >Hallo</speak>');
  });
});
