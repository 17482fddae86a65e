/**
 * The names of the player's events and the shapes they carry, and the only
 * ways to send and hear them. Everything happens on the player's root (the
 * page's `<main>`), never on `document`: controls send requests that bubble
 * up to it from the control the listener used; the controller alone answers,
 * with notices dispatched on that root once the media element has confirmed.
 */
import { ComponentError } from './component.js';
import type { PlayerState, Settings, SleepChoice, Step } from './state.js';
import type { Timeline } from './timeline.js';

/** Requests, dispatched (bubbling) from the control the listener used. */
export const Request = {
  toggle: 'atl:request-toggle',
  seek: 'atl:request-seek',
  skip: 'atl:request-skip',
  step: 'atl:request-step',
  sentence: 'atl:request-sentence',
  chapter: 'atl:request-chapter',
  episode: 'atl:request-episode',
  rate: 'atl:request-rate',
  volume: 'atl:request-volume',
  mute: 'atl:request-mute',
  where: 'atl:request-where',
  sleep: 'atl:request-sleep',
  resume: 'atl:request-resume',
  settings: 'atl:request-settings',
  pronounce: 'atl:request-pronounce',
  help: 'atl:request-help',
  announce: 'atl:request-announce',
} as const;

/** Notices, dispatched on the player's root. */
export const Notice = {
  /** The player's state, after the media element confirmed a change; sent only when something changed. */
  state: 'atl:state',
  /** The episode's timings arrived (or changed with the episode). */
  timeline: 'atl:timeline',
  /** A status message for the one polite announcer. */
  announce: 'atl:announce',
} as const;

export type Direction = -1 | 1;

/** Where a sentence request goes: the one before, the one being spoken again, or the one after. */
export type SentenceMove = 'previous' | 'repeat' | 'next';

export interface RequestDetails {
  [Request.toggle]: undefined;
  /**
   * To `seconds`, or `by` seconds from where the audio is (or is going: the
   * last seek asked for, even if not finished). `quiet`: the control speaks for
   * itself (a slider), so nothing is announced. `landing`: what to announce once
   * there, after the time. `episodeId`: a place in another episode, opened first.
   */
  [Request.seek]: ({ seconds: number } | { by: number }) & { quiet?: boolean; play?: boolean; landing?: string; episodeId?: string };
  [Request.skip]: { direction: Direction };
  /** Back or forward by the step the listener chose (chapter, sentence or the skip length). */
  [Request.step]: { direction: Direction } | { step: Step };
  [Request.sentence]: { move: SentenceMove };
  [Request.chapter]: { direction: Direction } | { index: number };
  [Request.episode]: { direction: Direction } | { id: string };
  [Request.rate]: { step: Direction };
  [Request.volume]: { volume: number };
  [Request.mute]: undefined;
  [Request.where]: undefined;
  [Request.sleep]: { choice: SleepChoice };
  [Request.resume]: undefined;
  [Request.settings]: Partial<Settings>;
  [Request.pronounce]: { url: string; name: string };
  [Request.help]: undefined;
  /** Something a component says about what the listener did (saving for offline, a search's count). */
  [Request.announce]: { message: string };
}

export type RequestName = keyof RequestDetails;

export interface NoticeDetails {
  [Notice.state]: PlayerState;
  [Notice.timeline]: Timeline | undefined;
  [Notice.announce]: { message: string };
}

/** Where the player's events happen: the element the player controller is started on. */
const PLAYER_ROOT = '[data-module="player"]';

/** The player's root that `element` belongs to. */
export function playerRoot(element: Element): HTMLElement {
  const root = element.closest<HTMLElement>(PLAYER_ROOT);
  if (root === null) throw new ComponentError('This component must be inside the player\'s root ([data-module="player"])');
  return root;
}

/** Sends a request from `from`; it bubbles up to the player's root, where the controller hears it. */
export function send<K extends RequestName>(from: EventTarget, name: K, ...detail: RequestDetails[K] extends undefined ? [] : [RequestDetails[K]]): void {
  from.dispatchEvent(new CustomEvent(name, { bubbles: true, detail: detail[0] }));
}

/** Sends a notice on the player's root. */
export function notify<K extends keyof NoticeDetails>(root: HTMLElement, name: K, detail: NoticeDetails[K]): void {
  root.dispatchEvent(new CustomEvent(name, { detail }));
}

/** Listens to a notice on the player's root. */
export function listen<K extends keyof NoticeDetails>(root: HTMLElement, name: K, handle: (detail: NoticeDetails[K]) => void): void {
  root.addEventListener(name, (event) => handle((event as CustomEvent<NoticeDetails[K]>).detail));
}

/** Listens to a request on the player's root, with the element it came from. */
export function onRequest<K extends RequestName>(root: HTMLElement, name: K, handle: (detail: RequestDetails[K], from: Element | undefined) => void): void {
  root.addEventListener(name, (event) => handle((event as CustomEvent<RequestDetails[K]>).detail, event.target instanceof Element ? event.target : undefined));
}

/**
 * Renders the part of the state a component shows, and only when that part
 * changed: `select` picks it, and a new value equal (field by field) to the
 * last one is not rendered again.
 */
export function watch<T>(root: HTMLElement, select: (state: PlayerState) => T, render: (value: T, state: PlayerState) => void): void {
  let last: { value: T } | undefined;
  listen(root, Notice.state, (state) => {
    const value = select(state);
    if (last !== undefined && sameValue(last.value, value)) return;
    last = { value };
    render(value, state);
  });
}

/** Equal values, comparing plain objects and arrays field by field. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}
