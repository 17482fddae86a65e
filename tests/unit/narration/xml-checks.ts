/**
 * XML checks for the narration tests: schema validation of many documents
 * with one xmllint process, and an in-process well-formedness check that
 * fast-check can shrink against.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SSML_SCHEMA } from '../../helpers/paths.js';

/**
 * Validates documents against the W3C SSML schema with a single xmllint run
 * (one process per document would cost seconds for a hundred documents).
 * @returns one entry per document: xmllint's complaints, or '' when it validates.
 */
export function validateSsmlBatch(documents: readonly string[]): string[] {
  if (documents.length === 0) return [];
  const dir = mkdtempSync(path.join(tmpdir(), 'ssml-'));
  try {
    const names = documents.map((doc, i) => {
      const name = `doc-${i}.ssml`;
      writeFileSync(path.join(dir, name), doc, 'utf8');
      return name;
    });
    const result = spawnSync('xmllint', ['--noout', '--nonet', '--schema', SSML_SCHEMA, ...names], { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (result.error !== undefined) throw new Error('xmllint did not run: install it with `apt-get install -y libxml2-utils`', { cause: result.error });
    const complaints = new Map<string, string[]>();
    const valid = new Set<string>();
    let current: string | undefined;
    for (const line of result.stderr.split('\n')) {
      const named = /^(doc-\d+\.ssml)(?=[: ])/.exec(line)?.[1];
      if (named !== undefined) current = named;
      if (named !== undefined && line === `${named} validates`) {
        valid.add(named);
        continue;
      }
      if (current !== undefined && line.trim() !== '') complaints.set(current, [...(complaints.get(current) ?? []), line]);
    }
    return names.map((name) => (valid.has(name) ? '' : (complaints.get(name)?.join('\n') ?? `xmllint said nothing about ${name} (exit ${result.status})`)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const XML_CHAR = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const NAME = '[A-Za-z_][A-Za-z0-9._:-]*';
const ATTRIBUTE = new RegExp(`\\s+(${NAME})\\s*=\\s*("[^"<&]*(?:&(?:amp|lt|gt|quot|apos);[^"<&]*)*"|'[^'<&]*(?:&(?:amp|lt|gt|quot|apos);[^'<&]*)*')`, 'y');
const TEXT = /^[^<&]*(?:&(?:amp|lt|gt|quot|apos);[^<&]*)*$/;

/**
 * Checks the XML our renderer writes is well-formed: only XML characters,
 * a single root, balanced tags, quoted attributes without raw `<` or `&`,
 * and no raw `&`, `<` or `]]>` in text. Our documents use no comments, CDATA
 * or DOCTYPE, so those count as errors too.
 * @returns what is wrong, or '' when well-formed.
 */
export function wellFormedProblem(xml: string): string {
  if (!xml.isWellFormed()) return 'contains a lone surrogate';
  if (!XML_CHAR.test(xml)) return 'contains a character XML 1.0 forbids';
  let rest = xml.replace(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n/, '');
  const stack: string[] = [];
  let roots = 0;
  while (rest !== '') {
    const lt = rest.indexOf('<');
    const text = lt === -1 ? rest : rest.slice(0, lt);
    if (!TEXT.test(text)) return `text with a raw & : ${JSON.stringify(text.slice(0, 80))}`;
    if (text.includes(']]>')) return 'text contains ]]>';
    if (stack.length === 0 && text.trim() !== '') return `text outside the root: ${JSON.stringify(text.slice(0, 80))}`;
    if (lt === -1) break;
    rest = rest.slice(lt);
    const close = new RegExp(`^</(${NAME})\\s*>`).exec(rest);
    if (close !== null) {
      const open = stack.pop();
      if (open !== close[1]) return `</${close[1]}> closes <${open ?? 'nothing'}>`;
      rest = rest.slice(close[0].length);
      continue;
    }
    const start = new RegExp(`^<(${NAME})`).exec(rest);
    if (start === null) return `a "<" that starts no tag: ${JSON.stringify(rest.slice(0, 40))}`;
    let at = start[0].length;
    const seen = new Set<string>();
    for (;;) {
      ATTRIBUTE.lastIndex = at;
      const attribute = ATTRIBUTE.exec(rest);
      if (attribute === null) break;
      if (seen.has(attribute[1] ?? '')) return `attribute ${attribute[1]} twice`;
      seen.add(attribute[1] ?? '');
      at = ATTRIBUTE.lastIndex;
    }
    const end = /^\s*(\/?)>/.exec(rest.slice(at));
    if (end === null) return `a malformed start tag: ${JSON.stringify(rest.slice(0, 80))}`;
    if (stack.length === 0) roots++;
    if (end[1] !== '/') stack.push(start[1] ?? '');
    rest = rest.slice(at + end[0].length);
  }
  if (stack.length > 0) return `<${stack.join('>, <')}> never closed`;
  if (roots !== 1) return `${roots} root elements`;
  return '';
}
