/**
 * The page's one polite announcer: a visually hidden `role="status"` region
 * that speaks what the listener caused. It changes exactly once per message;
 * a message equal to the last one gets a no-break space so it is spoken again.
 */
import { Component, ComponentError } from './component.js';
import { listen, Notice, playerRoot } from './events.js';

export class Announcer extends Component {
  static #started = false;

  constructor(root: HTMLElement) {
    if (Announcer.#started) throw new ComponentError('The page has one announcer already');
    if (root.getAttribute('role') !== 'status') throw new ComponentError('The announcer must be a role="status" region');
    super(root);
    Announcer.#started = true;
    listen(playerRoot(root), Notice.announce, ({ message }) => this.#say(message));
  }

  #say(message: string): void {
    this.root.textContent = this.root.textContent === message ? `${message}\u00a0` : message;
  }
}
