/**
 * Reads an SSML document into what engines without timing events need: the
 * utterances (each `<s>`, or a run of bare text) in order, the pauses and
 * marks between them, and the plain text each utterance says.
 *
 * Why a small parser of our own: no XML parser is a dependency of the
 * project, and the documents come from our own renderer
 * (server/src/narration/render.ts), so the subset is known: `speak`, `p`,
 * `s`, `break`, `mark`, `sub`, plus whatever inline elements an engine
 * understands. The tokenizer is still a real one (quoted attributes,
 * entities, comments, CDATA, processing instructions, nesting checked), so a
 * malformed document is refused rather than misread.
 */
import { SpeechError } from './engine.js';

/** An element, with where it sits in the source (UTF-16 offsets, end exclusive). */
export interface SsmlElement {
  readonly kind: 'element';
  readonly name: string;
  /** Attribute values with entities decoded. */
  readonly attributes: ReadonlyMap<string, string>;
  /** The start tag exactly as written (`<s xml:lang="en-US">`). */
  readonly startTag: string;
  readonly start: number;
  readonly end: number;
  readonly children: readonly SsmlNode[];
}

/** Character data, entities decoded. */
export interface SsmlText {
  readonly kind: 'text';
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

export type SsmlNode = SsmlElement | SsmlText;

/** A mark inside an utterance, and how much of the utterance's spoken text comes before it. */
export interface UtteranceMark {
  readonly name: string;
  /** Code points of {@link Utterance.text} before the mark; 0 for a mark at the start. */
  readonly textOffset: number;
}

/** Something to say in one go: an `<s>` element, or a run of text outside any `<s>`. */
export interface Utterance {
  readonly kind: 'utterance';
  /** True for an `<s>` (or `<sentence>`) element, false for a run of bare text. */
  readonly sentence: boolean;
  /** The utterance's source, exactly as written (so entities and inline markup pass through). */
  readonly source: string;
  /** The elements between `<speak>` and the utterance (`p`, `voice`, ...), outermost first. */
  readonly wrappers: readonly SsmlElement[];
  /** What it says, as plain text: `sub` gives its alias, markup is dropped, spaces collapsed. */
  readonly text: string;
  /** 1-based code-point index into the document of its first spoken character (as eSpeak reports positions). */
  readonly textPosition: number;
  readonly marks: readonly UtteranceMark[];
}

/** A `<break>` between utterances. */
export interface Pause {
  readonly kind: 'pause';
  readonly ms: number;
}

/** A `<mark>` between utterances. */
export interface StandaloneMark {
  readonly kind: 'mark';
  readonly name: string;
  readonly textPosition: number;
}

export type OutlineItem = Utterance | Pause | StandaloneMark;

/** A document as a sequence of utterances, pauses and marks. */
export interface SsmlOutline {
  /** The root `<speak>` start tag as written. */
  readonly rootStartTag: string;
  /** The root's `xml:lang`, when it has one. */
  readonly language: string | undefined;
  readonly items: readonly OutlineItem[];
}

/**
 * Pause lengths for `<break strength>`. eSpeak's own handling of these between
 * sentences is erratic (measured on 1.51: `weak` adds 300 ms, `strong` nothing),
 * so engines that place pauses themselves use these SSML-like values instead.
 */
export const BREAK_STRENGTH_MS: Readonly<Record<string, number>> = {
  none: 0,
  'x-weak': 100,
  weak: 200,
  medium: 400,
  strong: 700,
  'x-strong': 1000,
};

/** The longest single break we honour, so a typo cannot ask for an hour of silence. */
export const MAX_BREAK_MS = 10_000;

const SENTENCE_ELEMENTS = new Set(['s', 'sentence']);
const PARAGRAPH_ELEMENTS = new Set(['p', 'paragraph']);
/** Elements whose content is never spoken. */
const SILENT_ELEMENTS = new Set(['desc', 'meta', 'metadata', 'lexicon', 'lookup']);
const NAME = /^[A-Za-z_][\w.:-]*/;
const ATTRIBUTE = /^\s+([A-Za-z_][\w.:-]*)\s*=\s*("[^"<]*"|'[^'<]*')/;

const failure = (message: string): SpeechError => new SpeechError(`malformed SSML: ${message}`, { cause: new SyntaxError(message) });

/** Decodes the five XML entities and numeric character references; anything else is an error. */
function decodeEntities(raw: string, at: number): string {
  return raw.replace(/&(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z]+);|&/g, (match, body: string | undefined) => {
    if (body === undefined) throw failure(`a bare "&" at offset ${at} (write &amp;)`);
    if (body.startsWith('#')) {
      const code = body.startsWith('#x') ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
      if (!Number.isInteger(code) || code > 0x10ffff || code < 1) throw failure(`character reference ${match} at offset ${at} is out of range`);
      return String.fromCodePoint(code);
    }
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    const value = named[body];
    if (value === undefined) throw failure(`unknown entity ${match} at offset ${at}`);
    return value;
  });
}

interface OpenElement {
  readonly name: string;
  readonly attributes: Map<string, string>;
  readonly startTag: string;
  readonly start: number;
  readonly children: SsmlNode[];
}

/**
 * Parses SSML into a tree whose root is the `<speak>` element.
 * @throws SpeechError (cause: SyntaxError) naming what is wrong and where.
 */
export function parseSsml(ssml: string): SsmlElement {
  const stack: OpenElement[] = [];
  let root: SsmlElement | undefined;
  let at = 0;

  const addChild = (node: SsmlNode): void => {
    const parent = stack.at(-1);
    if (parent !== undefined) {
      parent.children.push(node);
      return;
    }
    if (node.kind === 'text') {
      if (node.text.trim() !== '') throw failure(`text outside the root element at offset ${node.start}`);
      return;
    }
    if (root !== undefined) throw failure(`a second root element <${node.name}> at offset ${node.start}`);
    root = node;
  };

  while (at < ssml.length) {
    const lt = ssml.indexOf('<', at);
    if (lt !== at) {
      const end = lt === -1 ? ssml.length : lt;
      addChild({ kind: 'text', text: decodeEntities(ssml.slice(at, end), at), start: at, end });
      at = end;
      continue;
    }
    if (ssml.startsWith('<!--', at)) {
      const close = ssml.indexOf('-->', at + 4);
      if (close === -1) throw failure(`a comment at offset ${at} is never closed`);
      at = close + 3;
    } else if (ssml.startsWith('<![CDATA[', at)) {
      const close = ssml.indexOf(']]>', at + 9);
      if (close === -1) throw failure(`a CDATA section at offset ${at} is never closed`);
      addChild({ kind: 'text', text: ssml.slice(at + 9, close), start: at, end: close + 3 });
      at = close + 3;
    } else if (ssml.startsWith('<?', at)) {
      const close = ssml.indexOf('?>', at + 2);
      if (close === -1) throw failure(`a processing instruction at offset ${at} is never closed`);
      at = close + 2;
    } else if (ssml.startsWith('<!', at)) {
      // A DOCTYPE without an internal subset; one with `[` would need a real DTD reader.
      const close = ssml.indexOf('>', at);
      if (close === -1 || ssml.slice(at, close).includes('[')) throw failure(`unsupported declaration at offset ${at}`);
      at = close + 1;
    } else if (ssml.startsWith('</', at)) {
      const name = NAME.exec(ssml.slice(at + 2))?.[0];
      const close = ssml.indexOf('>', at);
      if (name === undefined || close === -1 || ssml.slice(at + 2 + name.length, close).trim() !== '') throw failure(`a broken end tag at offset ${at}`);
      const open = stack.pop();
      if (open === undefined || open.name !== name) {
        throw failure(`</${name}> at offset ${at} ${open === undefined ? 'closes nothing' : `closes <${open.name}> (opened at offset ${open.start})`}`);
      }
      at = close + 1;
      addChild({ kind: 'element', name: open.name, attributes: open.attributes, startTag: open.startTag, start: open.start, end: at, children: open.children });
    } else {
      const name = NAME.exec(ssml.slice(at + 1))?.[0];
      if (name === undefined) throw failure(`a "<" that starts no tag at offset ${at}`);
      let cursor = at + 1 + name.length;
      const attributes = new Map<string, string>();
      for (;;) {
        const attribute = ATTRIBUTE.exec(ssml.slice(cursor, cursor + 4096));
        if (attribute === null) break;
        const [whole, key = '', quoted = ''] = attribute;
        if (attributes.has(key)) throw failure(`attribute ${key} appears twice on <${name}> at offset ${at}`);
        attributes.set(key, decodeEntities(quoted.slice(1, -1), cursor));
        cursor += whole.length;
      }
      const rest = /^\s*(\/?)>/.exec(ssml.slice(cursor, cursor + 64));
      if (rest === null) throw failure(`the start tag <${name}> at offset ${at} is broken or never closed`);
      const end = cursor + rest[0].length;
      const startTag = ssml.slice(at, end);
      if (rest[1] === '/') {
        addChild({ kind: 'element', name, attributes, startTag, start: at, end, children: [] });
      } else {
        stack.push({ name, attributes, startTag, start: at, children: [] });
      }
      at = end;
    }
  }
  const unclosed = stack.at(-1);
  if (unclosed !== undefined) throw failure(`<${unclosed.name}> at offset ${unclosed.start} is never closed`);
  if (root === undefined) throw failure('there is no root element');
  if (root.name !== 'speak') throw failure(`the root element is <${root.name}>, not <speak>`);
  return root;
}

/** Escapes plain text for use as XML character data. */
export function escapeXmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** True when the text looks like an SSML document rather than plain text. */
export function looksLikeSsml(text: string): boolean {
  return /^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--[\s\S]*?-->\s*)*<speak[\s>/]/.test(text);
}

/**
 * Milliseconds of a `<break>`: its `time` (`500ms`, `1.5s`), else its
 * `strength` ({@link BREAK_STRENGTH_MS}), else `medium`, as SSML says.
 * Capped at {@link MAX_BREAK_MS}.
 * @throws SpeechError for a time or strength that is not SSML.
 */
export function breakMs(element: SsmlElement): number {
  const time = element.attributes.get('time');
  if (time !== undefined) {
    const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s)\s*$/.exec(time);
    if (match === null) throw failure(`break time "${time}" is not like 500ms or 2s`);
    const value = Number(match[1]) * (match[2] === 's' ? 1000 : 1);
    return Math.min(MAX_BREAK_MS, Math.round(value));
  }
  const strength = element.attributes.get('strength') ?? 'medium';
  const ms = BREAK_STRENGTH_MS[strength];
  if (ms === undefined) throw failure(`break strength "${strength}" is not one of ${Object.keys(BREAK_STRENGTH_MS).join(', ')}`);
  return ms;
}

/** Maps UTF-16 offsets to 1-based code-point positions, in one pass over the document. */
function codePointPositions(text: string): (offset: number) => number {
  const positions = new Uint32Array(text.length + 1);
  let position = 1;
  for (let i = 0; i < text.length; i++) {
    positions[i] = position;
    const code = text.charCodeAt(i);
    // A high surrogate and its low surrogate are one code point.
    if (!(code >= 0xd800 && code <= 0xdbff)) position++;
  }
  positions[text.length] = position;
  return (offset) => positions[Math.min(Math.max(0, offset), text.length)] ?? 1;
}

/** True when the element holds a sentence or paragraph, so it is a container rather than inline markup. */
function holdsStructure(element: SsmlElement): boolean {
  return element.children.some(
    (child) => child.kind === 'element' && (SENTENCE_ELEMENTS.has(child.name) || PARAGRAPH_ELEMENTS.has(child.name) || holdsStructure(child)),
  );
}

interface SpokenText {
  text: string;
  firstOffset: number | undefined;
  marks: UtteranceMark[];
}

/** Collects what nodes say, with marks placed by how much text precedes them. */
function collectSpoken(nodes: readonly SsmlNode[], into: SpokenText): void {
  for (const node of nodes) {
    if (node.kind === 'text') {
      if (node.text.trim() !== '' && into.firstOffset === undefined) into.firstOffset = node.start + (node.text.length - node.text.trimStart().length);
      into.text += node.text;
      continue;
    }
    if (node.name === 'mark') {
      const name = node.attributes.get('name');
      if (name !== undefined) into.marks.push({ name, textOffset: [...normalizeSpaces(into.text).trimStart()].length });
    } else if (node.name === 'sub') {
      const alias = node.attributes.get('alias');
      if (into.firstOffset === undefined) into.firstOffset = node.children.find((child) => child.kind === 'text')?.start ?? node.start;
      into.text += alias ?? node.children.map((child) => (child.kind === 'text' ? child.text : '')).join('');
    } else if (node.name === 'break') {
      into.text += ' ';
    } else if (!SILENT_ELEMENTS.has(node.name)) {
      collectSpoken(node.children, into);
    }
  }
}

const normalizeSpaces = (text: string): string => text.replace(/\s+/g, ' ');

/**
 * Outlines an SSML document: every `<s>` becomes an utterance; text outside
 * any `<s>` becomes an utterance per run between structure (sentences,
 * paragraphs, breaks, marks); `<break>` and `<mark>` between utterances
 * become pause and mark items. Containers such as `<p>` or `<voice>` are
 * kept as each utterance's wrappers, so an utterance can be rendered alone in
 * the same context.
 * @throws SpeechError for a malformed document or an unusable `<break>`.
 */
export function outlineSsml(ssml: string): SsmlOutline {
  const root = parseSsml(ssml);
  const position = codePointPositions(ssml);
  const items: OutlineItem[] = [];

  const utterance = (nodes: readonly SsmlNode[], wrappers: readonly SsmlElement[], sentence: boolean): void => {
    const first = nodes[0];
    const last = nodes.at(-1);
    if (first === undefined || last === undefined) return;
    const spoken: SpokenText = { text: '', firstOffset: undefined, marks: [] };
    collectSpoken(nodes, spoken);
    const text = normalizeSpaces(spoken.text).trim();
    if (!sentence && text === '') {
      // Whitespace between structure, or only marks: nothing to render.
      for (const mark of spoken.marks) items.push({ kind: 'mark', name: mark.name, textPosition: position(first.start) });
      return;
    }
    // A run's source starts at its first non-space character (the spaces are the indentation around it).
    const start = first.kind === 'text' ? first.start + (ssml.slice(first.start, first.end).length - ssml.slice(first.start, first.end).trimStart().length) : first.start;
    const end = last.kind === 'text' ? last.start + ssml.slice(last.start, last.end).trimEnd().length : last.end;
    items.push({
      kind: 'utterance',
      sentence,
      source: ssml.slice(start, end),
      wrappers,
      text,
      textPosition: position(spoken.firstOffset ?? first.start),
      // A mark after all the text belongs at the end, not past it.
      marks: spoken.marks.map((mark) => ({ name: mark.name, textOffset: Math.min(mark.textOffset, [...text].length) })),
    });
  };

  const walk = (container: SsmlElement, wrappers: readonly SsmlElement[]): void => {
    let run: SsmlNode[] = [];
    const flush = (): void => {
      // Leading and trailing whitespace is not part of a run.
      const blank = (node: SsmlNode | undefined): boolean => node?.kind === 'text' && node.text.trim() === '';
      while (blank(run[0])) run.shift();
      while (blank(run.at(-1))) run.pop();
      utterance(run, wrappers, false);
      run = [];
    };
    for (const child of container.children) {
      if (child.kind === 'text') {
        run.push(child);
      } else if (SENTENCE_ELEMENTS.has(child.name)) {
        flush();
        utterance([child], wrappers, true);
      } else if (PARAGRAPH_ELEMENTS.has(child.name) || holdsStructure(child)) {
        flush();
        walk(child, [...wrappers, child]);
      } else if (child.name === 'break') {
        flush();
        items.push({ kind: 'pause', ms: breakMs(child) });
      } else if (child.name === 'mark' && run.every((node) => node.kind === 'text' && node.text.trim() === '')) {
        // A mark with no text before it in the run is exact where it stands; later marks stay inside the run.
        run = [];
        const name = child.attributes.get('name');
        if (name !== undefined) items.push({ kind: 'mark', name, textPosition: position(child.end) });
      } else {
        run.push(child);
      }
    }
    flush();
  };
  walk(root, []);

  return { rootStartTag: root.startTag, language: root.attributes.get('xml:lang'), items };
}

/** The plain text a document says: its utterances' text joined by spaces. */
export function ssmlToPlainText(ssml: string): string {
  return outlineSsml(ssml)
    .items.flatMap((item) => (item.kind === 'utterance' ? [item.text] : []))
    .join(' ');
}
