/**
 * What the player remembers in `localStorage`: the listener's settings and
 * where they stopped in each episode. Storage can be missing or full (private
 * windows, quotas): the player then simply forgets.
 */
import { RATES, SKIP_LENGTHS, type Settings, STEPS, type Step } from './state.js';

const SETTINGS_KEY = 'atl:settings';
const positionKey = (episodeId: string): string => `atl:position:${episodeId}`;

export const DEFAULT_SETTINGS: Settings = { rate: 1, volume: 1, skip: 10, step: 'time', shortcuts: true, follow: true, radio: false };

function read(key: string): unknown {
  try {
    const text = localStorage.getItem(key);
    return text === null ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

function write(key: string, value: unknown): void {
  try {
    if (value === undefined) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Nowhere to remember it: the setting still holds for this visit.
  }
}

/** Keeps only values the player can use; anything else falls back to the default. */
export function checkSettings(value: unknown): Settings {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const pick = <T>(ok: (x: unknown) => x is T, key: keyof Settings, fallback: T): T => (ok(v[key]) ? v[key] : fallback);
  const isBool = (x: unknown): x is boolean => typeof x === 'boolean';
  return {
    rate: pick((x): x is number => RATES.includes(x as number), 'rate', DEFAULT_SETTINGS.rate),
    volume: pick((x): x is number => typeof x === 'number' && x >= 0 && x <= 1, 'volume', DEFAULT_SETTINGS.volume),
    skip: pick((x): x is number => SKIP_LENGTHS.includes(x as number), 'skip', DEFAULT_SETTINGS.skip),
    step: pick((x): x is Step => STEPS.includes(x as Step), 'step', DEFAULT_SETTINGS.step),
    shortcuts: pick(isBool, 'shortcuts', DEFAULT_SETTINGS.shortcuts),
    follow: pick(isBool, 'follow', DEFAULT_SETTINGS.follow),
    radio: pick(isBool, 'radio', DEFAULT_SETTINGS.radio),
  };
}

export const loadSettings = (): Settings => checkSettings(read(SETTINGS_KEY));
export const saveSettings = (settings: Settings): void => write(SETTINGS_KEY, settings);

/** Seconds into the episode where the listener stopped, if remembered. */
export function loadPosition(episodeId: string): number | undefined {
  const value = read(positionKey(episodeId));
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

export const savePosition = (episodeId: string, seconds: number | undefined): void =>
  write(positionKey(episodeId), seconds === undefined ? undefined : Math.round(seconds * 10) / 10);
