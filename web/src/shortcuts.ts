/**
 * Keyboard shortcuts, only while focus is inside the player and only when the
 * listener has not turned them off (WCAG 2.1.4). Every shortcut is Alt+Shift
 * with a key (Option+Shift on a Mac), matched by the physical key so that it
 * works on any layout. Screen readers pass Alt+Shift chords through even in
 * browse mode, and none of NVDA, JAWS, VoiceOver or Orca uses them; the plain
 * keys screen readers use for quick navigation (letters, arrows in browse
 * mode) are never taken. Native keys (Space, Enter, arrows on sliders) are left
 * to the controls.
 */
import { Component } from './component.js';
import { listen, Notice, Request, type RequestDetails, type RequestName, send } from './names.js';

interface Shortcut {
  /** `KeyboardEvent.code`: the physical key. */
  readonly code: string;
  /** As the help dialog shows it. */
  readonly keys: string;
  readonly action: string;
  readonly request: { [K in RequestName]: RequestDetails[K] extends undefined ? readonly [K] : readonly [K, RequestDetails[K]] }[RequestName];
}

export const SHORTCUTS: readonly Shortcut[] = [
  { code: 'KeyP', keys: 'Alt+Shift+P', action: 'Play or pause', request: [Request.toggle] },
  { code: 'ArrowLeft', keys: 'Alt+Shift+Left arrow', action: 'Skip back', request: [Request.skip, { direction: -1 }] },
  { code: 'ArrowRight', keys: 'Alt+Shift+Right arrow', action: 'Skip forward', request: [Request.skip, { direction: 1 }] },
  { code: 'PageUp', keys: 'Alt+Shift+Page Up', action: 'Previous chapter', request: [Request.chapter, { direction: -1 }] },
  { code: 'PageDown', keys: 'Alt+Shift+Page Down', action: 'Next chapter', request: [Request.chapter, { direction: 1 }] },
  { code: 'Comma', keys: 'Alt+Shift+Comma', action: 'Previous episode', request: [Request.episode, { direction: -1 }] },
  { code: 'Period', keys: 'Alt+Shift+Full stop', action: 'Next episode', request: [Request.episode, { direction: 1 }] },
  { code: 'ArrowDown', keys: 'Alt+Shift+Down arrow', action: 'Slower', request: [Request.rate, { step: -1 }] },
  { code: 'ArrowUp', keys: 'Alt+Shift+Up arrow', action: 'Faster', request: [Request.rate, { step: 1 }] },
  { code: 'KeyM', keys: 'Alt+Shift+M', action: 'Mute or unmute', request: [Request.mute] },
  { code: 'KeyW', keys: 'Alt+Shift+W', action: 'Where am I?', request: [Request.where] },
  { code: 'KeyH', keys: 'Alt+Shift+H', action: 'This list of shortcuts', request: [Request.help] },
];

export class Shortcuts extends Component {
  #enabled = true;

  constructor(root: HTMLElement) {
    super(root);
    listen(Notice.state, ({ settings }) => (this.#enabled = settings.shortcuts));
    root.addEventListener('keydown', (event) => {
      if (!this.#enabled || !event.altKey || !event.shiftKey || event.ctrlKey || event.metaKey || event.repeat) return;
      const target = event.target instanceof Element ? event.target : root;
      // Inside a dialog the dialog's keys rule.
      if (target.closest('dialog') !== null) return;
      const shortcut = SHORTCUTS.find((s) => s.code === event.code);
      if (shortcut === undefined) return;
      event.preventDefault();
      const [name, detail] = shortcut.request;
      (send as (from: EventTarget, name: RequestName, detail?: unknown) => void)(target, name, detail);
    });
  }
}
