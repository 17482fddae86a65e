/**
 * What the player knows and the listener chose: the state the controller
 * publishes, the settings it remembers, and the fixed choices (speeds, skip
 * lengths, steps).
 */

/** What "previous" and "next" move by: a chapter, a sentence, or the skip length. */
export type Step = 'chapter' | 'sentence' | 'time';
export const STEPS: readonly Step[] = ['chapter', 'sentence', 'time'];

/** What the listener chose, remembered between visits. */
export interface Settings {
  readonly rate: number;
  readonly volume: number;
  readonly skip: number;
  readonly step: Step;
  readonly shortcuts: boolean;
  readonly follow: boolean;
  readonly radio: boolean;
}

export type SleepChoice = 'off' | 'episode' | number;
export type SleepState = { readonly mode: 'off' } | { readonly mode: 'episode' } | { readonly mode: 'minutes'; readonly endsAt: number };

export interface EpisodeRef {
  readonly id: string;
  readonly title: string;
  /** 1-based place in the episode list, and the list's length. */
  readonly number: number;
  readonly count: number;
}

export interface PlayerState {
  readonly episode: EpisodeRef;
  readonly playing: boolean;
  /** Seconds. */
  readonly time: number;
  readonly duration: number;
  /** Counts the jumps the listener asked for (a skip, a chapter, a sentence, the slider): a change means "moved", not "played on". */
  readonly jumps: number;
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

/** Speeds from 0.5 to 4 times, in quarter steps. */
export const RATES: readonly number[] = Array.from({ length: 15 }, (_, i) => 0.5 + i * 0.25);
export const SKIP_LENGTHS: readonly number[] = [5, 10, 15, 30, 60];
