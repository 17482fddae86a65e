/**
 * Episode navigation: the episodes the page lists, and changing episode in
 * place. The next episode's page is fetched and the parts that differ
 * (`data-swap`) are swapped in, so the audio element and the listener's
 * focus stay where they are; the pages themselves are the only source. The
 * browser's history follows, and Back and Forward change episode the same way.
 */
import { Attr, focusHome } from './component.js';

export interface EpisodeLink {
  readonly id: string;
  readonly title: string;
  readonly href: string;
  /** The episode's timings and text (`transcript.json`). */
  readonly transcript: string;
}

/** What the player takes from the incoming page: the player root's data and the audio's sources and tracks. */
export interface IncomingEpisode {
  readonly index: number;
  readonly data: DOMStringMap;
  readonly media: readonly Node[];
}

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

export class Episodes {
  readonly list: readonly EpisodeLink[];
  readonly #root: HTMLElement;
  #switching: AbortController | undefined;

  /** `root`: the player's root, which holds the episode list and every part a page swaps. */
  constructor(root: HTMLElement) {
    this.#root = root;
    this.list = Array.from(root.querySelectorAll<HTMLAnchorElement>(`a[${Attr.episodeLink}]`), (a) => ({
      id: a.getAttribute(Attr.episodeLink) ?? '',
      title: a.textContent?.trim() ?? '',
      href: a.href,
      transcript: a.dataset.transcript ?? '',
    }));
  }

  indexOf(id: string): number {
    return this.list.findIndex((e) => e.id === id);
  }

  /** The episode the browser's address now names (the home page is the first). */
  indexAtAddress(): number {
    const index = this.list.findIndex((e) => new URL(e.href).pathname === location.pathname);
    return index < 0 && location.pathname === '/' ? 0 : index;
  }

  /**
   * Fetches episode `index`'s page and swaps its parts in. Undefined when a
   * later switch overtook this one; throws (with the server's reason) when the
   * page could not be had.
   */
  async open(index: number, { push }: { push: boolean }): Promise<IncomingEpisode | undefined> {
    const target = this.list[index];
    if (target === undefined) return undefined;
    this.#switching?.abort();
    const switching = (this.#switching = new AbortController());
    let next: Document;
    try {
      const response = await fetch(target.href, { signal: switching.signal });
      if (!response.ok) throw new Error(await problemDetail(response));
      next = new DOMParser().parseFromString(await response.text(), 'text/html');
    } catch (error) {
      if (switching.signal.aborted) return undefined;
      throw error;
    }
    const incoming = next.querySelector<HTMLElement>(`[${Attr.module}="player"]`);
    const audio = next.querySelector('audio');
    if (switching.signal.aborted || incoming === null || audio === null) return undefined;
    this.#keepFocus();
    this.#swap(next);
    if (push) history.pushState({ episode: target.id }, '', target.href);
    return { index, data: incoming.dataset, media: Array.from(audio.querySelectorAll('source, track'), (node) => document.importNode(node, true)) };
  }

  /**
   * Focus must not fall to <body> when the part holding it is swapped: it goes to the
   * heading of the section it was in (the transcript, the player...), so the listener stays there.
   */
  #keepFocus(): void {
    const swapped = document.activeElement?.closest(`[${Attr.swap}]`);
    if (!swapped) return;
    const section = swapped.closest('[aria-labelledby]');
    const heading = section === null ? null : document.getElementById(section.getAttribute('aria-labelledby') ?? '');
    (heading?.hasAttribute('tabindex') ? heading : focusHome(this.#root))?.focus();
  }

  /** Swaps every `data-swap` part of this page for the same part of `next`. */
  #swap(next: Document): void {
    document.title = next.title;
    const description = next.querySelector('meta[name="description"]')?.getAttribute('content');
    if (description !== null && description !== undefined) document.querySelector('meta[name="description"]')?.setAttribute('content', description);
    for (const part of this.#root.querySelectorAll<HTMLElement>(`[${Attr.swap}]`)) {
      const incoming = next.querySelector(`[${Attr.swap}="${CSS.escape(part.getAttribute(Attr.swap) ?? '')}"]`);
      if (incoming !== null) part.replaceChildren(...Array.from(incoming.childNodes, (node) => document.importNode(node, true)));
    }
  }
}
