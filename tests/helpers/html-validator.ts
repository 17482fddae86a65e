/**
 * The Nu HTML Checker (vnu, from the `vnu-jar` package, run by Java) over many
 * documents in one run: one JVM start (about two seconds) for the whole set, not
 * one per page. Every page and HTML download we publish goes through it.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

/** One thing vnu says about a document. */
export interface HtmlMessage {
  readonly type: string;
  readonly subType?: string;
  readonly message: string;
  readonly lastLine?: number;
  readonly extract?: string;
}

/** A document to check: a name to report it by (its URL, say) and its HTML. */
export interface HtmlDocument {
  readonly name: string;
  readonly html: string;
}

function runJava(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('java', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => reject(new Error('java is needed to run the Nu HTML Checker: install it with "apt-get install -y default-jre-headless" (.ci/run installs it)', { cause: error })));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/**
 * Checks every document with vnu and returns, per document name, its errors and
 * warnings (an empty list when it is valid).
 */
export async function checkHtml(documents: readonly HtmlDocument[]): Promise<Map<string, HtmlMessage[]>> {
  const folder = await mkdtemp(path.join(tmpdir(), 'atl-vnu-'));
  try {
    const files = await Promise.all(
      documents.map(async (document, index) => {
        const file = path.join(folder, `page-${index}.html`);
        await writeFile(file, document.html);
        return { file, url: pathToFileURL(file).href, name: document.name };
      }),
    );
    const jar = path.join(path.dirname(require.resolve('vnu-jar/package.json')), 'build', 'dist', 'vnu.jar');
    const { stderr } = await runJava(['-Xss1024k', '-jar', jar, '--format', 'json', '--exit-zero-always', ...files.map((f) => f.file)]);
    let report: { messages: (HtmlMessage & { url?: string })[] };
    try {
      report = JSON.parse(stderr) as typeof report;
    } catch (error) {
      throw new Error(`vnu did not report JSON: ${stderr.slice(0, 500)}`, { cause: error });
    }
    const byName = new Map<string, HtmlMessage[]>(files.map((f) => [f.name, []]));
    for (const { url, ...message } of report.messages) {
      const name = files.find((f) => f.url === url || `file:${f.file}` === url)?.name ?? String(url);
      byName.set(name, [...(byName.get(name) ?? []), message]);
    }
    return byName;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** The problems in a report, one line each, with the document they are in: for a test's failure message. */
export function htmlProblems(report: Map<string, HtmlMessage[]>): string[] {
  return [...report].flatMap(([name, messages]) => messages.map((m) => `${name}:${m.lastLine ?? '?'}: ${m.type}${m.subType === undefined ? '' : `/${m.subType}`}: ${m.message}`));
}
