/**
 * Keyboard shortcuts, wherever focus is in the page's main content (the
 * player, the transcript, the names, the cards, the search results) or
 * nowhere yet, except in text fields and selects, whose keys are the
 * listener's own; and only when the listener has not turned them off (WCAG
 * 2.1.4). Each is Alt+Shift with a key (Option+Shift on a Mac), matched by the
 * physical key so that it works on any layout.
 *
 * The keys are chosen to pass through screen readers in browse mode: GNOME
 * Orca 43 takes Alt+Shift with a, b, c, e, f, g, h, i, k, l, m, o, p, q, r,
 * t, u, v, x and the arrows, Home and End for itself (lists of elements, table
 * cells); checked with Orca itself, where Alt+Shift+P opened its list of
 * paragraphs and Alt+Shift+Right said "Not in a table". NVDA's and
 * VoiceOver's documented commands use their own modifier keys (Insert or
 * Caps Lock; Control+Option), and none of them is Alt+Shift with these keys.
 */
import { type Direction, playerRoot, Request, type RequestDetails, type RequestName, send, type SentenceMove, watch } from './events.js';
import type { Step } from './state.js';

interface Shortcut {
  /** `KeyboardEvent.code`: the physical key. */
  readonly code: string;
  /** As the help dialog shows it. */
  readonly keys: string;
  readonly action: string;
  readonly request: { [K in RequestName]: RequestDetails[K] extends undefined ? readonly [K] : readonly [K, RequestDetails[K]] }[RequestName];
}

const step = (direction: Direction): Shortcut['request'] => [Request.step, { direction }];
const chooseStep = (chosen: Step): Shortcut['request'] => [Request.step, { step: chosen }];
const sentence = (move: SentenceMove): Shortcut['request'] => [Request.sentence, { move }];

export const SHORTCUTS: readonly Shortcut[] = [
  { code: 'KeyS', keys: 'Alt+Shift+S', action: 'Play or pause', request: [Request.toggle] },
  { code: 'Comma', keys: 'Alt+Shift+Comma', action: 'Back one step (a chapter, a sentence or the skip length, as chosen)', request: step(-1) },
  { code: 'Period', keys: 'Alt+Shift+Full stop', action: 'Forward one step', request: step(1) },
  { code: 'Digit1', keys: 'Alt+Shift+1', action: 'Step by chapter', request: chooseStep('chapter') },
  { code: 'Digit2', keys: 'Alt+Shift+2', action: 'Step by sentence', request: chooseStep('sentence') },
  { code: 'Digit3', keys: 'Alt+Shift+3', action: 'Step by the skip length', request: chooseStep('time') },
  { code: 'BracketLeft', keys: 'Alt+Shift+Left bracket', action: 'Previous sentence', request: sentence('previous') },
  { code: 'Backslash', keys: 'Alt+Shift+Backslash', action: 'This sentence again', request: sentence('repeat') },
  { code: 'BracketRight', keys: 'Alt+Shift+Right bracket', action: 'Next sentence', request: sentence('next') },
  { code: 'PageUp', keys: 'Alt+Shift+Page Up', action: 'Previous chapter', request: [Request.chapter, { direction: -1 }] },
  { code: 'PageDown', keys: 'Alt+Shift+Page Down', action: 'Next chapter', request: [Request.chapter, { direction: 1 }] },
  { code: 'Digit9', keys: 'Alt+Shift+9', action: 'Previous episode', request: [Request.episode, { direction: -1 }] },
  { code: 'Digit0', keys: 'Alt+Shift+0', action: 'Next episode', request: [Request.episode, { direction: 1 }] },
  { code: 'Minus', keys: 'Alt+Shift+Minus', action: 'Slower', request: [Request.rate, { step: -1 }] },
  { code: 'Equal', keys: 'Alt+Shift+Equals', action: 'Faster', request: [Request.rate, { step: 1 }] },
  { code: 'KeyZ', keys: 'Alt+Shift+Z', action: 'Mute or unmute', request: [Request.mute] },
  { code: 'KeyW', keys: 'Alt+Shift+W', action: 'Where am I?', request: [Request.where] },
  { code: 'Slash', keys: 'Alt+Shift+Slash', action: 'This list of shortcuts', request: [Request.help] },
];

/** Where the keys belong to the field: typing, choosing in a list. */
function isTextField(target: Element): boolean {
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement || (target instanceof HTMLElement && target.isContentEditable)) return true;
  return target instanceof HTMLInputElement && !['range', 'checkbox', 'radio', 'button', 'submit', 'reset'].includes(target.type);
}

/**
 * Turns the shortcuts into requests for the player whose root is `root`,
 * sent from the element that has focus (so a dialog they open gives focus
 * back there).
 */
export function listenForShortcuts(root: HTMLElement): void {
  let enabled = true;
  watch(playerRoot(root), (s) => s.settings.shortcuts, (on) => (enabled = on));
  // On the document, to hear keys pressed before anything has focus; acted on only for the player's root.
  root.ownerDocument.addEventListener('keydown', (event) => {
    if (!enabled || !event.altKey || !event.shiftKey || event.ctrlKey || event.metaKey || event.repeat) return;
    const target = event.target instanceof Element ? event.target : root;
    const from = root.contains(target) ? target : target === root.ownerDocument.body ? root : undefined;
    if (from === undefined || isTextField(from)) return;
    const shortcut = SHORTCUTS.find((s) => s.code === event.code);
    if (shortcut === undefined) return;
    event.preventDefault();
    const [name, detail] = shortcut.request;
    (send as (from: EventTarget, name: RequestName, detail?: unknown) => void)(from, name, detail);
  });
}
