/**
 * Changing episode in place: the next episode's page is fetched and the parts
 * that differ (`data-swap`) are swapped in, so the audio and the listener's
 * focus stay where they are. The pages themselves are the only source.
 */
import { Attr } from './names.js';

/** The `detail` of an `application/problem+json` answer, or the status. */
export async function problemDetail(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { detail?: unknown };
    if (typeof body.detail === 'string') return body.detail;
  } catch {
    // Not JSON: the status says enough.
  }
  return `The server answered ${response.status} ${response.statusText}.`.replace(' .', '.');
}

export async function fetchEpisodePage(url: string, signal: AbortSignal): Promise<Document> {
  const response = await fetch(url, { signal });
  if (!response.ok) throw new Error(await problemDetail(response));
  return new DOMParser().parseFromString(await response.text(), 'text/html');
}

/** Swaps every `data-swap` part of this page for the same part of `next`. */
export function swapEpisodeContent(next: Document): void {
  document.title = next.title;
  const description = next.querySelector('meta[name="description"]')?.getAttribute('content');
  if (description !== null && description !== undefined) document.querySelector('meta[name="description"]')?.setAttribute('content', description);
  for (const part of document.querySelectorAll<HTMLElement>(`[${Attr.swap}]`)) {
    const incoming = next.querySelector(`[${Attr.swap}="${CSS.escape(part.getAttribute(Attr.swap) ?? '')}"]`);
    if (incoming !== null) part.replaceChildren(...Array.from(incoming.childNodes, (node) => document.importNode(node, true)));
  }
}
