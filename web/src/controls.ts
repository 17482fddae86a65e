/**
 * The player's controls: native buttons, ranges and selects that send
 * requests and render the state the controller confirms. None of them touch
 * the `<audio>` element, and none ever takes focus away from where it is.
 */
import { Attr, Component, ComponentError, focusHome } from './component.js';
import { type Direction, listen, Notice, playerRoot, Request, send, type SentenceMove, watch } from './events.js';
import { stepName } from './navigator.js';
import { type PlayerState, RATES, type Settings, type SleepChoice, type Step, STEPS } from './state.js';
import { clock, positionPhrase, rateNumber, timePhrase } from './time.js';

/** Sets text only when it changed, so assistive technology is not told of non-changes. */
export function setText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

export function setAttr(element: Element, name: string, value: string | null): void {
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
    watch(playerRoot(play), (s) => s.playing, (playing) => setText(play, playing ? 'Pause' : 'Play'));
  }
}

/**
 * Skip, sentence, chapter and episode buttons: `data-request` says which,
 * `data-direction` (or, for sentences, `data-move`) where.
 */
export class RequestButton extends Component<HTMLButtonElement> {
  constructor(root: HTMLElement) {
    super(button(root));
    const kind = root.dataset.request;
    const step = direction(root.dataset.direction);
    const player = playerRoot(root);
    if (kind === 'sentence') {
      const move = root.dataset.move;
      if (move !== 'previous' && move !== 'repeat' && move !== 'next') throw new ComponentError(`Unknown sentence move "${move ?? ''}"`);
      root.addEventListener('click', () => send(root, Request.sentence, { move: move satisfies SentenceMove }));
      return;
    }
    if (kind !== 'skip' && kind !== 'chapter' && kind !== 'episode') throw new ComponentError(`Unknown request "${kind ?? ''}"`);
    root.addEventListener('click', () => send(root, kind === 'skip' ? Request.skip : kind === 'chapter' ? Request.chapter : Request.episode, { direction: step }));
    if (kind === 'skip') watch(player, (s) => s.settings.skip, (skip) => setText(root, `${step < 0 ? 'Back' : 'Forward'} ${skip} seconds`));
    // aria-disabled, never disabled: a disabled button would drop focus to <body>.
    if (kind === 'episode') {
      watch(player, ({ episode }) => (step < 0 ? episode.number <= 1 : episode.number >= episode.count), (last) => setAttr(root, 'aria-disabled', last ? 'true' : null));
    }
  }
}

/**
 * The position slider. Its value and time phrase follow the audio, but a
 * screen reader speaks a focused slider's every change, so while it has focus
 * they change only when the listener moved (a key here, a skip, a chapter, a
 * sentence), never on a timer; without focus, at most every few seconds. Its
 * keys are the player's own: each step starts from where the audio really is
 * (or from the last step, not yet played), so fast repeats lose nothing; Home
 * is the start and End the exact length.
 */
export class Seek extends Component {
  static readonly SYNC_EVERY_MS = 5000;
  /** Seconds per arrow key, and per Page Up or Page Down. */
  static readonly STEP = 5;
  static readonly PAGE = 30;
  readonly #input: HTMLInputElement;
  #state: PlayerState | undefined;
  #syncedAt = 0;
  #jumps = -1;

  constructor(root: HTMLElement) {
    super(root);
    const input = (this.#input = this.need('input[type="range"]', HTMLInputElement));
    const time = this.need('[data-clock]', HTMLElement);
    // Any position, not multiples of a step: the audio is rarely at one, and End must be the exact length.
    input.step = 'any';
    input.addEventListener('keydown', (event) => this.#key(event));
    // Dragging, or a screen reader's own increment: the phrase follows, the audio moves when it is let go.
    input.addEventListener('input', () => setAttr(input, 'aria-valuetext', positionPhrase(Number(input.value), this.#state?.duration ?? 0)));
    input.addEventListener('change', () => send(input, Request.seek, { seconds: Number(input.value), quiet: true }));
    // Arriving on the slider, it says where the audio is now.
    input.addEventListener('focus', () => this.#sync());
    input.addEventListener('blur', () => this.#sync());
    const player = playerRoot(root);
    watch(player, (s) => `${clock(s.time)} / ${clock(s.duration)}`, (text) => setText(time, text));
    listen(player, Notice.state, (s) => this.#render(s));
  }

  #key(event: KeyboardEvent): void {
    const s = this.#state;
    if (s === undefined || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const steps: Partial<Record<string, number>> = { ArrowRight: Seek.STEP, ArrowUp: Seek.STEP, ArrowLeft: -Seek.STEP, ArrowDown: -Seek.STEP, PageUp: Seek.PAGE, PageDown: -Seek.PAGE };
    const by = steps[event.key];
    if (by === undefined && event.key !== 'Home' && event.key !== 'End') return;
    event.preventDefault();
    // Steps count from where the audio really is, or from the last step not yet played: the
    // controller knows, and publishes the new place at once, which this slider then shows.
    send(this.#input, Request.seek, { ...(by === undefined ? { seconds: event.key === 'Home' ? 0 : s.duration } : { by }), quiet: true });
  }

  #render(s: PlayerState): void {
    this.#state = s;
    setAttr(this.#input, 'max', String(s.duration));
    const moved = s.jumps !== this.#jumps;
    if (document.activeElement === this.#input ? moved : moved || !s.playing || Date.now() - this.#syncedAt >= Seek.SYNC_EVERY_MS) this.#sync();
  }

  #sync(): void {
    const s = this.#state;
    if (s === undefined) return;
    this.#jumps = s.jumps;
    this.#syncedAt = Date.now();
    this.#show(s.time, s.duration);
  }

  #show(seconds: number, duration: number): void {
    if (Number(this.#input.value) !== seconds) this.#input.value = String(seconds);
    setAttr(this.#input, 'aria-valuetext', positionPhrase(seconds, duration));
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
    watch(playerRoot(root), (s) => s.settings.rate, (rate) => {
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
    const player = playerRoot(root);
    watch(player, (s) => s.muted, (muted) => setText(mute, muted ? 'Unmute' : 'Mute'));
    watch(player, (s) => s.settings.volume, (volume) => {
      if (document.activeElement === input) return;
      input.value = String(Math.round(volume * 100));
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
    watch(playerRoot(root), (s) => s.where, (where) => {
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
    watch(playerRoot(root), (s) => s.sleep, (sleep) => {
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

/** Settings: skip length, what previous and next move by, radio play, keyboard shortcuts and follow-along. */
export class SettingsPanel extends Component {
  constructor(root: HTMLElement) {
    super(root);
    const skip = this.need('select[name="skip"]', HTMLSelectElement);
    const step = this.need('select[name="step"]', HTMLSelectElement);
    const checks = Array.from(root.querySelectorAll<HTMLInputElement>('input[type="checkbox"]'));
    skip.addEventListener('change', () => send(skip, Request.settings, { skip: Number(skip.value) }));
    step.addEventListener('change', () => {
      const chosen = STEPS.find((s) => s === step.value);
      if (chosen !== undefined) send(step, Request.settings, { step: chosen });
    });
    for (const check of checks) {
      const name = check.name as keyof Settings;
      check.addEventListener('change', () => send(check, Request.settings, { [name]: check.checked } as Partial<Settings>));
    }
    watch(playerRoot(root), (s) => s.settings, (settings) => {
      if (skip.value !== String(settings.skip)) skip.value = String(settings.skip);
      if (step.value !== settings.step) step.value = settings.step;
      // The time step is the skip length: its option says how long.
      for (const option of step.options) setText(option, stepName(option.value as Step, settings.skip).replace(/^./, (c) => c.toUpperCase()));
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
    watch(playerRoot(root), (s) => s.resumeAt, (resumeAt) => {
      if (resumeAt !== undefined) {
        setText(text, `You stopped at ${timePhrase(resumeAt)}.`);
        setText(button, `Resume from ${timePhrase(resumeAt)}`);
      }
      const hide = resumeAt === undefined;
      if (hide && root.contains(document.activeElement)) focusHome()?.focus();
      root.hidden = hide;
    });
  }
}

/** What went wrong, in words, where the listener meets the player. */
export class PlayerError extends Component {
  constructor(root: HTMLElement) {
    super(root);
    watch(playerRoot(root), (s) => s.error, (error) => {
      setText(root, error ?? '');
      root.hidden = error === undefined;
    });
  }
}

/** The chapter list: each chapter link seeks there; the current one is marked. */
export class Chapters extends Component {
  constructor(root: HTMLElement) {
    super(root);
    const player = playerRoot(root);
    root.addEventListener('click', (event) => {
      const link = (event.target as Element).closest(`a[${Attr.chapter}]`);
      if (link === null) return;
      event.preventDefault();
      send(link, Request.chapter, { index: Number(link.getAttribute(Attr.chapter)) });
    });
    listen(player, Notice.timeline, (timeline) => {
      root.querySelectorAll('[data-chapter-time]').forEach((time, i) => {
        const start = timeline?.chapters[i]?.startMs;
        setText(time, start === undefined ? '' : `(${clock(start / 1000)})`);
      });
    });
    // With the episode too: another episode's list comes in unmarked, even at the same index.
    watch(player, (s) => [s.episode.id, s.chapterIndex] as const, ([, chapterIndex]) => {
      root.querySelectorAll(`a[${Attr.chapter}]`).forEach((link, i) => setAttr(link, 'aria-current', i === chapterIndex ? 'true' : null));
    });
  }
}
