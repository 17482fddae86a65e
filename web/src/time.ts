/**
 * Times as people say them ("1 minute 5 seconds"), for sliders and
 * announcements, and as clocks ("1:05") for the eye (media-chrome `utils/time.ts`).
 */

const unit = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "1 hour 2 minutes 5 seconds"; whole seconds, never negative. */
export function timePhrase(seconds: number): string {
  const total = Math.max(0, Math.floor(Number.isFinite(seconds) ? seconds : 0));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = total % 60;
  const parts: string[] = [];
  if (hours > 0) parts.push(unit(hours, 'hour'));
  if (minutes > 0) parts.push(unit(minutes, 'minute'));
  if (rest > 0 || parts.length === 0) parts.push(unit(rest, 'second'));
  return parts.join(' ');
}

/** "1 minute 5 seconds of 3 minutes 20 seconds". */
export const positionPhrase = (time: number, duration: number): string =>
  duration > 0 ? `${timePhrase(time)} of ${timePhrase(duration)}` : timePhrase(time);

/** "1:05", or "1:02:05" past an hour. */
export function clock(seconds: number): string {
  const total = Math.max(0, Math.floor(Number.isFinite(seconds) ? seconds : 0));
  const pad = (n: number) => String(n).padStart(2, '0');
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  return hours > 0 ? `${hours}:${pad(minutes)}:${pad(total % 60)}` : `${minutes}:${pad(total % 60)}`;
}

/** "2", "1.25", "0.5": a speed without trailing zeros. */
export const rateNumber = (rate: number): string => String(Math.round(rate * 100) / 100);

/** "Speed 2 times". */
export const speedPhrase = (rate: number): string => `Speed ${rateNumber(rate)} times`;
