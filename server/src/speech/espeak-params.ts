/**
 * Pure mappings from the engine contract to eSpeak NG settings: voice ids,
 * speaking rate, and the root `xml:lang` rule. Shared by every engine (the
 * embedded one validates before queueing and its worker applies them; the
 * native one passes them to the program; `say` takes the rates) and the
 * renditions (rates), and free of I/O so it is unit-testable.
 */
import type { Voice } from './engine.js';

/** A voice we offer, with the eSpeak identifier that `set_voice` accepts for it. */
export interface EspeakVoice extends Voice {
  /** eSpeak NG's own identifier (path under espeak-ng-data/voices), e.g. `gmw/en-US`. */
  readonly espeakName: string;
}

/**
 * The voices we expose. Names are what a listener chooses from: the language,
 * then where it is spoken ("English, Scotland"), not eSpeak's own labels
 * ("English_(Scotland)"). Ids are lower-case language tags; eSpeak's own names
 * differ (`fr-fr` and `de-de` are unknown to `set_voice`, `fr` and `de` are
 * not), so we map to its stable identifiers instead of its names.
 */
export const ESPEAK_VOICES: readonly EspeakVoice[] = [
  { id: 'en-us', name: 'English, United States', language: 'en-US', espeakName: 'gmw/en-US' },
  { id: 'en-us-nyc', name: 'English, New York City', language: 'en-US', espeakName: 'gmw/en-US-nyc' },
  { id: 'en-gb', name: 'English, United Kingdom', language: 'en-GB', espeakName: 'gmw/en' },
  { id: 'en-gb-x-rp', name: 'English, Received Pronunciation', language: 'en-GB', espeakName: 'gmw/en-GB-x-rp' },
  { id: 'en-gb-scotland', name: 'English, Scotland', language: 'en-GB', espeakName: 'gmw/en-GB-scotland' },
  { id: 'en-gb-x-gbclan', name: 'English, Lancaster', language: 'en-GB', espeakName: 'gmw/en-GB-x-gbclan' },
  { id: 'en-gb-x-gbcwmd', name: 'English, West Midlands', language: 'en-GB', espeakName: 'gmw/en-GB-x-gbcwmd' },
  { id: 'en-029', name: 'English, Caribbean', language: 'en-029', espeakName: 'gmw/en-029' },
  { id: 'fr-fr', name: 'French, France', language: 'fr-FR', espeakName: 'roa/fr' },
  { id: 'fr-be', name: 'French, Belgium', language: 'fr-BE', espeakName: 'roa/fr-BE' },
  { id: 'fr-ch', name: 'French, Switzerland', language: 'fr-CH', espeakName: 'roa/fr-CH' },
  { id: 'de-de', name: 'German, Germany', language: 'de-DE', espeakName: 'gmw/de' },
];

/** The voice used when a request names none. */
export const DEFAULT_VOICE_ID = 'en-us';

/** Finds a voice by id, ignoring case (`en-US` and `en-us` are the same voice). */
export function findVoice(id: string): EspeakVoice | undefined {
  const wanted = id.toLowerCase();
  return ESPEAK_VOICES.find((voice) => voice.id === wanted);
}

/** eSpeak NG's normal rate in words per minute, i.e. rate multiplier 1. */
export const ESPEAK_NORMAL_WPM = 175;
/**
 * The fastest rate eSpeak NG renders itself. Measured on this build: 450, 500,
 * 700, 900 and 1200 wpm all give the same length (this build has no libsonic),
 * so anything faster is reached by time-compressing the 450 wpm render.
 */
export const ESPEAK_MAX_WPM = 450;
/** Lowest rate multiplier accepted (87.5 wpm; eSpeak's own floor is 80). */
export const MIN_RATE = 0.5;
/** Highest rate multiplier accepted (700 wpm, screen-reader territory). */
export const MAX_RATE = 4;

/** How a rate multiplier is rendered: eSpeak's wpm, then an optional time compression. */
export interface RatePlan {
  readonly wordsPerMinute: number;
  /** 1 when eSpeak reaches the rate alone; otherwise the factor to shorten its render by. */
  readonly speedUp: number;
}

/** True for a finite multiplier within {@link MIN_RATE}..{@link MAX_RATE}. */
export function isValidRate(rate: number): boolean {
  return Number.isFinite(rate) && rate >= MIN_RATE && rate <= MAX_RATE;
}

/**
 * Maps a rate multiplier (1 = normal) to eSpeak words per minute. Above
 * {@link ESPEAK_MAX_WPM} eSpeak silently stops speeding up, so the rest of the
 * factor is returned as `speedUp` for the caller to apply to the audio.
 * @throws RangeError outside {@link MIN_RATE}..{@link MAX_RATE}.
 */
export function planRate(rate: number): RatePlan {
  if (!isValidRate(rate)) throw new RangeError(`rate ${rate} is outside ${MIN_RATE} to ${MAX_RATE}`);
  const wanted = ESPEAK_NORMAL_WPM * rate;
  if (wanted <= ESPEAK_MAX_WPM) return { wordsPerMinute: Math.round(wanted), speedUp: 1 };
  return { wordsPerMinute: ESPEAK_MAX_WPM, speedUp: wanted / ESPEAK_MAX_WPM };
}

const ROOT_START_TAG = /<speak\b[^>]*>/;
const LANG_ATTRIBUTE = /\sxml:lang\s*=\s*(?:"[^"]*"|'[^']*')/;

/**
 * Blanks the `xml:lang` attribute of the root `<speak>` element with spaces.
 *
 * Why: eSpeak NG picks a voice by `xml:lang` on `<speak>`, overriding the voice
 * set through the API (measured: `en-gb-x-rp` + `xml:lang="en-GB"` gives plain
 * en-GB, + `"en-US"` gives American). SSML 1.0 requires that attribute, so
 * without this an explicit voice choice would never take effect. Spaces of
 * the same code-point length keep every text position eSpeak reports valid
 * for the caller's original string. Nested `xml:lang` (on `voice`, `s`, `p`)
 * is left alone: those are deliberate language switches.
 */
export function blankRootLanguage(ssml: string): string {
  const root = ROOT_START_TAG.exec(ssml);
  if (root === null) return ssml;
  const attribute = LANG_ATTRIBUTE.exec(root[0]);
  if (attribute === null) return ssml;
  const start = root.index + attribute.index;
  const end = start + attribute[0].length;
  return ssml.slice(0, start) + ' '.repeat([...attribute[0]].length) + ssml.slice(end);
}
