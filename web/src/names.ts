/**
 * Event names and the shapes they carry. Controls send requests; the player
 * controller alone acts on the `<audio>` element and answers with notices
 * once the media element has confirmed the change.
 */
import type { EpisodeTimeline } from '../../server/src/shared/timeline.js';

/** The server's `/transcript.json`, as the server declares it. */
export type { EpisodeTimeline };

/** Requests, dispatched (bubbling) from the control the listener used. */
export const Request = {
  toggle: 'atl:request-toggle',
  seek: 'atl:request-seek',
  skip: 'atl:request-skip',
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
} as const;

/** Notices, dispatched on `document`. */
export const Notice = {
  /** The player's state, after the media element confirmed a change. */
  state: 'atl:state',
  /** The episode's timings arrived (or changed with the episode). */
  timeline: 'atl:timeline',
  /** A status message for the one polite announcer. */
  announce: 'atl:announce',
} as const;

export type SleepChoice = 'off' | 'episode' | number;
export type Direction = -1 | 1;

export interface RequestDetails {
  [Request.toggle]: undefined;
  /** `quiet`: the control speaks for itself (a slider), so nothing is announced. */
  [Request.seek]: { seconds: number; quiet?: boolean; play?: boolean };
  [Request.skip]: { direction: Direction };
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
}

export type RequestName = keyof RequestDetails;

/** What the listener chose, remembered between visits. */
export interface Settings {
  readonly rate: number;
  readonly volume: number;
  readonly skip: number;
  readonly shortcuts: boolean;
  readonly follow: boolean;
  readonly radio: boolean;
}

export interface EpisodeRef {
  readonly id: string;
  readonly title: string;
  /** 1-based place in the episode list, and the list's length. */
  readonly number: number;
  readonly count: number;
}

export type SleepState = { readonly mode: 'off' } | { readonly mode: 'episode' } | { readonly mode: 'minutes'; readonly endsAt: number };

export interface PlayerState {
  readonly episode: EpisodeRef;
  readonly playing: boolean;
  /** Seconds. */
  readonly time: number;
  readonly duration: number;
  /** Counts seeks the media element finished: a change means "jumped", not "played on". */
  readonly seeks: number;
  readonly muted: boolean;
  readonly settings: Settings;
  readonly chapterIndex: number | undefined;
  readonly chapterCount: number;
  readonly sentenceId: string | undefined;
  readonly sleep: SleepState;
  /** Where the listener stopped last time, while the player offers to resume there. */
  readonly resumeAt: number | undefined;
  /** The last "Where am I?" answer. */
  readonly where: string | undefined;
  readonly error: string | undefined;
  /** The audio file really playing (the first source the browser could use). */
  readonly source: string;
}

export interface NoticeDetails {
  [Notice.state]: PlayerState;
  [Notice.timeline]: EpisodeTimeline | undefined;
  [Notice.announce]: { message: string };
}

/** Speeds from 0.5 to 4 times, in quarter steps. */
export const RATES: readonly number[] = Array.from({ length: 15 }, (_, i) => 0.5 + i * 0.25);
export const SKIP_LENGTHS: readonly number[] = [5, 10, 15, 30, 60];

/** Sends a request from `from` (bubbling, so the controller hears it wherever the control is). */
export function send<K extends RequestName>(from: EventTarget, name: K, ...detail: RequestDetails[K] extends undefined ? [] : [RequestDetails[K]]): void {
  from.dispatchEvent(new CustomEvent(name, { bubbles: true, detail: detail[0] }));
}

/** Sends a notice on `document`. */
export function notify<K extends keyof NoticeDetails>(name: K, detail: NoticeDetails[K]): void {
  document.dispatchEvent(new CustomEvent(name, { detail }));
}

/** Listens to a notice on `document`. */
export function listen<K extends keyof NoticeDetails>(name: K, handle: (detail: NoticeDetails[K]) => void): void {
  document.addEventListener(name, (event) => handle((event as CustomEvent<NoticeDetails[K]>).detail));
}

/** Listens to a request on `document`, with the element it came from. */
export function onRequest<K extends RequestName>(name: K, handle: (detail: RequestDetails[K], from: Element | undefined) => void): void {
  document.addEventListener(name, (event) => handle((event as CustomEvent<RequestDetails[K]>).detail, event.target instanceof Element ? event.target : undefined));
}

/** Attributes the page generator writes and the components look for. */
export const Attr = {
  module: 'data-module',
  started: 'data-module-started',
  swap: 'data-swap',
  sentence: 'data-sentence',
  person: 'data-person',
  pronounce: 'data-pronounce',
  chapter: 'data-chapter',
  episodeLink: 'data-episode-id',
  close: 'data-close',
} as const;
