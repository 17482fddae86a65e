/**
 * Follow-along for the transcript: the sentence being spoken carries
 * `aria-current="true"` (styled with more than colour). It listens to the
 * page's audio element; it never writes to it.
 */
interface TimedSentence {
  readonly id: string;
  readonly startMs: number;
  readonly endMs: number;
}

export class Transcript {
  static readonly #started = new WeakSet<HTMLElement>();
  readonly #root: HTMLElement;
  readonly #audio: HTMLAudioElement;
  #sentences: readonly TimedSentence[] = [];
  #current: HTMLElement | undefined;

  constructor(root: HTMLElement) {
    if (Transcript.#started.has(root)) throw new Error('The transcript is already started on this element');
    const player = document.querySelector<HTMLElement>('[data-module="player"]');
    const audio = player?.querySelector('audio');
    const episode = player?.dataset.episode;
    if (audio === null || audio === undefined || episode === undefined) throw new Error('The transcript needs the player on the page');
    Transcript.#started.add(root);
    this.#root = root;
    this.#audio = audio;
    void this.#load(episode);
  }

  async #load(episode: string): Promise<void> {
    const response = await fetch(`/api/episodes/${encodeURIComponent(episode)}/transcript`);
    if (!response.ok) return;
    const body = (await response.json()) as { sentences: TimedSentence[] };
    this.#sentences = body.sentences;
    this.#audio.addEventListener('timeupdate', () => this.#follow());
    this.#audio.addEventListener('seeked', () => this.#follow());
  }

  #follow(): void {
    const ms = this.#audio.currentTime * 1000;
    const sentence = this.#sentences.find((s) => ms >= s.startMs && ms < s.endMs);
    const element = sentence === undefined ? undefined : (this.#root.querySelector<HTMLElement>(`[data-sentence="${CSS.escape(sentence.id)}"]`) ?? undefined);
    if (element === this.#current) return;
    this.#current?.removeAttribute('aria-current');
    element?.setAttribute('aria-current', 'true');
    this.#current = element;
  }
}
