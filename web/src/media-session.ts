/**
 * The Media Session: what the system shows and the hardware media keys. The
 * metadata names the episode and the chapter playing; the keys do what the
 * player's own controls do.
 */

export interface MediaKeys {
  play(): void;
  pause(): void;
  skip(direction: -1 | 1): void;
  seekTo(seconds: number): void;
  chapter(direction: -1 | 1): void;
}

export class MediaSessionLink {
  readonly #available = 'mediaSession' in navigator;
  #metadata = '';

  constructor(keys: MediaKeys) {
    if (!this.#available) return;
    const handlers: [MediaSessionAction, MediaSessionActionHandler][] = [
      ['play', () => keys.play()],
      ['pause', () => keys.pause()],
      ['seekbackward', () => keys.skip(-1)],
      ['seekforward', () => keys.skip(1)],
      ['seekto', (details) => details.seekTime !== undefined && keys.seekTo(details.seekTime)],
      ['previoustrack', () => keys.chapter(-1)],
      ['nexttrack', () => keys.chapter(1)],
    ];
    for (const [action, handler] of handlers) {
      try {
        navigator.mediaSession.setActionHandler(action, handler);
      } catch {
        // This browser does not offer that action.
      }
    }
  }

  /** The episode and, when one is known, the chapter playing; set only when they change. */
  describe(title: string, show: string, chapter: string | undefined): void {
    const key = JSON.stringify([title, show, chapter]);
    if (!this.#available || key === this.#metadata) return;
    this.#metadata = key;
    navigator.mediaSession.metadata = new MediaMetadata({
      title,
      artist: chapter ?? show,
      album: show,
      // The show's cover (audio-scripts/artwork/), for lock screens and media notifications.
      artwork: [1400, 3000].map((size) => ({ src: `/artwork/cover-${size}.png`, sizes: `${size}x${size}`, type: 'image/png' })),
    });
  }

  playing(playing: boolean): void {
    if (this.#available) navigator.mediaSession.playbackState = playing ? 'playing' : 'paused';
  }

  position(duration: number, position: number, playbackRate: number): void {
    if (!this.#available || !Number.isFinite(duration) || duration <= 0) return;
    try {
      navigator.mediaSession.setPositionState({ duration, position: Math.min(position, duration), playbackRate });
    } catch {
      // A position the browser refuses is not worth failing over.
    }
  }
}
