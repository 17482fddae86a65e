/**
 * The player controller, started on the page's `<main>` (the player's root):
 * it hears every request the controls send, has the media store apply it,
 * and once the media element confirms (playing, paused, seeked...) says what
 * changed through the one announcer. It also keeps the episode's timings,
 * moves by sentence, chapter and step (`navigator.ts`), changes episode
 * (`episodes.ts`), and runs the sleep timer, radio play, resume positions,
 * remembered settings and the Media Session.
 */
import { Component, ComponentError } from './component.js';
import { type Direction, notify, Notice, onRequest, Request } from './events.js';
import { Episodes, problemDetail } from './episodes.js';
import { MediaSessionLink } from './media-session.js';
import { type MediaEvent, MediaStore } from './media-store.js';
import { loadPosition, loadSettings, savePosition, saveSettings } from './memory.js';
import { chapterMove, type Move, sentenceMove, stepMove, stepName, timeMove } from './navigator.js';
import { listenForShortcuts } from './shortcuts.js';
import { RATES, type Settings, type SleepChoice } from './state.js';
import { positionPhrase, rateNumber, speedPhrase, timePhrase } from './time.js';
import { brief, readableSentences, sentenceAt, type Timeline } from './timeline.js';

/** How often the position is remembered while playing. */
const SAVE_EVERY_MS = 5000;
/** A remembered position this close to either end is not worth offering. */
const RESUME_MARGIN_SECONDS = 5;

export class Player extends Component {
  readonly #store: MediaStore;
  readonly #episodes: Episodes;
  readonly #session: MediaSessionLink;
  #episodeId: string;
  #settings: Settings = loadSettings();
  #sleepTimer: number | undefined;
  /** What to announce when the media element confirms the listener's last request. */
  #pending: { event: MediaEvent; message: () => string } | undefined;
  #savedAt = 0;
  #name: HTMLAudioElement | undefined;
  /** Every source failed to load: the next play tries them again. */
  #sourcesFailed = false;

  constructor(root: HTMLElement) {
    super(root);
    const audio = this.need('audio', HTMLAudioElement);
    const id = root.dataset.episode;
    if (id === undefined || root.dataset.transcript === undefined) throw new ComponentError('The player needs data-episode and data-transcript');
    this.#episodeId = id;
    this.#episodes = new Episodes(root);

    // Enhance: the script's controls replace the native ones.
    audio.controls = false;
    this.root.querySelector('[data-controls]')?.removeAttribute('hidden');
    const episode = this.#episodeRef();
    this.#store = new MediaStore(root, audio, { episode, settings: this.#settings, sleep: { mode: 'off' }, resumeAt: this.#resumable(loadPosition(id)), where: undefined, error: undefined }, (event) =>
      this.#heard(event),
    );
    this.#session = new MediaSessionLink({
      play: () => this.#play(() => `Playing: ${this.#title}`),
      pause: () => this.#pause('Paused'),
      skip: (direction) => this.#move(timeMove(this.#store.time, direction, this.#settings.skip)),
      seekTo: (seconds) => this.#store.seek(seconds),
      chapter: (direction) => this.#move(chapterMove(this.#store.timeline, this.#store.time, { direction }, this.#store.rate)),
    });
    this.#describe();
    this.#listenToRequests();
    listenForShortcuts(root);
    const fromLink = /^#t=(\d+(?:\.\d+)?)$/.exec(location.hash)?.[1];
    if (fromLink !== undefined) this.#store.seek(Number(fromLink));
    addEventListener('pagehide', () => this.#remember());
    addEventListener('popstate', () => this.#followHistory());
    void this.#loadTimeline();
    // The sources may have failed before this script ran, when nobody was listening for it. The
    // element also says NETWORK_NO_SOURCE while it is still choosing a source (until the task that
    // runs this script ends), which a script that loads fast meets: look again once that is over.
    if (this.#store.hasNoSource) {
      setTimeout(() => {
        if (this.#store.hasNoSource) void this.#failed();
      });
    }
    // Components start after the controller: give them the first state once all are listening.
    queueMicrotask(() => this.#store.publish());
  }

  get #title(): string {
    return this.root.dataset.title ?? '';
  }

  #episodeRef() {
    const index = Math.max(0, this.#episodes.indexOf(this.#episodeId));
    return { id: this.#episodeId, title: this.#title, number: index + 1, count: this.#episodes.list.length };
  }

  /** What the media element reported: confirm the listener's pending request, then keep the rest in step. */
  #heard(event: MediaEvent): void {
    if (event === 'play') this.#store.update({ resumeAt: undefined, error: undefined });
    if (event === 'pause' || event === 'seeked') this.#remember();
    if (event === 'seeked' || event === 'ratechange' || event === 'loadedmetadata') this.#session.position(this.#store.duration, this.#store.time, this.#store.rate);
    if (event === 'timeupdate' && !this.#store.paused && Date.now() - this.#savedAt > SAVE_EVERY_MS) this.#remember();
    if (event === 'ended') this.#ended();
    if (event === 'failed') void this.#failed();
    if (this.#pending?.event === event) {
      const { message } = this.#pending;
      this.#pending = undefined;
      this.#announce(message());
    }
    this.#session.playing(!this.#store.paused);
    this.#describe();
  }

  #listenToRequests(): void {
    const root = this.root;
    onRequest(root, Request.toggle, () => (this.#store.paused ? this.#play(() => `Playing: ${this.#title}`) : this.#pause('Paused')));
    onRequest(root, Request.seek, (detail) => {
      const { quiet, play, landing, episodeId } = detail;
      const seconds = 'by' in detail ? this.#store.time + detail.by : detail.seconds;
      if (episodeId !== undefined && episodeId !== this.#episodeId) return void this.#openEpisode(this.#episodes.indexOf(episodeId), { play: true, at: { seconds, landing } });
      if (quiet === true) this.#pending = undefined;
      else this.#expect('seeked', () => `${play === true ? 'Playing from' : 'At'} ${timePhrase(this.#store.time)}${landing === undefined ? '' : `: ${landing}`}`);
      this.#store.seek(seconds);
      if (play === true && this.#store.paused) this.#startPlayback();
    });
    onRequest(root, Request.skip, ({ direction }) => this.#move(timeMove(this.#store.time, direction, this.#settings.skip)));
    onRequest(root, Request.step, (detail) => {
      if ('step' in detail) {
        this.#change({ step: detail.step });
        return this.#announce(`Previous and next move by ${stepName(detail.step, this.#settings.skip)}`);
      }
      const { time, timeline, rate } = this.#store;
      this.#move(stepMove(timeline, time, detail.direction, this.#settings.step, this.#settings.skip, rate));
    });
    onRequest(root, Request.sentence, ({ move }) => this.#move(sentenceMove(this.#store.timeline, this.#store.time, move)));
    onRequest(root, Request.chapter, (target) => this.#move(chapterMove(this.#store.timeline, this.#store.time, target, this.#store.rate)));
    onRequest(root, Request.episode, (detail) => {
      const index = 'id' in detail ? this.#episodes.indexOf(detail.id) : Math.max(0, this.#episodes.indexOf(this.#episodeId)) + detail.direction;
      if (index < 0) return this.#announce('This is the first episode');
      if (index >= this.#episodes.list.length) return this.#announce('This is the last episode');
      void this.#openEpisode(index, { play: !this.#store.paused });
    });
    onRequest(root, Request.rate, ({ step }) => this.#rate(step));
    onRequest(root, Request.volume, ({ volume }) => {
      this.#pending = undefined;
      this.#store.setVolume(volume);
      this.#change({ volume: Math.min(1, Math.max(0, volume)) });
    });
    onRequest(root, Request.mute, () => {
      this.#expect('volumechange', () => (this.#store.muted ? 'Muted' : 'Sound on'));
      this.#store.setMuted(!this.#store.muted);
    });
    onRequest(root, Request.where, () => {
      const where = this.#whereAmI();
      this.#announce(where);
      this.#store.update({ where });
    });
    onRequest(root, Request.sleep, ({ choice }) => this.#setSleep(choice));
    onRequest(root, Request.resume, () => {
      const at = this.#store.state.resumeAt;
      if (at === undefined) return;
      this.#store.seek(at);
      this.#play(() => `Playing: ${this.#title}, from ${timePhrase(at)}`);
    });
    onRequest(root, Request.settings, (patch) => this.#change(patch));
    onRequest(root, Request.pronounce, ({ url, name }) => this.#pronounce(url, name));
    onRequest(root, Request.announce, ({ message }) => this.#announce(message));
  }

  /** Remembers a changed setting and publishes it; the native control that changed it speaks for itself. */
  #change(patch: Partial<Settings>): void {
    this.#settings = { ...this.#settings, ...patch };
    saveSettings(this.#settings);
    this.#store.update({ settings: this.#settings });
  }

  #expect(event: MediaEvent, message: () => string): void {
    this.#pending = { event, message };
  }

  #announce(message: string): void {
    this.#pending = undefined;
    notify(this.root, Notice.announce, { message });
  }

  #play(message: () => string): void {
    this.#expect('playing', message);
    this.#startPlayback();
  }

  #startPlayback(): void {
    // After a failed load, playing is the listener's "try again": the sources are tried anew.
    if (this.#sourcesFailed) {
      this.#sourcesFailed = false;
      this.#store.reload();
    }
    void this.#store.play().catch(() => this.#playFailed());
  }

  /** Says why play() was refused, unless something already answered the listener (a load failure, a pause). */
  #playFailed(): void {
    if (this.#store.paused && this.#pending !== undefined) this.#announce(this.#store.state.error ?? 'The audio could not start. Press Play to try again.');
  }

  #pause(message: string): void {
    this.#expect('pause', () => message);
    this.#store.pause();
  }

  /** Goes where a move says, and says where it landed once the media element is there; or says why not. */
  #move(move: Move): void {
    if ('refusal' in move) return this.#announce(move.refusal);
    this.#expect('seeked', () => move.landing(this.#store.time));
    this.#store.seek(move.seconds);
  }

  #rate(step: Direction): void {
    const current = this.#store.rate;
    const at = RATES.indexOf(current);
    const rate = RATES[Math.min(RATES.length - 1, Math.max(0, (at < 0 ? RATES.indexOf(1) : at) + step))] ?? 1;
    if (rate === current) return this.#announce(`${speedPhrase(rate)}, the ${step > 0 ? 'fastest' : 'slowest'}`);
    this.#expect('ratechange', () => speedPhrase(this.#store.rate));
    this.#store.setRate(rate);
    this.#change({ rate });
  }

  #setSleep(choice: SleepChoice): void {
    clearTimeout(this.#sleepTimer);
    this.#sleepTimer = undefined;
    if (choice === 'off') {
      this.#store.update({ sleep: { mode: 'off' } });
      this.#announce('Sleep timer off');
    } else if (choice === 'episode') {
      this.#store.update({ sleep: { mode: 'episode' } });
      this.#announce('Sleep timer: stops at the end of this episode');
    } else {
      const minutes = Math.max(1, Math.round(choice));
      this.#store.update({ sleep: { mode: 'minutes', endsAt: Date.now() + minutes * 60_000 } });
      this.#sleepTimer = window.setTimeout(() => this.#sleepNow(), minutes * 60_000);
      this.#announce(`Sleep timer: ${minutes} minutes`);
    }
  }

  #sleepNow(): void {
    this.#sleepTimer = undefined;
    this.#store.update({ sleep: { mode: 'off' } });
    if (!this.#store.paused) this.#pause('Sleep timer: paused');
  }

  #ended(): void {
    savePosition(this.#episodeId, undefined);
    const next = this.#episodes.indexOf(this.#episodeId) + 1;
    if (this.#store.state.sleep.mode === 'episode') {
      this.#store.update({ sleep: { mode: 'off' } });
      this.#announce(`Sleep timer: stopped at the end of ${this.#title}`);
    } else if (this.#settings.radio && next > 0 && next < this.#episodes.list.length) {
      void this.#openEpisode(next, { play: true });
    } else {
      this.#announce(`End of ${this.#title}`);
    }
  }

  #whereAmI(): string {
    const { time, duration, rate, timeline } = this.#store;
    const { episode, chapterIndex } = this.#store.state;
    const parts = [`Episode ${episode.number} of ${episode.count}: ${this.#title}.`];
    const chapters = timeline?.chapters ?? [];
    const chapter = chapters[chapterIndex ?? -1];
    if (chapter !== undefined) parts.push(`Chapter ${chapter.number} of ${chapters.length}: ${chapter.title}.`);
    const sentence = sentenceAt(timeline, time);
    if (sentence !== undefined && sentence.kind !== 'chapter-title' && timeline !== undefined) {
      const inChapter = readableSentences(timeline).filter((s) => s.chapterId === sentence.chapterId);
      parts.push(`Sentence ${inChapter.indexOf(sentence) + 1} of ${inChapter.length}: ${brief(sentence.text)}`);
    }
    parts.push(`${positionPhrase(time, duration)}.`);
    if (duration > 0) {
      const left = Math.max(0, duration - time);
      parts.push(rate === 1 ? `${timePhrase(left)} left.` : `${timePhrase(left / rate)} left at ${rateNumber(rate)} times speed.`);
    }
    return parts.join(' ');
  }

  #resumable(seconds: number | undefined, timeline?: Timeline): number | undefined {
    const duration = timeline === undefined ? Infinity : timeline.durationMs / 1000;
    return seconds !== undefined && seconds >= RESUME_MARGIN_SECONDS && seconds < duration - RESUME_MARGIN_SECONDS ? seconds : undefined;
  }

  #remember(): void {
    this.#savedAt = Date.now();
    const time = this.#store.time;
    // Before the first play, do not overwrite the position the player offers to resume.
    if (this.#store.state.resumeAt === undefined && time > 0) savePosition(this.#episodeId, time);
  }

  async #loadTimeline(): Promise<void> {
    const url = this.root.dataset.transcript ?? '';
    const episodeId = this.#episodeId;
    try {
      const response = await fetch(url);
      if (!response.ok) throw new Error(await problemDetail(response));
      const timeline = (await response.json()) as Timeline;
      if (episodeId !== this.#episodeId) return;
      const resumeAt = this.#store.state.resumeAt;
      this.#store.update({ resumeAt: resumeAt === undefined ? undefined : this.#resumable(resumeAt, timeline) });
      this.#store.setTimeline(timeline);
    } catch (error) {
      if (episodeId !== this.#episodeId) return;
      const reason = error instanceof Error ? error.message : '';
      this.#store.update({ error: `The timings of this episode could not be loaded, so chapter and transcript jumps are off; the audio still plays. ${reason}`.trim() });
    }
  }

  async #failed(): Promise<void> {
    let detail = '';
    try {
      const response = await fetch(this.#store.firstSource, { method: 'GET', headers: { range: 'bytes=0-0' } });
      if (!response.ok) detail = await problemDetail(response);
    } catch {
      detail = 'The server cannot be reached.';
    }
    const error = `The audio could not be loaded. ${detail}`.trim();
    this.#sourcesFailed = true;
    this.#store.update({ error });
    if (this.#pending !== undefined) this.#announce(error);
    // play() was accepted, but nothing will sound: show the player as paused, as it really is.
    if (!this.#store.paused) this.#store.pause();
  }

  /**
   * Changes to episode `index` in place. `at`: a place in it to go to once its
   * timings are in (a search result), said on arrival.
   */
  async #openEpisode(index: number, { play, push = true, at }: { play: boolean; push?: boolean; at?: { seconds: number; landing: string | undefined } }): Promise<void> {
    let incoming;
    try {
      incoming = await this.#episodes.open(index, { push });
    } catch (error) {
      const message = `Episode ${index + 1} could not be loaded. ${error instanceof Error ? error.message : ''}`.trim();
      this.#store.update({ error: message });
      return this.#announce(message);
    }
    if (incoming === undefined) return;
    this.#remember();
    const target = this.#episodes.list[index];
    this.#episodeId = target?.id ?? '';
    for (const key of ['episode', 'title', 'transcript'] as const) this.root.dataset[key] = incoming.data[key] ?? '';
    this.#store.load(incoming.media);
    this.#sourcesFailed = false;
    this.#store.setTimeline(undefined);
    this.#store.update({ episode: this.#episodeRef(), error: undefined, where: undefined, resumeAt: at === undefined ? this.#resumable(loadPosition(this.#episodeId)) : undefined });
    this.#describe();
    const arrival = `Episode ${index + 1} of ${this.#episodes.list.length}: ${this.#title}`;
    if (at !== undefined) {
      // The place is said once the audio is there: which episode, where, and what is spoken.
      this.#store.seek(at.seconds);
      this.#expect('seeked', () => `${arrival}. Playing from ${timePhrase(this.#store.time)}${at.landing === undefined ? '' : `: ${at.landing}`}`);
      this.#startPlayback();
    } else if (play) this.#play(() => `Playing: ${this.#title}`);
    else this.#expect('loadedmetadata', () => arrival);
    await this.#loadTimeline();
  }

  #followHistory(): void {
    const index = this.#episodes.indexAtAddress();
    if (index >= 0 && this.#episodes.list[index]?.id !== this.#episodeId) void this.#openEpisode(index, { play: !this.#store.paused, push: false });
  }

  #pronounce(url: string, name: string): void {
    this.#name?.pause();
    const resume = !this.#store.paused;
    if (resume) {
      this.#pending = undefined;
      this.#store.pause();
    }
    const spoken = (this.#name = new Audio(url));
    spoken.addEventListener('ended', () => {
      if (resume && this.#name === spoken) this.#startPlayback();
    });
    // The name itself is the answer: announcing over it would hide it.
    spoken.play().catch(() => this.#announce(`${name} could not be played`));
  }

  /** The Media Session's episode and chapter. */
  #describe(): void {
    const chapter = this.#store.timeline?.chapters[this.#store.state.chapterIndex ?? -1];
    this.#session.describe(this.#title, this.root.dataset.show ?? '', chapter === undefined ? undefined : `Chapter ${chapter.number}: ${chapter.title}`);
  }
}
