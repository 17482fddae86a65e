/**
 * A typed, safe face on `ssml-builder`.
 *
 * ssml-builder renders the inline elements we need (`sub`, `say-as`, `phoneme`,
 * `break`), but as measured it emits `<speak>` without `version`, `xmlns` or
 * `xml:lang` (not schema-valid), has no `voice`, `mark` or nestable `prosody`,
 * throws strings, leaves the `sub` alias, the `say-as` word and most of the
 * `phoneme` pronunciation unescaped, escapes quotes in text as entities
 * (which native eSpeak NG 1.51 then misreads), and joins every piece with a space (so
 * "(Marie-Laure)" came out as "( Marie-Laure )"). This module fixes each of
 * those, so nothing it returns can be malformed.
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

/**
 * Escapes text for character data only, as little as XML allows: `&`, `<`, and
 * the `>` of `]]>`. Quotes stay literal because native eSpeak NG 1.51 reads a
 * full stop right before an entity (`heartbreaking.&quot;`) as "dot"
 * (measured; the embedded build does not); with a literal `"` both read it right.
 */
export function escapeXmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/]]>/g, ']]&gt;');
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

// BCP 47 as xs:language allows it: a 2-3 letter language, then subtags of 1 to 8
// letters or digits, so private-use tags such as eSpeak's `en-gb-x-rp` pass.
const LANGUAGE_TAG = /^[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{1,8})*$/;
// xsd:token without spaces: what a mark name must be for engines to report it back intact.
const MARK_NAME = /^[A-Za-z0-9._:-]{1,120}$/;

/** True when `tag` is a language tag this builder accepts for `xml:lang`. */
export function isLanguageTag(tag: string): boolean {
  return LANGUAGE_TAG.test(tag);
}

function checkLanguage(lang: string): string {
  if (!LANGUAGE_TAG.test(lang)) throw new SsmlError(`"${lang}" is not a language tag such as en-US`);
  return lang;
}

/** An element's start tag and its attributes, each value in single quotes as ssml-builder writes them. */
const SINGLE_QUOTED_START = /^<([A-Za-z][\w-]*)((?:\s+[A-Za-z][\w:-]*='[^']*')*)\s*(\/?)>/;

/**
 * The element with its attributes in double quotes. ssml-builder writes
 * `ph='maʁi lɔʁ'`: valid XML, but Debian's `flite -ssml` aborts on such a
 * document or drops text from it, and every other tool reads double quotes.
 * Values come escaped (no raw quote in them), so only the quotes change.
 */
export function doubleQuoteAttributes(element: string): string {
  const start = SINGLE_QUOTED_START.exec(element);
  if (start === null) throw new SsmlError(`ssml-builder wrote an element this builder cannot read: ${element.slice(0, 60)}`);
  const attributes = (start[2] ?? '').replace(/\s+([A-Za-z][\w:-]*)='([^']*)'/g, (_, name: string, value: string) => ` ${name}="${value.replace(/"/g, '&quot;')}"`);
  return `<${start[1]}${attributes}${start[3]}>${element.slice(start[0].length)}`;
}

/** Runs an ssml-builder call on a fresh instance and returns the one element it wrote, with double-quoted attributes, turning thrown strings into SsmlError. */
function rendered(what: string, write: (speech: Speech) => void): string {
  let element: string;
  try {
    const speech = new Speech();
    write(speech);
    // One element per instance, so ssml-builder's joining space never appears.
    element = speech.ssml(true);
  } catch (thrown) {
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    throw new SsmlError(`${what}: ${message}`, { cause: thrown });
  }
  return doubleQuoteAttributes(element);
}

/**
 * `say-as` interpretations, by the names of the W3C say-as Note. `spell-out`
 * (Alexa's name) is accepted and written as `characters`, the standard name,
 * which is also the one eSpeak NG honours (measured: it reads `spell-out`
 * content as a word).
 */
export type SayAsInterpretation = 'characters' | 'spell-out' | 'cardinal' | 'ordinal' | 'digits' | 'date' | 'time';

/** Highest and lowest prosody rate multipliers the builder writes. */
export const PROSODY_RATE_LIMITS = { min: 0.2, max: 10 } as const;

/**
 * Builds a run of SSML content. Container methods (`sentence`, `paragraph`,
 * `voice`, `prosody`) take a callback that fills a nested builder. Pieces are
 * joined exactly as given: no space is added between them.
 */
export class SsmlBuilder {
  readonly #pieces: string[] = [];

  /**
   * Plain text, cleaned of what an engine cannot say, then escaped. Spaces are
   * kept as given. Not ssml-builder's `say`: it escapes quotes as entities (see
   * {@link escapeXmlText} for why that matters).
   */
  text(text: string): this {
    const clean = cleanText(text);
    if (clean !== '') this.#pieces.push(escapeXmlText(clean));
    return this;
  }

  /**
   * A line break between block elements: whitespace that engines ignore there,
   * so documents (and their golden files) read one sentence per line.
   */
  newline(): this {
    this.#pieces.push('\n');
    return this;
  }

  /** Say `alias` in place of the written `text`. */
  sub(alias: string, text: string): this {
    const spoken = cleanText(alias).trim();
    const written = cleanText(text).trim();
    if (spoken === '' || written === '') throw new SsmlError('sub needs a non-empty alias and text');
    this.#pieces.push(rendered('sub', (s) => s.sub(escapeXml(spoken), written)));
    return this;
  }

  /** `say-as` with the word escaped (ssml-builder does not escape it). */
  sayAs(interpretAs: SayAsInterpretation, word: string, format?: string): this {
    const clean = cleanText(word).trim();
    if (clean === '') throw new SsmlError('say-as needs a non-empty word');
    if (format !== undefined && !/^[A-Za-z0-9._-]+$/.test(format)) throw new SsmlError(`say-as format "${format}" is not a token`);
    const interpret = interpretAs === 'spell-out' ? 'characters' : interpretAs;
    const options = format === undefined ? { word: escapeXml(clean), interpret } : { word: escapeXml(clean), interpret, format };
    this.#pieces.push(rendered('say-as', (s) => s.sayAs(options)));
    return this;
  }

  /** An IPA pronunciation for `text`. */
  phoneme(ipa: string, text: string): this {
    const ph = cleanText(ipa).trim();
    if (ph === '') throw new SsmlError('phoneme needs a pronunciation');
    // ssml-builder escapes only the apostrophe in `ph`; escape the rest first, then let it add &apos;.
    const escaped = ph.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    this.#pieces.push(rendered('phoneme', (s) => s.phoneme('ipa', escaped, cleanText(text))));
    return this;
  }

  /** A pause of `ms` milliseconds (0 to 10 000, as ssml-builder allows). */
  pause(ms: number): this {
    if (!Number.isInteger(ms) || ms < 0 || ms > 10_000) throw new SsmlError(`pause of ${ms} ms is outside 0 to 10000`);
    this.#pieces.push(rendered('break', (s) => s.pause(`${ms}ms`)));
    return this;
  }

  /** A named point the engine reports back when it reaches it. */
  mark(name: string): this {
    if (!MARK_NAME.test(name)) throw new SsmlError(`mark name "${name}" must be 1 to 120 letters, digits or . _ : -`);
    this.#pieces.push(`<mark name="${name}"/>`);
    return this;
  }

  /** An `<s>`, optionally with its own `xml:lang`. */
  sentence(fill: (inner: SsmlBuilder) => void, options: { lang?: string } = {}): this {
    return this.#wrap('s', fill, options.lang === undefined ? '' : ` xml:lang="${checkLanguage(options.lang)}"`);
  }

  /** A `<p>`, optionally with its own `xml:lang`. */
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

  /**
   * Speaking rate as a multiplier of the voice's normal rate (2 = twice as fast).
   *
   * Written as a bare number, which SSML 1.0 defines as exactly that multiplier.
   * A percentage is a relative change in SSML 1.0 ("+100%") but a multiplier in
   * SSML 1.1 ("200%"), so an unsigned "200%" in a 1.0 document is ambiguous.
   * ssml-builder's own `prosody` only writes percentages and cannot nest, so
   * this writes the element itself.
   */
  prosody(rate: number, fill: (inner: SsmlBuilder) => void): this {
    if (!Number.isFinite(rate) || rate < PROSODY_RATE_LIMITS.min || rate > PROSODY_RATE_LIMITS.max) {
      throw new SsmlError(`prosody rate ${rate} is outside ${PROSODY_RATE_LIMITS.min} to ${PROSODY_RATE_LIMITS.max}`);
    }
    // At most three decimals, never an exponent: xsd:decimal has no "1e-7".
    const value = String(Number(rate.toFixed(3)));
    return this.#wrap('prosody', fill, ` rate="${value}"`);
  }

  /** The content built so far, without a root element. */
  toFragment(): string {
    return this.#pieces.join('');
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
    this.#pieces.push(`<${tag}${attributes}>${inner.toFragment()}</${tag}>`);
    return this;
  }
}
