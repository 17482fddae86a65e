/**
 * The player's controls: native buttons, ranges and selects that send
 * requests and render the state the controller confirms. None of them touch
 * the `<audio>` element, and none ever takes focus away from where it is.
 */
import { Component, ComponentError } from './component.js';
import { Attr, type Direction, listen, Notice, type PlayerState, RATES, Request, send, type Settings, type SleepChoice } from './names.js';
import { clock, positionPhrase, rateNumber, timePhrase } from './time.js';

/** Sets text only when it changed, so assistive technology is not told of non-changes. */
function setText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

function setAttr(element: Element, name: string, value: string | null): void {
  if (value === null) element.removeAttribute(name);
  else if (element.getAttribute(name) !== value) element.setAttribute(name, value);
}

function button(root: HTMLElement): HTMLButtonElement {
  if (!(root instanceof HTMLButtonElement)) throw new ComponentError(`"${root.dataset.module ?? ''}" must be a <button>`);
  return root;
}

const direction = (value: string | undefined): Direction => (value === '-1' ? -1 : 1);

/** Play and pause: one button whose name follows the confirmed state. */
export class PlayButton extends Component<HTMLButtonElement> {
  constructor(root: HTMLElement) {
    super(button(root));
    const play = this.root;
    play.addEventListener('click', () => send(play, Request.toggle));
    listen(Notice.state, (s) => setText(play, s.playing ? 'Pause' : 'Play'));
  }
}

/** Skip, chapter and episode buttons: `data-request` and `data-direction` say which. */
export class RequestButton extends Component<HTMLButtonElement> {
  constructor(root: HTMLElement) {
    super(button(root));
    const { request: kind, direction: step } = { request: root.dataset.request, direction: direction(root.dataset.direction) };
    if (kind !== 'skip' && kind !== 'chapter' && kind !== 'episode') throw new Error(`Unknown request "${kind ?? ''}"`);
    root.addEventListener('click', () => send(root, kind === 'skip' ? Request.skip : kind === 'chapter' ? Request.chapter : Request.episode, { direction: step }));
    listen(Notice.state, (s) => {
      if (kind === 'skip') setText(root, `${step < 0 ? 'Back' : 'Forward'} ${s.settings.skip} seconds`);
      // aria-disabled, never disabled: a disabled button would drop focus to <body>.
      if (kind === 'episode') setAttr(root, 'aria-disabled', (step < 0 ? s.episode.number <= 1 : s.episode.number >= s.episode.count) ? 'true' : null);
    });
  }
}

/**
 * The position slider. Its time phrase changes when the listener moves it, or
 * (while it does not have focus) at most every few seconds during play, so a
 * screen reader never reads the time on every tick.
 */
export class Seek extends Component {
  static readonly SYNC_EVERY_MS = 5000;
  readonly #input: HTMLInputElement;
  readonly #clock: Element;
  #state: PlayerState | undefined;
  #syncedAt = 0;
  #seeks = -1;

  constructor(root: HTMLElement) {
    super(root);
    const input = (this.#input = this.need('input[type="range"]', HTMLInputElement));
    this.#clock = this.need('[data-clock]', HTMLElement);
    // Before an arrow key moves the thumb, put it where the audio really is.
    input.addEventListener('keydown', () => {
      if (this.#state !== undefined) input.value = String(this.#state.time);
    });
    input.addEventListener('input', () => setAttr(input, 'aria-valuetext', positionPhrase(Number(input.value), this.#state?.duration ?? 0)));
    input.addEventListener('change', () => send(input, Request.seek, { seconds: Number(input.value), quiet: true }));
    input.addEventListener('blur', () => this.#sync());
    listen(Notice.state, (s) => this.#render(s));
  }

  #render(s: PlayerState): void {
    this.#state = s;
    setText(this.#clock, `${clock(s.time)} / ${clock(s.duration)}`);
    setAttr(this.#input, 'max', String(Math.ceil(s.duration)));
    if (document.activeElement === this.#input) return;
    if (s.seeks !== this.#seeks || !s.playing || Date.now() - this.#syncedAt >= Seek.SYNC_EVERY_MS) this.#sync();
  }

  #sync(): void {
    const s = this.#state;
    if (s === undefined) return;
    this.#seeks = s.seeks;
    this.#syncedAt = Date.now();
    this.#input.value = String(s.time);
    setAttr(this.#input, 'aria-valuetext', positionPhrase(s.time, s.duration));
  }
}

/** Slower and faster, a quarter at a time from 0.5 to 4 times. */
export class Speed extends Component {
  constructor(root: HTMLElement) {
    super(root);
    const visible = this.need('[data-rate-visible]', HTMLElement);
    const spoken = this.need('[data-rate-spoken]', HTMLElement);
    const buttons = Array.from(root.querySelectorAll<HTMLButtonElement>('button[data-step]'));
    for (const button of buttons) button.addEventListener('click', () => send(button, Request.rate, { step: direction(button.dataset.step) }));
    listen(Notice.state, ({ settings: { rate } }) => {
      setText(visible, `${rateNumber(rate)}×`);
      setText(spoken, `${rateNumber(rate)} times`);
      for (const button of buttons) {
        const limit = button.dataset.step === '-1' ? RATES[0] : RATES.at(-1);
        setAttr(button, 'aria-disabled', rate === limit ? 'true' : null);
      }
    });
  }
}

/** Mute (a button whose name follows the state) and the volume slider. */
export class Volume extends Component {
  constructor(root: HTMLElement) {
    super(root);
    const mute = this.need('button[data-mute]', HTMLButtonElement);
    const input = this.need('input[type="range"]', HTMLInputElement);
    const phrase = () => `${input.value} percent`;
    mute.addEventListener('click', () => send(mute, Request.mute));
    input.addEventListener('input', () => {
      setAttr(input, 'aria-valuetext', phrase());
      send(input, Request.volume, { volume: Number(input.value) / 100 });
    });
    listen(Notice.state, (s) => {
      setText(mute, s.muted ? 'Unmute' : 'Mute');
      if (document.activeElement === input) return;
      input.value = String(Math.round(s.settings.volume * 100));
      setAttr(input, 'aria-valuetext', phrase());
    });
  }
}

/** "Where am I?": the answer is announced, and shown for the eye. */
export class Where extends Component {
  constructor(root: HTMLElement) {
    super(root);
    const button = this.need('button', HTMLButtonElement);
    const answer = this.need('[data-where]', HTMLElement);
    button.addEventListener('click', () => send(button, Request.where));
    listen(Notice.state, ({ where }) => {
      setText(answer, where ?? '');
      answer.hidden = where === undefined;
    });
  }
}

/** The sleep timer: a choice, and a button that sets it. */
export class SleepTimer extends Component {
  constructor(root: HTMLElement) {
    super(root);
    const select = this.need('select', HTMLSelectElement);
    const button = this.need('button', HTMLButtonElement);
    const status = this.need('[data-sleep-status]', HTMLElement);
    button.addEventListener('click', () => {
      const choice: SleepChoice = select.value === 'off' || select.value === 'episode' ? select.value : Number(select.value);
      send(button, Request.sleep, { choice });
    });
    listen(Notice.state, ({ sleep }) => {
      const text =
        sleep.mode === 'minutes'
          ? `Stops at ${new Date(sleep.endsAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}.`
          : sleep.mode === 'episode'
            ? 'Stops at the end of this episode.'
            : '';
      setText(status, text);
      status.hidden = text === '';
    });
  }
}

/** Settings: skip length, radio play, keyboard shortcuts and follow-along. */
export class SettingsPanel extends Component {
  constructor(root: HTMLElement) {
    super(root);
    const skip = this.need('select[name="skip"]', HTMLSelectElement);
    const checks = Array.from(root.querySelectorAll<HTMLInputElement>('input[type="checkbox"]'));
    skip.addEventListener('change', () => send(skip, Request.settings, { skip: Number(skip.value) }));
    for (const check of checks) {
      const name = check.name as keyof Settings;
      check.addEventListener('change', () => send(check, Request.settings, { [name]: check.checked } as Partial<Settings>));
    }
    listen(Notice.state, ({ settings }) => {
      if (skip.value !== String(settings.skip)) skip.value = String(settings.skip);
      // The attribute too: tools that read the markup (and a form reset) see the same state.
      for (const check of checks) check.checked = check.defaultChecked = settings[check.name as keyof Settings] === true;
    });
  }
}

/** Offers to resume where the listener stopped last time. */
export class Resume extends Component {
  constructor(root: HTMLElement) {
    super(root);
    const text = this.need('[data-resume-text]', HTMLElement);
    const button = this.need('button', HTMLButtonElement);
    button.addEventListener('click', () => send(button, Request.resume));
    listen(Notice.state, ({ resumeAt }) => {
      if (resumeAt !== undefined) {
        setText(text, `You stopped at ${timePhrase(resumeAt)}.`);
        setText(button, `Resume from ${timePhrase(resumeAt)}`);
      }
      const hide = resumeAt === undefined;
      if (hide && root.contains(document.activeElement)) document.querySelector<HTMLElement>('[data-module="play-button"]')?.focus();
      root.hidden = hide;
    });
  }
}

/** What went wrong, in words, where the listener meets the player. */
export class PlayerError extends Component {
  constructor(root: HTMLElement) {
    super(root);
    listen(Notice.state, ({ error }) => {
      setText(root, error ?? '');
      root.hidden = error === undefined;
    });
  }
}

/** The chapter list: each chapter link seeks there; the current one is marked. */
export class Chapters extends Component {
  constructor(root: HTMLElement) {
    super(root);
    root.addEventListener('click', (event) => {
      const link = (event.target as Element).closest(`a[${Attr.chapter}]`);
      if (link === null) return;
      event.preventDefault();
      send(link, Request.chapter, { index: Number(link.getAttribute(Attr.chapter)) });
    });
    listen(Notice.timeline, (timeline) => {
      root.querySelectorAll('[data-chapter-time]').forEach((time, i) => {
        const start = timeline?.chapters[i]?.startMs;
        setText(time, start === undefined ? '' : `(${clock(start / 1000)})`);
      });
    });
    listen(Notice.state, ({ chapterIndex }) => {
      root.querySelectorAll(`a[${Attr.chapter}]`).forEach((link, i) => setAttr(link, 'aria-current', i === chapterIndex ? 'true' : null));
    });
  }
}
