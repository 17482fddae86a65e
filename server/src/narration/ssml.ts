/**
 * A typed, safe face on `ssml-builder`.
 *
 * ssml-builder renders the inline elements we need (`sub`, `say-as`, `phoneme`,
 * `break`, `prosody`), but as measured it emits `<speak>` without `version`,
 * `xmlns` or `xml:lang` (not schema-valid), has no `voice`, `mark` or `lang`,
 * throws strings, and leaves the `sub` alias and the `sayAs` word unescaped.
 * This module fixes each of those, so nothing it returns can be malformed.
 */
import Speech from 'ssml-builder';
import { cleanText } from './clean-text.js';

export const SSML_NAMESPACE = 'http://www.w3.org/2001/10/synthesis';

/** A failure to build SSML: always an `Error`, never a thrown string. */
export class SsmlError extends Error {
  override readonly name = 'SsmlError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Escapes text for XML content and for single- or double-quoted attributes. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const LANGUAGE_TAG = /^[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*$/;
// xsd:token without spaces: what a mark name must be for engines to report it back intact.
const MARK_NAME = /^[A-Za-z0-9._:-]{1,120}$/;

function checkLanguage(lang: string): string {
  if (!LANGUAGE_TAG.test(lang)) throw new SsmlError(`"${lang}" is not a language tag such as en-US`);
  return lang;
}

/** Runs an ssml-builder call, turning its thrown strings into SsmlError. */
function guarded<T>(what: string, call: () => T): T {
  try {
    return call();
  } catch (thrown) {
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    throw new SsmlError(`${what}: ${message}`, { cause: thrown });
  }
}

export type SayAsInterpretation = 'characters' | 'spell-out' | 'cardinal' | 'ordinal' | 'digits' | 'date' | 'time';

/**
 * Builds a run of SSML content. Container methods (`sentence`, `paragraph`,
 * `voice`, `prosody`) take a callback that fills a nested builder.
 */
export class SsmlBuilder {
  readonly #speech = new Speech();

  /** Plain text, cleaned of what an engine cannot say, then escaped. */
  text(text: string): this {
    // ssml-builder joins pieces with a space, so edge spaces would only double up.
    const clean = cleanText(text).trim();
    if (clean !== '') guarded('text', () => this.#speech.say(clean));
    return this;
  }

  /** Say `alias` in place of the written `text`. */
  sub(alias: string, text: string): this {
    const spoken = cleanText(alias).trim();
    const written = cleanText(text).trim();
    if (spoken === '' || written === '') throw new SsmlError('sub needs a non-empty alias and text');
    guarded('sub', () => this.#speech.sub(escapeXml(spoken), written));
    return this;
  }

  /** `say-as` with the word escaped (ssml-builder does not escape it). */
  sayAs(interpretAs: SayAsInterpretation, word: string, format?: string): this {
    const clean = cleanText(word).trim();
    if (clean === '') throw new SsmlError('say-as needs a non-empty word');
    if (format !== undefined && !/^[A-Za-z0-9._-]+$/.test(format)) throw new SsmlError(`say-as format "${format}" is not a token`);
    guarded('say-as', () =>
      this.#speech.sayAs(format === undefined ? { word: escapeXml(clean), interpret: interpretAs } : { word: escapeXml(clean), interpret: interpretAs, format }),
    );
    return this;
  }

  /** An IPA pronunciation for `text`. */
  phoneme(ipa: string, text: string): this {
    const ph = cleanText(ipa).trim();
    if (ph === '') throw new SsmlError('phoneme needs a pronunciation');
    // ssml-builder escapes only the apostrophe in `ph`; escape the rest first, then let it add &apos;.
    const escaped = ph.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    guarded('phoneme', () => this.#speech.phoneme('ipa', escaped, cleanText(text)));
    return this;
  }

  /** A pause of `ms` milliseconds (0 to 10 000, as ssml-builder allows). */
  pause(ms: number): this {
    if (!Number.isInteger(ms) || ms < 0 || ms > 10_000) throw new SsmlError(`pause of ${ms} ms is outside 0 to 10000`);
    guarded('break', () => this.#speech.pause(`${ms}ms`));
    return this;
  }

  /** A named point the engine reports back when it reaches it. */
  mark(name: string): this {
    if (!MARK_NAME.test(name)) throw new SsmlError(`mark name "${name}" must be 1 to 120 letters, digits or . _ : -`);
    this.#speech.sayWithSSML(`<mark name="${name}"/>`);
    return this;
  }

  sentence(fill: (inner: SsmlBuilder) => void, options: { lang?: string } = {}): this {
    return this.#wrap('s', fill, options.lang === undefined ? '' : ` xml:lang="${checkLanguage(options.lang)}"`);
  }

  paragraph(fill: (inner: SsmlBuilder) => void, options: { lang?: string } = {}): this {
    return this.#wrap('p', fill, options.lang === undefined ? '' : ` xml:lang="${checkLanguage(options.lang)}"`);
  }

  /** A voice change by language and optionally by name (the element ssml-builder lacks). */
  voice(options: { lang?: string; name?: string }, fill: (inner: SsmlBuilder) => void): this {
    let attributes = '';
    if (options.lang !== undefined) attributes += ` xml:lang="${checkLanguage(options.lang)}"`;
    if (options.name !== undefined) {
      if (!/^[A-Za-z0-9_-]+$/.test(options.name)) throw new SsmlError(`voice name "${options.name}" is not a plain name`);
      attributes += ` name="${options.name}"`;
    }
    return this.#wrap('voice', fill, attributes);
  }

  /** Speaking rate as a percentage of normal (e.g. 200 for twice as fast). */
  prosody(ratePercent: number, fill: (inner: SsmlBuilder) => void): this {
    if (!Number.isFinite(ratePercent) || ratePercent < 20 || ratePercent > 1000) {
      throw new SsmlError(`prosody rate ${ratePercent}% is outside 20% to 1000%`);
    }
    return this.#wrap('prosody', fill, ` rate="${Math.round(ratePercent)}%"`);
  }

  /** The content built so far, without a root element. */
  toFragment(): string {
    return this.#speech.ssml(true);
  }

  /**
   * A whole SSML 1.0 document with the attributes the schema requires.
   * ssml-builder's own `<speak>` lacks them, so we write the root ourselves.
   */
  toDocument(lang: string): string {
    return (
      `<?xml version="1.0" encoding="UTF-8"?>\n` +
      `<speak version="1.0" xmlns="${SSML_NAMESPACE}" xml:lang="${checkLanguage(lang)}">` +
      this.toFragment() +
      `</speak>\n`
    );
  }

  #wrap(tag: string, fill: (inner: SsmlBuilder) => void, attributes: string): this {
    const inner = new SsmlBuilder();
    fill(inner);
    this.#speech.sayWithSSML(`<${tag}${attributes}>${inner.toFragment()}</${tag}>`);
    return this;
  }
}
