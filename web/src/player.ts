/**
 * The player controller: the only code that touches the `<audio>` element.
 * Controls send requests; the controller applies them and, once the media
 * element confirms (play, pause, seeked, ratechange...), publishes the new
 * state and says what changed through the one announcer. It also keeps the
 * episode's timings, the sleep timer, radio play across episodes, resume
 * positions, settings and the Media Session.
 */
import { Component, ComponentError } from './component.js';
import { fetchEpisodePage, problemDetail, swapEpisodeContent } from './episode-page.js';
import {
  Attr,
  type Direction,
  notify,
  Notice,
  onRequest,
  type PlayerState,
  RATES,
  Request,
  type Settings,
  type SleepChoice,
  type SleepState,
  type EpisodeTimeline,
} from './names.js';
import { loadPosition, loadSettings, savePosition, saveSettings } from './store.js';
import { positionPhrase, rateNumber, speedPhrase, timePhrase } from './time.js';

type MediaEventName = 'playing' | 'pause' | 'seeked' | 'ratechange' | 'volumechange' | 'loadedmetadata';

interface EpisodeLink {
  readonly id: string;
  readonly title: string;
  readonly href: string;
}

/** Going back to the previous chapter restarts the current one when this far into it. */
const RESTART_CHAPTER_SECONDS = 3;
/** How often the position is remembered while playing. */
const SAVE_EVERY_MS = 5000;
/** A remembered position this close to either end is not worth offering. */
const RESUME_MARGIN_SECONDS = 5;

export class Player extends Component {
  readonly #audio: HTMLAudioElement;
  readonly #episodes: readonly EpisodeLink[];
  #episodeId: string;
  #settings: Settings = loadSettings();
  #timeline: EpisodeTimeline | undefined;
  #sleep: SleepState = { mode: 'off' };
  #sleepTimer: number | undefined;
  /** What to announce when the media element confirms the listener's last request. */
  #pending: { event: MediaEventName; message: () => string } | undefined;
  #seekBeforeMetadata: number | undefined;
  #seeks = 0;
  #resumeAt: number | undefined;
  #where: string | undefined;
  #error: string | undefined;
  #savedAt = 0;
  #chapterIndex: number | undefined;
  #switching: AbortController | undefined;
  #name: HTMLAudioElement | undefined;
  #sessionReady = false;
  /** Every source failed to load: the next play tries them again. */
  #sourcesFailed = false;

  constructor(root: HTMLElement) {
    super(root);
    this.#audio = this.need('audio', HTMLAudioElement);
    const id = root.dataset.episode;
    if (id === undefined || root.dataset.transcript === undefined) throw new ComponentError('The player needs data-episode and data-transcript');
    this.#episodeId = id;
    this.#episodes = Array.from(document.querySelectorAll<HTMLAnchorElement>(`a[${Attr.episodeLink}]`), (a) => ({
      id: a.getAttribute(Attr.episodeLink) ?? '',
      title: a.textContent?.trim() ?? '',
      href: a.href,
    }));

    // Enhance: the script's controls replace the native ones.
    const audio = this.#audio;
    audio.controls = false;
    this.root.querySelector('[data-controls]')?.removeAttribute('hidden');
    audio.preservesPitch = true;
    audio.defaultPlaybackRate = this.#settings.rate;
    audio.playbackRate = this.#settings.rate;
    audio.volume = this.#settings.volume;

    this.#listenToMedia();
    this.#listenToRequests();
    this.#mediaSession();
    this.#resumeAt = this.#resumable(loadPosition(id));
    const fromLink = /^#t=(\d+(?:\.\d+)?)$/.exec(location.hash)?.[1];
    if (fromLink !== undefined) this.#seek(Number(fromLink));
    addEventListener('pagehide', () => this.#remember());
    addEventListener('popstate', () => this.#followHistory());
    void this.#loadTimeline();
    // The sources may have failed before this script ran, when nobody was listening for it. The
    // element also says NETWORK_NO_SOURCE while it is still choosing a source (until the task that
    // runs this script ends), which a script that loads fast meets: look again once that is over.
    if (audio.networkState === HTMLMediaElement.NETWORK_NO_SOURCE) {
      setTimeout(() => {
        if (audio.networkState === HTMLMediaElement.NETWORK_NO_SOURCE) void this.#failed();
      });
    }
    // Components start after the controller: give them the first state once all are listening.
    queueMicrotask(() => this.#publish());
  }

  get #episodeIndex(): number {
    return Math.max(0, this.#episodes.findIndex((e) => e.id === this.#episodeId));
  }

  get #title(): string {
    return this.root.dataset.title ?? '';
  }

  #listenToMedia(): void {
    const audio = this.#audio;
    const on = (type: string, handle: () => void) => audio.addEventListener(type, handle);
    const confirm = (event: MediaEventName) => () => {
      if (this.#pending?.event === event) {
        const { message } = this.#pending;
        this.#pending = undefined;
        this.#announce(message());
      }
      this.#publish();
    };
    on('play', () => {
      this.#resumeAt = undefined;
      this.#error = undefined;
    });
    // "Playing" is said when sound really starts, not when play() is merely accepted: a source
    // that never loads must not be announced as playing.
    on('playing', confirm('playing'));
    on('pause', () => this.#remember());
    on('pause', confirm('pause'));
    on('seeked', () => {
      this.#seeks++;
      this.#remember();
      this.#positionState();
    });
    on('seeked', confirm('seeked'));
    on('ratechange', () => this.#positionState());
    on('ratechange', confirm('ratechange'));
    on('volumechange', confirm('volumechange'));
    on('loadedmetadata', () => {
      this.#positionState();
      const seek = this.#seekBeforeMetadata;
      this.#seekBeforeMetadata = undefined;
      if (seek !== undefined) audio.currentTime = seek;
    });
    on('loadedmetadata', confirm('loadedmetadata'));
    on('durationchange', () => this.#publish());
    on('timeupdate', () => {
      if (!audio.paused && Date.now() - this.#savedAt > SAVE_EVERY_MS) this.#remember();
      this.#publish();
    });
    on('ended', () => this.#ended());
    // Each <source> reports its own failure; the player has failed when the last one has.
    audio.addEventListener(
      'error',
      (event) => {
        const sources = audio.querySelectorAll('source');
        if (event.target === audio || event.target === sources[sources.length - 1]) void this.#failed();
      },
      true,
    );
  }

  #listenToRequests(): void {
    onRequest(Request.toggle, () => (this.#audio.paused ? this.#play(() => `Playing: ${this.#title}`) : this.#pause('Paused')));
    onRequest(Request.seek, ({ seconds, quiet, play }) => {
      if (quiet === true) this.#pending = undefined;
      else this.#expect('seeked', () => `${play === true ? 'Playing from' : 'At'} ${timePhrase(this.#audio.currentTime)}`);
      this.#seek(seconds);
      if (play === true && this.#audio.paused) this.#startPlayback();
    });
    onRequest(Request.skip, ({ direction }) => this.#skip(direction));
    onRequest(Request.chapter, (detail) => this.#chapter(detail));
    onRequest(Request.episode, (detail) => {
      const index = 'id' in detail ? this.#episodes.findIndex((e) => e.id === detail.id) : this.#episodeIndex + detail.direction;
      if (index < 0) return this.#announce('This is the first episode');
      if (index >= this.#episodes.length) return this.#announce('This is the last episode');
      void this.#switchEpisode(index, { play: !this.#audio.paused });
    });
    onRequest(Request.rate, ({ step }) => this.#rate(step));
    onRequest(Request.volume, ({ volume }) => {
      this.#pending = undefined;
      this.#audio.volume = Math.min(1, Math.max(0, volume));
      this.#change({ volume: this.#audio.volume });
    });
    onRequest(Request.mute, () => {
      this.#expect('volumechange', () => (this.#audio.muted ? 'Muted' : 'Sound on'));
      this.#audio.muted = !this.#audio.muted;
    });
    onRequest(Request.where, () => {
      this.#where = this.#whereAmI();
      this.#announce(this.#where);
      this.#publish();
    });
    onRequest(Request.sleep, ({ choice }) => this.#setSleep(choice));
    onRequest(Request.resume, () => {
      const at = this.#resumeAt;
      if (at === undefined) return;
      this.#seek(at);
      this.#play(() => `Playing: ${this.#title}, from ${timePhrase(at)}`);
    });
    onRequest(Request.settings, (patch) => this.#change(patch));
    onRequest(Request.pronounce, ({ url, name }) => this.#pronounce(url, name));
  }

  /** Remembers a changed setting and publishes it; the native control that changed it speaks for itself. */
  #change(patch: Partial<Settings>): void {
    this.#settings = { ...this.#settings, ...patch };
    saveSettings(this.#settings);
    this.#publish();
  }

  #expect(event: MediaEventName, message: () => string): void {
    this.#pending = { event, message };
  }

  #announce(message: string): void {
    this.#pending = undefined;
    notify(Notice.announce, { message });
  }

  #play(message: () => string): void {
    this.#expect('playing', message);
    this.#startPlayback();
  }

  #startPlayback(): void {
    // After a failed load, playing is the listener's "try again": the sources are tried anew.
    if (this.#sourcesFailed) {
      this.#sourcesFailed = false;
      this.#audio.load();
    }
    void this.#audio.play().catch(() => this.#playFailed());
  }

  /** Says why play() was refused, unless something already answered the listener (a load failure, a pause). */
  #playFailed(): void {
    if (this.#audio.paused && this.#pending !== undefined) this.#announce(this.#error ?? 'The audio could not start. Press Play to try again.');
  }

  #pause(message: string): void {
    this.#expect('pause', () => message);
    this.#audio.pause();
  }

  #seek(seconds: number): void {
    const audio = this.#audio;
    const duration = Number.isFinite(audio.duration) ? audio.duration : Infinity;
    const target = Math.min(Math.max(0, seconds), duration);
    if (audio.readyState < HTMLMediaElement.HAVE_METADATA) this.#seekBeforeMetadata = target;
    else audio.currentTime = target;
  }

  #skip(direction: Direction): void {
    const length = this.#settings.skip;
    this.#expect('seeked', () => `${direction < 0 ? 'Back' : 'Forward'} ${length} seconds, at ${timePhrase(this.#audio.currentTime)}`);
    this.#seek(this.#audio.currentTime + direction * length);
  }

  #chapter(detail: { direction: Direction } | { index: number }): void {
    const chapters = this.#timeline?.chapters ?? [];
    if (chapters.length === 0) return this.#announce('The chapters are not ready yet');
    const now = this.#audio.currentTime;
    const current = this.#chapterAt(now) ?? 0;
    let index: number;
    if ('index' in detail) index = detail.index;
    else if (detail.direction > 0) index = current + 1;
    else index = now - (chapters[current]?.startMs ?? 0) / 1000 > RESTART_CHAPTER_SECONDS * this.#audio.playbackRate ? current : current - 1;
    const chapter = chapters[index];
    if (chapter === undefined) return this.#announce(index < 0 ? 'This is the first chapter' : 'This is the last chapter');
    this.#expect('seeked', () => `Chapter ${chapter.number}: ${chapter.title}`);
    // A hair past the start, so the chapter's first sentence is the current one.
    this.#seek(chapter.startMs / 1000 + 0.01);
  }

  #rate(step: Direction): void {
    const audio = this.#audio;
    const at = RATES.indexOf(audio.playbackRate);
    const rate = RATES[Math.min(RATES.length - 1, Math.max(0, (at < 0 ? RATES.indexOf(1) : at) + step))] ?? 1;
    if (rate === audio.playbackRate) return this.#announce(`${speedPhrase(rate)}, the ${step > 0 ? 'fastest' : 'slowest'}`);
    this.#expect('ratechange', () => speedPhrase(audio.playbackRate));
    // Above 2 times, speech stays intelligible only if the pitch is kept.
    audio.preservesPitch = true;
    audio.defaultPlaybackRate = rate;
    audio.playbackRate = rate;
    this.#change({ rate });
  }

  #setSleep(choice: SleepChoice): void {
    clearTimeout(this.#sleepTimer);
    this.#sleepTimer = undefined;
    if (choice === 'off') {
      this.#sleep = { mode: 'off' };
      this.#announce('Sleep timer off');
    } else if (choice === 'episode') {
      this.#sleep = { mode: 'episode' };
      this.#announce('Sleep timer: stops at the end of this episode');
    } else {
      const minutes = Math.max(1, Math.round(choice));
      this.#sleep = { mode: 'minutes', endsAt: Date.now() + minutes * 60_000 };
      this.#sleepTimer = window.setTimeout(() => this.#sleepNow(), minutes * 60_000);
      this.#announce(`Sleep timer: ${minutes} minutes`);
    }
    this.#publish();
  }

  #sleepNow(): void {
    this.#sleep = { mode: 'off' };
    this.#sleepTimer = undefined;
    if (this.#audio.paused) this.#publish();
    else this.#pause('Sleep timer: paused');
  }

  #ended(): void {
    savePosition(this.#episodeId, undefined);
    const next = this.#episodeIndex + 1;
    if (this.#sleep.mode === 'episode') {
      this.#sleep = { mode: 'off' };
      this.#announce(`Sleep timer: stopped at the end of ${this.#title}`);
    } else if (this.#settings.radio && next < this.#episodes.length) {
      void this.#switchEpisode(next, { play: true });
    } else {
      this.#announce(`End of ${this.#title}`);
    }
    this.#publish();
  }

  #whereAmI(): string {
    const audio = this.#audio;
    const index = this.#episodeIndex;
    // While the first listen still streams, the element knows no length: the time line does.
    const duration = Number.isFinite(audio.duration) ? audio.duration : (this.#timeline?.durationMs ?? 0) / 1000;
    const parts = [`Episode ${index + 1} of ${this.#episodes.length}: ${this.#title}.`];
    const chapters = this.#timeline?.chapters ?? [];
    const chapter = chapters[this.#chapterAt(audio.currentTime) ?? -1];
    if (chapter !== undefined) parts.push(`Chapter ${chapter.number} of ${chapters.length}: ${chapter.title}.`);
    parts.push(`${positionPhrase(audio.currentTime, duration)}.`);
    if (duration > 0) {
      const left = Math.max(0, duration - audio.currentTime);
      const rate = audio.playbackRate;
      parts.push(rate === 1 ? `${timePhrase(left)} left.` : `${timePhrase(left / rate)} left at ${rateNumber(rate)} times speed.`);
    }
    return parts.join(' ');
  }

  #chapterAt(seconds: number): number | undefined {
    const ms = seconds * 1000;
    const chapters = this.#timeline?.chapters ?? [];
    const index = chapters.findLastIndex((c) => c.startMs <= ms);
    return index < 0 ? undefined : index;
  }

  #resumable(seconds: number | undefined): number | undefined {
    const duration = this.#timeline === undefined ? Infinity : this.#timeline.durationMs / 1000;
    return seconds !== undefined && seconds >= RESUME_MARGIN_SECONDS && seconds < duration - RESUME_MARGIN_SECONDS ? seconds : undefined;
  }

  #remember(): void {
    this.#savedAt = Date.now();
    const time = this.#audio.currentTime;
    // Before the first play, do not overwrite the position the player offers to resume.
    if (this.#resumeAt === undefined && time > 0) savePosition(this.#episodeId, time);
  }

  async #loadTimeline(): Promise<void> {
    const url = this.root.dataset.transcript ?? '';
    const episodeId = this.#episodeId;
    try {
      const response = await fetch(url);
      if (!response.ok) throw new Error(await problemDetail(response));
      const timeline = (await response.json()) as EpisodeTimeline;
      if (episodeId !== this.#episodeId) return;
      this.#timeline = timeline;
      this.#resumeAt = this.#resumeAt === undefined ? undefined : this.#resumable(this.#resumeAt);
      notify(Notice.timeline, timeline);
      this.#publish();
    } catch (error) {
      if (episodeId !== this.#episodeId) return;
      this.#error = `The timings of this episode could not be loaded, so chapter and transcript jumps are off; the audio still plays. ${error instanceof Error ? error.message : ''}`.trim();
      this.#publish();
    }
  }

  async #failed(): Promise<void> {
    const url = this.#audio.querySelector('source')?.src ?? this.#audio.src;
    let detail = '';
    try {
      const response = await fetch(url, { method: 'GET', headers: { range: 'bytes=0-0' } });
      if (!response.ok) detail = await problemDetail(response);
    } catch {
      detail = 'The server cannot be reached.';
    }
    this.#error = `The audio could not be loaded. ${detail}`.trim();
    this.#sourcesFailed = true;
    if (this.#pending !== undefined) this.#announce(this.#error);
    // play() was accepted, but nothing will sound: show the player as paused, as it really is.
    if (!this.#audio.paused) this.#audio.pause();
    this.#publish();
  }

  async #switchEpisode(index: number, { play, push = true }: { play: boolean; push?: boolean }): Promise<void> {
    const target = this.#episodes[index];
    if (target === undefined) return;
    this.#switching?.abort();
    const switching = (this.#switching = new AbortController());
    let next: Document;
    try {
      next = await fetchEpisodePage(target.href, switching.signal);
    } catch (error) {
      if (switching.signal.aborted) return;
      this.#error = `Episode ${index + 1} could not be loaded. ${error instanceof Error ? error.message : ''}`.trim();
      this.#announce(this.#error);
      this.#publish();
      return;
    }
    const incoming = next.querySelector<HTMLElement>(`[${Attr.module}="player"]`);
    const audio = next.querySelector('audio');
    if (switching.signal.aborted || incoming === null || audio === null) return;

    this.#remember();
    // Focus must not fall to <body> when the part holding it is swapped: it goes to the
    // heading of the section it was in (the transcript, the player...), so the listener stays there.
    const swapped = document.activeElement?.closest(`[${Attr.swap}]`);
    if (swapped) {
      const section = swapped.closest('[aria-labelledby]');
      const heading = section === null ? null : document.getElementById(section.getAttribute('aria-labelledby') ?? '');
      (heading?.hasAttribute('tabindex') ? heading : this.root.querySelector<HTMLElement>('[data-module="play-button"]'))?.focus();
    }
    swapEpisodeContent(next);
    this.#episodeId = target.id;
    for (const key of ['episode', 'title', 'transcript'] as const) this.root.dataset[key] = incoming.dataset[key] ?? '';
    this.#audio.pause();
    this.#audio.replaceChildren(...Array.from(audio.querySelectorAll('source, track'), (node) => document.importNode(node, true)));
    this.#audio.load();
    this.#sourcesFailed = false;
    this.#timeline = undefined;
    this.#error = undefined;
    this.#where = undefined;
    this.#chapterIndex = undefined;
    this.#resumeAt = this.#resumable(loadPosition(target.id));
    if (push) history.pushState({ episode: target.id }, '', target.href);
    notify(Notice.timeline, undefined);
    this.#mediaSession();
    if (play) this.#play(() => `Playing: ${this.#title}`);
    else this.#expect('loadedmetadata', () => `Episode ${index + 1} of ${this.#episodes.length}: ${this.#title}`);
    this.#publish();
    await this.#loadTimeline();
  }

  #followHistory(): void {
    const index = this.#episodes.findIndex((e) => new URL(e.href).pathname === location.pathname);
    const target = index < 0 && location.pathname === '/' ? 0 : index;
    if (target >= 0 && this.#episodes[target]?.id !== this.#episodeId) void this.#switchEpisode(target, { play: !this.#audio.paused, push: false });
  }

  #pronounce(url: string, name: string): void {
    this.#name?.pause();
    const resume = !this.#audio.paused;
    if (resume) {
      this.#pending = undefined;
      this.#audio.pause();
    }
    const spoken = (this.#name = new Audio(url));
    spoken.addEventListener('ended', () => {
      if (resume && this.#name === spoken) this.#startPlayback();
    });
    // The name itself is the answer: announcing over it would hide it.
    spoken.play().catch(() => this.#announce(`${name} could not be played`));
  }

  #mediaSession(): void {
    if (!('mediaSession' in navigator)) return;
    const session = navigator.mediaSession;
    const chapter = this.#timeline?.chapters[this.#chapterIndex ?? -1];
    session.metadata = new MediaMetadata({
      title: this.#title,
      artist: chapter === undefined ? (this.root.dataset.show ?? '') : `Chapter ${chapter.number}: ${chapter.title}`,
      album: this.root.dataset.show ?? '',
      // The show's cover (audio-scripts/artwork/), for lock screens and media notifications.
      artwork: [1400, 3000].map((size) => ({ src: `/artwork/cover-${size}.png`, sizes: `${size}x${size}`, type: 'image/png' })),
    });
    if (this.#sessionReady) return;
    this.#sessionReady = true;
    const handlers: [MediaSessionAction, MediaSessionActionHandler][] = [
      ['play', () => this.#play(() => `Playing: ${this.#title}`)],
      ['pause', () => this.#pause('Paused')],
      ['seekbackward', () => this.#skip(-1)],
      ['seekforward', () => this.#skip(1)],
      ['seekto', (details) => details.seekTime !== undefined && this.#seek(details.seekTime)],
      ['previoustrack', () => this.#chapter({ direction: -1 })],
      ['nexttrack', () => this.#chapter({ direction: 1 })],
    ];
    for (const [action, handler] of handlers) {
      try {
        session.setActionHandler(action, handler);
      } catch {
        // This browser does not offer that action.
      }
    }
  }

  #positionState(): void {
    const { duration, currentTime, playbackRate } = this.#audio;
    if (!('mediaSession' in navigator) || !Number.isFinite(duration) || duration <= 0) return;
    try {
      navigator.mediaSession.setPositionState({ duration, position: Math.min(currentTime, duration), playbackRate });
    } catch {
      // A position the browser refuses is not worth failing over.
    }
  }

  #publish(): void {
    const audio = this.#audio;
    const ms = audio.currentTime * 1000;
    const chapterIndex = this.#chapterAt(audio.currentTime);
    if (chapterIndex !== this.#chapterIndex) {
      this.#chapterIndex = chapterIndex;
      this.#mediaSession();
    }
    if ('mediaSession' in navigator) navigator.mediaSession.playbackState = audio.paused ? 'paused' : 'playing';
    const sentence = this.#timeline?.sentences.findLast((s) => s.startMs <= ms);
    const index = this.#episodeIndex;
    const state: PlayerState = {
      episode: { id: this.#episodeId, title: this.#title, number: index + 1, count: this.#episodes.length },
      playing: !audio.paused,
      time: audio.currentTime,
      duration: Number.isFinite(audio.duration) ? audio.duration : (this.#timeline?.durationMs ?? 0) / 1000,
      seeks: this.#seeks,
      muted: audio.muted,
      settings: { ...this.#settings, rate: audio.playbackRate, volume: audio.volume },
      chapterIndex,
      chapterCount: this.#timeline?.chapters.length ?? 0,
      sentenceId: sentence !== undefined && ms < sentence.endMs ? sentence.id : undefined,
      sleep: this.#sleep,
      resumeAt: this.#resumeAt,
      where: this.#where,
      error: this.#error,
      source: audio.currentSrc,
    };
    notify(Notice.state, state);
  }
}
