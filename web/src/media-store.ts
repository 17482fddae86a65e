/**
 * The media store: the only code that touches the `<audio>` element. It
 * applies commands (play, pause, seek, speed, volume, sources), keeps the
 * player's state, and publishes it on the player's root only when something
 * in it changed: the media element's events, the time line's chapter and
 * sentence, or what the controller set (episode, settings, sleep, errors).
 * It says nothing itself; the controller hears each media event it confirms.
 */
import { notify, Notice, sameValue } from './events.js';
import type { EpisodeRef, PlayerState, Settings, SleepState } from './state.js';
import { chapterIndexAt, sentenceAt, type Timeline } from './timeline.js';

/** The media events the controller acts on; `failed` when the last source could not load. */
export type MediaEvent = 'play' | 'playing' | 'pause' | 'seeked' | 'ratechange' | 'volumechange' | 'loadedmetadata' | 'timeupdate' | 'ended' | 'failed';

/** What the controller decides, as opposed to what the media element reports. */
export interface ControllerState {
  readonly episode: EpisodeRef;
  readonly settings: Settings;
  readonly sleep: SleepState;
  readonly resumeAt: number | undefined;
  readonly where: string | undefined;
  readonly error: string | undefined;
}

export class MediaStore {
  readonly #root: HTMLElement;
  readonly #audio: HTMLAudioElement;
  readonly #onMedia: (event: MediaEvent) => void;
  #controller: ControllerState;
  #timeline: Timeline | undefined;
  #published: PlayerState | undefined;
  #jumps = 0;
  /** A seek asked for before the element knew the length: applied once it does. */
  #seekBeforeMetadata: number | undefined;

  constructor(root: HTMLElement, audio: HTMLAudioElement, controller: ControllerState, onMedia: (event: MediaEvent) => void) {
    this.#root = root;
    this.#audio = audio;
    this.#controller = controller;
    this.#onMedia = onMedia;
    audio.preservesPitch = true;
    audio.defaultPlaybackRate = controller.settings.rate;
    audio.playbackRate = controller.settings.rate;
    audio.volume = controller.settings.volume;
    for (const type of ['play', 'playing', 'pause', 'seeked', 'ratechange', 'volumechange', 'timeupdate', 'ended', 'durationchange'] as const) {
      audio.addEventListener(type, () => this.#heard(type));
    }
    audio.addEventListener('loadedmetadata', () => {
      const seek = this.#seekBeforeMetadata;
      this.#seekBeforeMetadata = undefined;
      if (seek !== undefined) audio.currentTime = seek;
      this.#heard('loadedmetadata');
    });
    // Each <source> reports its own failure; the element has failed when the last one has.
    audio.addEventListener(
      'error',
      (event) => {
        const sources = audio.querySelectorAll('source');
        if (event.target === audio || event.target === sources[sources.length - 1]) this.#onMedia('failed');
      },
      true,
    );
  }

  get state(): PlayerState {
    return this.#published ?? this.#compute();
  }

  get timeline(): Timeline | undefined {
    return this.#timeline;
  }

  get paused(): boolean {
    return this.#audio.paused;
  }

  /** The position now, including a seek not yet applied because the length is not known. */
  get time(): number {
    return this.#seekBeforeMetadata ?? this.#audio.currentTime;
  }

  /** The length: the element's, or while a first listen still streams (length unknown), the time line's. */
  get duration(): number {
    return Number.isFinite(this.#audio.duration) ? this.#audio.duration : (this.#timeline?.durationMs ?? 0) / 1000;
  }

  get rate(): number {
    return this.#audio.playbackRate;
  }

  get muted(): boolean {
    return this.#audio.muted;
  }

  /** The URL of the first source, to ask the server why it failed. */
  get firstSource(): string {
    return this.#audio.querySelector('source')?.src ?? this.#audio.src;
  }

  /** The element has said it found no source it could use (it says so before its script runs, too). */
  get hasNoSource(): boolean {
    return this.#audio.networkState === HTMLMediaElement.NETWORK_NO_SOURCE;
  }

  /** Changes what the controller decides, and publishes if that changed the state. */
  update(patch: Partial<ControllerState>): void {
    this.#controller = { ...this.#controller, ...patch };
    this.publish();
  }

  setTimeline(timeline: Timeline | undefined): void {
    this.#timeline = timeline;
    notify(this.#root, Notice.timeline, timeline);
    this.publish();
  }

  play(): Promise<void> {
    return this.#audio.play();
  }

  pause(): void {
    this.#audio.pause();
  }

  /**
   * Moves to `seconds` (within the episode). A jump the listener asked for is
   * counted, and published at once with its target, so the next key press
   * starts from there even before the element has finished seeking.
   */
  seek(seconds: number, { jump = true } = {}): void {
    const audio = this.#audio;
    const target = Math.min(Math.max(0, seconds), Number.isFinite(audio.duration) ? audio.duration : Infinity);
    if (audio.readyState < HTMLMediaElement.HAVE_METADATA) this.#seekBeforeMetadata = target;
    else audio.currentTime = target;
    if (jump) this.#jumps++;
    this.publish();
  }

  setRate(rate: number): void {
    // Above 2 times, speech stays intelligible only if the pitch is kept.
    this.#audio.preservesPitch = true;
    this.#audio.defaultPlaybackRate = rate;
    this.#audio.playbackRate = rate;
  }

  setVolume(volume: number): void {
    this.#audio.volume = Math.min(1, Math.max(0, volume));
  }

  setMuted(muted: boolean): void {
    this.#audio.muted = muted;
  }

  /** Puts new sources and tracks in (another episode's) and loads them. */
  load(sources: readonly Node[]): void {
    this.#audio.pause();
    this.#seekBeforeMetadata = undefined;
    this.#audio.replaceChildren(...sources);
    this.#audio.load();
  }

  /** Tries the same sources again, after they failed. */
  reload(): void {
    this.#audio.load();
  }

  /** Publishes the state if it differs from the last one published. */
  publish(): void {
    const state = this.#compute();
    if (this.#published !== undefined && sameValue(this.#published, state)) return;
    this.#published = state;
    notify(this.#root, Notice.state, state);
  }

  #heard(type: MediaEvent | 'durationchange'): void {
    if (type !== 'durationchange') this.#onMedia(type);
    this.publish();
  }

  #compute(): PlayerState {
    const audio = this.#audio;
    const controller = this.#controller;
    const time = this.time;
    const sentence = sentenceAt(this.#timeline, time);
    return {
      ...controller,
      playing: !audio.paused,
      time,
      duration: this.duration,
      jumps: this.#jumps,
      muted: audio.muted,
      settings: { ...controller.settings, rate: audio.playbackRate, volume: audio.volume },
      chapterIndex: chapterIndexAt(this.#timeline, time),
      chapterCount: this.#timeline?.chapters.length ?? 0,
      sentenceId: sentence?.id,
      source: audio.currentSrc,
    };
  }
}
