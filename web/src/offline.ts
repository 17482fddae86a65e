/**
 * Offline: registers the service worker (which keeps the player's shell), and
 * "Save for offline" keeps this episode's page, audio, tracks and timings in
 * the Cache API, where the worker finds them without a network.
 */
import { Component } from './component.js';
import { playerRoot, Request, send, watch } from './events.js';
import type { PlayerState } from './state.js';

/** The cache the service worker reads saved episodes from (see `sw.ts`). */
export const OFFLINE_CACHE = 'atl-offline';

export class Offline extends Component {
  readonly #button: HTMLButtonElement;
  readonly #status: HTMLElement;
  #state: PlayerState | undefined;
  #saved = false;
  #busy = false;

  constructor(root: HTMLElement) {
    super(root);
    this.#button = this.need('button', HTMLButtonElement);
    this.#status = this.need('[data-offline-status]', HTMLElement);
    if (!('caches' in window) || !('serviceWorker' in navigator)) return;
    navigator.serviceWorker.register('/sw.js').catch((error: unknown) => console.warn('No offline support here', error));
    root.hidden = false;
    this.#button.addEventListener('click', () => void this.#toggle());
    watch(playerRoot(root), (s) => [s.episode.id, s.source] as const, (_, state) => {
      this.#state = state;
      void this.#check();
    });
  }

  /** The files one episode needs to play and follow along offline. */
  #files(state: PlayerState): string[] {
    const player = playerRoot(this.root);
    const tracks = Array.from(player.querySelectorAll('audio track'), (t) => (t as HTMLTrackElement).src);
    return [location.pathname, state.source, ...tracks, player.dataset.transcript ?? ''].filter((url) => url !== '');
  }

  async #check(): Promise<void> {
    const state = this.#state;
    if (state === undefined || state.source === '') return;
    const cache = await caches.open(OFFLINE_CACHE);
    this.#render(state, (await cache.match(state.source)) !== undefined);
  }

  async #toggle(): Promise<void> {
    const state = this.#state;
    if (state === undefined || this.#busy) return;
    const title = state.episode.title;
    this.#busy = true;
    const cache = await caches.open(OFFLINE_CACHE);
    let message: string;
    try {
      if (this.#saved) {
        await Promise.all(this.#files(state).map((url) => cache.delete(url)));
        this.#render(state, false);
        message = `Removed the offline copy of ${title}`;
      } else {
        this.#status.textContent = 'Saving…';
        await cache.addAll(this.#files(state));
        this.#render(state, true);
        message = `Saved for offline: ${title}`;
      }
    } catch {
      this.#render(state, this.#saved);
      message = `${title} could not be saved for offline: there may not be enough space, or the server did not answer.`;
    }
    this.#busy = false;
    send(this.#button, Request.announce, { message });
  }

  #render(state: PlayerState, saved: boolean): void {
    this.#saved = saved;
    this.#button.textContent = saved ? 'Remove the offline copy' : 'Save for offline';
    this.#status.textContent = saved ? `${state.episode.title} is saved on this device.` : '';
  }
}
