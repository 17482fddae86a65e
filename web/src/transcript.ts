/**
 * The transcript: once the timings arrive, each sentence becomes a link that
 * seeks there (and plays); the sentence being spoken carries `aria-current`
 * and a visible underline. Follow-along scrolls the transcript's own box (never
 * the page, so a focused control stays in view), instantly under
 * `prefers-reduced-motion`, and not at all while focus is in the transcript or
 * when the listener turned it off; turned back on, it goes to the spoken sentence.
 */
import { Attr, Component } from './component.js';
import { listen, Notice, playerRoot, Request, send, watch } from './events.js';
import type { Timeline } from './timeline.js';

interface FollowState {
  readonly sentenceId: string | undefined;
  readonly playing: boolean;
  readonly follow: boolean;
}

export class Transcript extends Component {
  readonly #box: HTMLElement;
  readonly #reduceMotion = matchMedia('(prefers-reduced-motion: reduce)');
  #current: Element | undefined;
  #following = false;
  #last: FollowState = { sentenceId: undefined, playing: false, follow: true };

  constructor(root: HTMLElement) {
    super(root);
    this.#box = this.need(`[${Attr.swap}="transcript"]`, HTMLElement);
    root.classList.add('is-enhanced');
    root.addEventListener('click', (event) => {
      const link = (event.target as Element).closest<HTMLAnchorElement>(`a[${Attr.sentence}][href]`);
      if (link === null || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      send(link, Request.seek, { seconds: Number(link.dataset.start), play: true });
    });
    const player = playerRoot(root);
    listen(player, Notice.timeline, (timeline) => {
      this.#link(timeline);
      // Another episode's sentences came in, unmarked: mark the spoken one even if its id is the same.
      this.#follow(this.#last);
    });
    watch(player, ({ sentenceId, playing, settings }) => ({ sentenceId, playing, follow: settings.follow }), (state) => this.#follow(state));
  }

  /** Sentence links get `href="#t=…"`: the time, also a deep link to share. */
  #link(timeline: Timeline | undefined): void {
    const starts = new Map(timeline?.sentences.map((s) => [s.id, s.startMs / 1000]));
    this.#current = undefined;
    for (const link of this.#box.querySelectorAll<HTMLAnchorElement>(`a[${Attr.sentence}]`)) {
      const start = starts.get(link.getAttribute(Attr.sentence) ?? '');
      if (start === undefined) {
        link.removeAttribute('href');
        continue;
      }
      link.dataset.start = String(start);
      link.href = `#t=${start.toFixed(2)}`;
    }
  }

  #follow(state: FollowState): void {
    this.#last = state;
    const { sentenceId, playing, follow } = state;
    const current = sentenceId === undefined ? undefined : (this.#box.querySelector(`[${Attr.sentence}="${CSS.escape(sentenceId)}"]`) ?? undefined);
    const moved = current !== this.#current;
    const switchedOn = follow && !this.#following;
    this.#following = follow;
    if (moved) {
      this.#current?.removeAttribute('aria-current');
      current?.setAttribute('aria-current', 'true');
      this.#current = current;
    }
    if (!(moved || switchedOn) || current === undefined || !follow || !playing || this.root.contains(document.activeElement)) return;
    const box = this.#box;
    // The box is the sentence's offset parent (it is positioned), so offsetTop is within the box.
    const top = (current as HTMLElement).offsetTop;
    // Scroll only when the sentence leaves the box's upper two thirds.
    if (top < box.scrollTop || top > box.scrollTop + (box.clientHeight * 2) / 3) {
      box.scrollTo({ top: Math.max(0, top - box.clientHeight / 3), behavior: this.#reduceMotion.matches ? 'instant' : 'smooth' });
    }
  }
}
