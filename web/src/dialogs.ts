/**
 * Modal dialogs on native `<dialog>` with `showModal()`: the page behind is
 * inert and Escape closes. Tab and Shift+Tab wrap around inside the dialog
 * rather than leave for the browser's toolbar. On close, focus goes back to
 * the element that opened the dialog — the way back to the same place — or,
 * if that is gone, to the play button, never to `<body>`; a key pressed right
 * after closing is never undone.
 */
import { Attr, Component, focusHome } from './component.js';
import { onRequest, playerRoot, Request, send } from './events.js';
import { SHORTCUTS } from './shortcuts.js';

function openDialog(dialog: HTMLDialogElement, opener: Element | null, focus: HTMLElement | null): void {
  const back = opener instanceof HTMLElement ? opener : null;
  dialog.addEventListener(
    'close',
    () => {
      // The browser gives focus back as the dialog closes; this event comes a task later, and a
      // quick listener may have pressed Tab in between. Step in only where focus was left nowhere.
      const now = document.activeElement;
      if (now !== null && now !== document.body && !dialog.contains(now)) return;
      (back?.isConnected === true ? back : focusHome())?.focus();
    },
    { once: true },
  );
  dialog.showModal();
  focus?.focus();
}

const FOCUSABLE = 'a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])';

function wireDialog(dialog: HTMLDialogElement): void {
  dialog.querySelector(`[${Attr.close}]`)?.addEventListener('click', () => dialog.close());
  dialog.addEventListener('keydown', (event) => {
    if (event.key !== 'Tab') return;
    const stops = Array.from(dialog.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((el) => el.getClientRects().length > 0);
    const [first, last] = [stops[0], stops.at(-1)];
    const edge = event.shiftKey ? first : last;
    if (edge === undefined || (document.activeElement !== edge && dialog.contains(document.activeElement) && document.activeElement?.matches(FOCUSABLE))) return;
    event.preventDefault();
    (event.shiftKey ? last : first)?.focus();
  });
}

/** The keyboard shortcuts dialog, listed from the shortcuts themselves. */
export class Help extends Component {
  constructor(root: HTMLElement) {
    super(root);
    const button = this.need('button', HTMLButtonElement);
    const dialog = this.need('dialog', HTMLDialogElement);
    const heading = this.need('h2', HTMLElement);
    const rows = this.need('[data-shortcut-rows]', HTMLElement);
    rows.replaceChildren(
      ...SHORTCUTS.map(({ keys, action }) => {
        const row = document.createElement('tr');
        const key = document.createElement('td');
        key.append(...keys.split('+').flatMap((k, i) => [...(i > 0 ? ['+'] : []), Object.assign(document.createElement('kbd'), { textContent: k })]));
        row.append(key, Object.assign(document.createElement('td'), { textContent: action }));
        return row;
      }),
    );
    wireDialog(dialog);
    const open = (opener: Element | null) => {
      if (!dialog.open) openDialog(dialog, opener, heading);
    };
    button.addEventListener('click', () => open(button));
    onRequest(playerRoot(root), Request.help, (_, from) => open(from ?? document.activeElement));
  }
}

/** "Who is this?": every link to a person's card, anywhere in the player's root, opens the card in a dialog. */
export class Cast extends Component {
  constructor(root: HTMLElement) {
    super(root);
    const dialog = this.need('dialog', HTMLDialogElement);
    const place = this.need('[data-card]', HTMLElement);
    wireDialog(dialog);
    playerRoot(root).addEventListener('click', (event) => {
      const link = (event.target as Element).closest(`a[${Attr.person}]`);
      const card = link === null ? null : document.getElementById(`person-${link.getAttribute(Attr.person) ?? ''}`);
      if (link === null || card === null) return;
      event.preventDefault();
      const copy = card.cloneNode(true) as HTMLElement;
      // The copy must not repeat the page's ids; its heading names the dialog.
      for (const element of [copy, ...copy.querySelectorAll('[id]')]) element.removeAttribute('id');
      copy.removeAttribute('aria-labelledby');
      const heading = copy.querySelector('h3');
      heading?.setAttribute('id', 'card-title');
      heading?.setAttribute('tabindex', '-1');
      place.replaceChildren(copy);
      // From a card to another card: the dialog stays open, and closing it still goes back to the first link.
      if (dialog.open) heading?.focus();
      else openDialog(dialog, link, heading);
    });
  }
}

/** "How do you say it?": a name link plays the name, spoken slowly or spelled out, in the page. */
export class Names extends Component {
  constructor(root: HTMLElement) {
    super(root);
    playerRoot(root).addEventListener('click', (event) => {
      const link = (event.target as Element).closest<HTMLAnchorElement>(`a[${Attr.pronounce}]`);
      if (link === null) return;
      event.preventDefault();
      send(link, Request.pronounce, { url: link.href, name: link.dataset.name ?? link.textContent ?? '' });
    });
  }
}
